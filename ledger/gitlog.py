"""The books' git history: commit a change, find the commit that wrote a line.

Runs the real ``git`` (``subprocess``, no shell). A commit names only the paths
of the change (``git commit -- PATHS``), so whatever else is staged or edited
in the repository stays as it was. Its message lists each document written
with its SHA-256, so the history alone says which bytes each commit brought in.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger.documents import document_sha256, path_in_books


class GitError(Exception):
    """git failed or is missing; the message carries git's own words."""


def git(args: Sequence[str], cwd: Path) -> str:
    """Run ``git ARGS`` in ``cwd``; its stdout, or :class:`GitError`."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (no 'git' on PATH)") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise GitError(f"git {' '.join(args[:2])} failed in {cwd}: {detail}")
    return done.stdout


def repo_root(path: Path) -> Path | None:
    """The top of the git work tree holding ``path``, or None."""
    directory = path if path.is_dir() else path.parent
    try:
        return Path(git(["rev-parse", "--show-toplevel"], directory).strip())
    except GitError:
        return None


def commit_message(title: str, documents: Sequence[tuple[str, str]]) -> str:
    """``title``, a blank line, then ``sha256  path`` for each document."""
    lines = [title, ""]
    lines += [f"{sha256}  {name}" for name, sha256 in documents]
    return "\n".join(lines) + "\n"


def commit_books_change(books_dir: Path, paths: Sequence[Path], title: str) -> str:
    """Commit exactly ``paths`` (written by one change) with their SHA-256s; the new
    commit's id. Raises :class:`GitError` when the books are not in a git repository
    or git refuses (for example without ``user.name``)."""
    root = repo_root(books_dir)
    if root is None:
        raise GitError(f"{books_dir} is not in a git repository; run 'git init' there first")
    relative = sorted({path_in_books(path, root) for path in paths})
    documents = [
        (path_in_books(path, books_dir), document_sha256(path)) for path in sorted(set(paths))
    ]
    git(["add", "--", *relative], root)
    git(["commit", "--quiet", "-m", commit_message(title, documents), "--", *relative], root)
    return git(["rev-parse", "HEAD"], root).strip()


@dataclass(frozen=True)
class Commit:
    """One commit, as ``audit`` shows it."""

    id: str
    author: str
    date: str
    subject: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "author": self.author, "date": self.date, "subject": self.subject}


_FORMAT = "%H%x1f%an%x1f%aI%x1f%s"


def _commits(output: str) -> list[Commit]:
    found = []
    for line in output.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 4:
            found.append(Commit(*parts))
    return found


def blame_line(path: Path, lineno: int) -> Commit | None:
    """The commit that last wrote line ``lineno`` of ``path`` (None when uncommitted)."""
    root = repo_root(path)
    if root is None:
        return None
    try:
        porcelain = git(
            ["blame", "--porcelain", "-L", f"{lineno},{lineno}", "--", str(path.resolve())], root
        )
    except GitError:
        return None
    commit_id = porcelain.split(" ", 1)[0]
    if not commit_id or set(commit_id) == {"0"}:
        return None
    return show_commit(root, commit_id)


def show_commit(root: Path, commit_id: str) -> Commit | None:
    try:
        return next(iter(_commits(git(["show", "-s", f"--format={_FORMAT}", commit_id], root))))
    except (GitError, StopIteration):
        return None


def history(path: Path, needle: str | None = None) -> list[Commit]:
    """The commits that touched ``path``, oldest first; with ``needle``, only those
    that changed how often it occurs there (``git log -S``), so the first is the
    one that brought it in."""
    root = repo_root(path)
    if root is None:
        return []
    search = ["-S", needle] if needle else []
    try:
        output = git(
            ["log", "--reverse", f"--format={_FORMAT}", *search, "--", str(path.resolve())],
            root,
        )
    except GitError:
        return []
    return _commits(output)
