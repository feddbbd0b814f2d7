"""The beangulp side of every bank format: read → statements → one builder.

A format subclasses :class:`BankImporter` with ``identify`` (cheap: a peek at
the file's head) and ``read`` (the file as :class:`~importers.bank.statement.Statement`\\ s,
or an :class:`~importers.common.ImportFailure`). The importer keeps only its
config and the statements of the last file it read, keyed by the file's path and
SHA-256 (the pipeline asks for a file's account, date and entries in turn):
nothing learned from one file reaches another.
"""

from __future__ import annotations

import abc
import datetime
from pathlib import Path

from beancount.core import data
from beangulp import Importer

from importers.bank.builder import build_entries, ledger_account
from importers.bank.statement import Statement
from importers.common import ImportFailure
from ledger.config import Config
from ledger.documents import document_sha256


class BankImporter(Importer, abc.ABC):  # type: ignore[misc]  # beangulp is untyped
    """A bank statement format."""

    format_name: str = "bank"

    def __init__(self, config: Config) -> None:
        self.config = config
        self._last: tuple[tuple[str, str], list[Statement]] | None = None

    @property
    def name(self) -> str:
        return f"bank.{self.format_name}"

    @abc.abstractmethod
    def identify(self, filepath: str) -> bool: ...

    @abc.abstractmethod
    def read(self, filepath: str) -> list[Statement]:
        """The file's statements; an :class:`ImportFailure` for bad input."""

    def statements(self, filepath: str) -> list[Statement]:
        key = (filepath, document_sha256(filepath))
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        statements = self.read(filepath)
        if not statements:
            raise ImportFailure(
                filepath,
                None,
                f"no statement found in this {self.format_name} file",
                hint="the file is empty or truncated",
            )
        self._last = (key, statements)
        return statements

    def account(self, filepath: str) -> str:
        return ledger_account(self.config, self.statements(filepath)[0], filepath)

    def date(self, filepath: str) -> datetime.date | None:
        days: list[datetime.date] = []
        for statement in self.statements(filepath):
            days.extend(line.booking_date for line in statement.lines)
            if statement.closing is not None:
                days.append(statement.closing.date)
        return max(days, default=None)

    def filename(self, filepath: str) -> str | None:
        return Path(filepath).name

    def extract(self, filepath: str, existing: list[data.Directive]) -> list[data.Directive]:
        return build_entries(
            self.statements(filepath),
            path=filepath,
            sha256=document_sha256(filepath),
            config=self.config,
            existing=existing,
        )
