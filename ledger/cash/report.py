"""``cash_report``: positions, ladders, unsettled exposure and suggested transfers.

One dict, for ``backoffice cash --json`` and the Fava Cash page alike
(amounts are Decimals, dates are dates; the CLI prints them as strings):

- ``positions``: per cash account and currency, ``settled`` (the balance by
  value date on the as-of date), ``pending_in`` / ``pending_out`` (booked flows
  value-dated later, and the settlements of unsettled trades), ``projected``
  (settled plus pending), ``floor``;
- ``ladders``: per currency, its ``calendar`` and ``dates``, a ladder per
  account (``rows`` of :class:`ledger.cash.ladder.LadderRow`), the
  ``unassigned`` rows (pending settlements whose cash account is unknown: their
  counterparty has no ``cash-account``; None when there are none), the ``total``
  (``unassigned`` included) and its largest ``funding_need``;
- ``unassigned_counterparties``: the counterparties of those settlements;
- ``exposure``: per currency, what the trades not settled as of the as-of
  date still move: ``pay`` (negative), ``receive``, ``net``, ``trades``, ``links``;
- ``transfers``: suggested transfers covering the funding needs, each with its
  ``beancount`` text; ``uncovered``: needs that no account can cover;
- ``expected_income``: the cash entitlements of corporate actions (MT564) that no
  confirmation (MT566) books yet: ``corp_ref``, ``event``, ``security``,
  ``quantity``, ``record_date``, ``pay_date``, ``account``, ``currency``,
  ``gross``, ``withholding``, ``net``. Each net amount is in the ladder (``other``)
  and the positions (``pending_in``) on its pay date (on the as-of date once
  that is past), as an expected receipt. The cash plugin does not count them: a
  receipt not yet confirmed never covers a shortfall.
- ``market_claims``: the open market claims of those events
  (:func:`ledger.corporate_actions.market_claims`): ``corp_ref``, ``event``,
  ``trade_id``, ``counterparty``, ``security``, ``quantity`` (positive: owed to
  us), ``pay_date``, ``account``, ``currency``, ``amount``; each in the ladder
  (``other``) on its pay date (or the as-of date) like an expected receipt, a
  payable as a negative amount.
- ``without_failed``: whether the fails' settlements are left out of the
  projection (what the ladder is if none of them settles);
- ``base``: the positions in the base currency at the as-of date's rates
  (:func:`ledger.cash.base.base_totals`): per currency ``rate``, ``rate_date``,
  ``settled_base``, ``projected_base``; the totals; the currencies ``missing`` a rate.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from beancount.core.amount import Amount

from ledger.books import Books
from ledger.cash.base import base_totals
from ledger.cash.days import currency_calendar, ladder_dates
from ledger.cash.ladder import LadderRow, account_ladder, total_ladder
from ledger.cash.positions import ZERO, CashBook, Flow, cash_book
from ledger.cash.transfers import suggest_transfers, transfer_text
from ledger.config import Config
from ledger.corporate_actions import (
    Entitlement,
    MarketClaim,
    expected_receipts,
    market_claims,
    number,
)
from ledger.settlement.state import TradeState


def _pairs(book: CashBook) -> dict[tuple[str, str], list[Flow]]:
    """Flows per cash account and currency; every currency an account declares is a pair."""
    pairs: dict[tuple[str, str], list[Flow]] = {}
    for account in book.accounts.values():
        for currency in account.currencies:
            pairs[(account.account, currency)] = []
    for flow in book.flows:
        pairs.setdefault((flow.account, flow.currency), []).append(flow)
    return dict(sorted(pairs.items()))


def _position(
    book: CashBook, account: str, currency: str, flows: Sequence[Flow], as_of: datetime.date
) -> dict[str, Any]:
    settled = pending_in = pending_out = ZERO
    for flow in flows:
        if not flow.projected and flow.value_date <= as_of:
            settled += flow.amount
        elif flow.amount > 0:
            pending_in += flow.amount
        else:
            pending_out += flow.amount
    return {
        "account": account,
        "currency": currency,
        "floor": book.accounts[account].floor_in(currency),
        "settled": settled,
        "pending_in": pending_in,
        "pending_out": pending_out,
        "projected": settled + pending_in + pending_out,
    }


def _rows(rows: Sequence[LadderRow]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(row) for row in rows]


def _outstanding(state: TradeState) -> Decimal:
    """What of a trade is not settled as of the as-of date.

    A partial settlement's rest; all of a pending or failed trade, even when an
    entry dated later (an auto-settlement) already books its settlement.
    """
    return state.remaining if state.status == "partial" else state.amount


def _exposure(states: Sequence[TradeState], currency: str | None) -> list[dict[str, Any]]:
    by_currency: dict[str, list[tuple[str, Decimal]]] = {}
    for state in states:
        if state.status != "settled" and currency in (None, state.currency):
            by_currency.setdefault(state.currency, []).append((state.link, _outstanding(state)))
    exposure = []
    for ccy, open_trades in sorted(by_currency.items()):
        pay = sum((amount for _, amount in open_trades if amount < 0), ZERO)
        receive = sum((amount for _, amount in open_trades if amount > 0), ZERO)
        exposure.append(
            {
                "currency": ccy,
                "pay": pay,
                "receive": receive,
                "net": pay + receive,
                "trades": len(open_trades),
                "links": sorted(link for link, _ in open_trades),
            }
        )
    return exposure


def _unassigned_ladder(
    book: CashBook, currency: str, dates: Sequence[datetime.date], as_of: datetime.date
) -> list[LadderRow] | None:
    """The ladder of the settlements of ``currency`` whose cash account is unknown,
    or None when there are none. Its cash leaves (or arrives) all the same, so the
    total counts it; a net outflow is a funding need (floor 0) until an account is
    named to pay it from."""
    flows = [flow for flow in book.unassigned if flow.currency == currency]
    return account_ladder(flows, dates, as_of, ZERO) if flows else None


def _expected(account: str, amount: Amount, day: datetime.date, label: str) -> Flow:
    """A projected flow the books expect, not yet booked."""
    return Flow(account, amount.currency, day, number(amount), False, True, None, label, {}, None)


def _income_flows(
    receipts: Sequence[Entitlement],
    claims: Sequence[MarketClaim],
    book: CashBook,
    as_of: datetime.date,
) -> list[Flow]:
    """The expected receipts and market claims on cash accounts of the books, as
    projected flows."""
    flows = []
    for item in receipts:
        if item.net is None or item.pay_date is None or item.cash_account not in book.accounts:
            continue
        label = (
            f"expected {item.name}: {item.quantity:f} {item.security}, "
            f"CORP {item.corp_ref}, pay date {item.pay_date}"
        )
        flows.append(_expected(item.cash_account, item.net, max(item.pay_date, as_of), label))
    for claim in claims:
        if claim.cash_account not in book.accounts:
            continue
        side = "from" if claim.quantity > 0 else "to"
        label = (
            f"expected market claim {side} {claim.counterparty or 'the counterparty'}: "
            f"{claim.quantity:f} {claim.security}, trade {claim.trade_id}, CORP {claim.corp_ref}"
        )
        day = max(claim.pay_date, as_of)
        flows.append(_expected(claim.cash_account, claim.amount, day, label))
    return flows


def _claim_rows(claims: Sequence[MarketClaim], currency: str | None) -> list[dict[str, Any]]:
    return [
        {
            "corp_ref": claim.corp_ref,
            "event": claim.event,
            "trade_id": claim.trade_id,
            "counterparty": claim.counterparty,
            "security": claim.security,
            "quantity": claim.quantity,
            "pay_date": claim.pay_date,
            "account": claim.cash_account,
            "currency": claim.amount.currency,
            "amount": number(claim.amount),
        }
        for claim in claims
        if currency in (None, claim.amount.currency)
    ]


def _income_rows(receipts: Sequence[Entitlement], currency: str | None) -> list[dict[str, Any]]:
    return [
        {
            "corp_ref": item.corp_ref,
            "event": item.event,
            "security": item.security,
            "quantity": item.quantity,
            "record_date": item.record_date,
            "pay_date": item.pay_date,
            "account": item.cash_account,
            "currency": item.net.currency,
            "gross": number(item.gross) if item.gross is not None else None,
            "withholding": number(item.withholding) if item.withholding is not None else None,
            "net": number(item.net),
        }
        for item in receipts
        if item.net is not None and currency in (None, item.net.currency)
    ]


class UnknownCurrency(ValueError):
    """The ``currency`` filter names a currency no cash account holds."""


def build_report(
    book: CashBook,
    config: Config,
    as_of: datetime.date,
    days: int,
    currency: str | None = None,
    receipts: Sequence[Entitlement] = (),
    claims: Sequence[MarketClaim] = (),
) -> dict[str, Any]:
    """The report from a cash book and the expected receipts and market claims of
    corporate actions (see the module docstring for its keys)."""
    expected = _income_flows(receipts, claims, book, as_of)
    book = dataclasses.replace(book, flows=[*book.flows, *expected])
    all_pairs = _pairs(book)
    known = sorted({ccy for _, ccy in all_pairs} | {flow.currency for flow in book.unassigned})
    if currency is not None and currency not in known:
        raise UnknownCurrency(
            f"no cash account holds {currency}; the cash currencies are "
            f"{', '.join(known) or 'none'}"
        )
    pairs = {key: flows for key, flows in all_pairs.items() if currency in (None, key[1])}
    positions = [_position(book, acc, ccy, flows, as_of) for (acc, ccy), flows in pairs.items()]
    ladders = []
    transfers: list[dict[str, Any]] = []
    uncovered: list[dict[str, Any]] = []
    currencies = {ccy for _, ccy in pairs}
    currencies |= {flow.currency for flow in book.unassigned if currency in (None, flow.currency)}
    for ccy in sorted(currencies):
        calendar = currency_calendar(config, ccy)
        dates = ladder_dates(calendar, as_of, days)
        accounts = {
            acc: account_ladder(flows, dates, as_of, book.accounts[acc].floor_in(ccy))
            for (acc, flow_ccy), flows in pairs.items()
            if flow_ccy == ccy
        }
        ccy_transfers, ccy_uncovered = suggest_transfers(ccy, accounts)
        unassigned = _unassigned_ladder(book, ccy, dates, as_of)
        total = total_ladder([*accounts.values(), *([unassigned] if unassigned else [])])
        ladders.append(
            {
                "currency": ccy,
                "calendar": "+".join(calendar) if calendar else None,
                "dates": dates,
                "accounts": [
                    {"account": acc, "rows": _rows(rows)} for acc, rows in accounts.items()
                ],
                "unassigned": _rows(unassigned) if unassigned else None,
                "total": _rows(total),
                "funding_need": max((row.funding_need for row in total), default=ZERO),
            }
        )
        transfers.extend(
            {
                "date": t.date,
                "currency": t.currency,
                "amount": t.amount,
                "from": t.source,
                "to": t.target,
                "beancount": transfer_text(t, config.firm.name),
            }
            for t in ccy_transfers
        )
        uncovered.extend(dataclasses.asdict(u) for u in ccy_uncovered)
    return {
        "as_of": as_of,
        "days": days,
        "currency": currency,
        "positions": positions,
        "ladders": ladders,
        "unassigned_counterparties": book.unassigned_counterparties(),
        "exposure": _exposure(book.states, currency),
        "transfers": transfers,
        "uncovered": uncovered,
        "expected_income": _income_rows(receipts, currency),
        "market_claims": _claim_rows(claims, currency),
    }


def cash_report(
    books: Books,
    config: Config,
    as_of: datetime.date,
    days: int | None = None,
    currency: str | None = None,
    without_failed: bool = False,
) -> dict[str, Any]:
    """Cash positions, the ladder of the next ``days`` business days (``[cash] days`` when
    None), unsettled exposure, suggested transfers, the totals in the base currency;
    ``without_failed`` leaves the fails' settlements out of the projection."""
    book = cash_book(books.entries, config, as_of, without_failed=without_failed)
    receipts = expected_receipts(books.entries)
    claims = market_claims(books.entries)
    days = days or config.cash.days
    report = build_report(book, config, as_of, days, currency, receipts, claims)
    report["without_failed"] = without_failed
    report["base"] = base_totals(
        books.entries, report["positions"], config.firm.base_currency, as_of
    )
    return report


def has_funding_need(report: dict[str, Any]) -> bool:
    """True when some ladder day of some account is below its floor."""
    return any(ladder["funding_need"] > Decimal(0) for ladder in report["ladders"])
