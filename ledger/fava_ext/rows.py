"""Which rows a review page shows: its select boxes and Fava's account and filter bar.

Two kinds of filter narrow a page's rows, both read from the query string so a
filtered page is a link:

- a page's :class:`Select` boxes (counterparty, currency, status, kind, age
  bucket): each names the query argument and the row value it tests (``key``);
  a select without a key is one of the report function's own arguments (it
  narrows the report itself, as the CLI's option does);
- Fava's own ``?account=`` and ``?filter=`` (:class:`FavaScope`): a row is kept
  when its account matches the account filter as Fava matches one (the account,
  a descendant, or a regular expression), or when an entry that passes the
  filter carries the row's link (``link``, or any of ``links``).

Rows are plain dicts, as the report functions make them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from beancount.core import account as accounts
from fava.beans.abc import Directive
from fava.beans.account import get_entry_accounts
from fava.core.filters import AccountFilter, AdvancedFilter, Match

Row = Mapping[str, Any]
RowTest = Callable[[Row], bool]


def keep_all(row: Row) -> bool:
    """The test of a page without filters."""
    return True


@dataclass(frozen=True)
class Select:
    """A select box of a page's filter bar.

    ``name`` is the query argument; ``key`` the row key (or a function of the row)
    whose value it must equal; None when the report function takes ``name`` itself.
    ``order`` sorts the choices (default: as text); ``fixed`` lists them when they
    do not come from the rows (a report argument's values)."""

    name: str
    label: str
    key: str | Callable[[Row], object] | None = None
    order: Callable[[str], Any] | None = None
    fixed: tuple[str, ...] = ()

    def value(self, row: Row) -> str:
        """The row's value for this select, as the query string writes it."""
        found = self.key(row) if callable(self.key) else row.get(self.key or self.name)
        return "" if found is None else str(found)

    def choices(self, rows: Iterable[Row], current: str | None = None) -> list[str]:
        """The distinct values of ``rows``, and the current one even when no row has it."""
        values = set(self.fixed) or {self.value(row) for row in rows} - {""}
        if current:
            values.add(current)
        return sorted(values, key=self.order or str)


def selected(selects: Sequence[Select], values: Mapping[str, str]) -> RowTest:
    """The test of the row selects given in ``values`` (query argument -> value)."""
    active = [(s, values[s.name]) for s in selects if s.key is not None and values.get(s.name)]
    if not active:
        return keep_all
    return lambda row: all(select.value(row) == value for select, value in active)


def _links(entries: Iterable[Directive]) -> frozenset[str]:
    return frozenset(link for entry in entries for link in getattr(entry, "links", None) or ())


@dataclass(frozen=True)
class FavaScope:
    """Fava's account filter (``?account=``) and advanced filter (``?filter=``, tags,
    links, payee, metadata) as a test on a page's rows.

    ``account_keys`` are the row keys that hold an account."""

    account: str = ""
    advanced: str = ""
    account_links: frozenset[str] = frozenset()
    filter_links: frozenset[str] = frozenset()
    filter_accounts: frozenset[str] = frozenset()
    _match: Match | None = field(default=None, compare=False)

    @classmethod
    def of(cls, entries: Sequence[Directive], account: str, advanced: str) -> FavaScope:
        """The scope of the filters over ``entries`` (Fava's all entries); a filter Fava
        cannot parse raises Fava's ``FilterError``."""
        account_links: frozenset[str] = frozenset()
        filter_links: frozenset[str] = frozenset()
        filter_accounts: frozenset[str] = frozenset()
        if account:
            account_links = _links(AccountFilter(account).apply(entries))
        if advanced:
            passing = AdvancedFilter(advanced).apply(entries)
            filter_links = _links(passing)
            filter_accounts = frozenset(a for e in passing for a in get_entry_accounts(e))
        return cls(
            account,
            advanced,
            account_links,
            filter_links,
            filter_accounts,
            Match(account) if account else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.account or self.advanced)

    def account_matches(self, name: str) -> bool:
        """As Fava's account filter: the account, a descendant, or a regex match."""
        if not self.account:
            return True
        assert self._match is not None
        return accounts.has_component(name, self.account) or self._match(name)

    def test(self, account_keys: Sequence[str]) -> RowTest:
        """The test of a row whose accounts are under ``account_keys``."""
        if not self.active:
            return keep_all

        def keeps(row: Row) -> bool:
            links = {row.get("link"), *(row.get("links") or ())} - {None}
            names = [str(row[key]) for key in account_keys if row.get(key)]
            if self.account and not (
                any(self.account_matches(name) for name in names) or links & self.account_links
            ):
                return False
            return not self.advanced or bool(
                links & self.filter_links or self.filter_accounts.intersection(names)
            )

        return keeps


def both(first: RowTest, second: RowTest) -> RowTest:
    """Rows kept by both tests."""
    if first is keep_all:
        return second
    if second is keep_all:
        return first
    return lambda row: first(row) and second(row)
