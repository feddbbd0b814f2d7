"""Cut files from the corpus: refused with nothing written, or read whole.

Each third-party file that imports clean (``tests/data/third_party/expected.toml``)
is cut after 30, 50, 70 and 90 % of its lines and imported into new books. The cut
file must be refused (exit 1, books unchanged), or give exactly the entries of the
intact file: never a part of them, never a traceback.

One cut this cannot see: an MT940 file is a sequence of statements, and a cut
exactly between two of them leaves a shorter file that is whole. Its lines must be
the intact file's; its last closing balance may be one the intact file leaves out
(where the next statement books lines on the closing day, see
``importers.bank.builder.build_entries``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import snapshot
from tests.test_import_first_statement import without_hashes
from tests.test_third_party_corpus import DATA, EXPECTED, blank_books, invoke

__all__ = ["blank_books"]  # the fixture, shared with the corpus test

VALID = sorted(
    name
    for name, expected in EXPECTED.items()
    if expected["expect"] == "imported" and "xfail" not in expected
)
FRACTIONS = (0.3, 0.5, 0.7, 0.9)


def books_text(books: Path) -> dict[str, str]:
    """The month files' text, less the documents' hashes (a cut file has its own)."""
    return {
        str(path.relative_to(books)): without_hashes(path.read_text(encoding="utf-8"))
        for path in sorted(books.glob("[0-9]*/*/*.beancount"))
    }


def imported(blank: Path, directory: Path, document: Path) -> tuple[int, Path, str]:
    """Exit code, books and output of importing ``document`` into a copy of ``blank``."""
    books = directory / "books"
    shutil.copytree(blank, books)
    result = invoke(books, "import", "--create-accounts", str(document))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), f"traceback: {result.exception!r}"
    return result.exit_code, books, result.output


@pytest.mark.parametrize("name", VALID)
def test_a_cut_file_is_refused_or_read_whole(name: str, blank_books: Path, tmp_path: Path) -> None:
    source = DATA / name
    intact = tmp_path / "intact" / source.name
    intact.parent.mkdir()
    shutil.copyfile(source, intact)
    code, books, _ = imported(blank_books, tmp_path / "whole", intact)
    assert code == 0
    whole = books_text(books)
    lines = source.read_bytes().split(b"\n")
    for fraction in FRACTIONS:
        cut = tmp_path / f"cut{fraction}" / source.name
        cut.parent.mkdir()
        cut.write_bytes(b"\n".join(lines[: int(len(lines) * fraction)]))
        before = snapshot(blank_books)
        code, books, _ = imported(blank_books, tmp_path / f"books{fraction}", cut)
        if code == 1:
            assert snapshot(books) == before, fraction
        else:
            assert code == 0
            text = books_text(books)
            rest = lines[int(len(lines) * fraction) :]
            if text != whole and rest and rest[0].startswith(b":20:"):
                assert entry_blocks(text) <= entry_blocks(whole), fraction
            else:
                assert text == whole, fraction


def entry_blocks(text: dict[str, str]) -> set[str]:
    """Each month file's entries other than balance assertions, as text, less the
    archived document's name (dated by the file's last day)."""
    return {
        name + ": " + re.sub(r'source: ".*"', "", block.strip())
        for name, content in text.items()
        for block in content.split("\n\n")
        if not re.match(r"\d{4}-\d\d-\d\d balance ", block.strip())
    }
