"""The per-entry hashes of the books' files, with a cache keyed by content.

Which entries are hashed, and why: the entries *as parsed from the files*,
before booking and before any plugin runs. A plugin such as
``plugins.settlement`` re-dates a trade from T to S under settlement-date
accounting and generates settlement entries whose flag depends on the as-of
date; ``beancount.ops.pad`` and ``documents`` add entries of their own. Hashing
what the plugins hand on would make a seal depend on the policy, the as-of date
and the code of every other plugin (a bug fix there would break every seal).
The record that is sealed is what the files say, so ``plugins.period_lock``
(which runs after the other plugins) re-parses each file the loader read
(``options_map["include"]``) on its own. Custom ``period-close`` entries (the
seals themselves) are not hashed.

The re-parse costs about 40% of a ``check`` (``bench/period_lock_overhead.py``),
so results are cached per file,
keyed by the SHA-256 of the file's bytes (plus this module's format version and
the Beancount version, which fix the parse and the canonical form). The cache
stays honest because its key is the full content of what it summarises: an
edited file has a new key and is re-parsed; an entry can only be stale through
a SHA-256 collision. The cache lives outside the books
(``$BACKOFFICE_CACHE_DIR``, else ``$XDG_CACHE_HOME/backoffice``, else
``~/.cache/backoffice``), is never committed with them, and
``backoffice verify`` never reads it: it recomputes every hash from the files,
so a forged cache on one machine can mislead that machine's ``check`` but not
``verify``. Set ``BACKOFFICE_CACHE_DIR`` to an empty string to disable it.
Entries no load has used for 30 days are removed whenever a new one is written.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import beancount
from beancount.core import data
from beancount.parser import parser

from ledger.close.canonical import entry_digest

FORMAT_VERSION = "1"
CACHE_ENV = "BACKOFFICE_CACHE_DIR"
PRUNE_DAYS = 30
PERIOD_CLOSE = "period-close"

# One record per entry: date ordinal, line number, SHA-256 of its canonical text.
_RECORD = struct.Struct("<II32s")


# (date ordinal, line number, SHA-256 of the canonical text): plain tuples, as
# a 100k-entry book makes this many of them on every load.
Record = tuple[int, int, bytes]


@dataclass(frozen=True)
class FileHashes:
    """The records of the entries parsed from one file, in file order."""

    filename: str
    records: list[Record]


def is_seal(entry: data.Directive) -> TypeGuard[data.Custom]:
    return isinstance(entry, data.Custom) and entry.type == PERIOD_CLOSE


def default_cache_dir() -> Path | None:
    """Where the hash cache lives, or None when it is disabled."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backoffice"


def _records(text: str, filename: str) -> bytes:
    entries, _, _ = parser.parse_string(text, report_filename=filename)
    return b"".join(
        _RECORD.pack(entry.date.toordinal(), entry.meta.get("lineno") or 0, entry_digest(entry))
        for entry in entries
        if not is_seal(entry)
    )


def _cache_path(cache_dir: Path, content_sha: str) -> Path:
    return cache_dir / f"entries-v{FORMAT_VERSION}-bc{beancount.__version__}" / f"{content_sha}.bin"


def _read_cache(path: Path) -> bytes | None:
    try:
        blob = path.read_bytes()
        os.utime(path)  # in use: keep it past the next pruning
    except OSError:
        return None
    return blob if len(blob) % _RECORD.size == 0 else None


def _write_cache(path: Path, blob: bytes) -> None:
    """Best effort (a cache that cannot be written is only slower): atomic rename,
    then drop the entries no load has used for ``PRUNE_DAYS`` (old file versions)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, path)
        cutoff = time.time() - PRUNE_DAYS * 86400
        for old in path.parent.glob("*.bin"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
    except OSError:
        return


def file_hashes(filename: str, cache_dir: Path | None) -> FileHashes:
    """The records of the entries parsed from one file (includes are not followed)."""
    content = Path(filename).read_bytes()
    blob: bytes | None = None
    cache_path = None
    if cache_dir is not None:
        cache_path = _cache_path(cache_dir, hashlib.sha256(content).hexdigest())
        blob = _read_cache(cache_path)
    if blob is None:
        blob = _records(content.decode("utf-8"), filename)
        if cache_path is not None:
            _write_cache(cache_path, blob)
    return FileHashes(filename, list(_RECORD.iter_unpack(blob)))


def books_hashes(filenames: Iterable[str], *, cache_dir: Path | None) -> list[FileHashes]:
    """The records of every file the loader read, in path order."""
    return [file_hashes(filename, cache_dir) for filename in sorted(filenames)]
