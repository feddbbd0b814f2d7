"""What every CLI command shares: where the books are, their config, the as-of date."""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import click

from ledger.as_of import AS_OF_ENV, UsageError, resolve_as_of
from ledger.books import DEFAULT_BOOKS, BeforePlugins, Books
from ledger.close.guard import seal_guard
from ledger.close.snapshot_load import load_books, loaded_from
from ledger.config import Config, ConfigError, load_config
from ledger.errors import format_error
from ledger.writer import BooksWriter

BOOKS_ENV = "BACKOFFICE_BOOKS"


@dataclass
class AppContext:
    """Per-invocation state, hung on click's context object."""

    books_path: Path = DEFAULT_BOOKS
    full: bool = False  # --full: load the whole history, not the latest snapshot on
    _config: Config | None = field(default=None, repr=False)

    @property
    def books_dir(self) -> Path:
        return self.books_path.parent

    def require_books(self) -> Path:
        if not self.books_path.is_file():
            raise UsageError(
                f"{self.books_path}: no such books file; pass --books PATH, set "
                f"{BOOKS_ENV}, or create books with 'backoffice init DIR'"
            )
        return self.books_path

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.books_path, required=True)
            except ConfigError as exc:
                raise UsageError(str(exc)) from None
        return self._config

    def as_of(self, option: datetime.date | None) -> datetime.date:
        """Resolve the as-of date and publish it to the plugins through the environment."""
        as_of = resolve_as_of(option, self.config)
        os.environ[AS_OF_ENV] = as_of.isoformat()
        return as_of

    def open_books(
        self,
        as_of: datetime.date | None = None,
        *,
        hardcore: bool = True,
        guard: bool = True,
        full: bool = False,
        since: datetime.date | None = None,
        before_plugins: BeforePlugins | None = None,
    ) -> Opened:
        """How a command that reads the books starts: the books file checked, the config
        read (a bad one is a usage error), the as-of date resolved and published to the
        plugins, then the books loaded (``hardcore``: with Beancount's extra validations,
        which change no entry; reports that only read entries skip them). Books whose
        seals would go unverified are refused (:class:`SealsUnverified`) unless the
        command reports that itself (``guard=False``: ``verify``). The books are
        loaded from their latest snapshot on (:func:`ledger.close.snapshot_load.load_books`)
        unless ``--full``, ``BACKOFFICE_FULL`` or the command wants the whole history
        (``full``: its answer sums up all of it; ``since``: it reads the entries from
        that day on, which may be sealed; ``before_plugins``: it reads the entries as
        they reach the first plugin, :func:`ledger.books.load`) or the as-of date is sealed."""
        path = self.require_books()
        config = self.config
        day = self.as_of(as_of)
        # an as-of date inside the sealed history needs the entries before it
        since = day if since is None else min(since, day)
        books = load_books(
            path,
            full=full or self.full,
            since=since,
            hardcore=hardcore,
            before_plugins=before_plugins,
        )
        problems = seal_guard(books) if guard else []
        if problems:
            raise SealsUnverified(problems)
        return Opened(path, config, day, books)

    def reopen_in_full(self, opened: Opened, why: str) -> Opened | None:
        """``opened`` loaded again with the whole history, when it was loaded from a
        snapshot and the command's answer reaches back into the history it sums up
        (``why``, said on stderr with what happens); None when it holds it already.
        A writing command keeps its lock: the books are read again under it."""
        start = loaded_from(opened.books.options)
        if start is None:
            return None
        click.echo(
            f"{why}: the books were loaded from the snapshot of {start.period}, which sums "
            f"up the entries up to {start.end}; loading the full books",
            err=True,
        )
        return self.open_books(opened.as_of, full=True)

    @contextlib.contextmanager
    def writing(
        self, as_of: datetime.date | None = None, *, dry_run: bool = False
    ) -> Iterator[tuple[Opened, BooksWriter | None]]:
        """How a command that writes the books starts: the books' lock taken *before*
        they are read (:meth:`open_books`) and held until what the block staged on the
        writer is committed, so no other writer changes them between this command's
        checks and its write. A ``dry_run`` reads them without the lock (no writer)."""
        if dry_run:
            yield self.open_books(as_of), None
            return
        path = self.require_books()
        with BooksWriter(path.parent) as writer:
            yield self.open_books(as_of), writer


class SealsUnverified(click.ClickException):
    """The books hold sealed periods that nothing would verify: the command refuses
    to report on them (exit 1), printing each problem as ``file:line: message``."""

    def __init__(self, problems: Sequence[Any]) -> None:
        lines = [format_error(problem) for problem in problems]
        super().__init__(
            "\n".join(lines) + "\nthe seals of these books are not verified; fix the above "
            "('backoffice check' lists every problem) and run the command again"
        )

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class Opened(NamedTuple):
    """What :meth:`AppContext.open_books` gives a command."""

    path: Path
    config: Config
    as_of: datetime.date
    books: Books


pass_app = click.make_pass_decorator(AppContext)


class DateType(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.4
    """A ``YYYY-MM-DD`` option."""

    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime.date:
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD", param, ctx)


DATE = DateType()
