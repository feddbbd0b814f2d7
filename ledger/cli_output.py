"""What the report commands print: ``--json`` with Decimals and dates as strings, tables.

Shared by ``backoffice settlements`` and ``backoffice cash`` (and by any command
printing a report dict), so their JSON and their tables read alike.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

import click


def json_value(value: object) -> str:
    """Decimals and dates as strings, for ``json.dumps(default=...)``."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def echo_json(report: Any) -> None:
    """Print ``report`` as ``--json`` does: indented, keys sorted, Decimals as strings."""
    click.echo(json.dumps(report, indent=2, sort_keys=True, default=json_value))


def amount_text(value: Decimal) -> str:
    """``-500,000.00``: digits grouped, at least two decimal places, more when it has them."""
    exponent = value.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f}"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Collection[int] | None = None,
    *,
    indent: str = "  ",
) -> list[str]:
    """The lines of a table: the ``numeric`` columns (by default all but the first)
    right-aligned, the others left-aligned."""
    widths = [max(len(c) for c in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, *rows]:
        cells = [
            f"{cell:>{width}}"
            if (i in numeric if numeric is not None else i > 0)
            else f"{cell:<{width}}"
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(indent + "  ".join(cells).rstrip())
    return lines


def echo_books_problems(errors: Sequence[Any]) -> None:
    """After a report: how many problems the books have, on stderr (``check`` lists them)."""
    if errors:
        click.echo(
            f"{len(errors)} problem(s) in the books; 'backoffice check' lists them", err=True
        )
