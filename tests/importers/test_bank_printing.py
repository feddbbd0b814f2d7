"""The direct writer of imported entries prints exactly what Beancount's printer prints:
on every golden sample's entries, and on generated transactions and balances."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import amount, data
from beancount.parser import parser, printer
from hypothesis import given
from hypothesis import strategies as st

from importers import printing
from importers.common import ImportFailure
from importers.printing import format_entry
from importers.registry import bank_importers
from ledger.books import load
from ledger.config import load_config
from tests.conftest import REPO
from tests.importers.test_bank_golden import BANK, DOCUMENTS


@pytest.mark.parametrize("document", DOCUMENTS, ids=str)
def test_golden_entries_print_as_beancount_prints_them(
    document: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    config = load_config(BANK / "main.beancount")
    existing = load(BANK / "trades.beancount").entries
    (importer,) = [imp for imp in bank_importers(config) if imp.identify(str(document))]
    try:
        entries = importer.extract(str(document), existing)
    except ImportFailure:
        pytest.skip("a refused sample has no entries")
    assert [format_entry(e) for e in entries] == [printer.format_entry(e) for e in entries]


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_NUMBER = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9)
_CURRENCY = st.sampled_from(["EUR", "USD", "CHF", "XAU", "B", "VBTLX", "ABC.D", "C'X"])
_ACCOUNT = st.sampled_from(
    ["Assets:Bank:A:EUR", "Expenses:Fees", "Assets:Suspense", "Income:X:Y:Zzzzzzzzzzzzzzzzzzz"]
)
_META = st.dictionaries(
    st.sampled_from(["source", "source-ref", "value-date", "n", "flag-ok", "empty", "__hidden"]),
    st.one_of(
        _TEXT,
        st.dates(),
        _NUMBER,
        st.booleans(),
        st.none(),
        st.just(amount.Amount(Decimal(1), "EUR")),
    ),
)
_UNITS = st.builds(amount.Amount, _NUMBER, _CURRENCY)
_POSTING = st.builds(
    data.Posting,
    _ACCOUNT,
    st.one_of(_UNITS, st.none()),
    st.none(),
    st.one_of(st.none(), st.builds(amount.Amount, _NUMBER, _CURRENCY)),
    st.sampled_from([None, None, None, "!"]),
    st.one_of(st.none(), st.just({"x": "y"})),
)


@st.composite
def _entries(draw: st.DrawFn) -> data.Directive:
    meta = {"filename": "f", "lineno": 1, **draw(_META)}
    day = draw(st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 1, 1)))
    if draw(st.booleans()):
        return data.Balance(
            meta,
            day,
            draw(_ACCOUNT),
            draw(_UNITS),
            draw(st.one_of(st.none(), _NUMBER)),
            draw(st.one_of(st.none(), _UNITS)),
        )
    return data.Transaction(
        meta,
        day,
        draw(st.sampled_from(["*", "!", "P"])),
        draw(st.one_of(st.none(), _TEXT)),
        draw(_TEXT),
        frozenset(draw(st.lists(st.sampled_from(["a", "tag-b"])))),
        frozenset(draw(st.lists(st.sampled_from(["trade-T1", "z"])))),
        draw(st.lists(_POSTING, max_size=4)),
    )


@given(_entries())
def test_generated_entries_print_as_beancount_prints_them(entry: data.Directive) -> None:
    assert format_entry(entry) == printer.format_entry(entry)


def _written_files() -> list[Path]:
    """Every golden ``.beancount`` under tests/ and every file of the demo books."""
    return sorted([*(REPO / "tests").rglob("*.beancount"), *(REPO / "books").rglob("*.beancount")])


def _as_importers_write(entry: data.Directive) -> data.Directive:
    """The parsed entry without the parser's posting meta (importers write none)."""
    if not isinstance(entry, data.Transaction):
        return entry
    postings = [
        p._replace(meta=None) if set(p.meta or {}) <= {"filename", "lineno"} else p
        for p in entry.postings
    ]
    return entry._replace(postings=postings)


def _directly_written(entry: data.Directive) -> bool:
    try:
        if isinstance(entry, data.Transaction):
            printing._transaction(entry)
        elif isinstance(entry, data.Balance):
            printing._balance(entry)
        else:
            return False
    except printing._Fallback:
        return False
    return True


@pytest.mark.parametrize("path", _written_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_written_file_prints_as_beancount_prints_it(path: Path) -> None:
    entries, _, _ = parser.parse_file(str(path))
    entries = [_as_importers_write(entry) for entry in entries]
    assert [format_entry(e) for e in entries] == [printer.format_entry(e) for e in entries]


def test_the_written_files_exercise_the_direct_writer() -> None:
    """The comparison above means something: most transactions and balances of
    the golden files take the direct path, not the fallback to the printer."""
    entries = [
        _as_importers_write(entry)
        for path in _written_files()
        for entry in parser.parse_file(str(path))[0]
        if isinstance(entry, (data.Transaction, data.Balance))
    ]
    direct = [entry for entry in entries if _directly_written(entry)]
    assert len(direct) * 2 > len(entries)
