"""The bank importers read a file once for its account, date and entries, and again
only when its bytes change; the CSV reader's short way with plain numbers reads them
as its general steps do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importers.bank.mt940 import Mt940Importer
from importers.bank.statement import Statement
from importers.common import ImportFailure, InputWarning
from importers.csv_rows import CsvTable
from ledger.config import load_config
from ledger.documents import document_sha256
from ledger.imports.config import BankCsvFormat
from tests.conftest import REPO

STATEMENT = REPO / "books" / "inbox" / "firstharbor-2026-10.mt940"


def test_a_statement_is_read_once_per_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    importer = Mt940Importer(load_config(REPO / "books" / "main.beancount"))
    reads: list[str] = []
    read = importer.read

    def counted(path: str) -> list[Statement]:
        reads.append(path)
        return read(path)

    monkeypatch.setattr(importer, "read", counted)
    document = tmp_path / STATEMENT.name
    shutil.copy(STATEMENT, document)
    entries = importer.extract(str(document), [])
    assert importer.account(str(document)) == "Assets:Bank:FirstHarbor:USD"
    assert importer.date(str(document)) == max(
        line.booking_date for line in importer.statements(str(document))[0].lines
    )
    assert reads == [str(document)]
    document.write_bytes(STATEMENT.read_bytes() + b"\r\n")  # new bytes, same statement
    again = importer.extract(str(document), [])
    assert [entry.date for entry in again] == [entry.date for entry in entries]
    assert {entry.meta["source-sha256"] for entry in again} == {document_sha256(document)}
    assert reads == [str(document)] * 2


@given(
    st.one_of(
        st.sampled_from(["-0.00", "0", "-5", "007.10", "12.345678", "-1234567890.12"]),
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
        st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{1,7})?", fullmatch=True),
    )
)
def test_plain_csv_numbers_read_as_the_general_steps_read_them(text: str) -> None:
    fmt = BankCsvFormat.model_validate(
        {"filename": "*.csv", "account-id": "X", "currency": "EUR", "date": "D", "amount": "A"}
    )
    fast, general = (CsvTable("x.csv", b"D,A\n", fmt, "[imports.csv.x]") for _ in range(2))
    general.plain = False
    try:
        expected = general.number(text, 1, "A")
    except ImportFailure:
        expected = None
    if expected is None:
        with pytest.raises(ImportFailure):
            fast.number(text, 1, "A")
    else:
        got = fast.number(text, 1, "A")
        assert (str(got), got.as_tuple()) == (str(expected), expected.as_tuple())


def test_a_value_date_of_30_february_is_read_as_the_months_last_day(tmp_path: Path) -> None:
    """German banks date interest on 30 February (30/360); the booking date is real."""
    document = tmp_path / "interest.sta"
    document.write_text(
        ":20:STARTUMS\n:25:12345678/1020304050\n:28C:0\n:60F:C160229EUR1200,00\n"
        ":61:1602300301DR6,00N024NONREF\n:86:Interest\n:62F:C160301EUR1194,00\n-\n",
        encoding="ascii",
    )
    importer = Mt940Importer(load_config(REPO / "books" / "main.beancount"))
    with pytest.warns(InputWarning) as caught:
        (statement,) = importer.read(str(document))
    assert [str(w.message) for w in caught] == [
        f"{document}:5: :61: value date 160230 (30/360 day count) read as the last day of February"
    ]
    ((booked, value),) = [(line.booking_date, line.value_date) for line in statement.lines]
    assert (booked.isoformat(), value.isoformat()) == ("2016-03-01", "2016-02-29")
