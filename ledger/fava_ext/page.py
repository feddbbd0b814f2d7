"""What every Backoffice review page in Fava shares.

A page is a Fava extension whose data is one report function of an area,
``<area>_report(books, config, as_of, **filters) -> dict``: the same function
(and so the same dict) that the CLI prints for ``--json``. The page's HTML is
rendered from that dict, and the extension endpoint ``report`` serves it as the
CLI's JSON, so there is one code path from the books to every view of them.

Until an area's report function exists, its page says "not available" and why.
A report is computed once per loaded ledger, config file, as-of date and filter
values, and kept with what the page derives from it and its JSON; Fava reloading
the books drops them. After each load one background thread computes every
page's default report, so the pages are ready when an accountant opens them.

A report is computed with the cyclic garbage collector paused: the reports make
tens of thousands of rows, and each collection they would trigger walks every
object the process holds, the kept reports included.
"""

from __future__ import annotations

import datetime
import importlib
import json
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, cast
from urllib.parse import urlencode

import jinja2
from beancount.core import data
from fava.core import FavaLedger
from fava.ext import FavaExtensionBase, extension_endpoint
from flask import Response, request

from ledger.books import Books
from ledger.cli_output import amount_text, json_value
from ledger.config import CONFIG_NAME, Config, ConfigError, load_config
from ledger.context import resolve_as_of
from ledger.gcpause import gc_paused

Report = dict[str, Any]
CacheKey = tuple[object, ...]

# Reports kept per page: enough for a few as-of dates and filter values.
CACHE_SIZE = 8
# Per configuration file, the configuration last read and the file's mtime and size.
_CONFIGS: dict[str, tuple[tuple[int, int], Config]] = {}
_CONFIG_LOCK = threading.Lock()


class Unavailable(Exception):
    """The page has no data: the report function is missing, the config is invalid, or
    the query asks for something the report refuses (a bad date, an unknown currency)."""


@dataclass(frozen=True)
class ReportSource:
    """Where an area's report function lives: ``module:function``."""

    module: str
    function: str

    def resolve(self) -> Callable[..., Report]:
        try:
            module = importlib.import_module(self.module)
        except ImportError as exc:
            raise Unavailable(f"{self.module} cannot be imported yet ({exc})") from None
        function = getattr(module, self.function, None)
        if not callable(function):
            raise Unavailable(f"{self.module} has no {self.function}() yet")
        return function  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PageView:
    """What a template renders: the report, or why there is none."""

    as_of: datetime.date | None
    filters: Mapping[str, str]
    report: Report | None
    unavailable: str | None
    derived: Mapping[str, Any]

    @property
    def json_href(self) -> str:
        """The ``report`` endpoint with this view's arguments, relative to the page."""
        args = dict(self.filters)
        if self.as_of is not None:
            args["as_of"] = self.as_of.isoformat()
        return f"report?{urlencode(sorted(args.items()))}"


class Prepared:
    """A report, what its page derives from it, and (on first use) its JSON."""

    def __init__(self, report: Report, derived: Mapping[str, Any]) -> None:
        self.report = report
        self.derived = derived

    @cached_property
    def json(self) -> str:
        return report_json(self.report)


def format_amount(value: Decimal | str | int) -> str:
    """``-500,000.00``, as the CLI's tables print it (the report's JSON has strings)."""
    return amount_text(Decimal(value))


def report_json(report: Report) -> str:
    """The report as the CLI's ``--json`` (keys sorted, Decimals and dates as strings)."""
    return json.dumps(report, sort_keys=True, default=json_value)


class Prefetcher:
    """One background thread that computes the pages' default reports after each load.

    One thread, not one per page: the first page Fava serves after a load competes
    with it for the interpreter, and should compete with one computation, not six.
    A failure is logged and left for the page to report when it is visited.
    """

    def __init__(self) -> None:
        self._pages: queue.SimpleQueue[ReviewPage] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, page: ReviewPage) -> None:
        self._pages.put(page)
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="backoffice-prefetch", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            page = self._pages.get()
            try:
                page.prefetch()
            except Unavailable:
                pass  # the page says why when it is visited
            except Exception:  # a bug in a report: the visit raises it again, visibly
                LOG.exception("prefetching the %s page failed", page.name)


LOG = logging.getLogger(__name__)
PREFETCH = Prefetcher()


def query_args(**types: Callable[[str], object]) -> Mapping[str, Callable[[str], object]]:
    """A page's filters: query-string argument name -> the type it is converted to."""
    return MappingProxyType(types)


class ReviewPage(FavaExtensionBase):
    """A review page: subclasses name their report function and its filters."""

    source: ClassVar[ReportSource]
    #: Query-string arguments passed to the report function as keyword arguments,
    #: each with the type it is converted to (``int``, ``str``).
    filters: ClassVar[Mapping[str, Callable[[str], object]]] = query_args()

    def filter_defaults(self, config: Config) -> dict[str, object]:
        """Keyword arguments the CLI takes from the config when the option is not given."""
        return {}

    def derive(self, report: Report) -> dict[str, Any]:
        """What the template needs beyond the report (groupings, charts), computed once
        per report and cached with it, so a warm page does not redo it."""
        return {}

    def __init__(self, ledger: FavaLedger, config: str | None = None) -> None:
        super().__init__(ledger, config)
        self._cache: dict[CacheKey, Prepared] = {}
        self._lock = threading.Lock()

    @cached_property
    def jinja_env(self) -> jinja2.Environment:
        env: jinja2.Environment = super().jinja_env
        env.filters["amount"] = format_amount
        return env

    def after_load_file(self) -> None:
        """Drop the reports of the previous load; compute this load's default reports in
        the background, so the first visit of a page does not wait for them."""
        # A new dict, not clear() under the lock: a computation for the previous load may
        # hold the lock, and the reload must not wait for it.
        self._cache = {}
        PREFETCH.submit(self)

    def prefetch(self) -> None:
        """The report for the default arguments (no query string), into the cache."""
        config = self.books_config()
        self.prepared(resolve_as_of(None, config), self.filter_defaults(config), config)

    @property
    def books_path(self) -> Path:
        return Path(self.ledger.beancount_file_path)

    def filter_values(self) -> dict[str, str]:
        """The filters given in the query string, as written there."""
        return {name: request.args[name] for name in self.filters if request.args.get(name)}

    def source_path(self, filename: str) -> str:
        """A file named in a report (relative to the working directory when below it) as
        the absolute path Fava's editor opens."""
        return str(Path(filename).resolve())

    def query(self, **changes: str | None) -> str:
        """This page's query string with ``changes`` (None removes an argument)."""
        args = self.filter_values()
        if request.args.get("as_of"):
            args["as_of"] = request.args["as_of"]
        for name, value in changes.items():
            if value is None:
                args.pop(name, None)
            else:
                args[name] = value
        return urlencode(sorted(args.items()))

    def _arguments(self, config: Config) -> dict[str, object]:
        arguments = self.filter_defaults(config)
        for name, text in self.filter_values().items():
            try:
                arguments[name] = self.filters[name](text)
            except ValueError:
                raise Unavailable(f"{name}={text!r} is not a valid value") from None
        return arguments

    def as_of(self, config: Config) -> datetime.date:
        """``?as_of=YYYY-MM-DD``, else the CLI's rule: env, config ``as-of``, today."""
        value = request.args.get("as_of")
        if value:
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                raise Unavailable(f"as_of={value!r} is not a date; write YYYY-MM-DD") from None
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
        with _CONFIG_LOCK:  # one read when a request and the prefetch ask at once
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
        function = self.source.resolve()
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
        # One computation at a time per page: a request for the report the prefetch is
        # computing waits for it rather than computing it again.
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            books = Books(
                path=self.books_path,
                # Fava's entries are Beancount's, typed through Fava's protocols.
                entries=cast("list[data.Directive]", entries),
                errors=list(self.ledger.load_errors),
                options=cast("dict[str, Any]", self.ledger.options),
            )
            with gc_paused():
                try:
                    report = function(books, config, as_of, **arguments)
                except ValueError as exc:  # a filter the report rejects, e.g. a currency
                    raise Unavailable(str(exc)) from None
                cached = Prepared(report, self.derive(report))
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = cached
            return cached

    def view(self) -> PageView:
        """For the template: the report, or the reason it is not available."""
        try:
            as_of, prepared = self.request_prepared()
            return PageView(as_of, self.filter_values(), prepared.report, None, prepared.derived)
        except Unavailable as exc:
            return PageView(None, self.filter_values(), None, str(exc), {})

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
