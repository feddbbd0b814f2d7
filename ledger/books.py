"""Loading the books: a thin layer over ``beancount.loader``.

The cyclic garbage collector is paused while Beancount parses and books:
the loader allocates millions of small, acyclic objects, and each GC
generation sweep walks all of them again (``bench/check_vs_bean_check.py``
measures the pause; docs/performance.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data
from beancount.ops import validation
from beancount.parser import booking
from beancount.utils import misc_utils

from ledger.gcpause import gc_paused
from ledger.writer import complete_interrupted

DEFAULT_BOOKS = Path("books/main.beancount")
BeforePlugins = Callable[[list[data.Directive], dict[str, Any]], None]


@dataclass(frozen=True)
class Books:
    """The loaded books: entries, errors and options, plus where they live."""

    path: Path
    entries: list[data.Directive]
    errors: list[Any]
    options: dict[str, Any]

    @property
    def directory(self) -> Path:
        return self.path.parent


def load(
    path: Path,
    *,
    hardcore: bool = True,
    pause_gc: bool = True,
    log_timings: Callable[[str], None] | None = None,
    before_plugins: BeforePlugins | None = None,
) -> Books:
    """Parse, book, run plugins and validate ``path``, without the pickle cache.

    ``hardcore`` adds Beancount's extra data-type validation, as ``bean-check``
    does, so ``backoffice check`` is never less strict than it. A commit a
    killed process left half done is finished first
    (:func:`ledger.writer.complete_interrupted`), so the books load with all or
    none of every change. ``log_timings`` gets a line per step (parsing, booking,
    each plugin, the validations), as ``bean-check --verbose`` prints them.
    ``before_plugins`` is handed the entries as parsed and booked, before the
    first plugin (what the seals cover: :mod:`ledger.close.hashes`), so the
    close reads them from its one load.
    """
    complete_interrupted(path.parent)
    loader.initialize(use_cache=False)
    with gc_paused(freeze=True) if pause_gc else nullcontext():
        entries, errors, options = _load_file(path, log_timings, before_plugins)
        if hardcore:
            errors.extend(hardcore_errors(entries, options, log_timings))
    return Books(path=path, entries=entries, errors=list(errors), options=options)


def _load_file(
    path: Path,
    log_timings: Callable[[str], None] | None,
    before_plugins: BeforePlugins | None,
) -> tuple[list[data.Directive], list[Any], dict[str, Any]]:
    """Beancount's ``loader.load_file`` step by step (its ``_load``), with the
    ``before_plugins`` hook between booking and the plugins."""
    filename = os.path.abspath(path)
    with misc_utils.log_time("parse", log_timings, indent=1):
        entries, parse_errors, options = loader._parse_recursive([(filename, True)], log_timings)
        entries.sort(key=data.entry_sortkey)
    with misc_utils.log_time("booking", log_timings, indent=1):
        entries, balance_errors = booking.book(entries, options)  # type: ignore[no-untyped-call]
        parse_errors.extend(balance_errors)
    if before_plugins is not None:
        before_plugins(entries, options)
    with misc_utils.log_time("run_transformations", log_timings, indent=1):
        saved_pythonpath = list(sys.path)
        try:
            if "pythonpath" in options:
                sys.path[0:0] = options["pythonpath"]
            entries, errors = loader.run_transformations(
                entries, parse_errors, options, log_timings
            )
        finally:
            sys.path[:] = saved_pythonpath
    with misc_utils.log_time("beancount.ops.validate", log_timings, indent=1):
        errors.extend(validation.validate(entries, options, log_timings, None))  # type: ignore[no-untyped-call]
    options["input_hash"] = loader.compute_input_hash(options["include"])  # type: ignore[no-untyped-call]
    return entries, errors, options


def hardcore_errors(
    entries: list[data.Directive],
    options: dict[str, Any],
    log_timings: Callable[[str], None] | None = None,
) -> list[Any]:
    """Beancount's extra data-type validations (``bean-check``'s hardcore set).

    Run here rather than through the loader's ``extra_validations``: beancount's
    ``validate`` appends those to its module-level VALIDATIONS list, so every
    later load in the process would run them once more."""
    checks: list[Callable[..., list[Any]]] = list(validation.HARDCORE_VALIDATIONS)
    errors: list[Any] = []
    with misc_utils.log_time("hardcore validations", log_timings):
        for check in checks:
            errors.extend(check(entries, options))
    return errors


def load_string(text: str, *, pause_gc: bool = True) -> Books:
    """Load books from a string (tests, docstring ledgers)."""
    with gc_paused(freeze=True) if pause_gc else nullcontext():
        entries, errors, options = loader.load_string(text, dedent=True)
    return Books(path=Path("<string>"), entries=entries, errors=list(errors), options=options)
