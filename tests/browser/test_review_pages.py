"""The Backoffice review pages in Fava, against the demo books.

Each test computes what the page must show from the books themselves (Beancount's
loader and plain arithmetic over postings and metadata, not the area's report
function), reads the page as a user sees it, and follows a row's link into Fava's
journal to check it lands on that row's entries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import holidays
import pytest
from beancount.core import data

from ledger.books import Books
from ledger.meta import CASH_FLOOR, get_cash_floor
from tests.browser.conftest import FavaServer, books_and_config, keep_screenshot

pytestmark = pytest.mark.browser

# The calendar of each currency's payment system in the `holidays` library.
PAYMENT_CALENDARS = {"USD": "FED", "EUR": "ECB"}


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("\u2212", "-").strip())


def cells(page: Any, rows: str) -> list[list[str]]:
    """The cells' text of each row matching the selector ``rows``."""
    found: list[list[str]] = page.eval_on_selector_all(
        rows, "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    return found


def table(page: Any, selector: str) -> list[list[str]]:
    """The cells' text of each body row of the table ``selector``."""
    return cells(page, f"{selector} > tbody > tr")


def journal(page: Any) -> list[tuple[str, list[str]]]:
    """Fava's journal as shown: each entry's date and links."""
    page.locator("ol.journal li.transaction").first.wait_for()
    entries: list[tuple[str, list[str]]] = page.eval_on_selector_all(
        "ol.journal li.transaction",
        """items => items.map(li => [
            li.querySelector('.datecell').innerText.trim(),
            [...li.querySelectorAll(':scope > p .link')].map(l => l.innerText.trim()),
        ])""",
    )
    return entries


def linked_entries(books: Books, link: str) -> list[tuple[str, list[str]]]:
    """What Fava's journal filtered by ``^link`` must show, newest first."""
    entries = [
        (e.date.isoformat(), sorted(f"^{name}" for name in e.links))
        for e in books.entries
        if isinstance(e, data.Transaction) and link in (e.links or ())
    ]
    return sorted(entries, reverse=True)


def follow_link_to_journal(page: Any, fava: FavaServer, link_element: Any) -> None:
    """Click a row's link to its trade and compare the journal with the books."""
    books, _, _ = books_and_config(fava.books)
    href = link_element.get_attribute("href")
    link = link_element.inner_text().strip()
    link_element.click()
    page.wait_for_url(f"**{href}")
    shown = journal(page)
    assert [(date, sorted(links)) for date, links in shown] == linked_entries(books, link)
    assert shown, f"no journal entries for ^{link}"


# -- Cash ---------------------------------------------------------------------------------


def value_date(entry: data.Transaction, posting: data.Posting) -> datetime.date:
    for meta in (posting.meta, entry.meta):
        if meta and isinstance(meta.get("value-date"), datetime.date):
            return meta["value-date"]  # type: ignore[no-any-return]
    return entry.date


def business_days(currency: str, start: datetime.date, count: int) -> list[datetime.date]:
    closed = holidays.financial_holidays(
        PAYMENT_CALENDARS[currency], years=[start.year, start.year + 1]
    )
    days = []
    day = start
    while len(days) < count:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def expected_cash(path: Path) -> dict[str, Any]:
    """Per cash account: floor, settled (by value date up to as-of), projected (every
    booked flow plus what unsettled trades will still move), and per currency the ladder's
    dates, its floor and its last closing balance."""
    books, config, as_of = books_and_config(path)
    accounts: dict[str, tuple[Decimal, str]] = {}
    for entry in books.entries:
        if isinstance(entry, data.Open) and CASH_FLOOR in entry.meta:
            floor, currency = get_cash_floor(entry.meta)
            accounts[entry.account] = (floor, currency or entry.currencies[0])
    settled: dict[str, Decimal] = defaultdict(Decimal)
    booked: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    unsettled: dict[str, Decimal] = defaultdict(Decimal)  # by trade link: clearing balance
    trade_account: dict[str, str] = {}
    for entry in books.entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            if posting.account in accounts:
                day = value_date(entry, posting)
                booked[posting.account].append((day, posting.units.number))
                if day <= as_of:
                    settled[posting.account] += posting.units.number
            elif posting.account.startswith(config.accounts.unsettled + ":"):
                for link in entry.links or ():
                    unsettled[link] += posting.units.number
                    counterparty = posting.account.rsplit(":", 1)[1]
                    cash_account = config.counterparties[counterparty].cash_account
                    assert cash_account is not None
                    trade_account[link] = cash_account
    to_move: dict[str, Decimal] = defaultdict(Decimal)
    for link, amount in unsettled.items():
        to_move[trade_account[link]] += amount
    # a corporate action's cash notified (MT564) but not yet confirmed (no MT566) is expected
    confirmed = {e.meta.get("corp-ref") for e in books.entries if isinstance(e, data.Transaction)}
    expected_income = [
        entry
        for entry in books.entries
        if isinstance(entry, data.Custom)
        and entry.type == "entitlement"
        and "net" in entry.meta
        and entry.values[0].value not in confirmed
    ]
    for entry in expected_income:
        to_move[entry.meta["cash-account"]] += entry.meta["net"].number
    positions = {
        account: {
            "floor": floor,
            "settled": settled[account],
            "projected": sum((n for _, n in booked[account]), Decimal(0)) + to_move[account],
        }
        for account, (floor, _) in accounts.items()
    }
    ladders = {}
    for currency in sorted({ccy for _, ccy in accounts.values()}):
        mine = [a for a, (_, ccy) in accounts.items() if ccy == currency]
        dates = business_days(currency, as_of, config.cash.days)
        closing = sum(
            (n for a in mine for day, n in booked[a] if day <= dates[-1]), Decimal(0)
        ) + sum((to_move[a] for a in mine), Decimal(0))
        ladders[currency] = {
            "dates": [d.isoformat() for d in dates],
            "floor": sum((accounts[a][0] for a in mine), Decimal(0)),
            "closing": closing,
        }
    open_links = sorted(link for link, amount in unsettled.items() if amount != 0)
    income = sorted((e.values[0].value, e.meta["net"].number) for e in expected_income)
    return {
        "positions": positions,
        "ladders": ladders,
        "open_links": open_links,
        "expected_income": income,
    }


def test_cash_page_positions_ladder_chart_and_links(fava: FavaServer, page: Any) -> None:
    expected = expected_cash(fava.books)
    page.goto(fava.url("extension/Cash/"))
    rows = table(page, "#cash-positions")
    shown = {
        row[0]: {"floor": number(row[2]), "settled": number(row[3]), "projected": number(row[6])}
        for row in rows
    }
    assert shown == expected["positions"]

    for currency, ladder in expected["ladders"].items():
        # The currency's total; each account's chart is in its <details>.
        chart = page.locator(f'section.cash-ladder[data-currency="{currency}"] > svg')
        bars = chart.locator("rect.day")
        assert bars.evaluate_all("bs => bs.map(b => b.dataset.date)") == ladder["dates"]
        assert number(bars.last.get_attribute("data-closing")) == ladder["closing"]
        floor = chart.locator("line.floor")
        assert number(floor.get_attribute("data-floor")) == ladder["floor"]
        assert floor.evaluate("line => line.getBBox().width") > 0  # drawn across the chart

    # Income notified and not yet confirmed: listed with its reference and net amount.
    income = table(page, "#cash-expected-income")
    assert sorted((row[9], number(row[6])) for row in income) == expected["expected_income"]
    assert expected["expected_income"]  # the demo's XYZ dividend is still to be paid

    # Unsettled trades: each listed with a link to its entries in the journal.
    links = page.locator("#cash-exposure a.backoffice-journal")
    assert sorted(links.all_inner_texts()) == expected["open_links"]
    follow_link_to_journal(page, fava, links.first)


def test_cash_position_links_to_the_account_journal(fava: FavaServer, page: Any) -> None:
    page.goto(fava.url("extension/Cash/"))
    account = "Assets:Bank:FirstHarbor:USD"
    page.locator(f'#cash-positions tr[data-account="{account}"] a.backoffice-account').click()
    page.wait_for_url(f"**/account/{account}/**")
    page.locator("ol.journal li.transaction").first.wait_for()
    accounts_shown = page.eval_on_selector_all(
        "ol.journal li.transaction .postings a", "links => links.map(a => a.innerText.trim())"
    )
    assert account in accounts_shown


# -- Settlements --------------------------------------------------------------------------


def expected_trades(path: Path) -> dict[str, dict[str, Any]]:
    """Per trade (an entry with ``trade-id`` and ``side``): counterparty, S, what is still
    to settle (its clearing balance over every entry linked to it), status and age."""
    books, config, as_of = books_and_config(path)
    clearing: dict[str, Decimal] = defaultdict(Decimal)
    trades = {}
    for entry in books.entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            if posting.account.startswith(config.accounts.unsettled + ":"):
                for link in entry.links or ():
                    clearing[link] += posting.units.number
        if "trade-id" in entry.meta and "side" in entry.meta:
            link = f"trade-{entry.meta['trade-id']}"
            trades[link] = {
                "counterparty": entry.meta["counterparty"],
                "settle_date": entry.meta["settle-date"],
                "currency": next(
                    p.units.currency
                    for p in entry.postings
                    if p.account.startswith(config.accounts.unsettled + ":")
                ),
            }
    for link, trade in trades.items():
        remaining = clearing[link]
        settle = trade["settle_date"]
        if remaining == 0:
            status, age = "settled", 0
        elif settle >= as_of:
            status, age = "pending", 0
        else:
            status = "failed"
            age = len(
                [d for d in business_days(trade["currency"], settle, 30) if settle < d <= as_of]
            )
        trade.update(remaining=remaining, status=status, age=age)
    return trades


def test_settlements_page_statuses_ageing_filter_and_links(fava: FavaServer, page: Any) -> None:
    expected = expected_trades(fava.books)
    assert {t["status"] for t in expected.values()} >= {"failed", "pending", "settled"}
    page.goto(fava.url("extension/Settlements/"))

    columns = ["trade", "T", "S", "counterparty", "side", "quantity", "security", "amount"]
    columns += ["remaining", "currency", "status", "age", "entries"]
    shown = {}
    for status in ("failed", "pending", "settled"):
        for values in table(page, f"#settlement-{status}"):
            # The failed trades have one more column: their break.
            row = dict(zip(columns, values[: len(columns)], strict=True))
            shown[row["entries"]] = {
                "status": row["status"],
                "remaining": number(row["remaining"]),
                "age": int(row["age"]),
                "counterparty": row["counterparty"],
            }
    assert shown == {
        link: {k: t[k] for k in ("status", "remaining", "age", "counterparty")}
        for link, t in expected.items()
    }

    # Each failed trade sits in the ageing bucket whose range holds its age; the bucket
    # shows what is to pay and to receive, gross, and their net.
    bucketed = []
    for label, _, _, pay, receive, net, links in table(page, "#settlement-ageing"):
        days = label.removesuffix(" days")
        if days.startswith("over "):
            low, high = int(days.removeprefix("over ")) + 1, 10**6
        else:
            low, high = (int(n) for n in days.split("-"))
        remaining = [expected[link]["remaining"] for link in links.split(", ")]
        for link in links.split(", "):
            assert low <= expected[link]["age"] <= high, (label, link)
            bucketed.append(link)
        assert number(pay) == sum((r for r in remaining if r < 0), Decimal(0))
        assert number(receive) == sum((r for r in remaining if r > 0), Decimal(0))
        assert number(net) == sum(remaining, Decimal(0))
    assert sorted(bucketed) == sorted(k for k, t in expected.items() if t["status"] == "failed")

    # The counterparty filter keeps that counterparty's trades only.
    page.select_option("select[name=counterparty]", "BetaMarkets")
    page.wait_for_url("**counterparty=BetaMarkets**")
    page.locator("#backoffice-settlements").wait_for()
    listed = page.locator("#backoffice-settlements table tr[data-link]")
    listed_links = sorted(set(listed.evaluate_all("rows => rows.map(r => r.dataset.link)")))
    assert listed_links == sorted(
        link for link, t in expected.items() if t["counterparty"] == "BetaMarkets"
    )

    page.goto(fava.url("extension/Settlements/"))
    follow_link_to_journal(
        page, fava, page.locator("#settlement-failed a.backoffice-journal").first
    )


# -- Close --------------------------------------------------------------------------------


def month_after(day: datetime.date) -> str:
    following = day.replace(day=28) + datetime.timedelta(days=4)
    return f"{following:%Y-%m}"


def test_close_page_periods_checklist_and_period_journal(fava: FavaServer, page: Any) -> None:
    books, _, as_of = books_and_config(fava.books)
    sealed = [
        e.values[0].value
        for e in books.entries
        if isinstance(e, data.Custom) and e.type == "period-close"
    ]
    last_end = max(
        (e.date for e in books.entries if isinstance(e, data.Custom) and e.type == "period-close"),
        default=None,
    )
    # The period to close: after the last seal, else the month before the as-of date's.
    period = (
        month_after(last_end)
        if last_end
        else f"{as_of.replace(day=1) - datetime.timedelta(days=1):%Y-%m}"
    )

    page.goto(fava.url("extension/Close/"))
    shown_seals = page.locator("#close-seals tr[data-period]")
    assert shown_seals.evaluate_all("rows => rows.map(r => r.dataset.period)") == sealed
    assert all(state == "intact" for state in page.locator(".seal-state").all_inner_texts())
    assert page.locator("#close-period").get_attribute("data-period") == period
    keep_screenshot(page, "close")

    # The "books" check lists exactly the problems the books have.
    problems = sorted(str(error.message) for error in books.errors)
    blockers = page.locator('#close-checklist tr[data-check="books"] li').all_inner_texts()
    assert sorted(text.split(" ", 1)[1] for text in blockers) == problems
    states = page.locator("#close-checklist .check-state").all_inner_texts()
    ready = page.locator("#close-ready").inner_text()
    assert ready == ("ready to close" if set(states) == {"ok"} else "not ready")

    # The period's journal: every transaction dated in the period, and nothing else.
    page.locator("#close-period a.backoffice-journal").click()
    page.wait_for_url(f"**/journal/?time={period}**")
    page.locator("ol.journal li.transaction").first.wait_for()
    dates = page.eval_on_selector_all(
        "ol.journal li.transaction",
        "items => items.map(li => li.querySelector('.datecell').innerText.trim())",
    )
    in_period = [
        e.date.isoformat()
        for e in books.entries
        if isinstance(e, data.Transaction) and f"{e.date:%Y-%m}" == period
    ]
    assert sorted(dates) == sorted(in_period)


# -- Reconciliation -----------------------------------------------------------------------


def expected_recon(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Per account and commodity with a statement (a ``balance`` dated up to the day after
    as-of): the latest statement's date and balance, the books' balance, the difference."""
    books, _, as_of = books_and_config(path)
    latest: dict[tuple[str, str], data.Balance] = {}
    for entry in books.entries:
        if isinstance(entry, data.Balance) and entry.date <= as_of + datetime.timedelta(days=1):
            key = (entry.account, entry.amount.currency)
            if key not in latest or entry.date >= latest[key].date:
                latest[key] = entry
    expected = {}
    for (account, currency), balance in latest.items():
        held = sum(
            (
                posting.units.number
                for entry in books.entries
                if isinstance(entry, data.Transaction) and entry.date < balance.date
                for posting in entry.postings
                if (posting.account == account or posting.account.startswith(account + ":"))
                and posting.units.currency == currency
            ),
            Decimal(0),
        )
        # a custodian's holding asserted in the books' terms (a known fail) shows the
        # custodian's own figure; the assertion is what the books should hold
        difference = balance.amount.number - held
        expected[(account, currency)] = {
            "date": (balance.date - datetime.timedelta(days=1)).isoformat(),
            "statement": balance.meta.get("custodian-quantity", balance.amount.number),
            "books": held,
            "difference": difference,
            "status": "reconciled" if difference == 0 else "difference",
        }
    return expected


def test_reconciliation_page_statements_differences_and_links(fava: FavaServer, page: Any) -> None:
    expected = expected_recon(fava.books)
    assert expected, "the demo books hold statements"
    page.goto(fava.url("extension/Reconciliation/"))
    shown = {}
    for row in cells(page, "#recon-accounts > tbody > tr[data-account]:not(.backoffice-detail)"):
        account, currency, date, statement, held, difference, status = row[:7]
        if status == "no-statement":
            continue
        shown[(account, currency)] = {
            "date": date,
            "statement": number(statement),
            "books": number(held),
            "difference": number(difference),
            "status": status,
        }
    assert shown == expected
    keep_screenshot(page, "reconciliation")

    account, currency = next(iter(sorted(expected)))
    row = page.locator(f'#recon-accounts tr[data-account="{account}"][data-currency="{currency}"]')
    row.locator("a.backoffice-account").first.click()
    page.wait_for_url(f"**/account/{account}/**")
    page.locator("ol.journal li").first.wait_for()


# -- Breaks -------------------------------------------------------------------------------


def test_breaks_page_open_and_resolved_with_links(fava: FavaServer, page: Any) -> None:
    books, _, as_of = books_and_config(fava.books)
    customs = [e for e in books.entries if isinstance(e, data.Custom) and e.date <= as_of]
    found = {e.values[0].value: e for e in customs if e.type == "break"}
    resolutions = {e.values[0].value: e for e in customs if e.type == "break-resolved"}
    resolved = {
        break_id: {
            "found": entry.date.isoformat(),
            "resolved": resolutions[break_id].date.isoformat(),
            "resolution": resolutions[break_id].values[1].value,
            "entries": entry.meta.get("link") or entry.meta.get("account"),
        }
        for break_id, entry in found.items()
        if break_id in resolutions
    }
    still_open = sorted(break_id for break_id in found if break_id not in resolutions)
    assert resolved, "the demo books hold the resolved XYZ price break"

    page.goto(fava.url("extension/Breaks/"))
    assert page.locator("#breaks-open").inner_text() == str(len(still_open))
    assert page.locator("#breaks-resolved").inner_text() == str(len(resolved))
    open_rows = page.locator("#breaks-open-rows tr[data-id]")
    assert sorted(open_rows.evaluate_all("rows => rows.map(r => r.dataset.id)")) == still_open
    shown = {
        row[0]: {"found": row[2], "resolved": row[3], "resolution": row[4], "entries": row[6]}
        for row in table(page, "#breaks-resolved-rows")
    }
    assert shown == resolved

    linked = sorted(k for k, v in resolved.items() if str(v["entries"]).startswith("trade-"))
    link = page.locator(f'#breaks-resolved-rows tr[data-id="{linked[0]}"] a.backoffice-journal')
    follow_link_to_journal(page, fava, link)


# -- Imports ------------------------------------------------------------------------------


def test_imports_page_documents_hashes_entries_and_links(fava: FavaServer, page: Any) -> None:
    books, _, as_of = books_and_config(fava.books)
    documents: dict[str, dict[str, Any]] = {}
    for entry in books.entries:
        source = entry.meta.get("source")
        if entry.date > as_of or source is None or entry.meta.get("source-ref") is None:
            continue
        document = documents.setdefault(
            source, {"sha256": entry.meta["source-sha256"], "transactions": [], "balances": 0}
        )
        if isinstance(entry, data.Transaction):
            document["transactions"].append(entry.date.isoformat())
        elif isinstance(entry, data.Balance):
            document["balances"] += 1
    assert documents, "the demo's inbox is imported"

    page.goto(fava.url("extension/Imports/"))
    keys = page.locator("#imports-documents tr[data-source]").evaluate_all(
        "rows => rows.map(r => [r.dataset.source, r.dataset.sha256])"
    )
    shown = {
        source: {"sha256": sha256, "transactions": int(values[4]), "balances": int(values[5])}
        for (source, sha256), values in zip(keys, table(page, "#imports-documents"), strict=True)
    }
    assert shown == {
        source: {
            "sha256": d["sha256"],
            "transactions": len(d["transactions"]),
            "balances": d["balances"],
        }
        for source, d in documents.items()
    }
    keep_screenshot(page, "imports")

    # A document's entries link opens the journal of exactly the transactions it wrote.
    source = max(documents, key=lambda s: len(documents[s]["transactions"]))
    page.locator(f'#imports-documents tr[data-source="{source}"] a.backoffice-journal').click()
    page.wait_for_url("**/journal/?filter=**")
    dates = [date for date, _ in journal(page)]
    assert sorted(dates) == sorted(documents[source]["transactions"])


def test_cash_ladder_day_links_to_that_days_journal(fava: FavaServer, page: Any) -> None:
    books, _, as_of = books_and_config(fava.books)
    usd_accounts = {
        e.account
        for e in books.entries
        if isinstance(e, data.Open) and CASH_FLOOR in e.meta and e.currencies == ["USD"]
    }
    page.goto(fava.url("extension/Cash/"))
    first_day = page.locator('section.cash-ladder[data-currency="USD"] table.ladder-total a').first
    assert first_day.inner_text() == as_of.isoformat()
    first_day.click()
    page.wait_for_url(f"**/journal/?**time={as_of.isoformat()}**")
    page.locator("ol.journal li.transaction").first.wait_for()
    rows = page.eval_on_selector_all(
        "ol.journal li.transaction",
        """items => items.map(li => {
            const text = li.querySelector(':scope > p .description').cloneNode(true);
            text.querySelectorAll('.link, .tag').forEach(e => e.remove());
            return [li.querySelector(':scope > p .flag').innerText.trim(), text.textContent];
        })""",
    )

    def words(*texts: str | None) -> str:  # Fava runs payee and narration together
        return "".join("".join(text.split()) for text in texts if text)

    # Fava's "S" entries summarise the balances before the day; they are not the day's.
    shown = sorted(words(text) for flag, text in rows if flag != "S")
    expected = sorted(
        words(e.payee, e.narration)
        for e in books.entries
        if isinstance(e, data.Transaction)
        and e.date == as_of
        and any(p.account in usd_accounts for p in e.postings)
    )
    assert expected, "the demo books move USD cash on the as-of date"
    assert shown == expected
