"""The bank importers read a file once for its account, date and entries, and again
only when its bytes change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from importers.common import document_sha256
from importers.statement import Statement
from importers.swift_mt940 import Mt940Importer
from ledger.config import load_config
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
