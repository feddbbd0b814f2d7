"""Reading and rendering break entries.

A break's id is derived from its cause (kind and what went wrong), so the same
problem found twice has the same id and is written once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

from ledger import meta as keys
from ledger.calendars import business_days_between, calendar_set
from ledger.config import Config
from ledger.errors import BooksError

BREAK = "break"
RESOLVED = "break-resolved"
ID_PREFIX = "B-"


@dataclass(frozen=True)
class Break:
    """One break; ``resolved`` is the date of its resolution, if any."""

    id: str
    kind: str
    date: datetime.date
    description: str
    link: str | None = None
    account: str | None = None
    amount: Amount | None = None
    source: str | None = None
    resolved: datetime.date | None = None
    resolution: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_open(self) -> bool:
        return self.resolved is None

    def open_on(self, day: datetime.date) -> bool:
        """Found by ``day`` and not resolved by then."""
        return self.date <= day and (self.resolved is None or self.resolved > day)


@dataclass(frozen=True)
class Resolution:
    """A ``custom "break-resolved"`` entry to write."""

    break_id: str
    date: datetime.date
    text: str


class Findings(NamedTuple):
    """What a ``match`` or ``recon`` run found: the report, the breaks not yet in
    the books, and the resolutions of open breaks whose cause is gone."""

    report: dict[str, Any]
    breaks: list[Break]
    resolutions: list[Resolution]


def break_id(kind: str, *cause: str) -> str:
    """The stable id of a break of ``kind`` with ``cause``."""
    return ID_PREFIX + keys.stable_id(kind, *cause, length=12)


def new_break(
    kind: str,
    cause: Sequence[str],
    date: datetime.date,
    description: str,
    *,
    link: str | None = None,
    account: str | None = None,
    amount: Amount | None = None,
    source: str | None = None,
) -> Break:
    return Break(
        id=break_id(kind, *cause),
        kind=kind,
        date=date,
        description=description,
        link=link,
        account=account,
        amount=amount,
        source=source,
    )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def render_break(item: Break) -> str:
    lines = [f"{item.date} custom {_quote(BREAK)} {_quote(item.id)} {_quote(item.kind)}"]
    if item.link:
        lines.append(f"  {keys.BREAK_LINK}: {_quote(item.link)}")
    if item.account:
        lines.append(f"  {keys.BREAK_ACCOUNT}: {_quote(item.account)}")
    lines.append(f"  {keys.BREAK_DESCRIPTION}: {_quote(item.description)}")
    if item.amount is not None:
        lines.append(f"  {keys.BREAK_AMOUNT}: {item.amount.number} {item.amount.currency}")
    if item.source:
        lines.append(f"  {keys.SOURCE}: {_quote(item.source)}")
    return "\n".join(lines) + "\n"


def render_resolution(break_id: str, date: datetime.date, text: str) -> str:
    return f"{date} custom {_quote(RESOLVED)} {_quote(break_id)} {_quote(text)}\n"


def _strings(entry: data.Custom, count: int) -> list[str] | None:
    values = [value.value for value in entry.values]
    if len(values) != count or not all(isinstance(v, str) and v for v in values):
        return None
    return [str(v) for v in values]


def _text(entry: data.Custom, key: str) -> str | None:
    value = entry.meta.get(key)
    return value if isinstance(value, str) else None


def read_breaks(entries: Iterable[data.Directive]) -> tuple[list[Break], list[BooksError]]:
    """Every break in the books with its resolution, in date and id order, and
    an error for each malformed entry, duplicate id or resolution of no break."""
    breaks: dict[str, Break] = {}
    resolutions: list[data.Custom] = []
    errors: list[BooksError] = []
    for entry in entries:
        if not isinstance(entry, data.Custom):
            continue
        if entry.type == BREAK:
            values = _strings(entry, 2)
            amount = entry.meta.get(keys.BREAK_AMOUNT)
            description = _text(entry, keys.BREAK_DESCRIPTION)
            if values is None or description is None:
                errors.append(
                    BooksError(
                        entry.meta,
                        'a break is written custom "break" "ID" "KIND" with a '
                        "description: metadata string; this one is not",
                        entry,
                    )
                )
                continue
            if values[0] in breaks:
                errors.append(BooksError(entry.meta, f"break {values[0]} is written twice", entry))
                continue
            breaks[values[0]] = Break(
                id=values[0],
                kind=values[1],
                date=entry.date,
                description=description,
                link=_text(entry, keys.BREAK_LINK),
                account=_text(entry, keys.BREAK_ACCOUNT),
                amount=amount if isinstance(amount, Amount) else None,
                source=_text(entry, keys.SOURCE),
                meta=dict(entry.meta),
            )
        elif entry.type == RESOLVED:
            resolutions.append(entry)
    for entry in resolutions:
        values = _strings(entry, 2)
        if values is None:
            errors.append(
                BooksError(
                    entry.meta,
                    'a resolution is written custom "break-resolved" "ID" "what was done"; '
                    "this one is not",
                    entry,
                )
            )
            continue
        found = breaks.get(values[0])
        if found is None:
            errors.append(
                BooksError(
                    entry.meta,
                    f"break-resolved names {values[0]}, which is no break in the books; "
                    "check the id with 'backoffice breaks'",
                    entry,
                )
            )
        elif found.resolved is not None:
            errors.append(
                BooksError(
                    entry.meta, f"break {values[0]} is already resolved on {found.resolved}", entry
                )
            )
        elif entry.date < found.date:
            errors.append(
                BooksError(
                    entry.meta,
                    f"break {values[0]} is resolved on {entry.date}, before it was found on "
                    f"{found.date}; date the resolution on or after {found.date}",
                    entry,
                )
            )
        else:
            breaks[values[0]] = replace(found, resolved=entry.date, resolution=values[1])
    ordered = sorted(breaks.values(), key=lambda b: (b.date, b.id))
    return ordered, errors


def age(item: Break, as_of: datetime.date, config: Config) -> int:
    """Business days the break has been open: to its resolution, else to ``as_of``."""
    end = item.resolved if item.resolved is not None and item.resolved <= as_of else as_of
    return business_days_between(calendar_set(config.matching.calendars), item.date, end)


def overdue(item: Break, as_of: datetime.date, config: Config) -> bool:
    """Open on ``as_of`` and older than its kind's tolerance."""
    return item.open_on(as_of) and age(item, as_of, config) > config.matching.break_days(item.kind)
