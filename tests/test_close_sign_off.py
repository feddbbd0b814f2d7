"""``backoffice sign-off``: who signed a period off before its close, in the books."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import DEMO_BOOKS, ask_for_sign_off, snapshot


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """The demo books (not imported: October cannot close yet), with sign-off asked for."""
    target = tmp_path / "books"
    shutil.copytree(DEMO_BOOKS, target)
    ask_for_sign_off(target)
    return target / "main.beancount"


def run(books: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--books", str(books), *args])
    return result.exit_code, result.output


def checks(books: Path, period: str) -> dict[str, list[str]]:
    _, output = run(books, "close", period, "--dry-run", "--json")
    return {c["check"]: [b["message"] for b in c["blockers"]] for c in json.loads(output)["checks"]}


def test_the_close_waits_for_a_sign_off_which_the_books_record(books: Path) -> None:
    assert checks(books, "2026-10")["sign-off"] == [
        "period 2026-10 needs a sign-off ([close] sign-off = true): "
        "backoffice sign-off 2026-10 --by NAME, or the Fava Close page"
    ]
    code, output = run(books, "sign-off", "2026-10", "--by", "  Jane   Doe ")
    assert (code, output) == (0, '2026-11-27 custom "close-sign-off" "2026-10"\n  by: "Jane Doe"\n')
    assert (books.parent / "sign-offs.beancount").read_text(encoding="utf-8") == (
        "; Sign-offs of periods before their close, written by `backoffice sign-off`\n"
        "; (or the Fava Close page): who signed each period, and when.\n"
        "\n"
        '2026-11-27 custom "close-sign-off" "2026-10"\n'
        '  by: "Jane Doe"\n'
    )
    assert 'include "sign-offs.beancount"\n' in books.read_text(encoding="utf-8")
    assert checks(books, "2026-10")["sign-off"] == []
    assert run(books, "check")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2026-11", "--by", "Jane"], "period 2026-11 ends on 2026-11-30; sign it off on or after"),
        (["2026-13", "--by", "Jane"], "'2026-13' is not a period"),
        (["2026-10", "--by", " "], "say who signs off: the name is empty"),
    ],
)
def test_refusals_write_nothing(books: Path, args: list[str], message: str) -> None:
    before = snapshot(books.parent)
    code, output = run(books, "sign-off", *args)
    assert code == 2
    assert message in output
    assert snapshot(books.parent) == before


def test_a_second_sign_off_by_the_same_person_and_a_sealed_period_are_refused(
    closed_demo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "closed"
    shutil.copytree(closed_demo, target)
    books = target / "main.beancount"
    code, output = run(books, "sign-off", "2026-10", "--by", "Jane")
    assert code == 2
    assert "period 2026-10 is sealed already (closes.beancount:3)" in output
    assert run(books, "sign-off", "2026-11", "--by", "Jane", "--as-of", "2026-11-30")[0] == 0
    before = snapshot(target)
    code, output = run(books, "sign-off", "2026-11", "--by", "Jane", "--as-of", "2026-12-01")
    assert (code, snapshot(target) == before) == (2, True)
    assert "Jane has signed off period 2026-11 already" in output
