"""Atomic, locked writes to the books.

Every change to the books goes through :class:`BooksWriter`: it takes an
exclusive ``flock`` on ``<books dir>/.backoffice.lock`` (a second writer waits
up to ``timeout`` seconds, then fails with :class:`LockTimeout`), stages each
file as a temporary file in the same directory, fsyncs it, and only when every
file of the change is staged renames them into place and fsyncs the
directories. An exception before the commit removes the temporary files and
leaves the books as they were.
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import time
from pathlib import Path
from types import TracebackType

LOCK_NAME = ".backoffice.lock"


class LockTimeout(Exception):
    """Another process holds the books' lock."""


class BooksWriter:
    """Stage file writes under the books lock; commit them all or none."""

    def __init__(self, books_dir: Path, *, timeout: float = 30.0) -> None:
        self.books_dir = books_dir
        self.timeout = timeout
        self._lock_fd: int | None = None
        self._staged: dict[Path, Path] = {}

    def __enter__(self) -> BooksWriter:
        self._acquire()
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
        """Rename every staged file into place; returns the paths written."""
        written = []
        directories = set()
        for path, tmp in sorted(self._staged.items()):
            os.replace(tmp, path)
            written.append(path)
            directories.add(path.parent)
        self._staged.clear()
        for directory in sorted(directories):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return written

    def _discard(self) -> None:
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._staged.clear()
