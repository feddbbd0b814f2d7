"""plugins.settlement: scenario ledgers in, the whole resulting ledger and errors out.

Each scenario is a ledger dated as the importers write it (trades on T, with
trade-date and settle-date); the expected ledger is every transaction after the
plugins ran, printed by Beancount (blanks normalised); the errors are
``line: message``, the line counted inside the scenario's ledger.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import textwrap
from pathlib import Path

import pytest
from beancount.core import data
from beancount.parser import printer
from click.testing import CliRunner

from ledger.books import load, load_string
from ledger.cli import main as cli
from ledger.config import Config
from ledger.settlement.scan import scan
from plugins.settlement import settlement
from tests.conftest import write_books
from tests.settlement_books import CONFIG, HEADER

OFFSET = HEADER.lstrip("\n").count("\n")


def _normalise(text: str) -> str:
    """Dedented, each run of blanks inside a line made one, indentation kept as two."""
    lines = textwrap.dedent(text).strip("\n").splitlines()
    return "\n".join(("  " if line[:1] == " " else "") + " ".join(line.split()) for line in lines)


def run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ledger: str,
    as_of: str = "2026-11-27",
    policy: str = "settlement-date",
) -> tuple[str, list[str]]:
    """Load ``ledger`` under the shared header; return its transactions and errors."""
    monkeypatch.setenv("BACKOFFICE_AS_OF", as_of)
    body = textwrap.dedent(ledger).lstrip("\n")
    books = load(
        write_books(
            tmp_path,
            {"main.beancount": HEADER + body, "backoffice.toml": CONFIG.format(policy=policy)},
        )
    )
    text = "\n".join(
        printer.format_entry(entry)
        for entry in books.entries
        if isinstance(entry, data.Transaction)
    )
    errors = [f"{error.source['lineno'] - OFFSET}: {error.message}" for error in books.errors]
    return _normalise(text), errors


US_BUY = """
    2026-11-24 * "AlphaSec" "Buy 1,000 XYZ @ 61.25" ^trade-T123
      trade-id: "T123"
      trade-date: 2026-11-24
      settle-date: 2026-11-25
      side: "buy"
      counterparty: "AlphaSec"
      Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
      Expenses:Commissions                  25.00 USD
      Assets:Unsettled:AlphaSec        -61275.00 USD

    2026-11-25 * "Custodia" "MT545 receive against payment" ^trade-T123
      Assets:Unsettled:AlphaSec         61275.00 USD
      Assets:Custody:Custodia:Cash:USD -61275.00 USD
    """


def test_us_t_plus_1_buy_takes_effect_on_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, errors = run(tmp_path, monkeypatch, US_BUY)
    assert errors == []
    assert text == _normalise(
        """
        2026-11-25 * "AlphaSec" "Buy 1,000 XYZ @ 61.25" ^trade-T123
          trade-id: "T123"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          counterparty: "AlphaSec"
          Assets:Custody:Custodia:Securities  1000 XYZ {61.25 USD, 2026-11-24}
          Expenses:Commissions  25.00 USD
          Assets:Unsettled:AlphaSec  -61275.00 USD

        2026-11-25 * "Custodia" "MT545 receive against payment" ^trade-T123
          Assets:Unsettled:AlphaSec  61275.00 USD
          Assets:Custody:Custodia:Cash:USD  -61275.00 USD
        """
    )


def test_us_t_plus_1_buy_under_trade_date_policy_stays_on_t(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, errors = run(tmp_path, monkeypatch, US_BUY, policy="trade-date")
    assert errors == []
    assert text == _normalise(
        """
        2026-11-24 * "AlphaSec" "Buy 1,000 XYZ @ 61.25" ^trade-T123
          trade-id: "T123"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          counterparty: "AlphaSec"
          Assets:Custody:Custodia:Securities  1000 XYZ {61.25 USD, 2026-11-24}
          Expenses:Commissions  25.00 USD
          Assets:Unsettled:AlphaSec  -61275.00 USD

        2026-11-25 * "Custodia" "MT545 receive against payment" ^trade-T123
          Assets:Unsettled:AlphaSec  61275.00 USD
          Assets:Custody:Custodia:Cash:USD  -61275.00 USD
        """
    )


def test_columbus_day_trade_settles_tuesday(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Friday 2026-10-09: the NYSE trades on Columbus Day, the Fed does not; S is Tuesday."""
    ledger = """
        2026-10-09 * "AlphaSec" "Buy 500 AAPL" ^trade-A1
          trade-id: "A1"
          trade-date: 2026-10-09
          settle-date: {settle}
          side: "buy"
          Assets:Custody:Custodia:Securities   500 AAPL {250.00 USD}
          Assets:Unsettled:AlphaSec        -125000.00 USD

        {settle} * "Custodia" "MT545" ^trade-A1
          Assets:Unsettled:AlphaSec         125000.00 USD
          Assets:Custody:Custodia:Cash:USD -125000.00 USD
        """
    text, errors = run(tmp_path, monkeypatch, ledger.replace("{settle}", "2026-10-13"))
    assert errors == []
    assert text == _normalise(
        """
        2026-10-13 * "AlphaSec" "Buy 500 AAPL" ^trade-A1
          trade-id: "A1"
          trade-date: 2026-10-09
          settle-date: 2026-10-13
          side: "buy"
          Assets:Custody:Custodia:Securities  500 AAPL {250.00 USD, 2026-10-09}
          Assets:Unsettled:AlphaSec  -125000.00 USD

        2026-10-13 * "Custodia" "MT545" ^trade-A1
          Assets:Unsettled:AlphaSec  125000.00 USD
          Assets:Custody:Custodia:Cash:USD  -125000.00 USD
        """
    )
    _, errors = run(tmp_path, monkeypatch, ledger.replace("{settle}", "2026-10-12"))
    assert errors == [
        "1: trade A1 settles 2026-10-12, not a business day of FED+XNAS; the next one is 2026-10-13"
    ]


EU_TRADES = """
    2027-10-08 * "BetaMarkets" "Buy 100 SAP (last T+2 day)" ^trade-B1
      trade-id: "B1"
      trade-date: 2027-10-08
      settle-date: 2027-10-12
      side: "buy"
      Assets:Custody:Custodia:Securities   100 SAP {240.00 EUR}
      Assets:Unsettled:BetaMarkets     -24000.00 EUR

    2027-10-11 * "BetaMarkets" "Buy 100 SAP (first T+1 day)" ^trade-B2
      trade-id: "B2"
      trade-date: 2027-10-11
      settle-date: 2027-10-12
      side: "buy"
      Assets:Custody:Custodia:Securities   100 SAP {241.00 EUR}
      Assets:Unsettled:BetaMarkets     -24100.00 EUR
    """


def test_eu_trades_either_side_of_the_t_plus_1_switch_are_auto_settled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both settle 2027-10-12; BetaMarkets is auto-settle, so the plugin books the
    settlements, flagged ! while S is after the as-of date."""
    text, errors = run(tmp_path, monkeypatch, EU_TRADES, as_of="2027-10-11")
    assert errors == []
    assert text == _normalise(
        """
        2027-10-12 * "BetaMarkets" "Buy 100 SAP (last T+2 day)" ^trade-B1
          trade-id: "B1"
          trade-date: 2027-10-08
          settle-date: 2027-10-12
          side: "buy"
          Assets:Custody:Custodia:Securities  100 SAP {240.00 EUR, 2027-10-08}
          Assets:Unsettled:BetaMarkets  -24000.00 EUR

        2027-10-12 ! "Beta Markets GmbH" "Settlement of trade B1 (auto-settle)" ^trade-B1
          auto-settled: TRUE
          source-ref: "auto-settle-6f9a4b25f536c884"
          Assets:Unsettled:BetaMarkets  24000.00 EUR
          Assets:Custody:Custodia:Cash:EUR  -24000.00 EUR

        2027-10-12 * "BetaMarkets" "Buy 100 SAP (first T+1 day)" ^trade-B2
          trade-id: "B2"
          trade-date: 2027-10-11
          settle-date: 2027-10-12
          side: "buy"
          Assets:Custody:Custodia:Securities  100 SAP {241.00 EUR, 2027-10-11}
          Assets:Unsettled:BetaMarkets  -24100.00 EUR

        2027-10-12 ! "Beta Markets GmbH" "Settlement of trade B2 (auto-settle)" ^trade-B2
          auto-settled: TRUE
          source-ref: "auto-settle-e48529865db0b504"
          Assets:Unsettled:BetaMarkets  24100.00 EUR
          Assets:Custody:Custodia:Cash:EUR  -24100.00 EUR
        """
    )
    text_on_s, _ = run(tmp_path, monkeypatch, EU_TRADES, as_of="2027-10-12")
    assert text_on_s == text.replace("2027-10-12 !", "2027-10-12 *")


def test_eu_t_plus_2_after_the_switch_is_off_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = EU_TRADES.replace(
        "trade-date: 2027-10-11\n      settle-date: 2027-10-12",
        "trade-date: 2027-10-11\n      settle-date: 2027-10-13",
    )
    _, errors = run(tmp_path, monkeypatch, ledger, as_of="2027-10-11")
    assert errors == [
        "9: trade B2 settles 2027-10-13, off the standard cycle: T+1 from 2027-10-11 on "
        "ECB+XETR is 2027-10-12 (built-in rule T+1 for equity/etf/corporate-bond/"
        "government-bond on XETR/XFRA/XPAR/XAMS/XBRU/XLIS/XDUB/XMIL/XMAD/XATH/XWBO/XHEL/"
        "XSTO/XCSE/XWAR/XLON/XSWX from 2027-10-11); fix settle-date or, for a negotiated "
        "date, add settle-override: TRUE"
    ]


FAIL = """
    2026-10-01 * "Opening"
      Assets:Custody:Custodia:Securities  1500 MSFT {415.20 USD}
      Equity:Opening

    2026-11-19 * "AlphaSec" "Sell 300 MSFT @ 420" ^trade-A2
      trade-id: "A2"
      trade-date: 2026-11-19
      settle-date: 2026-11-20
      side: "sell"
      Assets:Custody:Custodia:Securities   -300 MSFT {} @ 420.00 USD
      Expenses:Commissions                   25.00 USD
      Assets:Unsettled:AlphaSec          125975.00 USD
      Income:Trading:Realized
    """

FAIL_OUT = """
    2026-10-01 * "Opening"
      Assets:Custody:Custodia:Securities  1500 MSFT {{415.20 USD, 2026-10-01}}
      Equity:Opening  -622800.00 USD

    2026-11-20 {flag} "AlphaSec" "Sell 300 MSFT @ 420" ^trade-A2
      trade-id: "A2"
      trade-date: 2026-11-19
      settle-date: 2026-11-20
      side: "sell"{age}
      Assets:Custody:Custodia:Securities  -300 MSFT {{415.20 USD, 2026-10-01}} @ 420.00 USD
      Expenses:Commissions  25.00 USD
      Assets:Unsettled:AlphaSec  125975.00 USD
      Income:Trading:Realized  -1440.00 USD
    """


def test_fail_aged_3_business_days_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S 2026-11-20; as of 11-25 it is 3 business days late: flagged, not an error."""
    text, errors = run(tmp_path, monkeypatch, FAIL, as_of="2026-11-25")
    assert errors == []
    age = "\n      fail-age: 3\n      fail-outstanding: 125975.00 USD"
    assert text == _normalise(FAIL_OUT.format(flag="!", age=age))


def test_check_prints_a_young_fail_as_a_warning_and_exits_0(tmp_path: Path) -> None:
    # Beancount's errors have no warning level: the plugin flags the trade, and
    # backoffice check reads the flag back and prints it, without failing.
    main_file = write_books(
        tmp_path,
        {
            "main.beancount": HEADER + textwrap.dedent(FAIL).lstrip("\n"),
            "backoffice.toml": CONFIG.format(policy="settlement-date"),
        },
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["--books", str(main_file), "check", "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    line = OFFSET + 5  # the trade's line in main.beancount
    assert result.stdout == (
        f"{main_file}:{line}: warning: trade A2 failed: due 2026-11-20, 125975.00 USD "
        "unsettled, 3 business day(s) late (an error after 3); chase AlphaSec and book the "
        "settlement or the cancellation\n"
    )
    assert result.stderr.endswith("0 error(s), 1 warning(s)\n")
    as_json = runner.invoke(
        cli, ["--books", str(main_file), "check", "--as-of", "2026-11-25", "--json"]
    )
    report = json.loads(as_json.stdout)
    assert (report["errors"], len(report["warnings"])) == ([], 1)
    assert report["warnings"][0]["line"] == line
    # A day older, it is an error: printed once, as an error, and check exits 1.
    older = runner.invoke(cli, ["--books", str(main_file), "check", "--as-of", "2026-11-27"])
    assert older.exit_code == 1
    assert ": warning:" not in older.stdout
    assert older.stderr.endswith("1 error(s), 0 warning(s)\n")


def test_fail_aged_4_business_days_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As of 11-27 it is 4 (11-26 is Thanksgiving); the warning age is 3."""
    text, errors = run(tmp_path, monkeypatch, FAIL, as_of="2026-11-27")
    assert text == _normalise(FAIL_OUT.format(flag="*", age=""))
    assert errors == [
        "5: trade A2 failed: due 2026-11-20, 125,975.00 USD of 125,975.00 USD unsettled as "
        "of 2026-11-27, 4 business days late (warning up to 3); chase AlphaSec and book the "
        "settlement or the cancellation"
    ]


def test_not_yet_due_is_no_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, errors = run(tmp_path, monkeypatch, FAIL, as_of="2026-11-20")
    assert errors == []
    assert text == _normalise(FAIL_OUT.format(flag="*", age=""))


def test_sell_realized_pnl_under_trade_date_policy_is_on_t(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled = FAIL + (
        """
    2026-11-20 * "Custodia" "MT547 deliver against payment" ^trade-A2
      Assets:Unsettled:AlphaSec        -125975.00 USD
      Assets:Custody:Custodia:Cash:USD  125975.00 USD
    """
    )
    settlement_tail = """
    2026-11-20 * "Custodia" "MT547 deliver against payment" ^trade-A2
      Assets:Unsettled:AlphaSec  -125975.00 USD
      Assets:Custody:Custodia:Cash:USD  125975.00 USD
    """
    text, errors = run(tmp_path, monkeypatch, settled, policy="trade-date")
    assert errors == []
    assert text == _normalise(
        FAIL_OUT.format(flag="*", age="").replace("2026-11-20 *", "2026-11-19 *") + settlement_tail
    )
    text, errors = run(tmp_path, monkeypatch, settled, policy="settlement-date")
    assert errors == []
    assert text == _normalise(FAIL_OUT.format(flag="*", age="") + settlement_tail)


PARTIAL = US_BUY.replace(
    """
    2026-11-25 * "Custodia" "MT545 receive against payment" ^trade-T123
      Assets:Unsettled:AlphaSec         61275.00 USD
      Assets:Custody:Custodia:Cash:USD -61275.00 USD
    """,
    """
    2026-11-25 * "Custodia" "MT545 partial settlement" ^trade-T123
      partial: TRUE
      Assets:Unsettled:AlphaSec         30637.50 USD
      Assets:Custody:Custodia:Cash:USD -30637.50 USD
    """,
)


def test_partial_settlement_leaves_the_rest_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, errors = run(tmp_path, monkeypatch, PARTIAL, as_of="2026-11-25")
    assert errors == []
    assert text == _normalise(
        """
        2026-11-25 * "AlphaSec" "Buy 1,000 XYZ @ 61.25" ^trade-T123
          trade-id: "T123"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          counterparty: "AlphaSec"
          Assets:Custody:Custodia:Securities  1000 XYZ {61.25 USD, 2026-11-24}
          Expenses:Commissions  25.00 USD
          Assets:Unsettled:AlphaSec  -61275.00 USD

        2026-11-25 * "Custodia" "MT545 partial settlement" ^trade-T123
          partial: TRUE
          Assets:Unsettled:AlphaSec  30637.50 USD
          Assets:Custody:Custodia:Cash:USD  -30637.50 USD
        """
    )
    # Two business days later the rest is a fail, flagged with its age.
    text, errors = run(tmp_path, monkeypatch, PARTIAL, as_of="2026-11-30")
    assert errors == []
    assert '2026-11-25 ! "AlphaSec" "Buy 1,000 XYZ @ 61.25" ^trade-T123' in text
    assert "  fail-age: 2\n" in text


def test_short_settlement_without_partial_is_a_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, errors = run(tmp_path, monkeypatch, PARTIAL.replace("  partial: TRUE\n", ""))
    assert errors == [
        "11: settlements of trade T123 total -30,637.50 USD; the trade's amount is "
        "-61,275.00 USD: they differ by 30,637.50 USD; if the custodian settled part of the "
        "trade, mark the settlement partial: TRUE"
    ]


def test_settlement_amount_that_differs_names_the_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broker's confirmation said 61.30: the custodian settled 50.00 USD more."""
    ledger = US_BUY.replace(
        "61275.00 USD\n      Assets:Custody", "61325.00 USD\n      Assets:Custody"
    )
    ledger = ledger.replace('-61275.00 USD\n    """', "")
    ledger = ledger.replace(
        "Assets:Custody:Custodia:Cash:USD -61275.00 USD",
        "Assets:Custody:Custodia:Cash:USD -61325.00 USD",
    )
    _, errors = run(tmp_path, monkeypatch, ledger)
    assert errors == [
        "11: settlements of trade T123 total -61,325.00 USD; the trade's amount is "
        "-61,275.00 USD: they differ by -50.00 USD; check the settlement against the trade "
        "and its confirmation"
    ]


def test_a_second_settlement_of_a_trade_settled_in_full_is_a_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan keeps a settlement in full aside (Scan.settled); a second one brings
    both back to the amount check."""
    duplicate = (
        '    2026-11-26 * "Custodia" "MT545 sent twice" ^trade-T123\n'
        "      Assets:Unsettled:AlphaSec         61275.00 USD\n"
        "      Assets:Custody:Custodia:Cash:USD -61275.00 USD\n"
    )
    _, errors = run(tmp_path, monkeypatch, US_BUY + "\n" + duplicate)
    assert errors == [
        "15: settlements of trade T123 total -122,550.00 USD; the trade's amount is "
        "-61,275.00 USD: they differ by -61,275.00 USD; check the settlement against the "
        "trade and its confirmation"
    ]


def test_a_settlement_in_full_with_a_bad_flag_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = US_BUY.replace(
        '"MT545 receive against payment" ^trade-T123\n',
        '"MT545 receive against payment" ^trade-T123\n      partial: "perhaps"\n',
    )
    _, errors = run(tmp_path, monkeypatch, ledger)
    # Not read as a settlement at all, as when the scan built every settlement.
    assert errors == [
        "11: metadata 'partial' is 'perhaps'; expected TRUE or FALSE; fix the entry's metadata"
    ]


def test_cancel_and_rebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trade is cancelled before S and rebooked under a new id; only the rebook settles."""
    ledger = """
        2026-11-24 * "AlphaSec" "Buy 1,000 XYZ @ 61.25" ^trade-T200
          trade-id: "T200"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec        -61250.00 USD

        2026-11-24 * "AlphaSec" "Cancel T200" ^trade-T200
          cancels: "T200"
          Assets:Custody:Custodia:Securities  -1000 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec         61250.00 USD

        2026-11-24 * "AlphaSec" "Rebook: buy 1,000 XYZ @ 61.30" ^trade-T201
          trade-id: "T201"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   1000 XYZ {61.30 USD}
          Assets:Unsettled:AlphaSec        -61300.00 USD

        2026-11-25 * "Custodia" "MT545" ^trade-T201
          Assets:Unsettled:AlphaSec         61300.00 USD
          Assets:Custody:Custodia:Cash:USD -61300.00 USD
        """
    text, errors = run(tmp_path, monkeypatch, ledger)
    assert errors == []
    assert text == _normalise(
        """
        2026-11-25 * "AlphaSec" "Buy 1,000 XYZ @ 61.25" ^trade-T200
          trade-id: "T200"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities  1000 XYZ {61.25 USD, 2026-11-24}
          Assets:Unsettled:AlphaSec  -61250.00 USD

        2026-11-25 * "AlphaSec" "Cancel T200" ^trade-T200
          cancels: "T200"
          Assets:Custody:Custodia:Securities  -1000 XYZ {61.25 USD, 2026-11-24}
          Assets:Unsettled:AlphaSec  61250.00 USD

        2026-11-25 * "AlphaSec" "Rebook: buy 1,000 XYZ @ 61.30" ^trade-T201
          trade-id: "T201"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities  1000 XYZ {61.30 USD, 2026-11-24}
          Assets:Unsettled:AlphaSec  -61300.00 USD

        2026-11-25 * "Custodia" "MT545" ^trade-T201
          Assets:Unsettled:AlphaSec  61300.00 USD
          Assets:Custody:Custodia:Cash:USD  -61300.00 USD
        """
    )


OFF_CYCLE = """
    2026-11-24 * "AlphaSec" "Buy 1,000 XYZ, S agreed T+3" ^trade-T300
      trade-id: "T300"
      trade-date: 2026-11-24
      settle-date: 2026-11-30
      side: "buy"
      Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
      Assets:Unsettled:AlphaSec        -61250.00 USD
    """


def test_off_cycle_trade_without_override_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, errors = run(tmp_path, monkeypatch, OFF_CYCLE)
    assert errors == [
        "1: trade T300 settles 2026-11-30, off the standard cycle: T+1 from 2026-11-24 on "
        "FED+XNYS is 2026-11-25 (built-in rule T+1 for equity/etf/corporate-bond/"
        "municipal-bond on XNYS/XNAS/ARCX/XASE/BATS/IEXG from 2024-05-28); fix settle-date "
        "or, for a negotiated date, add settle-override: TRUE"
    ]


def test_off_cycle_trade_with_override_is_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = OFF_CYCLE.replace('side: "buy"', 'side: "buy"\n      settle-override: TRUE')
    text, errors = run(tmp_path, monkeypatch, ledger)
    assert errors == []
    assert text == _normalise(
        """
        2026-11-30 * "AlphaSec" "Buy 1,000 XYZ, S agreed T+3" ^trade-T300
          trade-id: "T300"
          trade-date: 2026-11-24
          settle-date: 2026-11-30
          side: "buy"
          settle-override: TRUE
          Assets:Custody:Custodia:Securities  1000 XYZ {61.25 USD, 2026-11-24}
          Assets:Unsettled:AlphaSec  -61250.00 USD
        """
    )


def test_settlement_with_no_trade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = """
        2026-11-25 * "Custodia" "MT545 for a trade we never booked" ^trade-T999
          Assets:Unsettled:AlphaSec         1000.00 USD
          Assets:Custody:Custodia:Cash:USD -1000.00 USD

        2026-11-26 * "Custodia" "unlinked"
          Assets:Unsettled:AlphaSec          -5.00 USD
          Assets:Custody:Custodia:Cash:USD    5.00 USD
        """
    text, errors = run(tmp_path, monkeypatch, ledger)
    assert errors == [
        "1: settlement matches no trade: it moves 1,000.00 USD on Assets:Unsettled:AlphaSec "
        "and links trade-T999, which the books do not hold; link it to its trade "
        "(^trade-<trade-id>) or book the trade",
        "5: settlement matches no trade: it moves -5.00 USD on Assets:Unsettled:AlphaSec and "
        "carries no ^trade- link; link it to its trade (^trade-<trade-id>) or book the trade",
    ]
    assert text == _normalise(ledger)


def test_date_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = """
        2026-11-24 * "AlphaSec" "S before T" ^trade-D1
          trade-id: "D1"
          trade-date: 2026-11-24
          settle-date: 2026-11-23
          side: "buy"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec         -612.50 USD

        2026-11-24 * "AlphaSec" "no settle-date" ^trade-D2
          trade-id: "D2"
          trade-date: 2026-11-24
          side: "buy"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec         -612.50 USD

        2026-11-24 * "AlphaSec" "bad side" ^trade-D3
          trade-id: "D3"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "short"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec         -612.50 USD
        """
    _, errors = run(tmp_path, monkeypatch, ledger, as_of="2026-11-24")
    assert errors == [
        "1: trade D1 settles 2026-11-23, before its trade date 2026-11-24; fix settle-date",
        "9: trade D2 has no settle-date; add them (YYYY-MM-DD) to the trade's metadata",
        "16: metadata 'side' is 'short'; expected 'buy' or 'sell'; fix the entry's metadata",
    ]


def test_cash_moved_by_a_trade_off_its_settle_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = """
        2026-11-24 * "AlphaSec" "Buy paid straight from custody cash" ^trade-C1
          trade-id: "C1"
          counterparty: "AlphaSec"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Assets:Custody:Custodia:Cash:USD  -612.50 USD
        """
    _, errors = run(tmp_path, monkeypatch, ledger, policy="trade-date")
    assert errors == [
        "1: trade C1 moves cash account Assets:Custody:Custodia:Cash:USD on 2026-11-24, not "
        "on its settle date 2026-11-25; book the cash leg against Assets:Unsettled:AlphaSec"
    ]
    # Under settlement-date accounting the whole trade, cash included, moves to S.
    _, errors = run(tmp_path, monkeypatch, ledger.replace("C1", "C2"))
    assert errors == []


def test_the_plugin_never_changes_its_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    books = load_string(
        HEADER.replace('plugin "plugins.settlement"', "")
        + textwrap.dedent(FAIL)
        + textwrap.dedent(EU_TRADES)
    )
    before = copy.deepcopy(books.entries)
    entries, errors = settlement(books.entries, books.options)
    assert books.entries == before
    assert entries != before
    assert [e.message.split(":")[0] for e in errors] == ["trade A2 failed"]


def test_bad_as_of_and_bad_config_are_errors_not_exceptions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "27/11/2026")
    books = load_string(HEADER + textwrap.dedent(FAIL))
    assert [e.message for e in books.errors] == [
        "plugins.settlement: BACKOFFICE_AS_OF: '27/11/2026' is not a date; write it as YYYY-MM-DD"
    ]
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-27")
    main = write_books(
        tmp_path,
        {
            "main.beancount": HEADER + textwrap.dedent(FAIL),
            "backoffice.toml": "[settlement]\npolicy = 'weekly'\n",
        },
    )
    books = load(main)
    assert len(books.errors) == 1
    assert "settlement.policy" in books.errors[0].message


def test_inconsistent_trades_and_settlements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = """
        2026-11-24 * "AlphaSec" "Buy 10 XYZ" ^trade-E1
          trade-id: "E1"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec         -612.50 USD

        2026-11-24 * "AlphaSec" "Buy 10 XYZ again, same id" ^trade-E1
          trade-id: "E1"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec         -612.50 USD

        2026-11-25 * "Custodia" "settled on the wrong clearing account" ^trade-E1
          Assets:Unsettled:BetaMarkets         612.50 USD
          Assets:Custody:Custodia:Cash:USD    -612.50 USD

        2026-11-24 * "AlphaSec" "counterparty and account disagree" ^trade-E2
          trade-id: "E2"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          counterparty: "BetaMarkets"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec         -612.50 USD

        2026-11-24 * "AlphaSec" "no cash leg" ^trade-E3
          trade-id: "E3"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   10 XYZ {61.25 USD}
          Equity:Opening

        2026-11-24 * "AlphaSec" "Cancel of a trade never booked" ^trade-E9
          cancels: "E9"
          Assets:Custody:Custodia:Securities  -10 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec          612.50 USD

        2026-11-24 * "AlphaSec" "Buy on an exchange without a rule" ^trade-E4
          trade-id: "E4"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   10 TKY {1000 USD}
          Assets:Unsettled:AlphaSec       -10000.00 USD
        """
    _, errors = run(tmp_path, monkeypatch, ledger)
    first = f"{tmp_path / 'main.beancount'}:{OFFSET + 1}"
    assert errors == [
        f"9: trade E1 is booked twice (first at {first}); a settlement must not carry 'side', "
        "a rebooked trade needs a new trade-id",
        "17: settles trade E1 on Assets:Unsettled:BetaMarkets in USD; the trade is on "
        "Assets:Unsettled:AlphaSec in USD; fix the account or the link",
        "21: trade E2 is with counterparty BetaMarkets but posts to Assets:Unsettled:AlphaSec; "
        "use Assets:Unsettled:BetaMarkets",
        "30: trade E3 posts to no clearing account (Assets:Unsettled:<Counterparty>) and no cash "
        "account; book its cash leg against the counterparty's clearing account",
        "38: cancels trade E9, which the books do not hold; check the trade-id",
        "43: trade E4: no settlement cycle for equity on XTKS traded 2026-11-24; add a "
        '[[settlement.cycles]] with markets = ["XTKS"] and asset-classes = ["equity"]',
    ]


def test_the_docstring_example_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin's docstring shows a ledger before and after; both are checked here."""
    import plugins.settlement as module

    doc = module.__doc__ or ""
    before = doc.split("Before, as-of 2026-11-27::\n")[1].split("\nAfter::\n")[0]
    after = doc.split("\nAfter::\n")[1].split("\nThe generated settlement")[0]
    text, errors = run(tmp_path, monkeypatch, before)
    assert errors == []
    assert re.sub(r'"auto-settle-\w+"', '"auto-settle-…"', text) == _normalise(after)


def test_a_trade_before_its_commodity_directive_still_gets_its_market(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scan reads the entries in one pass: a commodity directive dated after the
    # trade is only seen afterwards, and the trade's market, asset class and ISIN are
    # looked up again. Without it the trade has no market and no cycle.
    ledger = """
        2026-11-24 * "AlphaSec" "Buy 10 NEWCO" ^trade-N1
          trade-id: "N1"
          trade-date: 2026-11-24
          settle-date: 2026-11-25
          side: "buy"
          Assets:Custody:Custodia:Securities   10 NEWCO {5.00 USD}
          Assets:Unsettled:AlphaSec           -50.00 USD

        2026-11-25 * "Custodia" "MT545 receive against payment" ^trade-N1
          Assets:Unsettled:AlphaSec            50.00 USD
          Assets:Custody:Custodia:Cash:USD    -50.00 USD

        2026-11-30 commodity NEWCO
          isin: "US0000000002"
          asset-class: "equity"
          market: "XNYS"
        """
    _, errors = run(tmp_path, monkeypatch, ledger)
    assert errors == []
    _, errors = run(tmp_path, monkeypatch, ledger.replace('market: "XNYS"', 'market: "XTKS"'))
    assert [e.split(";")[0] for e in errors] == [
        "1: trade N1: no settlement cycle for equity on XTKS traded 2026-11-24"
    ]
    books = load_string(HEADER + textwrap.dedent(ledger))
    (trade,) = scan(books.entries, Config()).trades.values()
    assert (trade.isin, trade.market, trade.asset_class) == ("US0000000002", "XNYS", "equity")


def test_scan_keeps_a_settlement_in_full_aside_until_a_second_one() -> None:
    # With settled_by the scan builds no Settlement for a trade's one settlement in
    # full (Scan.settled keeps its entry); a second settlement of that trade puts both
    # in Scan.settlements, as the scan without settled_by has them.
    books = load_string(HEADER.replace('plugin "plugins.settlement"', "") + textwrap.dedent(US_BUY))
    everything = scan(books.entries, Config())
    found = scan(books.entries, Config(), settled_by=datetime.date(2026, 11, 27))
    (settlement_entry,) = (s.entry for s in everything.settlements["T123"])
    assert found.settled == {"T123": settlement_entry}
    assert found.settlements == {}
    assert scan(books.entries, Config(), settled_by=datetime.date(2026, 11, 24)).settled == {}

    twice = load_string(
        HEADER.replace('plugin "plugins.settlement"', "")
        + textwrap.dedent(US_BUY)
        + textwrap.dedent(US_BUY.split("\n\n")[1].replace("2026-11-25", "2026-11-26"))
    )
    everything = scan(twice.entries, Config())
    found = scan(twice.entries, Config(), settled_by=datetime.date(2026, 11, 27))
    assert found.settled == {}
    assert found.settlements == everything.settlements
    assert len(found.settlements["T123"]) == 2
