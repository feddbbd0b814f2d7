"""What an edit to a closed month does to ``check`` and ``verify``: a table.

The demo books are imported and their October closed once per session; each
case copies them, makes one edit, and runs ``backoffice check`` and
``backoffice verify``. ``caught`` is a non-zero exit. The expected verdicts are
the record of what each command protects (docs/close-and-audit.md, "What is
caught, and by which command"); a row whose expectation is ``(False, False)``
is either no change to the sealed record (a comment, the order of entries) or
one only the books' git history shows.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main

FH = "2026/10/assets-bank-firstharbor-usd.beancount"
RB = "2026/10/assets-bank-rheinbank-eur.beancount"
SEC = "2026/10/assets-custody-custodia-securities.beancount"
NOV = "2026/11/assets-bank-firstharbor-usd.beancount"
SEALS = "closes.beancount"
MANIFEST = "closes/2026-10/entries.tsv"
FH_DOC = "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.firstharbor-2026-10.mt940"
FEE = '2026-10-14 * "FIRST HARBOR BANK" "OUTGOING WIRE FEE"'
FH_SHA = '  source-sha256: "44637e98b58f83d7e84a2175fa016a2fbfb1442dd46bd55de2a6baed299672b9"\n'
REF = '  source-ref: "FH2610140007"\n'
FEE_POSTING = "Expenses:Fees:Bank            25.00"
LOCK = 'plugin "plugins.period_lock"\n'
BREAKS = 'plugin "plugins.breaks"\n'
INCLUDE_SEALS = 'include "closes.beancount"\n'


def new_fee(day: str) -> str:
    return (
        f'\n{day} * "Bank" "Fee"\n  Assets:Bank:FirstHarbor:USD  -1.00 USD\n  Expenses:Fees:Bank\n'
    )


def rewrite_lines(name: str, change: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        path = books / name
        path.write_text("".join(change(path.read_text().splitlines(keepends=True))))

    return edit


def write(name: str, text: str) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        (books / name).write_text(text, encoding="utf-8")

    return edit


def replace(name: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        path = books / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def append(name: str, text: str) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        with (books / name).open("a", encoding="utf-8") as handle:
            handle.write(text)

    return edit


def remove(name: str) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        path = books / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.chmod(0o644)
            path.unlink()

    return edit


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        for one in edits:
            one(books)

    return edit


def entry_of(name: str, head: str) -> Callable[[Path], str]:
    """The text of the entry starting with ``head`` in ``name``."""

    def text(books: Path) -> str:
        source = (books / name).read_text(encoding="utf-8")
        start = source.index(head)
        end = source.find("\n\n", start)
        return source[start : end if end >= 0 else len(source)] + "\n"

    return text


def move_entry(head: str, source: str, target: str) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        entry = entry_of(source, head)(books)
        replace(source, entry, "")(books)
        append(target, "\n" + entry)(books)

    return edit


def duplicate_entry(head: str, name: str) -> Callable[[Path], None]:
    def edit(books: Path) -> None:
        append(name, "\n" + entry_of(name, head)(books))(books)

    return edit


def writable_document(books: Path) -> Path:
    path = books / FH_DOC
    path.chmod(0o644)
    return path


def modify_document(books: Path) -> None:
    with writable_document(books).open("ab") as handle:
        handle.write(b"\n")


def document_to_symlink(books: Path) -> None:
    path = writable_document(books)
    copy = books.parent / "elsewhere.mt940"
    shutil.copy(path, copy)
    path.unlink()
    path.symlink_to(copy)


def documents_dir_to_symlink(books: Path) -> None:
    outside = books.parent / "outside-documents"
    (books / "documents").rename(outside)
    (books / "documents").symlink_to(outside)


def manifest_to_symlink(books: Path) -> None:
    path = books / MANIFEST
    copy = books.parent / "entries.tsv"
    shutil.copy(path, copy)
    path.unlink()
    path.symlink_to(copy)


def same_size_same_mtime(books: Path) -> None:
    """Change one byte of the document after a check, putting back its size and
    modification time: ``check`` trusts the stamp it cached, ``verify`` hashes."""
    assert (
        CliRunner().invoke(main, ["--books", str(books / "main.beancount"), "check"]).exit_code == 0
    )
    path = writable_document(books)
    stat = path.stat()
    content = bytearray(path.read_bytes())
    content[10] = ord("X") if content[10] != ord("X") else ord("Y")
    with path.open("r+b") as handle:  # in place: the same inode
        handle.write(bytes(content))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


SEALED_REWRITER = """
from beancount.core import data
from beancount.core.amount import Amount

__plugins__ = ["rewrite"]

def rewrite(entries, options_map):
    out = []
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.narration == "OUTGOING WIRE FEE":
            entry = entry._replace(postings=[
                p._replace(units=Amount(p.units.number * 2, p.units.currency))
                for p in entry.postings
            ])
        out.append(entry)
    return out, []
"""
OPEN_TAGGER = """
import datetime
from beancount.core import data

__plugins__ = ["tag"]

def tag(entries, options_map):
    out = []
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date > datetime.date(2026, 10, 31):
            entry = entry._replace(tags=entry.tags | {"seen"})
        out.append(entry)
    return out, []
"""


def plugin(name: str, code: str, *, first: bool = False) -> Callable[[Path], None]:
    """A plugin module beside the books (on sys.path for the test), listed after the
    others (or before them all)."""

    def edit(books: Path) -> None:
        (books.parent / f"{name}.py").write_text(code, encoding="utf-8")
        anchor = 'plugin "plugins.period_lock"\n' if first else 'plugin "plugins.breaks"\n'
        line = f'plugin "{name}"\n'
        replace("main.beancount", anchor, line + anchor if first else anchor + line)(books)

    return edit


@dataclass(frozen=True)
class Case:
    name: str
    edit: Callable[[Path], None]
    check: bool  # caught by backoffice check
    verify: bool  # caught by backoffice verify
    says: str = ""  # what check says about it (when the edit has other effects too)


CASES = [
    # amounts
    Case(
        "amount of an October fee",
        both(replace(FH, "-25.00 USD", "-26.00 USD"), replace(FH, " 25.00 USD", " 26.00 USD")),
        True,
        True,
    ),
    Case(
        "amount of a one-sided posting (booking fills the other)",
        replace(RB, "312.40 EUR", "312.41 EUR"),
        True,
        True,
    ),
    Case("cost of an October buy", replace(SEC, "{227.40 USD}", "{227.41 USD}"), True, True),
    Case("quantity of a balance assertion", replace(SEC, "2500 AAPL", "2501 AAPL"), True, True),
    Case(
        "opening balance",
        replace("opening.beancount", "5000000.00 USD", "5000001.00 USD"),
        True,
        True,
    ),
    Case(
        "precision of an amount (25.00 to 25.0)",
        both(replace(FH, "-25.00 USD", "-25.0 USD"), replace(FH, " 25.00 USD", " 25.0 USD")),
        True,
        True,
    ),
    # metadata
    Case("source-ref", replace(FH, '"FH2610140007"', '"FH2610140008"'), True, True),
    Case(
        "metadata line added",
        replace(
            FH, '  source-ref: "FH2610140007"\n', '  source-ref: "FH2610140007"\n  note: "x"\n'
        ),
        True,
        True,
    ),
    Case(
        "source-sha256 line removed",
        replace(FH, REF + FH_SHA, REF),
        True,
        True,
    ),
    Case("value-date", replace(FH, "value-date: 2026-10-13", "value-date: 2026-10-12"), True, True),
    Case("narration", replace(FH, '"OUTGOING WIRE FEE"', '"WIRE FEE"'), True, True),
    Case(
        "payee",
        replace(FH, '"FIRST HARBOR BANK" "OUTGOING', '"FIRST HARBOUR BANK" "OUTGOING'),
        True,
        True,
    ),
    Case(
        "tag added", replace(FH, '"OUTGOING WIRE FEE"', '"OUTGOING WIRE FEE" #reviewed'), True, True
    ),
    Case("flag * to !", replace(FH, '2026-10-14 * "FIRST', '2026-10-14 ! "FIRST'), True, True),
    Case(
        "account of a posting",
        replace(FH, FEE_POSTING, "Expenses:Fees:Custody         25.00"),
        True,
        True,
    ),
    Case(
        "commodity metadata",
        replace("commodities.beancount", '"Apple Inc."', '"Apple Incorporated"'),
        True,
        True,
    ),
    Case(
        "open directive's currencies",
        replace("accounts.beancount", "Assets:Suspense", "Assets:Suspense USD"),
        True,
        True,
    ),
    # dates, insertions, deletions
    Case("date within October", replace(FH, "2026-10-14 *", "2026-10-15 *"), True, True),
    Case(
        "October entry moved to November", replace(FH, "2026-10-14 *", "2026-11-02 *"), True, True
    ),
    Case("October entry deleted", lambda b: replace(FH, entry_of(FH, FEE)(b), "")(b), True, True),
    Case("October entry duplicated", duplicate_entry(FEE, FH), True, True),
    Case(
        "October entry inserted",
        append(FH, new_fee("2026-10-20")),
        True,
        True,
    ),
    Case(
        "entry inserted before October (covered by the first seal)",
        append("opening.beancount", new_fee("2026-09-30")),
        True,
        True,
    ),
    # options
    Case(
        "booking method",
        replace(
            "main.beancount", 'option "booking_method" "FIFO"', 'option "booking_method" "STRICT"'
        ),
        False,
        False,
    ),
    Case("title", replace("main.beancount", "Global Assets Inc.", "Other Inc."), False, False),
    Case("tolerance option", replace("main.beancount", '"*:0.005"', '"*:0.5"'), False, False),
    # seals
    Case("seal digest", replace(SEALS, 'digest: "', 'digest: "0', 1), True, True),
    Case(
        "seal previous",
        replace(SEALS, 'previous: "none"', 'previous: "' + "a" * 64 + '"'),
        True,
        True,
    ),
    Case(
        "seal entries count",
        # one more digit in front: a count the digest does not cover, whatever the month holds
        replace(SEALS, "entries: ", "entries: 1"),
        True,
        True,
        says="but its digest covers",
    ),
    Case(
        "seal manifest outside the books",
        replace(SEALS, '"closes/2026-10/entries.tsv"', '"../../../../etc/passwd"'),
        True,
        True,
        says="the seal's manifest is '../../../../etc/passwd'",
    ),
    Case(
        "seal manifest another file of the books",
        replace(SEALS, '"closes/2026-10/entries.tsv"', '"closes/2026-10/trial-balance.txt"'),
        True,
        True,
    ),
    Case("seal date", replace(SEALS, "2026-10-31 custom", "2026-10-30 custom"), True, True),
    Case(
        "seal removed (closes.beancount emptied)",
        write(SEALS, ""),
        True,
        True,
    ),
    Case(
        "include of closes.beancount removed",
        replace("main.beancount", INCLUDE_SEALS, ""),
        True,
        True,
        says="closes.beancount is no longer included",
    ),
    Case("closes.beancount deleted", remove(SEALS), True, True),
    # manifests
    Case(
        "manifest line deleted",
        lambda b: (b / MANIFEST).write_text(
            "".join((b / MANIFEST).read_text().splitlines(keepends=True)[1:])
        ),
        True,
        True,
        says="does not match the seal's digest",
    ),
    Case(
        "manifest hash changed",
        rewrite_lines(MANIFEST, lambda rows: ["f" + rows[0][1:], *rows[1:]]),
        True,
        True,
    ),
    Case("manifest deleted", remove(MANIFEST), True, True),
    Case("manifest replaced by a symlink", manifest_to_symlink, True, True),
    Case(
        "manifest's file:line column (a hint, not sealed)",
        lambda b: (b / MANIFEST).write_text(
            (b / MANIFEST).read_text().replace(":31\n", ":32\n", 1)
        ),
        False,
        False,
    ),
    Case(
        "close report edited (trial balance)",
        append("closes/2026-10/trial-balance.txt", "x\n"),
        False,
        False,
    ),
    Case(
        "whole close removed (seal, closes/, include)",
        both(
            replace("main.beancount", INCLUDE_SEALS, ""),
            remove(SEALS),
            remove("closes"),
        ),
        False,
        False,
    ),
    # documents
    Case(
        "archived document modified", modify_document, True, True, says="differs from the archived"
    ),
    Case("archived document deleted", remove(FH_DOC), True, True),
    Case("archived document replaced by a symlink", document_to_symlink, True, True),
    Case("documents directory replaced by a symlink", documents_dir_to_symlink, True, True),
    Case("document changed, size and mtime put back", same_size_same_mtime, False, True),
    Case(
        "November entry's source moved outside",
        replace(NOV, 'source: "documents/', 'source: "../outside/documents/'),
        True,
        True,
    ),
    # includes, files
    Case(
        "include of an October file removed",
        replace("main.beancount", f'include "{RB}"\n', ""),
        True,
        True,
    ),
    Case("October file deleted (include kept)", remove(RB), True, True),
    Case(
        "file with an October entry added and included",
        both(
            write("late.beancount", new_fee("2026-10-20")),
            append("main.beancount", 'include "late.beancount"\n'),
        ),
        True,
        True,
    ),
    Case(
        "file added but not included",
        write("2026/10/extra.beancount", new_fee("2026-10-20")),
        False,
        False,
    ),
    Case(
        "October entry moved to another file (same record)", move_entry(FEE, FH, RB), False, False
    ),
    Case("comment and blank lines added", replace(FH, FEE, "; reviewed\n\n" + FEE), False, False),
    Case(
        "postings realigned",
        replace(FH, FEE_POSTING, "Expenses:Fees:Bank 25.00"),
        False,
        False,
    ),
    # plugin lines
    Case(
        "plugins.period_lock removed",
        replace("main.beancount", LOCK, ""),
        True,
        True,
        says="do not load plugins.period_lock",
    ),
    Case(
        "plugins.period_lock after another plugin",
        both(
            replace("main.beancount", LOCK, ""),
            replace(
                "main.beancount",
                'plugin "plugins.breaks"\n',
                'plugin "plugins.breaks"\nplugin "plugins.period_lock"\n',
            ),
        ),
        True,
        True,
    ),
    Case(
        # the trades stay on T: Custodia's holdings of 2026-11-27 no longer hold; and the
        # snapshot's imports section dates a trade's document on its settle date, where the
        # plugin put it: verify rebuilds it
        "plugins.settlement removed",
        replace("main.beancount", 'plugin "plugins.settlement"\n', ""),
        True,
        True,
        says="expected 3000 SPY != accumulated 5000 SPY",
    ),
    Case(
        "a later plugin rewrites a sealed entry",
        plugin("tamper_late", SEALED_REWRITER),
        True,
        True,
        says='plugin "tamper_late" changes 1 entry(ies) dated in a sealed period',
    ),
    Case(
        "a plugin before period_lock rewrites a sealed entry",
        plugin("tamper_first", SEALED_REWRITER, first=True),
        True,
        True,
        says='plugin "tamper_first" changes 1 entry(ies) dated in a sealed period',
    ),
    Case(
        "a later plugin that touches only the open period",
        plugin("tamper_open", OPEN_TAGGER),
        False,
        False,
    ),
]


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[None]:
    """Plugin modules the cases write beside the books can be imported."""
    sys.path.insert(0, str(tmp_path))
    yield
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith("tamper_")]:
        del sys.modules[name]


def verdicts(books: Path) -> tuple[bool, bool, str]:
    """Whether ``check`` and ``verify`` exit non-zero, and what ``check`` printed."""
    runner = CliRunner()
    args = ["--books", str(books / "main.beancount")]
    check = runner.invoke(main, [*args, "check"])
    verify = runner.invoke(main, [*args, "verify"])
    for result in (check, verify):
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return check.exit_code != 0, verify.exit_code != 0, check.output


def test_the_closed_demo_checks_and_verifies_clean(closed_demo: Path, tmp_path: Path) -> None:
    books = tmp_path / "books"
    shutil.copytree(closed_demo, books, symlinks=True)
    assert verdicts(books)[:2] == (False, False)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_tamper(case: Case, closed_demo: Path, tmp_path: Path, on_path: None) -> None:
    books = tmp_path / "books"
    shutil.copytree(closed_demo, books, symlinks=True)
    case.edit(books)
    check, verify, output = verdicts(books)
    assert (check, verify) == (case.check, case.verify), output
    assert case.says in output


def test_the_table_is_long_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)
