"""Fuzzing each bank reader: whatever the bytes, the only exception that
escapes is the importer's own :class:`ImportFailure`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.bank.camt import read_camt
from importers.bank.csv import read_csv
from importers.bank.mt940 import Mt940Importer
from importers.bank.ofx import read_ofx
from importers.bank.statement import Statement
from importers.common import ImportFailure
from ledger.config import Config
from ledger.imports.config import BankCsvFormat
from tests.conftest import REPO

INBOX = REPO / "books" / "inbox"
SEEDS = {
    "mt940": (INBOX / "firstharbor-2026-10.mt940").read_bytes(),
    "camt": (INBOX / "firstharbor-2026-11.xml").read_bytes(),
    "ofx": (INBOX / "rheinbank-2026-11-a.ofx").read_bytes(),
    "csv": (INBOX / "rheinbank-2026-11-b.csv").read_bytes(),
}
CSV_FORMAT = BankCsvFormat.model_validate(
    {
        "filename": "*.csv",
        "account-id": "DE89370400440532013000",
        "currency": "EUR",
        "encoding": "cp1252",
        "delimiter": ";",
        "skip-lines": 2,
        "date": "Buchungstag",
        "date-format": "%d.%m.%Y",
        "narration": ["Verwendungszweck"],
        "reference": "Referenz",
        "debit": "Soll",
        "credit": "Haben",
        "decimal": ",",
        "thousands": ".",
        "balance": "Saldo",
    }
)
READERS: dict[str, Callable[[str], list[Statement]]] = {
    "mt940": Mt940Importer(Config()).read,
    "camt": read_camt,
    "ofx": read_ofx,
    "csv": lambda path: read_csv(path, CSV_FORMAT, "fuzz"),
}


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed file cut, with bytes replaced, inserted and deleted."""
    data = bytearray(seed[: draw(st.integers(0, len(seed)))] if draw(st.booleans()) else seed)
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        chunk = draw(
            st.binary(min_size=1, max_size=4)
            | st.sampled_from([b":61:", b"<", b"\r\n", b";", b"-", b","])
        )
        if action == "insert" or position == len(data):
            data[position:position] = chunk
        elif action == "replace":
            data[position : position + len(chunk)] = chunk
        else:
            del data[position : position + len(chunk)]
    return bytes(data)


def _reads_or_refuses(kind: str, content: bytes, tmp_path: Path) -> None:
    path = tmp_path / f"fuzz.{kind}"
    path.write_bytes(content)
    try:
        READERS[kind](str(path))
    except ImportFailure as exc:
        assert str(path) in str(exc)


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(content=mutated(SEEDS["mt940"]))
def test_mt940_reader_fuzz(content: bytes, tmp_path: Path) -> None:
    _reads_or_refuses("mt940", content, tmp_path)


@FUZZ
@given(content=mutated(SEEDS["camt"]))
def test_camt_reader_fuzz(content: bytes, tmp_path: Path) -> None:
    _reads_or_refuses("camt", content, tmp_path)


@FUZZ
@given(content=mutated(SEEDS["ofx"]))
def test_ofx_reader_fuzz(content: bytes, tmp_path: Path) -> None:
    _reads_or_refuses("ofx", content, tmp_path)


@FUZZ
@given(content=mutated(SEEDS["csv"]))
def test_csv_reader_fuzz(content: bytes, tmp_path: Path) -> None:
    _reads_or_refuses("csv", content, tmp_path)
