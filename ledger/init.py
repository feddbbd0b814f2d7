"""``backoffice init DIR``: new books that enforce what the demo's books do.

The books load every Backoffice plugin in the demo's order (period lock,
settlement, cash, breaks), hold a chart of accounts whose securities and
custody cash accounts are those ``backoffice.toml`` names, an
``opening.beancount`` that says how to enter opening balances, and a starter
``backoffice.toml`` naming every table a firm fills in. Unless told not to,
or when the directory is already inside a git work tree, the books become a
git repository with a first commit: ``close --commit`` and ``audit`` need one.
"""

from __future__ import annotations

import datetime
from importlib import resources
from pathlib import Path

from ledger.gitlog import GitError, git, repo_root
from ledger.writer import JOURNAL_NAME, LOCK_NAME, BooksWriter

TEMPLATES = (
    "main.beancount",
    "accounts.beancount",
    "commodities.beancount",
    "opening.beancount",
    "backoffice.toml",
    "fava_import.py",
)
# Kept out of git: the write lock and the journal of a commit in progress (the
# books in a git repository is what 'close --commit' and 'import --commit' need).
GITIGNORE = ".gitignore"
# The custodian the starter books name; a firm renames it in backoffice.toml and
# accounts.beancount together.
CUSTODIAN = "MainCustodian"
# The committer of the first commit when git knows none (a fresh machine, CI as root).
INIT_IDENTITY = ("Backoffice init", "backoffice@localhost")


class InitError(Exception):
    """The directory already holds books, or git refused the first commit."""


def _values(title: str, currency: str, start: datetime.date) -> dict[str, str]:
    return {
        "title": title,
        "currency": currency,
        "date": start.isoformat(),
        "next": (start + datetime.timedelta(days=1)).isoformat(),
        "custodian": CUSTODIAN,
        "securities": f"Assets:Custody:{CUSTODIAN}:Securities",
        "custody_cash": f"Assets:Custody:{CUSTODIAN}:Cash:{currency}",
    }


def init_books(
    directory: Path,
    *,
    title: str,
    currency: str,
    start: datetime.date,
    git_repository: bool = False,
) -> list[Path]:
    """Write a fresh set of books into ``directory``; refuse to overwrite any file.

    With ``git_repository``, make the directory a git repository holding the books
    in a first commit, unless it is already inside a git work tree."""
    existing = [name for name in TEMPLATES if (directory / name).exists()]
    if existing:
        raise InitError(
            f"{directory / existing[0]}: already exists; 'init' never overwrites books "
            "(choose an empty directory)"
        )
    values = _values(title, currency, start)
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
    written = [*(directory / name for name in TEMPLATES), gitignore]
    if git_repository and repo_root(directory) is None:
        try:
            first_commit(directory, title)
        except GitError as exc:
            raise InitError(f"{directory}: the books are written, but {exc}") from None
    return written


def first_commit(directory: Path, title: str) -> str:
    """``git init`` and commit everything in ``directory``; the commit's id.

    A committer identity is set in the repository's own config only when git
    has none, so a user's identity is never overridden."""
    git(["init", "--quiet"], directory)
    for key, value in zip(("user.name", "user.email"), INIT_IDENTITY, strict=True):
        try:
            git(["config", key], directory)
        except GitError:  # unset: 'git config KEY' exits 1
            git(["config", "--local", key, value], directory)
    git(["add", "--all", "."], directory)
    git(["commit", "--quiet", "-m", f"Books of {title}, written by 'backoffice init'"], directory)
    return git(["rev-parse", "HEAD"], directory).strip()
