"""What a batch opens with ``--create-accounts``: the accounts and commodities the books lack.

The ``open`` of each account the books do not open (a statement's unknown
account, a clearing or securities account the trade importers book to) and the
``commodity`` of each security and currency they do not declare, each dated no
later than its first use. Without ``--create-accounts`` an account the books do
not open is refused with the line to add (:func:`unopened`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from beancount.core import data
from beancount.parser import printer

from importers.bank.builder import normalise_id
from importers.common import ImportFailure, UnknownStatementAccount
from importers.securities import UnknownSecurities
from ledger import meta as keys
from ledger.close.sealed_periods import sealed_periods
from ledger.config import Config, StatementAccount
from ledger.imports.result import FileImport
from ledger.securities import commodity_entry


def new_commodities(failures: Sequence[BaseException]) -> list[data.Commodity]:
    """The ``commodity`` directives of every unknown security, one per symbol."""
    made: dict[str, data.Commodity] = {}
    for failure in failures:
        if isinstance(failure, UnknownSecurities):
            for security in failure.securities:
                entry = commodity_entry(security, failure.day, failure.path)
                if security.symbol not in made or entry.date < made[security.symbol].date:
                    made[security.symbol] = entry
    return [made[symbol] for symbol in sorted(made)]


def distinct_accounts(
    unknown: Sequence[UnknownStatementAccount], config: Config
) -> list[UnknownStatementAccount]:
    """The new mappings, each statement id with its own ledger account: two ids whose
    derived names collide (same bank, same last digits) get the id's digits added."""
    taken = {mapping.account: normalise_id(mapping.id) for mapping in config.statement_accounts}
    out = []
    for failure in unknown:
        wanted = normalise_id(failure.statement_id)
        account = failure.account
        if taken.get(account, wanted) != wanted:
            *head, bank, currency = account.split(":")
            digits = "".join(ch for ch in wanted if ch.isalnum())
            # "Acct" + the id's last 4 digits is the name made when the bank is unnamed
            prefix = "Acct" if bank.startswith("Acct") else bank
            account = ":".join([*head, f"{prefix}{digits[-12:]}", currency])
            failure = UnknownStatementAccount(
                failure.path,
                failure.where,
                failure.statement_id,
                account,
                failure.currency,
                failure.open_date,
                cash=failure.cash,
            )
        taken.setdefault(account, wanted)
        out.append(failure)
    return out


def with_accounts(config: Config, unknown: Sequence[UnknownStatementAccount]) -> Config:
    added = list(config.statement_accounts)
    for failure in unknown:
        mapping = StatementAccount(
            id=failure.statement_id, account=failure.account, currency=failure.currency
        )
        if mapping not in added:
            added.append(mapping)
    return config.model_copy(update={"statement_accounts": added})


def new_currencies(
    results: Sequence[FileImport],
    opens: Sequence[data.Open],
    existing: Sequence[data.Directive],
    securities: Sequence[data.Commodity],
) -> list[data.Commodity]:
    """The ``commodity`` directive of each currency the new entries and accounts use and
    the books do not declare (``check_commodity`` wants one), dated on its first use."""
    declared = {e.currency for e in existing if isinstance(e, data.Commodity)}
    declared |= {commodity.currency for commodity in securities}
    first: dict[str, tuple[datetime.date, str]] = {}

    def use(currency: str, day: datetime.date, filename: str) -> None:
        if currency not in declared and (currency not in first or day < first[currency][0]):
            first[currency] = (day, filename)

    for opening in opens:
        for currency in opening.currencies or ():
            use(currency, opening.date, str(opening.meta.get("filename", "")))
    for result in results:
        for entry in result.new:
            if isinstance(entry, data.Balance):
                use(entry.amount.currency, entry.date, str(result.path))
            elif isinstance(entry, data.Transaction):
                for posting in entry.postings:
                    # held at cost: a security (the securities master's), priced in a currency
                    cost_currency = getattr(posting.cost, "currency", None)
                    if isinstance(cost_currency, str):
                        use(cost_currency, entry.date, str(result.path))
                    elif posting.units is not None and isinstance(posting.units.currency, str):
                        use(posting.units.currency, entry.date, str(result.path))
    made = []
    for currency, (day, filename) in sorted(first.items()):
        meta = data.new_metadata(filename, 0)
        meta[keys.ASSET_CLASS] = "fx"
        made.append(data.Commodity(meta, day, currency))
    return made


def booking_accounts(
    results: Sequence[FileImport], config: Config, opened: set[str]
) -> dict[str, data.Open]:
    """The ``open`` of each account the trade and custody importers book to (the
    ``[trades]`` securities account, a counterparty's clearing account, a kind of
    fee) that the books do not open, dated on the first entry posting to it."""
    clearing = config.accounts.unsettled + ":"
    fees = config.accounts.fees + ":"
    found: dict[str, data.Open] = {}
    for result in results:
        for entry in result.new:
            if not isinstance(entry, data.Transaction):
                continue
            for posting in entry.postings:
                account = posting.account
                if account in opened or not (
                    account == config.trades.securities_account
                    or account.startswith((clearing, fees))
                ):
                    continue
                if account in found and found[account].date <= entry.date:
                    continue
                booking = data.Booking.FIFO if posting.cost is not None else None
                meta = data.new_metadata(str(result.path), entry.meta.get("lineno", 0))
                found[account] = data.Open(meta, entry.date, account, [], booking)
    return dict(sorted(found.items()))


def unopened(account: str, opening: data.Open) -> ImportFailure:
    booking = f'  "{opening.booking.name}"' if opening.booking is not None else ""
    return ImportFailure(
        opening.meta["filename"],
        opening.meta["lineno"] or None,
        f"books to {account}, which the books do not open",
        hint=f"add to accounts.beancount:\n{opening.date} open {account}{booking}\n"
        "or run 'backoffice import --create-accounts', which adds it",
    )


def open_entries(unknown: Sequence[UnknownStatementAccount], opened: set[str]) -> list[data.Open]:
    """The new statement accounts, a cash account with a floor of zero
    (``backoffice cash`` and ``plugins.cash`` watch accounts with a floor), a card's
    account without one."""
    opens: dict[str, data.Open] = {}
    for failure in unknown:
        if failure.account in opened or failure.account in opens:
            continue
        meta = data.new_metadata(failure.path, 0)
        currencies = [failure.currency] if failure.currency else []
        if failure.currency and failure.cash:  # plugins.cash and 'backoffice cash' watch it
            meta[keys.CASH_FLOOR] = f"0 {failure.currency}"
        opens[failure.account] = data.Open(
            meta, failure.open_date, failure.account, currencies, None
        )
    return sorted(opens.values(), key=lambda entry: (entry.date, entry.account))


def dated_in_time(opens: Sequence[data.Open], results: Sequence[FileImport]) -> list[data.Open]:
    """Each ``open`` no later than the first new entry on its account (a first
    statement's opening balance is booked the day before its first line)."""
    first: dict[str, datetime.date] = {}
    for result in results:
        for entry in result.new:
            if isinstance(entry, data.Transaction) and entry.postings:
                account = entry.postings[0].account
                first[account] = min(first.get(account, entry.date), entry.date)
    return [
        entry._replace(date=min(entry.date, first.get(entry.account, entry.date)))
        for entry in opens
    ]


def overdraft_floors(opens: Sequence[data.Open], results: Sequence[FileImport]) -> list[data.Open]:
    """A new cash account whose statement shows it overdrawn gets that overdraft as its
    floor: the lowest end-of-day balance by value date that the new entries give (the
    statement's opening included), as ``plugins.cash`` computes it. Its ``cash-floor``
    of 0 would otherwise fail the first ``check`` for a credit line the bank has granted."""
    flows: dict[str, dict[datetime.date, Decimal]] = {}
    for result in results:
        for entry in result.new:
            if not isinstance(entry, data.Transaction):
                continue
            day = keys.get_value_date(entry.meta) or entry.date
            for leg in entry.postings:
                if leg.units is not None and isinstance(leg.units.number, Decimal):
                    days = flows.setdefault(leg.account, {})
                    days[day] = days.get(day, Decimal(0)) + leg.units.number
    out = []
    for entry in opens:
        floor = str(entry.meta.get(keys.CASH_FLOOR, ""))
        if floor.startswith("0 ") and entry.account in flows:
            balance, lowest = Decimal(0), Decimal(0)
            for day in sorted(flows[entry.account]):
                balance += flows[entry.account][day]
                lowest = min(lowest, balance)
            if lowest < 0:
                entry = entry._replace(
                    meta={**entry.meta, keys.CASH_FLOOR: f"{lowest} {floor[2:]}"}
                )
        out.append(entry)
    return out


def without_market(commodity: data.Commodity) -> ImportFailure | None:
    """A new security whose market the file does not give: the settlement rules
    need one, so the user is asked for it rather than given books that do not check."""
    if keys.MARKET in commodity.meta:
        return None
    return ImportFailure(
        commodity.meta["filename"],
        None,
        f"the market of {commodity.currency} (ISIN {commodity.meta.get(keys.COMMODITY_ISIN)}) "
        "cannot be derived from the file",
        hint="add the security to commodities.beancount with its market (the ISO 10383 MIC "
        "of its listing, which the settlement rules use), then import again:\n"
        + printer.format_entry(commodity._replace(meta={**commodity.meta, keys.MARKET: "<MIC>"})),
    )


def in_open_period(
    opens: Sequence[data.Open],
    commodities: Sequence[data.Commodity],
    existing: Sequence[data.Directive],
) -> tuple[list[data.Open], list[data.Commodity]]:
    """The new ``open`` and ``commodity`` directives, those dated in a sealed period
    moved to the open period's first day, so that creating them never breaks a seal.
    Every new entry is in the open period by now (the pipeline refused or moved the others), so each
    directive still comes before its first use."""
    first_open = sealed_periods(existing).open_from
    if first_open is None:
        return list(opens), list(commodities)
    return (
        sorted(
            (entry._replace(date=max(entry.date, first_open)) for entry in opens),
            key=lambda entry: (entry.date, entry.account),
        ),
        [entry._replace(date=max(entry.date, first_open)) for entry in commodities],
    )
