"""plugins.cash: scenario ledgers in, the errors out, compared in full."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from beancount.parser import printer

from ledger.books import Books
from ledger.config import ConfigError, parse_config
from ledger.errors import format_error
from plugins.cash import cash
from tests.cash_books import HEADER, buy_xyz, config, settle_t1

Ledger = Callable[..., Books]


@pytest.fixture(autouse=True)
def _as_of_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI publishes its as-of date through the environment; these books pin theirs.
    monkeypatch.setenv("BACKOFFICE_AS_OF", "")


def messages(books: Books) -> list[str]:
    """The errors' messages, with the books' files named relative to the books."""
    where = f"{books.directory}/"
    return [format_error(e).split(": ", 1)[1].replace(where, "") for e in books.errors]


def line(text: str, start: str) -> int:
    """The line of ``text`` (as written to main.beancount) that starts with ``start``."""
    lines = text.lstrip("\n").splitlines()
    return next(i for i, text_line in enumerate(lines, 1) if text_line.startswith(start))


def lines(books: Books) -> list[int]:
    return [e.source["lineno"] for e in books.errors]


BUY_BEFORE_CASH = (
    HEADER
    + """
2026-11-02 * "Opening" "Cash"
  Assets:Custody:Custodia:Cash:USD     20000.00 USD
  Assets:Bank:FirstHarbor:USD        1000000.00 USD
  Equity:Opening
"""
    + buy_xyz("2026-11-23", "2026-11-24")
    + """
2026-11-24 * "First Harbor Bank" "Transfer to Custodia"
  value-date: 2026-11-25
  Assets:Custody:Custodia:Cash:USD     50000.00 USD
  Assets:Bank:FirstHarbor:USD         -50000.00 USD
"""
)

BUY_BEFORE_CASH_ERROR = (
    "cash floor breached: Assets:Custody:Custodia:Cash:USD closes 2026-11-24 at "
    "-41,250.00 USD (end of day by value date, projected settlements included), below "
    "its cash-floor of 0 USD, short by 41,250.00 USD; outflows that day: -61,250.00 USD "
    "projected settlement of trade-T1 (main.beancount:{line}); hint: move at least "
    "41,250.00 USD into Assets:Custody:Custodia:Cash:USD with value date 2026-11-24 or "
    "earlier ('backoffice cash' suggests transfers from accounts with headroom), or "
    "correct the flows' value dates"
)


def test_buy_settling_the_day_before_its_cash_arrives(ledger: Ledger) -> None:
    """The trade settles on the 24th; the transfer booked that day has value date the 25th."""
    books = ledger(BUY_BEFORE_CASH, config=config("2026-11-23"))
    trade_line = (
        BUY_BEFORE_CASH.lstrip("\n")
        .splitlines()
        .index('2026-11-23 * "AlphaSec" "Buy 1000 XYZ" ^trade-T1')
        + 1
    )
    assert messages(books) == [BUY_BEFORE_CASH_ERROR.format(line=trade_line)]
    assert lines(books) == [trade_line]
    assert books.errors[0].entry.meta["trade-id"] == "T1"


def test_the_booked_settlement_carries_the_error_once_settled(ledger: Ledger) -> None:
    settled = BUY_BEFORE_CASH + settle_t1("2026-11-24")
    books = ledger(settled, config=config("2026-11-27"))
    line = (
        settled.lstrip("\n")
        .splitlines()
        .index('2026-11-24 * "Custodia" "MT545 settlement of T1" ^trade-T1')
        + 1
    )
    expected = BUY_BEFORE_CASH_ERROR.format(line=line).replace(
        "projected settlement of trade-T1", "settlement of trade-T1"
    )
    assert messages(books) == [expected]
    assert lines(books) == [line]


def test_value_date_on_the_transfer_is_what_makes_the_breach(ledger: Ledger) -> None:
    same_day = BUY_BEFORE_CASH.replace("  value-date: 2026-11-25\n", "")
    assert ledger(same_day, config=config("2026-11-23")).errors == []


CREDIT_LINE = (
    HEADER
    + """
2026-11-02 * "Opening" "Cash at First Harbor"
  Assets:Bank:FirstHarbor:USD         100000.00 USD
  Equity:Opening

2026-11-24 * "First Harbor Bank" "Wire to supplier"
  Assets:Bank:FirstHarbor:USD        -450000.00 USD
  Expenses:Fees:Bank

2026-11-25 * "First Harbor Bank" "Wire to supplier"
  Assets:Bank:FirstHarbor:USD        -150000.00 USD
  Expenses:Fees:Bank

2026-11-25 * "First Harbor Bank" "Wire fee"
  Assets:Bank:FirstHarbor:USD            -50.00 USD
  Expenses:Fees:Bank
"""
)


def test_credit_line_used_then_overdrawn(ledger: Ledger) -> None:
    """-350,000 on the 24th is inside the 500,000 credit line; -500,050 on the 25th is not."""
    books = ledger(CREDIT_LINE, config=config("2026-11-27"))
    wire = line(CREDIT_LINE, '2026-11-25 * "First Harbor Bank" "Wire to supplier"')
    fee = line(CREDIT_LINE, '2026-11-25 * "First Harbor Bank" "Wire fee"')
    assert messages(books) == [
        "cash floor breached: Assets:Bank:FirstHarbor:USD closes 2026-11-25 at -500,050.00 USD "
        "(end of day by value date, projected settlements included), below its cash-floor of "
        '-500,000 USD, short by 50.00 USD; outflows that day: -150,000.00 USD "Wire to '
        f'supplier" (main.beancount:{wire}), -50.00 USD "Wire fee" (main.beancount:{fee}); hint: '
        "move at least 50.00 USD into Assets:Bank:FirstHarbor:USD with value date 2026-11-25 "
        "or earlier ('backoffice cash' suggests transfers from accounts with headroom), or "
        "correct the flows' value dates"
    ]
    assert lines(books) == [wire]  # the day's largest outflow


TWO_CURRENCIES = (
    HEADER
    + """
2026-11-02 * "Opening" "Cash at Custodia"
  Assets:Custody:Custodia:Cash:USD     70000.00 USD
  Assets:Custody:Custodia:Cash:EUR     40000.00 EUR
  Equity:Opening                      -70000.00 USD
  Equity:Opening                      -40000.00 EUR
"""
    + buy_xyz("2026-11-24", "2026-11-25")
    + """
2026-11-25 * "BetaMarkets" "Buy 200 SAP" ^trade-B7
  trade-id: "B7"
  trade-date: 2026-11-25
  settle-date: 2026-11-27
  side: "buy"
  Assets:Custody:Custodia:Securities   200 SAP {236.80 EUR}
  Assets:Unsettled:BetaMarkets       -47360.00 EUR
"""
)


def test_two_currencies_each_against_its_own_floor(ledger: Ledger) -> None:
    """The USD trade is covered; the EUR trade, auto-settled on S, is 7,360 EUR short."""
    books = ledger(TWO_CURRENCIES, config=config("2026-11-25"))
    assert len(books.errors) == 1
    error = books.errors[0]
    assert (
        format_error(error)
        .split(": ", 1)[1]
        .startswith(
            "cash floor breached: Assets:Custody:Custodia:Cash:EUR closes 2026-11-27 at "
            "-7,360.00 EUR (end of day by value date, projected settlements included), below its "
            "cash-floor of 0 EUR, short by 7,360.00 EUR; outflows that day: -47,360.00 EUR "
            "settlement of trade-B7 ("
        )
    )
    # On the settlement plugins.settlement generated for the auto-settle counterparty.
    assert error.entry.meta["auto-settled"] is True
    assert error.entry.flag == "!"


def test_a_floor_in_config_for_an_account_without_one(ledger: Ledger) -> None:
    extra = '[cash.floors]\n"Assets:Custody:Custodia:Cash:EUR" = "-10000 EUR"\n'
    assert ledger(TWO_CURRENCIES, config=config("2026-11-25", extra)).errors == []


INTRADAY = (
    HEADER
    + """
2026-11-02 * "Opening" "Cash at Custodia"
  Assets:Custody:Custodia:Cash:USD     50000.00 USD
  Assets:Bank:FirstHarbor:USD        1000000.00 USD
  Equity:Opening

2026-11-24 * "Custodia" "Custody fee"
  Assets:Custody:Custodia:Cash:USD    -80000.00 USD
  Expenses:Fees:Bank

2026-11-24 * "First Harbor Bank" "Transfer to Custodia"
  Assets:Custody:Custodia:Cash:USD    100000.00 USD
  Assets:Bank:FirstHarbor:USD        -100000.00 USD
"""
)


def test_end_of_day_lets_a_later_inflow_cover_an_earlier_outflow(ledger: Ledger) -> None:
    assert ledger(INTRADAY, config=config("2026-11-27")).errors == []


def test_intraday_checks_after_each_entry(ledger: Ledger) -> None:
    books = ledger(INTRADAY, config=config("2026-11-27", "[cash]\nintraday = true\n"))
    fee = line(INTRADAY, '2026-11-24 * "Custodia" "Custody fee"')
    assert messages(books) == [
        "cash floor breached: Assets:Custody:Custodia:Cash:USD falls to -30,000.00 USD on "
        "2026-11-24 after this entry, below its cash-floor of 0 USD, short by 30,000.00 USD; "
        'outflows that day up to this entry: -80,000.00 USD "Custody fee" '
        f"(main.beancount:{fee}); hint: move at least 30,000.00 USD into "
        "Assets:Custody:Custodia:Cash:USD with value date 2026-11-24 or earlier "
        "('backoffice cash' suggests transfers from accounts with headroom), or correct "
        "the flows' value dates"
    ]
    assert lines(books) == [fee]


FAILED_SALE = (
    HEADER
    + """
2026-11-02 * "Opening" "Cash and positions at Custodia"
  Assets:Custody:Custodia:Cash:USD     10000.00 USD
  Assets:Custody:Custodia:Securities   2000 XYZ {50.00 USD}
  Equity:Opening

2026-11-19 * "AlphaSec" "Sell 1000 XYZ" ^trade-S1
  trade-id: "S1"
  trade-date: 2026-11-19
  settle-date: 2026-11-20
  side: "sell"
  Assets:Custody:Custodia:Securities  -1000 XYZ {}
  Assets:Unsettled:AlphaSec           60000.00 USD
"""
    + buy_xyz("2026-11-24", "2026-11-25")
)


def test_a_failed_sale_is_expected_from_the_as_of_date_not_its_settle_date(
    ledger: Ledger,
) -> None:
    """The sale due on the 20th has not settled: its proceeds may come on the as-of date
    at the earliest, so they pay for the buy settling on the 25th only if that is not later."""
    on_24 = ledger(FAILED_SALE, config=config("2026-11-24"))
    assert [m for m in messages(on_24) if m.startswith("cash floor")] == []

    settled = FAILED_SALE + settle_t1("2026-11-25")
    on_27 = ledger(settled, config=config("2026-11-27"))
    assert [m for m in messages(on_27) if m.startswith("cash floor")] == [
        "cash floor breached: Assets:Custody:Custodia:Cash:USD closes 2026-11-25 at "
        "-51,250.00 USD (end of day by value date, projected settlements included), below "
        "its cash-floor of 0 USD, short by 51,250.00 USD; outflows that day: -61,250.00 USD "
        f"settlement of trade-T1 (main.beancount:{line(settled, '2026-11-25 *')}); hint: move "
        "at least 51,250.00 USD into Assets:Custody:Custodia:Cash:USD with value date "
        "2026-11-25 or earlier ('backoffice cash' suggests transfers from accounts with "
        "headroom), or correct the flows' value dates"
    ]


def test_listed_before_settlement_is_a_configuration_error(ledger: Ledger) -> None:
    swapped = BUY_BEFORE_CASH.replace(
        'plugin "plugins.settlement"\nplugin "plugins.cash"',
        'plugin "plugins.cash"\nplugin "plugins.settlement"',
    )
    books = ledger(swapped, config=config("2026-11-23"))
    cash_errors = [e for e in books.errors if "plugins.cash" in e.message]
    assert [format_error(e).split(": ", 1)[1] for e in cash_errors] == [
        'configuration error: plugin "plugins.cash" is listed before plugin '
        '"plugins.settlement"; the cash check reads the trades as the settlement plugin '
        "re-dates them and the settlements it generates, so it must run after it: move the "
        'line plugin "plugins.cash" below plugin "plugins.settlement". The cash check did '
        "not run."
    ]
    assert cash_errors[0].source["lineno"] == line(swapped, 'plugin "plugins.cash"')


def test_unopened_account_in_cash_floors(ledger: Ledger) -> None:
    extra = '[cash.floors]\n"Assets:Bank:Nordbank:SEK" = "-1000 SEK"\n'
    books = ledger(HEADER, config=config("2026-11-27", extra))
    assert messages(books) == [
        "cash.floors names Assets:Bank:Nordbank:SEK, which the books never open; add "
        "'YYYY-MM-DD open Assets:Bank:Nordbank:SEK' to the chart of accounts or fix the name"
    ]
    assert books.errors[0].source["filename"].endswith("backoffice.toml")
    config_text = config("2026-11-27", extra).lstrip("\n").splitlines()
    assert books.errors[0].source["lineno"] == config_text.index(extra.splitlines()[1]) + 1


def test_a_malformed_floor_is_an_error_on_the_open(ledger: Ledger) -> None:
    text = HEADER.replace(
        'cash-floor: "0 EUR"\n2026-01-01 open Assets:Custody:Custodia:Cash:USD',
        'cash-floor: "zero"\n2026-01-01 open Assets:Custody:Custodia:Cash:USD',
    )
    books = ledger(text, config=config("2026-11-27"))
    assert messages(books) == [
        "Assets:Bank:Rheinbank:EUR: metadata 'cash-floor' is 'zero'; expected an amount such "
        'as "-500000 USD" or a number; the floor is taken as 0 until it is fixed'
    ]


def test_entries_pass_through_unchanged(ledger: Ledger) -> None:
    books = ledger(BUY_BEFORE_CASH, config=config("2026-11-23"))
    before = [printer.format_entry(e) for e in books.entries]
    entries, errors = cash(books.entries, books.options)
    assert entries is books.entries
    assert [printer.format_entry(e) for e in entries] == before
    assert [e.message for e in errors] == [e.message for e in books.errors]


def test_a_trade_that_pays_from_cash_itself_is_not_projected_again(ledger: Ledger) -> None:
    """No clearing account: the trade's own posting (on S) is the cash movement."""
    text = (
        HEADER
        + """
2026-11-02 * "Opening" "Cash at Custodia"
  Assets:Custody:Custodia:Cash:USD     70000.00 USD
  Equity:Opening
"""
        + buy_xyz("2026-11-24", "2026-11-25").replace(
            "Assets:Unsettled:AlphaSec", "Assets:Custody:Custodia:Cash:USD"
        )
    )
    assert ledger(text, config=config("2026-11-24")).errors == []
    short = text.replace("70000.00 USD", "60000.00 USD")
    assert [
        m.split(", below")[0] for m in messages(ledger(short, config=config("2026-11-24")))
    ] == [
        "cash floor breached: Assets:Custody:Custodia:Cash:USD closes 2026-11-25 at -1,250.00 USD "
        "(end of day by value date, projected settlements included)"
    ]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[cash.floors]\n"Assets:Bank:X:SEK" = "lots SEK"\n',
            "backoffice.toml:1: cash.floors: Value error, floor of Assets:Bank:X:SEK is "
            "'lots SEK'; write an amount such as \"-500000 USD\" (a negative floor is a credit "
            "line)",
        ),
        (
            "[cash]\ndays = 0\n",
            "backoffice.toml:2: cash.days: Input should be greater than or equal to 1 (got 0)",
        ),
    ],
)
def test_the_cash_config_is_validated(toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(toml, Path("backoffice.toml"))
    assert str(raised.value) == message
