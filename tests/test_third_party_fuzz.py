"""Damaged copies of the corpus's valid files: refused cleanly, or read whole.

Hypothesis picks a file that imports clean (``tests/data/third_party/expected.toml``)
and damages it: cuts it at any byte, drops a line carrying an amount, changes one
digit of an amount, or writes it in another encoding. Imported with
``--create-accounts`` into new books, the damaged file must be refused (exit 1,
the project's error and "nothing was written", the books unchanged) or give
exactly the entries of the intact file. Never a traceback, never part of a file.

Amounts are damaged only where the format can see it: an MT940 statement's lines
lead from its opening to its closing balance, an MT942's from its ``:90D:``/``:90C:``
totals, a camt.053's from its balances. An OFX bank statement gives one balance
and its opening is derived from it, and a camt.052 report or camt.054 notification
carries no balance the importer checks, so a changed amount there is a different,
valid document; those files are cut and re-encoded only.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import snapshot
from tests.test_third_party_corpus import DATA, blank_books, format_of
from tests.test_third_party_truncation import VALID, books_text, imported

__all__ = ["blank_books"]  # the fixture, shared with the corpus test

# Lines with an amount the format checks: MT940/MT942 balances, lines and totals,
# camt.053 amounts (the balances check the entries).
MONEY_LINE = re.compile(rb"^(:6[0-5][FM]?:|:61:|:90[CD]:|\s*<Amt\b)")
AMOUNT = re.compile(rb"\d+[,.]\d+|\d+,")
CHECKED = [
    name
    for name in VALID
    if format_of(name) in ("mt940", "camt") and not re.search("camt05[24]", name)
]
ENCODINGS = ("utf-16", "utf-8-sig", "cp1252", "utf-8")


@dataclass(frozen=True)
class Damage:
    """What was done to the file, for Hypothesis's report."""

    kind: str
    at: int
    detail: int = 0

    def apply(self, content: bytes) -> bytes | None:
        """The damaged content, or None when this damage does not apply to it."""
        if self.kind == "cut":
            return content[: self.at % max(len(content), 1)]
        if self.kind == "encoding":
            # the same text in another encoding: the file's own is UTF-8 or else cp1252
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("cp1252", errors="replace")
            try:
                return text.encode(ENCODINGS[self.at % len(ENCODINGS)])
            except UnicodeEncodeError:
                return None
        lines = content.split(b"\n")
        money = [index for index, line in enumerate(lines) if MONEY_LINE.match(line)]
        if not money:
            return None
        index = money[self.at % len(money)]
        if self.kind == "drop":
            return b"\n".join(lines[:index] + lines[index + 1 :])
        numbers = list(AMOUNT.finditer(lines[index]))
        if not numbers:
            return None
        number = numbers[self.detail % len(numbers)]
        digits = [pos for pos in range(*number.span()) if lines[index][pos : pos + 1].isdigit()]
        pos = digits[self.detail % len(digits)]
        old = lines[index][pos]
        new = b"0123456789"[(old - ord("0") + 1 + self.detail % 9) % 10]
        lines[index] = lines[index][:pos] + bytes([new]) + lines[index][pos + 1 :]
        return b"\n".join(lines)


def damages() -> st.SearchStrategy[tuple[str, Damage]]:
    anywhere = st.tuples(
        st.sampled_from(VALID),
        st.builds(Damage, st.sampled_from(["cut", "encoding"]), st.integers(0, 1 << 20)),
    )
    amounts = st.tuples(
        st.sampled_from(CHECKED),
        st.builds(
            Damage, st.sampled_from(["drop", "garble"]), st.integers(0, 999), st.integers(0, 99)
        ),
    )
    return st.one_of(anywhere, amounts)


_WHOLE: dict[str, dict[str, str]] = {}


def import_into(blank: Path, directory: Path, name: str, content: bytes) -> tuple[int, Path, str]:
    document = directory / "in" / Path(name).name
    document.parent.mkdir(parents=True)
    document.write_bytes(content)
    return imported(blank, directory, document)


def whole(blank: Path, name: str) -> dict[str, str]:
    """The books text the intact file gives."""
    if name not in _WHOLE:
        with tempfile.TemporaryDirectory() as directory:
            code, books, output = import_into(
                blank, Path(directory), name, (DATA / name).read_bytes()
            )
            assert code == 0, output
            _WHOLE[name] = books_text(books)
    return _WHOLE[name]


@settings(
    max_examples=40,
    database=None,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=damages())
def test_a_damaged_file_is_refused_or_read_whole(
    case: tuple[str, Damage], blank_books: Path
) -> None:
    name, damage = case
    content = damage.apply((DATA / name).read_bytes())
    if content is None:
        return
    before = snapshot(blank_books)
    with tempfile.TemporaryDirectory() as directory:
        code, books, output = import_into(blank_books, Path(directory), name, content)
        if code == 1:
            assert "nothing was written" in output, output
            assert snapshot(books) == before
        else:
            assert code == 0, output
            assert books_text(books) == whole(blank_books, name)


def test_the_damage_changes_an_amount_the_format_checks() -> None:
    """The garbling touches an amount, not a date or a reference."""
    line = b":61:2610021002D30,00NTRFREF1//BANK1"
    content = Damage("garble", 0, 0).apply(line)
    assert content == b":61:2610021002D40,00NTRFREF1//BANK1"
    assert Damage("drop", 0).apply(b":20:X\n" + line + b"\n-") == b":20:X\n-"


@pytest.mark.parametrize("name", CHECKED[:1])
def test_the_checked_files_have_amount_lines(name: str) -> None:
    assert any(MONEY_LINE.match(line) for line in (DATA / name).read_bytes().split(b"\n"))
