"""``backoffice init DIR``: new books that load clean."""

from __future__ import annotations

import datetime
from importlib import resources
from pathlib import Path

from ledger.writer import JOURNAL_NAME, LOCK_NAME, BooksWriter

TEMPLATES = ("main.beancount", "accounts.beancount", "commodities.beancount", "backoffice.toml")
# Kept out of git: the write lock and the journal of a commit in progress (the
# books in a git repository is what 'close --commit' and 'import --commit' need).
GITIGNORE = ".gitignore"


class InitError(Exception):
    """The directory already holds books."""


def init_books(directory: Path, *, title: str, currency: str, start: datetime.date) -> list[Path]:
    """Write a fresh set of books into ``directory``; refuse to overwrite any file."""
    existing = [name for name in TEMPLATES if (directory / name).exists()]
    if existing:
        raise InitError(
            f"{directory / existing[0]}: already exists; 'init' never overwrites books "
            "(choose an empty directory)"
        )
    values = {"title": title, "currency": currency, "date": start.isoformat()}
    package = resources.files("ledger") / "templates"
    with BooksWriter(directory) as writer:
        for name in TEMPLATES:
            text = (package / name).read_text(encoding="utf-8").format(**values)
            writer.write_text(directory / name, text)
        writer.write_text(directory / "documents" / ".keep", "")
        writer.write_text(directory / "inbox" / ".keep", "")
        gitignore = directory / GITIGNORE
        if not gitignore.exists():
            writer.write_text(gitignore, (package / "gitignore").read_text(encoding="utf-8"))
        else:
            present = gitignore.read_text(encoding="utf-8").splitlines()
            missing = [name for name in (LOCK_NAME, JOURNAL_NAME) if name not in present]
            if missing:
                writer.append_text(gitignore, "".join(f"{name}\n" for name in missing))
        return [*(directory / name for name in TEMPLATES), gitignore]
