"""The pages' buttons that write the books: open or resolve a break, reclassify a
suspense line, sign a period off.

A page that subclasses :class:`Actions` (a :class:`~ledger.fava_ext.page.ReviewPage`)
gets :meth:`Actions.act`: a POST endpoint (:func:`post_endpoint`) calls what the CLI
command calls, under the books' lock, and answers with a redirect (303) back to
the page (``back``: its query string) saying what was written (``?written=``) or
why nothing was (``?refused=``). The form sends the page's as-of date (``date``)
and ``back`` (``bo.action_context``). :class:`BreakActions` adds ``open_break``
(kind, reference, text, amount, date) and ``resolve_break`` (id, text, date),
which call what ``backoffice breaks open`` and ``breaks resolve`` call
(:mod:`ledger.breaks.actions`).

They write only when the books are served with ``--edit`` (Fava's file module
is then :class:`ledger.fava_edit.GuardedFile`): read-only, Fava refuses any POST
(401) before it reaches them, and they refuse (403) all the same. A page shows
its forms only when :attr:`Actions.editable`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlencode

from fava.ext import extension_endpoint
from flask import Response, redirect, request

from ledger.books import Books, load
from ledger.breaks import actions
from ledger.breaks.store import BREAKS_FILE
from ledger.close.snapshot_load import loaded_from
from ledger.fava_edit import LOCK_TIMEOUT, GuardedFile
from ledger.fava_ext.page import ReviewPage
from ledger.writer import BooksWriter, LockTimeout

Endpoint = TypeVar("Endpoint", bound=Callable[[Any], Response])
READ_ONLY = "the books are served read-only; start 'backoffice serve --edit' to write them"


def post_endpoint(func: Endpoint) -> Endpoint:
    """Fava's ``@extension_endpoint(methods=["POST"])``, typed (Fava's is a union)."""
    decorate = cast("Callable[[Endpoint], Endpoint]", extension_endpoint(None, ["POST"]))
    return decorate(func)


class Actions(ReviewPage):
    """A review page with buttons that write the books."""

    @property
    def editable(self) -> bool:
        """Whether the books are served for editing (``backoffice serve --edit``)."""
        return isinstance(self.ledger.file, GuardedFile)

    def act(
        self,
        write: Callable[[Path, datetime.date], str],
        refusals: tuple[type[Exception], ...] = (),
    ) -> Response:
        """Run ``write(books file, the form's date)``; back to the page with its outcome.
        ``refusals`` are the write's own exceptions: a refusal, nothing written."""
        if not self.editable:
            return Response(READ_ONLY, status=403, mimetype="text/plain")
        # The page's query string, carried by the form, without the last outcome.
        back = [
            (k, v)
            for k, v in parse_qsl(request.form.get("back", ""))
            if k not in ("written", "refused")
        ]
        refused: tuple[type[Exception], ...] = (LockTimeout, *refusals)
        try:
            date = datetime.date.fromisoformat(request.form.get("date", ""))
        except ValueError:
            date = None
            outcome = ("refused", f"date={request.form.get('date')!r} is not a date")
        if date is not None:
            try:
                outcome = ("written", write(self.books_path, date))
            except refused as exc:
                outcome = ("refused", str(exc))
            else:
                # Fava's watcher may not have seen the write yet: the page the redirect
                # shows must be of the books as written (Fava's own writes notify too).
                for path in (self.books_path, self.books_path.parent / BREAKS_FILE):
                    self.ledger.watcher.notify(path)
        return redirect(f"./?{urlencode([*back, outcome])}", code=303)  # type: ignore[return-value]

    def with_books(self, books_file: Path, write: Callable[[BooksWriter, Books], str]) -> str:
        """``write`` on the books loaded under their lock, as the CLI's command reads them
        (``AppContext.writing``): no change by another process slips in between. Fava
        is told of the files written, so the page it redirects to shows them."""
        with BooksWriter(books_file.parent, timeout=LOCK_TIMEOUT) as writer:
            text = write(writer, load(books_file, hardcore=False))
            written = writer.commit()
        for path in written:
            self.ledger.watcher.notify(path)
        return text


class BreakActions(Actions):
    """A review page that opens and resolves breaks."""

    @post_endpoint
    def open_break(self) -> Response:
        """``backoffice breaks open KIND REFERENCE TEXT --amount AMOUNT --as-of DATE``."""
        form = request.form

        def write(books: Path, date: datetime.date) -> str:
            def with_entries(entries: list[Any]) -> str:
                return actions.open_break(
                    books,
                    entries,
                    form.get("kind", ""),
                    form.get("reference", ""),
                    form.get("text", ""),
                    form.get("amount") or None,
                    date,
                )

            try:
                return with_entries(self.entries)
            except actions.UnknownReference:
                # served from a snapshot, a trade settled in a sealed month is summed up
                if loaded_from(self.ledger.options) is None:
                    raise
                return with_entries(load(books, hardcore=False).entries)

        return self.act(write, (actions.BreakRefused,))

    @post_endpoint
    def resolve_break(self) -> Response:
        """``backoffice breaks resolve ID TEXT --as-of DATE``, the lock taken before the
        entries are read (they are Fava's, read again if a file changed)."""
        form = request.form

        def write(books: Path, date: datetime.date) -> str:
            with BooksWriter(books.parent, timeout=LOCK_TIMEOUT) as writer:
                self.ledger.changed()
                return actions.resolve_break(
                    writer,
                    books,
                    self.entries,
                    form.get("id", ""),
                    form.get("text", ""),
                    date,
                )

        return self.act(write, (actions.BreakRefused,))
