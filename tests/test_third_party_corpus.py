"""Statements other projects wrote, imported into new books as a new user would.

Every file under ``tests/data/third_party/`` (and the older samples in
``tests/data/bank/third-party/``) goes through ``backoffice import
--create-accounts`` into fresh ``init`` books. ``tests/data/third_party/expected.toml``
says what must happen to each:

- ``imported``: exit 0, the number of transactions and balance assertions when
  recorded, a second import of the same file changes nothing, ``check`` is clean;
- ``refused``: exit 1, the error contains ``reason``, no traceback, and the books
  are byte for byte what they were.

A file whose outcome is wrong today carries ``xfail`` (strict, so a fix shows up
as a failure until the manifest is updated). ``docs/importing.md`` tabulates the
pass rate per format.
"""

from __future__ import annotations

import datetime
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.init import init_books
from tests.conftest import REPO, snapshot

DATA = REPO / "tests" / "data"
MANIFEST = DATA / "third_party" / "expected.toml"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
# Before every file's dates: the corpus reaches back to the OFX specification's 1999.
START = datetime.date(1990, 1, 1)


def corpus_files() -> list[str]:
    """Every corpus document, as a path under tests/data."""
    folders = [*sorted((DATA / "third_party").iterdir()), DATA / "bank" / "third-party"]
    return sorted(
        str(path.relative_to(DATA))
        for folder in folders
        if folder.is_dir()
        for path in folder.iterdir()
        if path.is_file() and path.suffix not in (".md", ".toml", ".beancount", ".error")
    )


def params() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=EXPECTED[name]["xfail"])]
            if "xfail" in EXPECTED.get(name, {})
            else [],
            id=name,
        )
        for name in corpus_files()
    ]


@pytest.fixture(scope="module")
def blank_books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("blank") / "books"
    init_books(directory, title="Corpus", currency="USD", start=START)
    return directory


def invoke(books: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--books", str(books / "main.beancount"), *args])


def counts(result: Result) -> tuple[int, int]:
    files = json.loads(result.stdout)["files"]
    return sum(f["transactions"] for f in files), sum(f["balances"] for f in files)


def test_every_corpus_file_has_an_expected_outcome() -> None:
    assert sorted(EXPECTED) == corpus_files()
    for name, expected in EXPECTED.items():
        assert expected["expect"] in ("imported", "refused"), name
        assert expected["expect"] == "imported" or expected.get("reason"), name


@pytest.mark.parametrize("name", params())
def test_third_party_file(name: str, blank_books: Path, tmp_path: Path) -> None:
    expected = EXPECTED[name]
    books = tmp_path / "books"
    shutil.copytree(blank_books, books)
    document = DATA / name
    before = snapshot(books)

    result = invoke(books, "import", "--create-accounts", "--json", str(document))

    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), f"traceback: {result.exception!r}"
    if expected["expect"] == "refused":
        assert result.exit_code == 1, result.output
        assert expected["reason"] in result.output
        assert snapshot(books) == before
        return
    assert result.exit_code == 0, result.output
    if "transactions" in expected:
        assert counts(result) == (expected["transactions"], expected["balances"])
    imported = snapshot(books)
    again = invoke(books, "import", "--json", str(document))
    assert again.exit_code == 0, again.output
    assert counts(again) == (0, 0)
    assert snapshot(books) == imported
    check = invoke(books, "check")
    assert check.exit_code == 0, check.output


def format_of(name: str) -> str:
    """``mt940``, ``ofx`` or ``camt``: the folder, or the older samples' name prefix."""
    folder, file_name = name.split("/")[-2:]
    if folder != "third-party":
        return folder
    return {"mt942": "mt940", "camt053": "camt", "camt054": "camt"}.get(
        file_name.split("-")[0], file_name.split("-")[0]
    )


def pass_rate_table() -> str:
    """The table in docs/importing.md, from the manifest this test enforces."""
    rows: dict[str, list[int]] = {}
    for name, expected in EXPECTED.items():
        row = rows.setdefault(format_of(name), [0, 0, 0, 0])
        row[0] += 1
        if "xfail" in expected:
            row[3] += 1
        else:
            row[1 if expected["expect"] == "imported" else 2] += 1
    total = [sum(column) for column in zip(*rows.values(), strict=True)]
    lines = [
        "| format | files | imported | correctly refused | wrong |",
        "|---|---:|---:|---:|---:|",
        *(f"| {fmt} | {' | '.join(map(str, row))} |" for fmt, row in sorted(rows.items())),
        f"| all | {' | '.join(map(str, total))} |",
    ]
    return "\n".join(lines)


def test_docs_give_the_pass_rate_of_the_manifest() -> None:
    docs = (REPO / "docs" / "importing.md").read_text(encoding="utf-8")
    assert pass_rate_table() in docs


if __name__ == "__main__":
    print(pass_rate_table())
