"""Error output: ``file:line: message`` for people, stable JSON for programs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple


class BooksError(NamedTuple):
    """A Beancount-style error tuple: ``source`` is the entry's meta."""

    source: Mapping[str, Any] | None
    message: str
    entry: Any


def _display_path(filename: str | None) -> str:
    if not filename:
        return "<unknown>"
    if filename.startswith("<"):
        return filename
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    # Relative only below the working directory: a path that climbs out of it
    # reads worse than the absolute one, and would change with where we run.
    return filename if rel == ".." or rel.startswith("../") else rel


def error_location(error: Any) -> tuple[str, int | None]:
    source = getattr(error, "source", None) or {}
    filename = source.get("filename") if isinstance(source, Mapping) else None
    lineno = source.get("lineno") if isinstance(source, Mapping) else None
    return _display_path(filename), lineno if isinstance(lineno, int) else None


def format_error(error: Any) -> str:
    """One line per error (continuation lines indented): ``file:line: message``."""
    filename, lineno = error_location(error)
    where = f"{filename}:{lineno}" if lineno is not None else filename
    message = str(getattr(error, "message", error)).rstrip()
    return f"{where}: {message}".replace("\n", "\n    ")


def error_to_json(error: Any) -> dict[str, Any]:
    filename, lineno = error_location(error)
    return {
        "file": filename,
        "line": lineno,
        "message": str(getattr(error, "message", error)),
        "type": type(error).__name__,
    }


def errors_json(errors: Sequence[Any], entries: int, warnings: Sequence[Any] = ()) -> str:
    return json.dumps(
        {
            "errors": [error_to_json(e) for e in errors],
            "entries": entries,
            "warnings": [error_to_json(w) for w in warnings],
        },
        indent=2,
        sort_keys=True,
    )


def sort_errors(errors: Iterable[Any]) -> list[Any]:
    """Errors in file and line order, so output is deterministic."""

    def key(error: Any) -> tuple[str, int, str]:
        filename, lineno = error_location(error)
        return filename, lineno or 0, str(getattr(error, "message", error))

    return sorted(errors, key=key)
