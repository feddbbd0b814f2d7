"""Reading the counterparty's side from the files given to ``backoffice match``.

Each file is recognised by its content: a FIX log (execution reports), SWIFT
MT545/MT547 settlement confirmations, else a broker confirmation CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from beancount.core import data

from importers.common import ImportFailure
from importers.custody import iso15022
from importers.trades.fix import looks_like_fix
from ledger.config import Config
from ledger.documents import path_in_books
from ledger.matching.confirmations_csv import read_confirmations_csv
from ledger.matching.confirmations_fix import read_fix
from ledger.matching.confirmations_mt545_mt547 import MESSAGE_TYPES, read_mt545_mt547
from ledger.matching.model import TradeRecord


def read_theirs(
    paths: Sequence[Path],
    config: Config,
    books_dir: Path,
    entries: Iterable[data.Directive] = (),
) -> list[TradeRecord]:
    """Every confirmation in ``paths``, in file and line order; ``entries`` (the
    books) resolve the securities of SWIFT messages."""

    records: list[TradeRecord] = []
    for path in paths:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ImportFailure(path, None, f"cannot read: {exc.strerror}") from None
        source = path_in_books(path, books_dir)
        if looks_like_fix(content[: 1 << 16]):
            records.extend(read_fix(path, config, source))
        elif iso15022.message_types(str(path)) & MESSAGE_TYPES:
            records.extend(read_mt545_mt547(path, entries, source))
        else:
            records.extend(
                read_confirmations_csv(path, content, config.matching.confirmations, source)
            )
    return records
