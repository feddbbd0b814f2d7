"""Reading the counterparty's side from the files given to ``backoffice match``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ledger.config import Config
from ledger.matching.confirmations_csv import read_confirmations_csv
from ledger.matching.model import InputError, TradeRecord


def display_source(path: Path, books_dir: Path) -> str:
    """``path`` relative to the books when it lies below them, else as given."""
    try:
        return path.resolve().relative_to(books_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_theirs(paths: Sequence[Path], config: Config, books_dir: Path) -> list[TradeRecord]:
    """Every confirmation in ``paths``, in file and line order."""
    records: list[TradeRecord] = []
    for path in paths:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
        source = display_source(path, books_dir)
        records.extend(read_confirmations_csv(path, content, config.matching.confirmations, source))
    return records
