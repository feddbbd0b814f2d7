"""``backoffice verify``: the chain of seals, recomputed, and the archived documents.

Every seal is recomputed from the files, parsed and booked by Beancount with no
plugin (``ledger.close.hashes.booked_hashes``), so it holds whatever the plugin
lines say: it is the check to run before trusting a copy of the books. Each
archived document is hashed and compared with the ``source-sha256`` of every
entry that cites it (``source``, relative to the books, inside them, reached
through no symbolic link). ``check`` runs the same comparison of the documents,
hashing only those whose file stamp changed (:func:`document_errors`).

Books loaded from a snapshot (:mod:`ledger.close.snapshot_load`) have had their
seals up to it proven by the load, from the sealed files' bytes:
:func:`loaded_seal_states` reports them from that proof, and the later seals
recomputed as ``plugins.period_lock`` does, without parsing the history again.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.books import Books
from ledger.cache import StampCache
from ledger.close.guard import seal_guard
from ledger.close.hashes import FileHashes, booked_hashes, entry_hashes
from ledger.close.seal import SealState, read_seals, verify_chain
from ledger.close.snapshot import snapshot_problems
from ledger.close.snapshot_load import BOOKED_AFTER, loaded_from
from ledger.config import Config
from ledger.documents import OutsideBooks, inside_books
from ledger.errors import BooksError, error_to_json, format_error
from ledger.meta import get_source, get_source_sha256


@dataclass(frozen=True)
class DocumentState:
    """One archived document and the entries that cite it."""

    source: str
    expected: tuple[str, ...]
    actual: str | None
    entries: int
    problems: list[BooksError]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.actual,
            "cited_sha256": list(self.expected),
            "entries": self.entries,
            "ok": not self.problems,
            "problems": [error_to_json(p) for p in self.problems],
        }


@dataclass(frozen=True)
class SnapshotState:
    """A close's snapshot against the full load's state at its date."""

    period: str
    problems: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period, "ok": not self.problems, "problems": self.problems}


@dataclass(frozen=True)
class Verification:
    seals: list[SealState]
    seal_errors: list[BooksError]
    documents: list[DocumentState]
    snapshots: list[SnapshotState] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.seal_errors
            and all(state.ok for state in self.seals)
            and all(not doc.problems for doc in self.documents)
            and all(not snapshot.problems for snapshot in self.snapshots)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seals": [seal_json(state) for state in self.seals],
            "seal_errors": [error_to_json(e) for e in self.seal_errors],
            "documents": [doc.to_json() for doc in self.documents],
            "snapshots": [snapshot.to_json() for snapshot in self.snapshots],
        }

    def lines(self) -> list[str]:
        out = []
        for state in self.seals:
            seal = state.seal
            start = state.start.isoformat() if state.start else "start"
            status = "ok" if state.ok else "BROKEN"
            out.append(
                f"{seal.period}  {start}..{seal.end}  {state.count} entries  "
                f"digest {seal.digest[:16]}  previous {seal.previous[:16]}  {status}"
            )
            out += ["    " + format_error(problem) for problem in state.problems]
        out += [format_error(error) for error in self.seal_errors]
        if not self.seals:
            out.append("no sealed periods")
        for snapshot in self.snapshots:
            status = "ok" if not snapshot.problems else "MISMATCH"
            out.append(f"{snapshot.period}  snapshot  {status}")
            out += ["    " + problem for problem in snapshot.problems]
        for doc in self.documents:
            status = "ok" if not doc.problems else "MISMATCH"
            out.append(f"{doc.source}  {doc.entries} entries  {status}")
            out += ["    " + format_error(problem) for problem in doc.problems]
        return out


def seal_json(state: SealState) -> dict[str, Any]:
    seal = state.seal
    return {
        "period": seal.period,
        "from": state.start.isoformat() if state.start else None,
        "to": seal.end.isoformat(),
        "digest": seal.digest,
        "previous": seal.previous,
        "computed": state.computed,
        "entries": state.count,
        "ok": state.ok,
        "problems": [error_to_json(p) for p in state.problems],
    }


def verify_seals(
    books: Books,
    booked: tuple[list[data.Directive], dict[str, Any]] | None = None,
    files: list[FileHashes] | None = None,
) -> tuple[list[SealState], list[BooksError]]:
    """Every seal recomputed from the files; malformed seals, and what leaves them
    unverified (:func:`ledger.close.guard.seal_guard`: a close whose seal is gone, a
    removed last seal leaving no broken chain behind it, the plugin lines).
    ``booked``: the books parsed and booked, when the caller has them; ``files``:
    their hashes, when the caller's load took them already (:func:`share_hashes`)."""
    seals, errors = read_seals(books.entries)
    errors += seal_guard(books)
    if not seals:
        return [], errors
    if files is None:
        files = booked_hashes(books.path, booked)
    return verify_chain(seals, files, books.directory), errors


def loaded_seal_states(books: Books) -> tuple[list[SealState], list[BooksError]] | None:
    """The seals of ``books`` loaded from a snapshot, from what the load proved: each
    seal up to the snapshot holds (its files' bytes and manifests hashed as the
    snapshot's file list says, and the list bound to the seal by digest), each later
    one recomputed from the entries after the snapshot as parsed and booked, as
    ``plugins.period_lock`` does. None for books loaded in full: nothing was
    proven, :func:`verify_seals` recomputes them. Malformed seals and
    :func:`~ledger.close.guard.seal_guard`'s problems as :func:`verify_seals`."""
    start = loaded_from(books.options)
    if start is None:
        return None
    seals, errors = read_seals(books.entries)
    errors += seal_guard(books)
    states = []
    previous: datetime.date | None = None
    for seal in (seal for seal in seals if seal.end <= start.end):
        first = previous + datetime.timedelta(days=1) if previous else None
        states.append(SealState(seal, first, seal.digest, seal.entries or 0, []))
        previous = seal.end
    later = [seal for seal in seals if seal.end > start.end]
    if later:
        files = entry_hashes(
            books.options.get(BOOKED_AFTER) or [],
            books.options.get("include") or [],
            os.path.dirname(os.path.abspath(books.path)),
        )
        states += verify_chain(later, files, books.directory, (start.digest, start.end))
    return states, errors


def verify_snapshots(
    books: Books, booked: list[data.Directive], config: Config
) -> list[SnapshotState]:
    """Each close's snapshot equals the state the full load gives at its date
    (:func:`ledger.close.snapshot.snapshot_problems`); a deleted one is not listed."""
    seals, _ = read_seals(books.entries)
    states = []
    for seal in seals:
        problems = snapshot_problems(
            seal,
            books.directory,
            booked,
            books.entries,
            config.accounts.unsettled,
            config.accounts.suspense,
        )
        if problems is not None:
            states.append(SnapshotState(seal.period, problems))
    return states


def _citing(entries: Sequence[data.Directive]) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    cited: dict[str, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    for entry in entries:
        source = get_source(entry.meta)
        sha256 = get_source_sha256(entry.meta)
        if source and sha256:
            cited[source].append((sha256, entry.meta))
    return dict(sorted(cited.items()))


def verify_documents(
    books: Books, sha256_of: Callable[[Path], str] | None = None
) -> list[DocumentState]:
    """Each cited document exists under the books (no symbolic link on the way) and
    hashes to what its entries say; ``sha256_of`` hashes a file (``check`` passes a
    cached one; by default every file is read)."""
    sha256_of = sha256_of or file_sha256
    states = []
    for source, citations in _citing(books.entries).items():
        expected = tuple(sorted({sha for sha, _ in citations}))
        first = citations[0][1]
        problems = []
        actual = None
        try:
            actual = sha256_of(inside_books(books.directory, source, "source"))
        except OutsideBooks as exc:
            problems.append(
                BooksError(first, f"{exc}; it is cited by {len(citations)} entries", None)
            )
        except OSError as exc:
            problems.append(
                BooksError(
                    first,
                    f"{source} is cited by {len(citations)} entries but cannot be read "
                    f"({exc.strerror}); restore it from the archive or from git",
                    None,
                )
            )
        if actual is not None:
            for sha256, meta in citations:
                if sha256 != actual:
                    problems.append(
                        BooksError(
                            meta,
                            f"source-sha256 {sha256} differs from the archived {source} "
                            f"(sha256 {actual}): the document or the entry was changed "
                            "after the import",
                            None,
                        )
                    )
        states.append(DocumentState(source, expected, actual, len(citations), problems))
    return states


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex (as ``source-sha256`` holds it)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def document_errors(books: Books) -> list[BooksError]:
    """:func:`verify_documents` for ``check``: a document is hashed again only when its
    size, modification time or inode changed since the last check
    (:class:`ledger.cache.StampCache`); ``verify`` hashes every one."""
    cache = StampCache(books.directory, "documents")
    states = verify_documents(books, lambda path: cache.value(path, file_sha256))
    cache.save()
    return [problem for state in states for problem in state.problems]


def verify_books(
    books: Books,
    config: Config,
    booked: tuple[list[data.Directive], dict[str, Any]],
    files: list[FileHashes] | None = None,
) -> Verification:
    """The seals, the archived documents and the snapshots of ``books`` (a full load);
    ``booked``: its entries as they reached the first plugin, and the options;
    ``files``: their hashes, taken by the load's hook (``plugins.period_lock``
    verified with the same ones)."""
    seals, errors = verify_seals(books, booked, files)
    snapshots = verify_snapshots(books, booked[0], config)
    return Verification(seals, errors, verify_documents(books), snapshots)
