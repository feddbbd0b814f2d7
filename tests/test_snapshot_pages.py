"""The gaps of the open-period load (issue 18): what reaches back into the sealed history.

The Close page reports the seals the load proved from the sealed files' bytes,
without parsing the history again, and still shows a tamper (the load falls back
and the seals are recomputed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.close import report as close_report_module
from ledger.close.hashes import OPEN_PERIOD
from ledger.close.snapshot_load import FULL_ENV, load_books
from ledger.serve import create_fava_app
from tests.conftest import write_books
from tests.test_snapshot import SMALL, run

AS_OF = "2026-11-27"
FAVA_EXTENSION = '2026-01-01 custom "fava-extension" "ledger.fava_ext"\n'


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small books of test_snapshot, with the review pages, October sealed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKOFFICE_AS_OF", AS_OF)
    monkeypatch.delenv(FULL_ENV, raising=False)
    main = write_books(tmp_path / "books", SMALL)
    with main.open("a") as handle:
        handle.write(FAVA_EXTENSION)
    code, output = run(main, "close", "2026-10", "--as-of", AS_OF, full=False)
    assert code == 0, output
    return main


def page_report(books: Path, page: str, query: str = "", *, full: bool) -> dict[str, Any]:
    """What the review page ``page`` of ``serve`` (``--full`` or not) serves as JSON."""
    app = create_fava_app(books, read_only=True, load=True, full=full)
    app.testing = True
    client = app.test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    response = client.get(f"/{slug}/extension/{page}/report?as_of={AS_OF}&{query}")
    assert response.status_code == 200, response.data
    found: dict[str, Any] = json.loads(response.data)
    return found


def without_proof(report: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: v for k, v in report.items() if k != "proof"},
        "seals": [{k: v for k, v in s.items() if k != "proven"} for s in report["seals"]],
    }


def no_recomputation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recomputing the seals from the files (a parse of the whole history) fails the test."""

    def refuse(*args: object) -> None:
        raise AssertionError("the seals were recomputed from the files")

    monkeypatch.setattr(close_report_module, "verify_seals", refuse)


# -- The Close page ----------------------------------------------------------------------


def test_the_close_page_reports_the_seals_the_load_proved_without_parsing_the_history(
    books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = page_report(books, "Close", full=True)
    with monkeypatch.context() as patched:
        no_recomputation(patched)
        fast = page_report(books, "Close", full=False)
    assert fast["proof"] == {
        "snapshot": "2026-10",
        "to": "2026-10-31",
        "files": "closes/2026-10/snapshot-files.tsv",
    }
    assert [(s["period"], s["ok"], s["proven"]) for s in fast["seals"]] == [
        ("2026-10", True, "snapshot")
    ]
    assert full["proof"] is None
    assert [s["proven"] for s in full["seals"]] == ["recomputed"]
    assert without_proof(fast) == without_proof(full)
    # the page offers the full recomputation, which gives the full load's answer
    assert without_proof(page_report(books, "Close", "verify=1", full=False)) == without_proof(full)


def test_a_tampered_sealed_file_makes_the_close_page_show_what_period_lock_reports(
    books: Path,
) -> None:
    trades = books.parent / "2026/10/trades.beancount"
    trades.write_text(trades.read_text().replace("2080.00 USD", "2081.00 USD"))
    assert OPEN_PERIOD not in load_books(books).options  # the load fell back
    fast = page_report(books, "Close", full=False)
    assert fast == page_report(books, "Close", full=True)
    [seal] = fast["seals"]
    assert (seal["ok"], seal["proven"]) == (False, "recomputed")
    code, output = run(books, "check", "--json", full=False)
    assert code == 1
    reported = {(e["file"], e["line"], e["message"]) for e in json.loads(output)["errors"]}
    shown = {(p["file"], p["line"], p["message"]) for p in seal["problems"]}
    assert shown and shown <= reported
    assert any("this entry was changed after the close" in p["message"] for p in seal["problems"])


def test_a_seal_after_the_latest_snapshot_is_recomputed_from_the_entries_loaded(
    books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custody = books.parent / "2026/11/custody.beancount"
    with custody.open("a") as handle:
        handle.write("\n2026-12-01 balance Assets:Bank:First:USD  100000.00 USD\n")
    code, output = run(books, "close", "2026-11", "--as-of", "2026-12-02", full=False)
    assert code == 0, output
    for path in (books.parent / "closes/2026-11").glob("snapshot*"):
        path.unlink()
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-12-02")
    with monkeypatch.context() as patched:
        no_recomputation(patched)
        fast = page_report(books, "Close", "as_of=2026-12-02", full=False)
    assert [(s["period"], s["ok"], s["proven"]) for s in fast["seals"]] == [
        ("2026-10", True, "snapshot"),
        ("2026-11", True, "recomputed"),
    ]
    full = page_report(books, "Close", "as_of=2026-12-02", full=True)
    assert without_proof(fast) == without_proof(full)
    # a November entry changed: the load still starts from October's snapshot, and
    # the page shows November's seal broken, as period_lock reports it
    custody.write_text(custody.read_text().replace("Settlement of A3", "Settlement of A3 (ok)"))
    with monkeypatch.context() as patched:
        no_recomputation(patched)
        fast = page_report(books, "Close", "as_of=2026-12-02", full=False)
    assert [(s["period"], s["ok"]) for s in fast["seals"]] == [
        ("2026-10", True),
        ("2026-11", False),
    ]
    full = page_report(books, "Close", "as_of=2026-12-02", full=True)
    assert fast["seals"][1]["problems"] == full["seals"][1]["problems"]
