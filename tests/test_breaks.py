"""Breaks as data: reading, writing once, resolving, ageing, and the plugin."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from beancount.core.amount import Amount
from click.testing import CliRunner

from ledger.books import Books, load, load_string
from ledger.breaks.model import new_break, read_breaks
from ledger.breaks.store import write_breaks
from ledger.cli import main
from ledger.errors import format_error
from ledger.writer import BooksWriter
from tests.conftest import write_books


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


D = datetime.date

BOOKS = """
    plugin "plugins.breaks"
    2026-01-01 open Assets:Bank:FirstHarbor:USD

    2026-11-24 custom "break" "B-1" "confirmation-mismatch"
      link: "trade-GA-20261124-001"
      description: "price theirs 61.30, ours 61.25"
      amount: 50.00 USD
    2026-11-24 custom "break" "B-2" "statement-difference"
      account: "Assets:Bank:FirstHarbor:USD"
      description: "statement 15.00 USD below the books"
      amount: -15.00 USD
    2026-11-25 custom "break-resolved" "B-1" "Broker corrected the confirmation"
"""


def test_read_breaks_joins_resolutions() -> None:
    breaks, errors = read_breaks(load_string(BOOKS).entries)
    assert errors == []
    assert [
        (b.id, b.kind, b.date, b.link, b.account, b.amount, b.resolved, b.resolution)
        for b in breaks
    ] == [
        (
            "B-1",
            "confirmation-mismatch",
            D(2026, 11, 24),
            "trade-GA-20261124-001",
            None,
            Amount.from_string("50.00 USD"),
            D(2026, 11, 25),
            "Broker corrected the confirmation",
        ),
        (
            "B-2",
            "statement-difference",
            D(2026, 11, 24),
            None,
            "Assets:Bank:FirstHarbor:USD",
            Amount.from_string("-15.00 USD"),
            None,
            None,
        ),
    ]


def test_bad_break_entries_are_errors() -> None:
    books = load_string(
        """
        2026-11-24 custom "break" "B-1" "confirmation-mismatch"
          description: "one"
        2026-11-24 custom "break" "B-1" "confirmation-mismatch"
          description: "twice"
        2026-11-24 custom "break" "B-3"
        2026-11-23 custom "break-resolved" "B-1" "too early"
        2026-11-25 custom "break-resolved" "B-1" "done"
        2026-11-26 custom "break-resolved" "B-1" "done again"
        2026-11-26 custom "break-resolved" "B-9" "no such break"
        2026-11-26 custom "break-resolved" "B-1"
        """
    )
    _, errors = read_breaks(books.entries)
    assert [(e.source["lineno"], e.message) for e in errors] == [
        (4, "break B-1 is written twice"),
        (
            6,
            'a break is written custom "break" "ID" "KIND" with a description: metadata '
            "string; this one is not",
        ),
        (
            7,
            "break B-1 is resolved on 2026-11-23, before it was found on 2026-11-24; date "
            "the resolution on or after 2026-11-24",
        ),
        (9, "break B-1 is already resolved on 2026-11-25"),
        (
            10,
            "break-resolved names B-9, which is no break in the books; check the id with "
            "'backoffice breaks'",
        ),
        (
            11,
            'a resolution is written custom "break-resolved" "ID" "what was done"; this one is not',
        ),
    ]


@pytest.mark.parametrize(
    ("as_of", "config", "overdue"),
    [
        ("2026-11-25", "", []),  # B-2 open 1 business day: within 2
        ("2026-11-27", "", []),  # 11-25, 11-27 (11-26 Thanksgiving): 2 days, within 2
        ("2026-11-30", "", ["B-2"]),  # 3 days
        ("2026-11-27", "[matching.break-tolerance]\nstatement-difference = 1\n", ["B-2"]),
        ("2026-11-30", "[matching.break-tolerance]\nstatement-difference = 5\n", []),
    ],
)
def test_plugin_reports_open_breaks_past_tolerance(
    ledger: Callable[..., Books],
    monkeypatch: pytest.MonkeyPatch,
    as_of: str,
    config: str,
    overdue: list[str],
) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", as_of)
    books = ledger(BOOKS, config=config)
    assert [e.message.split(" ")[1] for e in books.errors] == overdue


def test_plugin_error_names_break_age_tolerance_and_hint(
    ledger: Callable[..., Books], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-30")
    books = ledger(BOOKS)
    assert [format_error(e).split(": ", 1)[1] for e in books.errors] == [
        "break B-2 (statement-difference, -15.00 USD) has been open 3 business days since "
        "2026-11-24, past its tolerance of 2 ([matching.break-tolerance] "
        "statement-difference): statement 15.00 USD below the books; resolve it with "
        'backoffice breaks resolve B-2 "what was done"'
    ]
    assert books.errors[0].source["lineno"] == 8


def test_plugin_reports_bad_as_of_instead_of_raising(
    ledger: Callable[..., Books], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "someday")
    books = ledger(BOOKS)
    assert [e.message for e in books.errors] == [
        "plugins.breaks: cannot age the breaks: BACKOFFICE_AS_OF: 'someday' is not a date; "
        "write it as YYYY-MM-DD"
    ]


MAIN = """
    plugin "plugins.breaks"
    2026-01-01 open Assets:Bank:FirstHarbor:USD
"""


def test_write_breaks_is_idempotent_and_adds_the_include(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-24")
    path = write_books(tmp_path, {"main.beancount": MAIN})
    found = [
        new_break(
            "unmatched-ours",
            ["T1"],
            D(2026, 11, 24),
            'no "confirmation" for T1',
            link="trade-T1",
            amount=Amount.from_string("61275.00 USD"),
        ),
        new_break(
            "statement-difference",
            ["Assets:Bank:FirstHarbor:USD", "2026-11-24"],
            D(2026, 11, 24),
            "statement differs",
            account="Assets:Bank:FirstHarbor:USD",
        ),
    ]
    with BooksWriter(tmp_path) as writer:
        assert write_breaks(writer, path, found) == (found, [])
    text = (tmp_path / "breaks.beancount").read_text()
    with BooksWriter(tmp_path) as writer:
        assert write_breaks(writer, path, [*found, found[0]]) == ([], [])
    assert (tmp_path / "breaks.beancount").read_text() == text
    assert path.read_text().count('include "breaks.beancount"') == 1
    books = load(path)
    assert books.errors == []
    assert read_breaks(books.entries)[0] == sorted(found, key=lambda b: (b.date, b.id))


def test_break_ids_derive_from_the_cause() -> None:
    a = new_break("unmatched-ours", ["T1"], D(2026, 11, 24), "x")
    b = new_break("unmatched-ours", ["T1"], D(2026, 11, 27), "other words")
    c = new_break("unmatched-ours", ["T2"], D(2026, 11, 24), "x")
    d = new_break("unmatched-theirs", ["T1"], D(2026, 11, 24), "x")
    assert a.id == b.id
    assert len({a.id, c.id, d.id}) == 3
    assert a.id.startswith("B-") and len(a.id) == 14


def test_breaks_command_lists_filters_resolves(tmp_path: Path, runner: CliRunner) -> None:
    path = write_books(
        tmp_path, {"main.beancount": MAIN, "backoffice.toml": "as-of = 2026-11-30\n"}
    )
    with BooksWriter(tmp_path) as writer:
        write_breaks(
            writer,
            path,
            [
                new_break(
                    "unmatched-ours",
                    ["T1"],
                    D(2026, 11, 24),
                    "no confirmation for T1",
                    link="trade-T1",
                ),
                new_break(
                    "unmatched-ours",
                    ["T2"],
                    D(2026, 11, 27),
                    "no confirmation for T2",
                    link="trade-T2",
                ),
            ],
        )
    books = ["--books", str(path)]
    listed = runner.invoke(main, [*books, "breaks", "--json"])
    assert listed.exit_code == 1  # T1's break: 3 business days open, tolerance 1
    report = json.loads(listed.output)
    assert [(b["link"], b["status"], b["age"], b["overdue"]) for b in report["breaks"]] == [
        ("trade-T1", "open", 3, True),
        ("trade-T2", "open", 1, False),
    ]
    first = report["breaks"][0]["id"]

    resolved = runner.invoke(
        main, [*books, "breaks", "resolve", first, 'Broker sent it late: "C-17"']
    )
    assert resolved.exit_code == 0, resolved.output
    assert resolved.output == (
        f'2026-11-30 custom "break-resolved" "{first}" "Broker sent it late: \\"C-17\\""\n'
    )
    after = runner.invoke(main, [*books, "breaks", "--status", "resolved", "--json"])
    assert after.exit_code == 0
    assert [(b["id"], b["resolution"], b["age"]) for b in json.loads(after.output)["breaks"]] == [
        (first, 'Broker sent it late: "C-17"', 3),
    ]
    as_before = runner.invoke(main, [*books, "breaks", "--as-of", "2026-11-25", "--json"])
    assert [b["status"] for b in json.loads(as_before.output)["breaks"]] == ["open"]

    again = runner.invoke(main, [*books, "breaks", "resolve", first, "again"])
    assert again.exit_code == 2
    assert "already resolved on 2026-11-30" in again.output
    unknown = runner.invoke(main, [*books, "breaks", "resolve", "B-nope", "x"])
    assert unknown.exit_code == 2
    assert "no break B-nope" in unknown.output
    assert load(path).errors == []
