"""Where Backoffice keeps what it can compute again: its cache directory.

``$BACKOFFICE_CACHE_DIR`` (empty: no cache), else ``$XDG_CACHE_HOME/backoffice``,
else ``~/.cache/backoffice``. Everything kept there is derived from inputs named
in its key (a file's SHA-256, a library's version), so it never goes stale, and
is written best effort: a cache that cannot be read or written is computed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE_ENV = "BACKOFFICE_CACHE_DIR"


def default_cache_dir() -> Path | None:
    """``$BACKOFFICE_CACHE_DIR`` (empty: no cache), else ``$XDG_CACHE_HOME/backoffice``,
    else ``~/.cache/backoffice``."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backoffice"


def write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a reader
    sees the old file or the new one, never a part; False when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


class StampCache:
    """A value computed from a file (its SHA-256), kept while the file's size,
    modification time and inode stay the same: ``check`` hashes an archived
    document or a manifest again only when one of them changed. One JSON file per
    books directory under the cache directory; best effort, as the rest of it.

    A stamp is what the file system says, not what the file holds: someone who
    edits a file and puts its size and times back is caught by ``verify``, which
    hashes every file every time.
    """

    def __init__(self, books_dir: Path, kind: str) -> None:
        self.books_dir = books_dir.resolve()
        self._values: dict[str, list[Any]] = {}
        self._dirty = False
        self._file: Path | None = None
        folder = default_cache_dir()
        if folder is None:
            return
        key = hashlib.sha256(str(self.books_dir).encode("utf-8")).hexdigest()[:16]
        self._file = folder / "stamps-v1" / f"{kind}-{key}.json"
        try:
            loaded = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(loaded, dict):
            self._values = {k: v for k, v in loaded.items() if isinstance(v, list) and len(v) == 4}

    def value(self, path: Path, compute: Callable[[Path], str]) -> str:
        """``compute(path)``, or what it gave while the file's stamp was the same.
        Raises OSError as reading the file would."""
        stat = path.stat()
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        name = str(path)
        cached = self._values.get(name)
        if cached is not None and cached[:3] == stamp and isinstance(cached[3], str):
            return cached[3]
        value = compute(path)
        self._values[name] = [*stamp, value]
        self._dirty = True
        return value

    def save(self) -> None:
        if self._dirty and self._file is not None:
            write_atomic(self._file, json.dumps(self._values, sort_keys=True))
            self._dirty = False
