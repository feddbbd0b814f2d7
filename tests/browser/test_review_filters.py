"""The Settlements, Cash and Breaks pages as a user filters and sorts them, and their
buttons: each writes what the CLI writes, and nothing is written read-only.

What a filtered page must list is computed from the books (Beancount's entries,
the ``holidays`` calendars), as in ``test_review_pages``; an action's result is
compared with the text the CLI writes on a twin copy of the books.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import holidays
import pytest
from beancount.core import data

from tests.browser.conftest import FavaServer, books_and_config, run_backoffice, serving
from tests.browser.test_review_pages import (
    expected_cash,
    expected_trades,
    number,
    table,
)

pytestmark = pytest.mark.browser

FAILED_TRADE = "GA-20261119-001"  # AlphaSec fails to deliver cash for 300 MSFT
# Breaks recorded on both twins before the server starts: (kind, reference, text,
# amount, found on).
SEEDED = [
    ("other", "Assets:Bank:FirstHarbor:USD", "Fee charged twice", "25.00 USD", "2026-11-27"),
    (
        "statement-difference",
        "Assets:Bank:Rheinbank:EUR",
        "Statement short by 100 EUR",
        "-100.00 EUR",
        "2026-11-10",
    ),
]


def shown_links(page: Any, selector: str) -> list[str]:
    found: list[str] = page.locator(selector).evaluate_all("rows => rows.map(r => r.dataset.link)")
    return sorted(set(found))


def column(page: Any, selector: str, index: int) -> list[str]:
    return [row[index] for row in table(page, selector)]


def choose(page: Any, name: str, value: str) -> None:
    """Pick ``value`` in the filter bar's select ``name``; the page reloads with it."""
    page.select_option(f"form.backoffice-filters select[name={name}]", value)
    page.wait_for_url(f"**{name}=**")
    page.locator(".backoffice-page").wait_for()


# -- Settlements --------------------------------------------------------------------------


def test_settlements_selects_change_the_rows(fava: FavaServer, page: Any) -> None:
    expected = expected_trades(fava.books)
    listed = ".backoffice-page table tr[data-link]"
    page.goto(fava.url("extension/Settlements/"))
    assert shown_links(page, listed) == sorted(expected)

    choose(page, "currency", "EUR")
    assert shown_links(page, listed) == sorted(
        link for link, t in expected.items() if t["currency"] == "EUR"
    )
    page.goto(fava.url("extension/Settlements/"))
    choose(page, "status", "failed")
    failed = sorted(link for link, t in expected.items() if t["status"] == "failed")
    assert shown_links(page, listed) == failed
    # The selects keep their values and still offer every choice.
    assert page.locator("select[name=status]").input_value() == "failed"
    options = page.locator("select[name=counterparty] option").all_inner_texts()
    assert options == ["all", *sorted({t["counterparty"] for t in expected.values()})]

    # Fava's own filter bar: a tag, a link, an account narrow the rows too.
    page.goto(fava.url(f"extension/Settlements/?filter=^trade-{FAILED_TRADE}"))
    assert shown_links(page, listed) == [f"trade-{FAILED_TRADE}"]
    page.goto(fava.url("extension/Settlements/?account=Unsettled:BetaMarkets"))
    assert shown_links(page, listed) == sorted(
        link for link, t in expected.items() if t["counterparty"] == "BetaMarkets"
    )


def test_settlements_tables_sort_by_a_click_on_their_header(fava: FavaServer, page: Any) -> None:
    page.goto(fava.url("extension/Settlements/"))
    settled = "#settlement-settled"
    amount = page.locator(f"{settled} th", has_text="amount").first
    amount.click()
    values = [number(v) for v in column(page, settled, 7)]
    assert values == sorted(values) and len(set(values)) > 1
    assert amount.get_attribute("aria-sort") == "ascending"
    amount.click()
    assert [number(v) for v in column(page, settled, 7)] == sorted(values, reverse=True)
    page.locator(f"{settled} th", has_text="counterparty").click()
    names = column(page, settled, 3)
    assert names == sorted(names)
    page.locator(f"{settled} th", has_text="S").nth(0).click()
    dates = column(page, settled, 2)
    assert dates == sorted(dates)


def test_settlements_fails_show_gross_amounts_and_an_ageing_chart(
    fava: FavaServer, page: Any
) -> None:
    expected = expected_trades(fava.books)
    failed = {link: t for link, t in expected.items() if t["status"] == "failed"}
    page.goto(fava.url("extension/Settlements/"))
    card = page.locator('#settlement-totals [data-status="failed"][data-currency="USD"]')
    remaining = [t["remaining"] for t in failed.values() if t["currency"] == "USD"]
    pay = sum((r for r in remaining if r < 0), Decimal(0))
    receive = sum((r for r in remaining if r > 0), Decimal(0))
    assert number(card.locator(".pay").inner_text().removeprefix("pay ")) == pay
    assert number(card.locator(".receive").inner_text().removeprefix("receive ")) == receive
    assert number(card.locator(".net").inner_text().removeprefix("net ")) == pay + receive
    chart = page.locator('#settlement-ageing-charts svg[data-title="USD fails by age past S"]')
    bars = chart.locator("rect[data-series=receive]")
    assert sum(number(v) for v in bars.evaluate_all("bs => bs.map(b => b.dataset.value)")) == (
        receive
    )
    # Read-only, a fail without a break says so and offers no button.
    row = page.locator(f'#settlement-failed tr[data-link="trade-{FAILED_TRADE}"]')
    assert row.locator("td.break").inner_text() == "none"
    assert page.locator("form.open-fail-break").count() == 0


# -- Cash ---------------------------------------------------------------------------------


def test_cash_account_filter_currency_and_the_fails_toggle(fava: FavaServer, page: Any) -> None:
    _, config, _ = books_and_config(fava.books)
    expected = expected_cash(fava.books)["positions"]
    page.goto(fava.url("extension/Cash/?account=Assets:Bank"))
    shown = column(page, "#cash-positions", 0)
    assert shown == sorted(a for a in expected if a.startswith("Assets:Bank:"))
    ladder_accounts = page.locator("details.ladder-account[data-account]").evaluate_all(
        "ds => ds.map(d => d.dataset.account)"
    )
    assert sorted(ladder_accounts) == shown

    page.goto(fava.url("extension/Cash/"))
    choose(page, "currency", "EUR")
    assert page.locator("section.cash-ladder").evaluate_all(
        "ss => ss.map(s => s.dataset.currency)"
    ) == ["EUR"]

    # Without the fails, each account's projection lacks their settlements.
    trades = expected_trades(fava.books)
    without: dict[str, Decimal] = {}
    for trade in trades.values():
        if trade["status"] == "failed":
            account = config.counterparties[trade["counterparty"]].cash_account
            assert account is not None
            without[account] = without.get(account, Decimal(0)) - trade["remaining"]
    assert without, "the demo books hold a fail"
    page.goto(fava.url("extension/Cash/"))
    page.locator("#cash-without-failed").check()
    page.wait_for_url("**without_failed=1**")
    projected = {row[0]: number(row[6]) for row in table(page, "#cash-positions")}
    assert projected == {
        account: values["projected"] + without.get(account, Decimal(0))
        for account, values in expected.items()
    }
    assert page.locator("#cash-without-failed").is_checked()


def test_cash_totals_in_the_base_currency_at_the_days_rate(fava: FavaServer, page: Any) -> None:
    books, config, as_of = books_and_config(fava.books)
    expected = expected_cash(fava.books)["positions"]
    base = config.firm.base_currency
    latest: dict[str, tuple[datetime.date, Decimal]] = {}
    for entry in books.entries:
        if (
            isinstance(entry, data.Price)
            and entry.date <= as_of
            and entry.amount.currency == base
            and (entry.currency not in latest or entry.date >= latest[entry.currency][0])
        ):
            latest[entry.currency] = (entry.date, entry.amount.number)
    currencies = {}
    for entry in books.entries:
        if isinstance(entry, data.Open) and entry.account in expected:
            currencies[entry.account] = entry.currencies[0]
    settled: dict[str, Decimal] = {}
    for account, values in expected.items():
        ccy = currencies[account]
        settled[ccy] = settled.get(ccy, Decimal(0)) + values["settled"]
    total = sum(
        (
            (amount * (Decimal(1) if ccy == base else latest[ccy][1])).quantize(Decimal("0.01"))
            for ccy, amount in settled.items()
        ),
        Decimal(0),
    )
    page.goto(fava.url("extension/Cash/"))
    assert number(table(page, "#cash-base")[0][1]) == latest["EUR"][1]
    footer = page.locator("#cash-base-total td").all_inner_texts()
    assert number(footer[5]) == total
    assert page.locator("#cash-base-missing").count() == 0


def test_the_as_of_control_sets_favas_time_filter(fava: FavaServer, page: Any) -> None:
    page.goto(fava.url("extension/Cash/"))
    page.fill("form.backoffice-filters input[name=time]", "2026-11-20")
    page.wait_for_url("**time=2026-11-20**")
    assert page.locator(".backoffice-as-of time").inner_text() == "2026-11-20"
    first_day = page.locator('section.cash-ladder[data-currency="USD"] table.ladder-total tr')
    assert first_day.nth(1).get_attribute("data-date") == "2026-11-20"
    # Fava's own time filter, the month: as of its last day.
    page.goto(fava.url("extension/Breaks/?time=2026-10"))
    assert page.locator(".backoffice-as-of time").inner_text() == "2026-10-31"


# -- Breaks and the actions (served --edit, beside a twin the CLI writes) -----------------


@pytest.fixture(scope="module")
def twins(served_books: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two copies of the served books with the same breaks recorded: one the page
    writes, one the CLI writes."""
    made = []
    for name in ("page", "cli"):
        target = tmp_path_factory.mktemp(name) / "books"
        shutil.copytree(served_books.parent, target)
        books = target / "main.beancount"
        for kind, reference, text, amount, day in SEEDED:
            done = run_backoffice(
                books, "breaks", "open", kind, reference, text, "--amount", amount, "--as-of", day
            )
            assert done.returncode == 0, done.stderr
        made.append(books)
    return made[0], made[1]


@pytest.fixture(scope="module")
def editing(
    twins: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FavaServer]:
    with serving(twins[0], tmp_path_factory.mktemp("edit"), "--edit") as server:
        yield server


def books_text(books: Path) -> dict[str, str]:
    """The files a break writes: the breaks file and the main file (its include)."""
    return {
        name: (books.parent / name).read_text() for name in ("main.beancount", "breaks.beancount")
    }


def found_breaks(books: Path) -> dict[str, data.Custom]:
    from beancount import loader

    entries, _, _ = loader.load_file(str(books))
    return {
        e.values[0].value: e for e in entries if isinstance(e, data.Custom) and e.type == "break"
    }


def nyse_business_days(start: datetime.date, end: datetime.date) -> int:
    """Business days of the NYSE after ``start`` up to ``end``."""
    closed = holidays.financial_holidays("NYSE", years=[start.year, end.year])
    days = (start + datetime.timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(1 for day in days if day.weekday() < 5 and day not in closed)


def age_range(label: str) -> tuple[int, int]:
    days = label.removesuffix(" days")
    if days.startswith("over "):
        return int(days.removeprefix("over ")) + 1, 10**6
    low, _, high = days.partition("-")
    return int(low), int(high or low)


def test_breaks_filters_by_kind_age_and_status(editing: FavaServer, page: Any) -> None:
    found = found_breaks(editing.books)
    _, _, as_of = books_and_config(editing.books)
    page.goto(editing.url("extension/Breaks/"))
    every = column(page, "#breaks-open-rows", 0)
    choose(page, "kind", "statement-difference")
    assert column(page, "#breaks-open-rows", 0) == [
        id_ for id_ in every if found[id_].values[1].value == "statement-difference"
    ]
    # Ages in business days of the matching calendar (the demo's: XNYS).
    page.goto(editing.url("extension/Breaks/"))
    for label in page.locator("select[name=age] option").all_inner_texts()[1:]:
        low, high = age_range(label)
        page.goto(editing.url("extension/Breaks/"))
        choose(page, "age", label)
        for break_id in column(page, "#breaks-open-rows", 0):
            opened = found[break_id].date
            age = nyse_business_days(opened, as_of)
            assert low <= age <= high, (label, break_id, age)
    page.goto(editing.url("extension/Breaks/"))
    choose(page, "status", "resolved")
    assert page.locator("#breaks-open-rows").count() == 0
    assert column(page, "#breaks-resolved-rows", 0)
    # The ageing chart counts the open breaks.
    page.goto(editing.url("extension/Breaks/"))
    counts = page.locator("svg.backoffice-bars rect[data-category]").evaluate_all(
        "bs => bs.map(b => Number(b.dataset.value))"
    )
    assert sum(counts) == len(every)
    page.locator("#breaks-open-rows th", has_text="age").click()
    ages = [int(v) for v in column(page, "#breaks-open-rows", 3)]
    assert ages == sorted(ages)


def submit_and_wait(page: Any, button: Any) -> str:
    """Click a form's button; return what the page says was written."""
    button.click()
    page.wait_for_url("**written=**")
    return str(page.locator("#backoffice-outcome pre").inner_text())


def test_opening_a_break_on_the_page_writes_what_the_cli_writes(
    editing: FavaServer, twins: tuple[Path, Path], page: Any
) -> None:
    _, cli_books = twins
    page.goto(editing.url("extension/Breaks/"))
    page.locator("#breaks-open-form summary").click()
    form = page.locator("#breaks-open-form form")
    form.locator("select[name=kind]").select_option("confirmation-mismatch")
    form.locator("input[name=reference]").fill("GA-20261127-001")
    form.locator("input[name=amount]").fill("-1196440.00 USD")
    form.locator("input[name=text]").fill('Price "61.30" on the confirmation')
    written = submit_and_wait(page, form.locator("button"))
    done = run_backoffice(
        cli_books, "breaks", "open", "confirmation-mismatch", "GA-20261127-001",
        'Price "61.30" on the confirmation', "--amount", "-1196440.00 USD",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert written.strip() == done.stdout.strip()
    assert books_text(editing.books) == books_text(cli_books)


def test_resolving_a_break_on_the_page_writes_what_the_cli_writes(
    editing: FavaServer, twins: tuple[Path, Path], page: Any
) -> None:
    _, cli_books = twins
    page.goto(editing.url("extension/Breaks/"))
    break_id = next(
        i for i, e in found_breaks(editing.books).items() if e.values[1].value == "other"
    )
    row = page.locator(f'#breaks-open-rows tr[data-id="{break_id}"]')
    row.locator("input[name=text]").fill("Bank refunded the fee")
    submit_and_wait(page, row.locator("button"))
    done = run_backoffice(cli_books, "breaks", "resolve", break_id, "Bank refunded the fee")
    assert done.returncode == 0, done.stderr
    assert books_text(editing.books) == books_text(cli_books)
    assert page.locator(f'#breaks-resolved-rows tr[data-id="{break_id}"]').count() == 1

    # Twice: refused, and nothing written.
    before = books_text(editing.books)
    response = page.request.post(
        editing.url("extension/Breaks/resolve_break"),
        form={"id": break_id, "text": "again", "date": "2026-11-27", "back": ""},
        max_redirects=0,
    )
    assert response.status == 303
    assert "refused=" in response.headers["location"]
    assert "already+resolved" in response.headers["location"]
    assert books_text(editing.books) == before


def test_a_fails_button_opens_its_break_as_the_cli_would(
    editing: FavaServer, twins: tuple[Path, Path], page: Any
) -> None:
    _, cli_books = twins
    page.goto(editing.url("extension/Settlements/"))
    row = page.locator(f'#settlement-failed tr[data-link="trade-{FAILED_TRADE}"]')
    text = row.locator("input[name=text]").input_value()
    remaining = row.locator("input[name=amount]").get_attribute("value")
    submit_and_wait(page, row.locator("button"))
    done = run_backoffice(
        cli_books, "breaks", "open", "settlement-fail", FAILED_TRADE, text, "--amount", remaining
    )
    assert done.returncode == 0, done.stderr
    assert books_text(editing.books) == books_text(cli_books)

    # Now the fail shows its break, which links to it on the Breaks page.
    row = page.locator(f'#settlement-failed tr[data-link="trade-{FAILED_TRADE}"]')
    link = row.locator("a.backoffice-break")
    break_id = link.get_attribute("data-break")
    assert link.inner_text() == f"{break_id} (open)"
    link.click()
    page.wait_for_url("**/extension/Breaks/**")
    assert column(page, "#breaks-open-rows", 0) == [break_id]


def test_a_refused_action_says_why_and_writes_nothing(editing: FavaServer, page: Any) -> None:
    before = books_text(editing.books)
    page.goto(editing.url("extension/Breaks/"))
    page.locator("#breaks-open-form summary").click()
    form = page.locator("#breaks-open-form form")
    form.locator("input[name=reference]").fill("NO-SUCH-TRADE")
    form.locator("input[name=text]").fill("Something is wrong")
    form.locator("button").click()
    page.wait_for_url("**refused=**")
    assert "'NO-SUCH-TRADE' is no trade id and no account of the books" in (
        page.locator("#backoffice-outcome").inner_text()
    )
    assert books_text(editing.books) == before


def test_read_only_pages_offer_no_action_and_refuse_one(fava: FavaServer, page: Any) -> None:
    main = fava.books.read_text()
    breaks = (fava.books.parent / "breaks.beancount").read_text()
    page.goto(fava.url("extension/Breaks/"))
    assert page.locator("#breaks-open-form").count() == 0
    assert page.locator("form[action=resolve_break]").count() == 0
    for endpoint, form in [
        ("Breaks/open_break", {"kind": "other", "reference": "Assets:Bank:FirstHarbor:USD",
                               "text": "x", "date": "2026-11-27"}),
        ("Settlements/open_break", {"kind": "settlement-fail", "reference": FAILED_TRADE,
                                    "text": "x", "date": "2026-11-27"}),
        ("Breaks/resolve_break", {"id": "B-37661166ef61", "text": "x", "date": "2026-11-27"}),
    ]:  # fmt: skip
        response = page.request.post(fava.url(f"extension/{endpoint}"), form=form)
        assert response.status == 401, endpoint  # Fava refuses any write when read-only
    assert fava.books.read_text() == main
    assert (fava.books.parent / "breaks.beancount").read_text() == breaks
