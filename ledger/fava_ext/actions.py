"""Actions from the review pages: forms that write to the books, in ``serve --edit``.

An action is a POST to a page's endpoint that runs the same function as its CLI
command, with the books as the CLI sees them: the books' lock taken
(:class:`~ledger.writer.BooksWriter`), the books loaded under it, the change
staged and committed, all or nothing. Fava then reloads the files written.

Read-only serving refuses every POST (Fava answers 401 before any page code
runs); Fava started some other way than ``backoffice serve --edit`` gets a 403
from :func:`perform`, so a page never writes unless the books were served for
editing. A refusal (the function's own exception: a line already reclassified,
a sealed period) sends the user back to the page with the message; the books
are untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from fava.core import FavaLedger
from fava.ext import extension_endpoint
from flask import Response, current_app, request, url_for

from ledger.books import Books, load
from ledger.writer import BooksWriter, LockTimeout

#: ``app.config`` key ``backoffice serve --edit`` sets: the pages may write.
EDIT_KEY = "BACKOFFICE_EDIT"
LOCK_TIMEOUT = 10.0  # seconds an action waits for an import or a close to finish
READ_ONLY = (
    "these books are served read-only: this action writes to the books; "
    "serve them with 'backoffice serve --edit'"
)

Write = Callable[[BooksWriter, Books], str]
Endpoint = TypeVar("Endpoint", bound=Callable[[Any], Response])


def editing() -> bool:
    """Whether the pages may write (``backoffice serve --edit``)."""
    return bool(current_app.config.get(EDIT_KEY, False))


def perform(
    ledger: FavaLedger, page: str, write: Write, refusals: tuple[type[Exception], ...]
) -> Response:
    """Run ``write`` under the books' lock on the books loaded under it, then back to
    ``page`` (the extension's name) with ``done`` (the text written) or ``error``."""
    if not editing():
        return Response(READ_ONLY + "\n", status=403, mimetype="text/plain")
    books_file = Path(ledger.beancount_file_path)
    refused: tuple[type[Exception], ...] = (LockTimeout, *refusals)
    try:
        with BooksWriter(books_file.parent, timeout=LOCK_TIMEOUT) as writer:
            text = write(writer, load(books_file, hardcore=False))
            written = writer.commit()
    except refused as exc:
        return _back(page, error=str(exc))
    for path in written:
        ledger.watcher.notify(path)
    return _back(page, done=text)


def _back(page: str, **message: str) -> Response:
    """See-other to the page, keeping its query string, with the action's message."""
    args = {key: value for key, value in request.args.items() if key not in ("done", "error")}
    args.update(message)
    target = url_for("extension_report", extension_name=page)
    return Response(status=303, headers={"Location": f"{target}?{urlencode(args)}"})


def action_endpoint(func: Endpoint) -> Endpoint:
    """Mark a page's method as an action: a POST to the endpoint of its name."""
    mark = cast("Callable[[Endpoint], Endpoint]", extension_endpoint(func.__name__, ["POST"]))
    return mark(func)
