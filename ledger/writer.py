"""Atomic, locked writes to the books.

Every change to the books goes through :class:`BooksWriter`: it takes an
exclusive ``flock`` on ``<books dir>/.backoffice.lock`` (a second writer waits
up to ``timeout`` seconds, then fails with :class:`LockTimeout`), stages each
file as a temporary file in the same directory and fsyncs it. An exception
before the commit removes the temporary files and leaves the books as they
were.

The commit is a roll-forward journal: the list of renames (temporary file →
books file) is written to ``<books dir>/.backoffice.journal`` (itself staged,
fsynced and renamed into place, so it exists whole or not at all), then the
files are renamed one by one, the directories fsynced, and the journal
removed. A process killed between two renames leaves the journal behind;
the next :class:`BooksWriter` and :func:`complete_interrupted` (which
:func:`ledger.books.load` calls before loading) finish the renames it lists,
so a reader going through them sees all of the change or none of it. A
process killed before its journal is in place wrote nothing but its temporary
files; the next :class:`BooksWriter` removes them.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import tempfile
import time
from pathlib import Path
from types import TracebackType

LOCK_NAME = ".backoffice.lock"
JOURNAL_NAME = ".backoffice.journal"


class LockTimeout(Exception):
    """Another process holds the books' lock."""


class BooksWriter:
    """Stage file writes under the books lock; commit them all or none."""

    def __init__(self, books_dir: Path, *, timeout: float = 30.0) -> None:
        self.books_dir = books_dir.absolute()
        self.timeout = timeout
        self._lock_fd: int | None = None
        self._staged: dict[Path, Path] = {}

    def __enter__(self) -> BooksWriter:
        self._acquire()
        try:
            _recover(self.books_dir)
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self._discard()
            self._release()

    def _acquire(self) -> None:
        self.books_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.books_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(
                        f"{self.books_dir / LOCK_NAME}: another backoffice process is writing "
                        f"these books (waited {self.timeout:g}s); retry when it has finished"
                    ) from None
                time.sleep(0.05)
        self._lock_fd = fd

    def _release(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def write_text(self, path: Path, text: str) -> None:
        """Stage ``text`` as the new content of ``path``."""
        self.write_bytes(path, text.encode("utf-8"))

    def write_bytes(self, path: Path, content: bytes, *, mode: int = 0o644) -> None:
        if self._lock_fd is None:
            raise RuntimeError("BooksWriter used outside its 'with' block")
        path = path.absolute()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
        except BaseException:
            os.unlink(tmp)
            raise
        previous = self._staged.pop(path, None)
        if previous is not None:
            previous.unlink(missing_ok=True)
        self._staged[path] = Path(tmp)

    def append_text(self, path: Path, text: str) -> None:
        """Stage ``path``'s current content (or what is staged) plus ``text``."""
        path = path.absolute()
        staged = self._staged.get(path)
        if staged is not None:
            current = staged.read_text(encoding="utf-8")
        elif path.exists():
            current = path.read_text(encoding="utf-8")
        else:
            current = ""
        if current and not current.endswith("\n"):
            current += "\n"
        self.write_text(path, current + text)

    def commit(self) -> list[Path]:
        """Journal the staged files, rename each into place; returns the paths written."""
        renames = sorted(self._staged.items())
        if not renames:
            return []
        # From here the journal owns the temporary files: an error part-way
        # through the renames leaves them for the roll-forward, not for _discard.
        self._staged.clear()
        _write_journal(self.books_dir, renames)
        _roll_forward(self.books_dir, renames)
        return [path for path, _ in renames]

    def _discard(self) -> None:
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()


def complete_interrupted(books_dir: Path, *, timeout: float = 30.0) -> bool:
    """Finish a commit a killed process left half done (under the lock); whether
    there was one. Cheap when there is none: one ``stat``. Raises
    :class:`UnfinishedWrite` when there is one and this user cannot write the books."""
    journal = books_dir / JOURNAL_NAME
    if not journal.exists():
        return False
    if not os.access(books_dir, os.W_OK):
        raise UnfinishedWrite(journal, "the directory is not writable by this user")
    try:
        with BooksWriter(books_dir, timeout=timeout):
            pass  # __enter__ rolls the journal forward
    except PermissionError as exc:
        raise UnfinishedWrite(journal, f"{exc.filename}: {exc.strerror}") from exc
    return True


class UnfinishedWrite(Exception):
    """A write a killed process left half done that this user cannot finish: the
    books would load half-written, so they are not loaded."""

    def __init__(self, journal: Path, reason: str) -> None:
        super().__init__(
            f"{journal}: a write to these books was interrupted and is not finished, and "
            f"this user cannot finish it ({reason}); run any backoffice command (e.g. "
            f"backoffice check) as a user who can write {journal.parent} to complete it"
        )


def _fsync_directory(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _write_journal(books_dir: Path, renames: list[tuple[Path, Path]]) -> None:
    listing = [
        [os.path.relpath(tmp, books_dir), os.path.relpath(path, books_dir)] for path, tmp in renames
    ]
    fd, tmp = tempfile.mkstemp(prefix=f"{JOURNAL_NAME}.", suffix=".tmp", dir=books_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"renames": listing}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, books_dir / JOURNAL_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(books_dir)


def _roll_forward(books_dir: Path, renames: list[tuple[Path, Path]]) -> None:
    """Rename what is still staged, make it durable, then drop the journal.

    A temporary file already gone was renamed before the interruption."""
    directories = {books_dir}
    for path, tmp in renames:
        if tmp.exists():
            os.replace(tmp, path)
        # new directories (a new month) need their parents synced too
        for directory in [path.parent, *path.parent.parents]:
            if directory == books_dir or books_dir not in directory.parents:
                break
            directories.add(directory)
    for directory in sorted(directories, key=lambda d: len(d.parts), reverse=True):
        _fsync_directory(directory)
    (books_dir / JOURNAL_NAME).unlink()
    _fsync_directory(books_dir)


def _recover(books_dir: Path) -> None:
    journal = books_dir / JOURNAL_NAME
    try:
        text = journal.read_text(encoding="utf-8")
    except FileNotFoundError:
        pass
    else:
        listing = json.loads(text)["renames"]
        _roll_forward(books_dir, [(books_dir / path, books_dir / tmp) for tmp, path in listing])
    _sweep(books_dir)


# What write_bytes and _write_journal stage: ".<name>.<mkstemp's 8 characters>.tmp"
_STAGED = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def _sweep(books_dir: Path) -> None:
    """Remove the temporary files a writer killed before its journal left behind
    (its write never happened: nothing was renamed). Runs under the lock, after the
    journal's roll-forward, so no staged file of a live writer is among them."""
    for root, dirs, files in os.walk(books_dir):
        dirs[:] = [name for name in dirs if name != ".git"]
        for name in files:
            if _STAGED.match(name):
                Path(root, name).unlink(missing_ok=True)


def append_included(
    writer: BooksWriter, books_file: Path, name: str, header: str, text: str
) -> None:
    """Stage ``text`` at the end of the file ``name`` beside the main file (``header``
    first when the file is new) and, the first time, the main file's ``include`` line
    for it: how breaks, reclassifications and sign-offs join the books."""
    path = books_file.parent / name
    writer.append_text(path, "\n" + text if path.exists() else header + "\n" + text)
    included = re.compile(rf'^\s*include\s+"{re.escape(name)}"', re.M)
    if not included.search(books_file.read_text(encoding="utf-8")):
        writer.append_text(books_file, f'include "{name}"\n')
