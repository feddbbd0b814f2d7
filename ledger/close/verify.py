"""``backoffice verify``: the chain of seals, recomputed, and the archived documents.

Every seal is recomputed from the files, parsed and booked by Beancount with no
plugin (``ledger.close.hashes.booked_hashes``), so it holds whatever the plugin
lines say: it is the check to run before trusting a copy of the books. Each
archived document is hashed and compared with the ``source-sha256`` of every
entry that cites it (``source``, relative to the books).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from beancount.core import data

from ledger.books import Books
from ledger.close.hashes import booked_hashes
from ledger.close.seal import CLOSES_DIR, MANIFEST_NAME, SealState, read_seals, verify_chain
from ledger.documents import document_sha256
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
class Verification:
    seals: list[SealState]
    seal_errors: list[BooksError]
    documents: list[DocumentState]

    @property
    def ok(self) -> bool:
        return (
            not self.seal_errors
            and all(state.ok for state in self.seals)
            and all(not doc.problems for doc in self.documents)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seals": [seal_json(state) for state in self.seals],
            "seal_errors": [error_to_json(e) for e in self.seal_errors],
            "documents": [doc.to_json() for doc in self.documents],
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


def verify_seals(books: Books) -> tuple[list[SealState], list[BooksError]]:
    """Every seal recomputed from the files;
    malformed seals, and closes whose seal is gone (a removed last seal leaves no
    broken chain behind it)."""
    seals, errors = read_seals(books.entries)
    sealed = {seal.period for seal in seals}
    for manifest in sorted((books.directory / CLOSES_DIR).glob(f"*/{MANIFEST_NAME}")):
        period = manifest.parent.name
        if period not in sealed:
            errors.append(
                BooksError(
                    {"filename": str(manifest), "lineno": None},
                    f"period {period} was closed ({CLOSES_DIR}/{period}/{MANIFEST_NAME} "
                    "exists) but the books hold no seal of it: the seal was removed; "
                    "restore it from git",
                    None,
                )
            )
    if not seals:
        return [], errors
    files = booked_hashes(books.path)
    return verify_chain(seals, files, books.directory), errors


def _citing(entries: Sequence[data.Directive]) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    cited: dict[str, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    for entry in entries:
        source = get_source(entry.meta)
        sha256 = get_source_sha256(entry.meta)
        if source and sha256:
            cited[source].append((sha256, entry.meta))
    return dict(sorted(cited.items()))


def verify_documents(books: Books) -> list[DocumentState]:
    """Each cited document exists under the books and hashes to what its entries say."""
    states = []
    for source, citations in _citing(books.entries).items():
        path = books.directory / source
        expected = tuple(sorted({sha for sha, _ in citations}))
        first = citations[0][1]
        problems = []
        actual = None
        try:
            actual = document_sha256(path)
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


def verify_books(books: Books) -> Verification:
    seals, errors = verify_seals(books)
    return Verification(seals, errors, verify_documents(books))
