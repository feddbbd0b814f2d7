"""Where Backoffice keeps what it can compute again: its cache directory.

``$BACKOFFICE_CACHE_DIR`` (empty: no cache), else ``$XDG_CACHE_HOME/backoffice``,
else ``~/.cache/backoffice``. Everything kept there is derived from inputs named
in its key (a file's SHA-256, a library's version), so it never goes stale, and
is written best effort: a cache that cannot be read or written is computed again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
