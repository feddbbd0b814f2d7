"""Fava serves the demo books: the balance sheet on the opening date shows the opening cash."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from beancount.core import data, realization

from ledger.meta import CASH_FLOOR
from tests.browser.conftest import FavaServer, books_and_config, parse_amounts

pytestmark = pytest.mark.browser


def opening_cash(books_file: Any) -> tuple[datetime.date, dict[str, dict[str, Decimal]]]:
    """The opening date (first entry against the opening-equity account) and, per cash
    account (an ``open`` with ``cash-floor``), its balance at the end of that day."""
    books, config, _ = books_and_config(books_file)
    opening_account = config.accounts.opening
    opening_date = min(
        entry.date
        for entry in books.entries
        if isinstance(entry, data.Transaction)
        and any(posting.account == opening_account for posting in entry.postings)
    )
    cash_accounts = [
        entry.account
        for entry in books.entries
        if isinstance(entry, data.Open) and CASH_FLOOR in entry.meta
    ]
    real = realization.realize([e for e in books.entries if e.date <= opening_date])
    balances = {}
    for account in cash_accounts:
        inventory = realization.get(real, account).balance
        balances[account] = {pos.units.currency: pos.units.number for pos in inventory}
    return opening_date, balances


def test_balance_sheet_shows_opening_cash(fava: FavaServer, page: Any) -> None:
    opening_date, expected = opening_cash(fava.books)
    assert expected["Assets:Bank:FirstHarbor:USD"]["USD"] > 0  # the books have opening cash
    operating = books_and_config(fava.books)[0].options["operating_currency"][0]

    page.goto(fava.url(f"balance_sheet/?time={opening_date.isoformat()}"))
    shown = {}
    for account in expected:
        row = page.locator(f'span[data-account-name="{account}"]').locator("xpath=..")
        row.wait_for()
        shown[account] = parse_amounts(row.locator("span.num").all_inner_texts(), operating)
    assert shown == expected


def test_sidebar_opens_each_review_page(fava: FavaServer, page: Any) -> None:
    """Fava's own navigation (its router fetches the page as a fragment) shows each page."""
    _, _, as_of = books_and_config(fava.books)
    page.goto(fava.url("balance_sheet/"))
    for title in ("Settlements", "Cash", "Breaks", "Reconciliation", "Close", "Imports"):
        page.locator("aside a", has_text=title).first.click()
        page.wait_for_url(f"**/extension/{title}/")
        header = page.locator(f"#backoffice-{title.lower()} .backoffice-as-of")
        assert header.inner_text().startswith(f"{title} as of {as_of.isoformat()}")
