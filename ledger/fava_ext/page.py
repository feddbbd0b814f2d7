"""What every Backoffice review page in Fava shares.

A page is a Fava extension whose data is one report function of an area,
``<area>_report(books, config, as_of, **filters) -> dict``: the same function
(and so the same dict) that the CLI prints for ``--json``. The page's HTML is
rendered from that dict, and the extension endpoint ``report`` serves it as the
CLI's JSON, so there is one code path from the books to every view of them.

What every page reads from the query string (all of it linkable):

- the as-of date: ``?as_of=YYYY-MM-DD``, else the end of Fava's time filter
  (``?time=2026-10`` is as of 2026-10-31; any of Fava's forms: ``2026-Q3``,
  ``2026-10-01 - 2026-10-15``, ``FY2026``), else the CLI's rule (env, the
  config's ``as-of``, today). The page shows it in a date control that sets
  Fava's time filter, so Fava's own pages follow;
- the page's report arguments (:attr:`ReviewPage.filters`: the CLI's options,
  passed to the report function);
- its select boxes (:attr:`ReviewPage.selects`, :class:`~ledger.fava_ext.rows.Select`)
  and Fava's ``?account=`` and ``?filter=``
  (:class:`~ledger.fava_ext.rows.FavaScope`), which narrow the rows shown: the
  page's :meth:`ReviewPage.derive` gets them as one test on a row.

A page template extends ``_page.html``, which renders the filter bar
(``bo.filter_bar``: the as-of control, the selects with their choices, Fava's
filters kept) above the page's ``report`` block; a table of class
``backoffice-rows`` sorts by a click on its header (``Backoffice.js``, the
extension's script module, loaded by Fava on every page: numbers, amounts and
ISO dates sort as such; a cell's ``data-sort`` overrides its text; a row of
class ``backoffice-detail`` stays under the row before it).

A report is computed when a page first asks for it, once per loaded ledger,
config file, as-of date and report arguments, and kept with its JSON; what the
page derives from it is kept per row filter as well. Fava reloading the books
drops them.

A report is computed with the cyclic garbage collector paused: the reports make
tens of thousands of rows, and each collection they would trigger walks every
object the process holds, the kept reports included.

Books served from a snapshot (:mod:`ledger.close.snapshot_load`) hold the sealed
history summed up. A report that reads into it (:meth:`ReviewPage.reads_from`: an
``?as_of=`` date in a sealed month, the Blotter's ``from``) is computed on the full
books, as its CLI command loads them: loaded on the first such request after each
load of Fava's, and shared by the pages.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, cast
from urllib.parse import urlencode

import jinja2
from beancount.core import data
from fava.core import FavaLedger
from fava.core.filters import FilterError
from fava.ext import FavaExtensionBase, extension_endpoint
from fava.util.date import parse_date
from flask import Response, request

from ledger.as_of import resolve_as_of
from ledger.books import Books, load
from ledger.cli_output import amount_text, json_value
from ledger.close.snapshot_load import loaded_from
from ledger.config import CONFIG_NAME, Config, ConfigError, load_config
from ledger.fava_ext.rows import FavaScope, RowTest, Select, both, selected
from ledger.gcpause import gc_paused

Report = dict[str, Any]
CacheKey = tuple[object, ...]

# Reports (and views of them) kept per page: enough for a few as-of dates and filters.
CACHE_SIZE = 8
# Query arguments of Fava's own filter bar, kept on every link and form of a page.
FAVA_ARGS = ("time", "account", "filter")
ONE_DAY = datetime.timedelta(days=1)
# Per configuration file, the configuration last read and the file's mtime and size.
_CONFIGS: dict[str, tuple[tuple[int, int], Config]] = {}
_CONFIG_LOCK = threading.Lock()


class Unavailable(Exception):
    """The page has no data: the config is invalid, or the query asks for something the
    report refuses (a bad date, an unknown currency)."""


@dataclass(frozen=True)
class PageView:
    """What a template renders: the report, or why there is none.

    ``filters`` holds the page's arguments as given (report arguments and selects);
    ``choices`` each select's values; ``hidden`` the arguments the filter bar's form
    keeps without showing them (Fava's account and filter)."""

    as_of: datetime.date | None
    filters: Mapping[str, str]
    report: Report | None
    unavailable: str | None
    derived: Mapping[str, Any]
    selects: tuple[Select, ...] = ()
    choices: Mapping[str, list[str]] = field(default_factory=dict)
    hidden: Mapping[str, str] = field(default_factory=dict)
    report_args: tuple[str, ...] = ()

    @property
    def json_href(self) -> str:
        """The ``report`` endpoint with this view's report arguments, relative to the page."""
        args = {k: v for k, v in self.filters.items() if k in self.report_args}
        if self.as_of is not None:
            args["as_of"] = self.as_of.isoformat()
        return f"report?{urlencode(sorted(args.items()))}"


class Prepared:
    """A report, (on first use) its JSON, and the page's views of it per row filter."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.views: dict[CacheKey, tuple[dict[str, Any], dict[str, list[str]]]] = {}

    @cached_property
    def json(self) -> str:
        return report_json(self.report)


def format_amount(value: Decimal | str | int) -> str:
    """``-500,000.00``, as the CLI's tables print it (the report's JSON has strings)."""
    return amount_text(Decimal(value))


def report_json(report: Report) -> str:
    """The report as the CLI's ``--json`` (keys sorted, Decimals and dates as strings)."""
    return json.dumps(report, sort_keys=True, default=json_value)


def query_args(**types: Callable[[str], object]) -> Mapping[str, Callable[[str], object]]:
    """A page's filters: query-string argument name -> the type it is converted to."""
    return MappingProxyType(types)


def flag(text: str) -> bool:
    """A checkbox's query argument: ``1``, ``true``, ``yes`` or ``on``."""
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


# Per books file, the full books of Fava's current load (its mtime and entries).
_FULL: dict[str, tuple[CacheKey, Books]] = {}
_FULL_LOCK = threading.Lock()


def full_books(ledger: FavaLedger) -> Books:
    """The whole history of the books ``ledger`` serves from a snapshot, loaded as the
    CLI's ``--full`` does, once per load of Fava's (a reload drops it)."""
    path = ledger.beancount_file_path
    key: CacheKey = (ledger.mtime, id(ledger.all_entries))
    with _FULL_LOCK:  # one load when two pages ask at once
        found = _FULL.get(path)
        if found is None or found[0] != key:
            _FULL.pop(path, None)  # the previous load's books are freed first
            found = (key, load(Path(path), hardcore=False))
            _FULL[path] = found
        return found[1]


class ReviewPage(FavaExtensionBase):
    """A review page: subclasses name their report function, its arguments, their
    select boxes, and what they derive from the report for the template."""

    #: The area's report function, ``(books, config, as_of, **filters) -> dict``.
    report_function: ClassVar[Callable[..., Report]]
    #: Query-string arguments passed to the report function as keyword arguments,
    #: each with the type it is converted to (``int``, ``str``).
    filters: ClassVar[Mapping[str, Callable[[str], object]]] = query_args()
    #: The select boxes of the filter bar, in order (a report argument's select has no key).
    selects: ClassVar[tuple[Select, ...]] = ()
    #: Report arguments the page's template renders an input for in the filter bar
    #: (e.g. a checkbox), so the bar does not keep them as hidden inputs.
    own_inputs: ClassVar[tuple[str, ...]] = ()
    #: Row keys that hold an account, for Fava's account filter.
    account_keys: ClassVar[tuple[str, ...]] = ("account",)

    def filter_defaults(self, config: Config) -> dict[str, object]:
        """Keyword arguments the CLI takes from the config when the option is not given."""
        return {}

    def reads_from(self, as_of: datetime.date, arguments: Mapping[str, object]) -> datetime.date:
        """The first day the report reads, as its CLI command's ``since``: the as-of
        date (the Blotter reads from its ``from``)."""
        return as_of

    def derive(self, report: Report, keep: RowTest) -> dict[str, Any]:
        """What the template needs beyond the report (groupings, charts) from the rows
        ``keep`` keeps (the selects and Fava's filters), computed once per report and
        row filter and cached, so a warm page does not redo it."""
        return {}

    def select_rows(self, report: Report) -> list[Mapping[str, Any]]:
        """The rows the selects' choices are taken from."""
        return []

    def choices(self, select: Select, report: Report, current: str | None) -> list[str]:
        """The values offered by ``select`` (by default those of :meth:`select_rows`)."""
        return select.choices(self.select_rows(report), current)

    def __init__(self, ledger: FavaLedger, config: str | None = None) -> None:
        super().__init__(ledger, config)
        self._cache: dict[CacheKey, Prepared] = {}
        self._scopes: dict[CacheKey, FavaScope] = {}
        self._lock = threading.Lock()

    @cached_property
    def jinja_env(self) -> jinja2.Environment:
        env: jinja2.Environment = super().jinja_env
        env.filters["amount"] = format_amount
        return env

    def after_load_file(self) -> None:
        """Drop the reports of the previous load."""
        # A new dict, not clear() under the lock: a computation for the previous load may
        # hold the lock, and the reload must not wait for it.
        self._cache = {}
        self._scopes = {}

    @property
    def entries(self) -> list[data.Directive]:
        """Fava's entries of the books (Beancount's, typed through Fava's protocols)."""
        return cast("list[data.Directive]", self.ledger.all_entries)

    @property
    def books_path(self) -> Path:
        return Path(self.ledger.beancount_file_path)

    def filter_values(self) -> dict[str, str]:
        """The report arguments given in the query string, as written there."""
        return {name: request.args[name] for name in self.filters if request.args.get(name)}

    def select_values(self) -> dict[str, str]:
        """The report arguments and selects given in the query string."""
        names = [*self.filters, *(s.name for s in self.selects)]
        return {name: request.args[name] for name in names if request.args.get(name)}

    def fava_args(self) -> dict[str, str]:
        """Fava's own filters given in the query string (time, account, filter)."""
        return {name: request.args[name] for name in FAVA_ARGS if request.args.get(name)}

    def source_path(self, filename: str) -> str:
        """A file named in a report (relative to the working directory when below it) as
        the absolute path Fava's editor opens."""
        return str(Path(filename).resolve())

    def query(self, **changes: str | None) -> str:
        """This page's query string with ``changes`` (None removes an argument)."""
        args = {**self.select_values(), **self.fava_args()}
        if request.args.get("as_of"):
            args["as_of"] = request.args["as_of"]
        for name, value in changes.items():
            if value is None:
                args.pop(name, None)
            else:
                args[name] = value
        return urlencode(sorted(args.items()))

    def other_page_query(self, **args: str) -> str:
        """The query string of another page at this page's date, with ``args``."""
        kept = {k: request.args[k] for k in ("as_of", "time") if request.args.get(k)}
        return urlencode(sorted({**kept, **args}.items()))

    def outcome(self) -> tuple[str, str] | None:
        """What the page's last action wrote (``written``) or why it did not
        (``refused``), from the query string its redirect gave."""
        for kind in ("written", "refused"):
            if request.args.get(kind):
                return kind, request.args[kind]
        return None

    def clear_query(self) -> str:
        """This page's query string without its selects (Fava's filters kept)."""
        return self.query(**{select.name: None for select in self.selects})

    def _arguments(self, config: Config) -> dict[str, object]:
        arguments = self.filter_defaults(config)
        for name, text in self.filter_values().items():
            try:
                arguments[name] = self.filters[name](text)
            except ValueError:
                raise Unavailable(f"{name}={text!r} is not a valid value") from None
        return arguments

    def as_of(self, config: Config) -> datetime.date:
        """``?as_of=YYYY-MM-DD``, else the last day of Fava's time filter (``?time=``),
        else the CLI's rule: env, config ``as-of``, today."""
        value = request.args.get("as_of")
        if value:
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                raise Unavailable(f"as_of={value!r} is not a date; write YYYY-MM-DD") from None
        time = request.args.get("time", "").strip()
        if time:
            fiscal_year_end = self.ledger.fava_options.fiscal_year_end
            try:
                _, end = parse_date(time, fiscal_year_end)
            except ValueError:
                end = None
            if end is None:
                raise Unavailable(
                    f"time={time!r} is no period Fava knows; write e.g. 2026-10, 2026-Q3, "
                    "2026-10-31 or 2026-10-01 - 2026-10-15"
                )
            return end - ONE_DAY  # Fava's end is exclusive
        return resolve_as_of(None, config)

    def books_config(self) -> Config:
        """The books' configuration, read again only when its file changes (a page asks
        for it once per row in places, e.g. each counterparty's clearing account; the
        pages of one books share it)."""
        path = self.books_path.parent / CONFIG_NAME
        try:
            stat = path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        with _CONFIG_LOCK:  # one read when two requests ask at once
            cached = _CONFIGS.get(str(path))
            if cached is not None and stamp is not None and cached[0] == stamp:
                return cached[1]
            try:
                config = load_config(self.books_path)
            except ConfigError as exc:
                raise Unavailable(f"the configuration is invalid: {exc}") from None
            if stamp is not None:
                _CONFIGS[str(path)] = (stamp, config)
            return config

    def request_prepared(self) -> tuple[datetime.date, Prepared]:
        """This request's as-of date and the prepared report for its arguments (the
        configuration read once)."""
        config = self.books_config()
        as_of = self.as_of(config)
        return as_of, self.prepared(as_of, self._arguments(config), config)

    def prepared(
        self, as_of: datetime.date, arguments: Mapping[str, object], config: Config
    ) -> Prepared:
        """The report for ``as_of`` and ``arguments``, computed once per ledger load,
        config file, date and arguments."""
        config_file = self.books_path.parent / CONFIG_NAME
        config_mtime = config_file.stat().st_mtime_ns if config_file.exists() else None
        entries = self.ledger.all_entries
        key: CacheKey = (
            self.ledger.mtime,
            id(entries),
            config_mtime,
            as_of,
            tuple(sorted(arguments.items())),
        )
        # One computation at a time per page: a second request for the report being
        # computed waits for it rather than computing it again.
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            books = self.report_books(self.reads_from(as_of, arguments))
            with gc_paused():
                try:
                    report = self.report_function(books, config, as_of, **arguments)
                except ValueError as exc:  # a filter the report rejects, e.g. a currency
                    raise Unavailable(str(exc)) from None
                cached = Prepared(report)
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = cached
            return cached

    def report_books(self, since: datetime.date) -> Books:
        """The books a report reading from ``since`` is computed on: Fava's, or the full
        books (:func:`full_books`) when Fava's were loaded from a snapshot that sums
        that day up."""
        options = cast("dict[str, Any]", self.ledger.options)
        start = loaded_from(options)
        if start is not None and since <= start.end:
            return full_books(self.ledger)
        return Books(
            path=self.books_path,
            entries=self.entries,
            errors=list(self.ledger.load_errors),
            options=options,
        )

    def scope(self, account: str, advanced: str) -> FavaScope:
        """Fava's account and advanced filters over the loaded entries, once per load."""
        entries = self.ledger.all_entries
        key: CacheKey = (self.ledger.mtime, id(entries), account, advanced)
        found = self._scopes.get(key)
        if found is None:
            try:
                found = FavaScope.of(entries, account, advanced)
            except FilterError as exc:
                raise Unavailable(f"Fava's filter: {exc}") from None
            if len(self._scopes) >= CACHE_SIZE:
                self._scopes.clear()
            self._scopes[key] = found
        return found

    def choices_report(self, prepared: Prepared) -> Report:
        """The report the selects' choices come from: this request's, but without the
        report arguments that have a select (a report narrowed to one counterparty
        would offer no other)."""
        narrowing = {s.name for s in self.selects if s.key is None} & set(self.filter_values())
        if not narrowing:
            return prepared.report
        config = self.books_config()
        arguments = {k: v for k, v in self._arguments(config).items() if k not in narrowing}
        return self.prepared(self.as_of(config), arguments, config).report

    def derived(
        self, prepared: Prepared, values: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """What the page derives from the report for the selects ``values`` and Fava's
        account and filter, and each select's choices: once per report and filters."""
        base = self.choices_report(prepared)
        account = request.args.get("account", "").strip()
        advanced = request.args.get("filter", "").strip()
        key: CacheKey = (tuple(sorted(values.items())), account, advanced)
        with self._lock:
            found = prepared.views.get(key)
            if found is None:
                keep = both(
                    selected(self.selects, values),
                    self.scope(account, advanced).test(self.account_keys),
                )
                with gc_paused():
                    choices = {
                        s.name: self.choices(s, base, values.get(s.name)) for s in self.selects
                    }
                    found = (self.derive(prepared.report, keep), choices)
                if len(prepared.views) >= CACHE_SIZE:
                    prepared.views.clear()
                prepared.views[key] = found
            return found

    def view(self) -> PageView:
        """For the template: the report, or the reason it is not available."""
        values = self.select_values()
        try:
            as_of, prepared = self.request_prepared()
            derived, choices = self.derived(prepared, values)
        except Unavailable as exc:
            return PageView(None, values, None, str(exc), {}, self.selects)
        # The form keeps Fava's account and filter, and the report arguments it has no
        # select for; its date control is Fava's time filter.
        hidden = {k: v for k, v in self.fava_args().items() if k != "time"}
        with_select = {s.name for s in self.selects} | set(self.own_inputs)
        hidden.update({k: v for k, v in self.filter_values().items() if k not in with_select})
        return PageView(
            as_of,
            values,
            prepared.report,
            None,
            derived,
            self.selects,
            choices,
            hidden,
            tuple(self.filters),
        )

    @extension_endpoint
    def report(self) -> Response:
        """The report as the CLI's ``--json`` prints it; 503 with the reason when unavailable."""
        try:
            body = self.request_prepared()[1].json
        except Unavailable as exc:
            return Response(
                json.dumps({"error": f"not available: {exc}"}),
                status=503,
                mimetype="application/json",
            )
        return Response(body, mimetype="application/json")
