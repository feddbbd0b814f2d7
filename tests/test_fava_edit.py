"""``serve --edit`` on books with a sealed October, through Fava's test client:
edits of the open period are written under the books' lock; edits that touch
the sealed period or its seal are refused with a message, the files untouched.
And ``serve`` itself: local unless told otherwise, and never on books whose
seals would go unverified."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger import fava_edit
from ledger.cli import main
from ledger.serve import create_fava_app, seal_problems
from ledger.writer import BooksWriter

FH_OCT = "2026/10/assets-bank-firstharbor-usd.beancount"
FH_NOV = "2026/11/assets-bank-firstharbor-usd.beancount"


@pytest.fixture
def books(closed_demo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "books"
    shutil.copytree(closed_demo, target)
    return target


@pytest.fixture
def client(books: Path) -> Any:
    app = create_fava_app(books / "main.beancount", read_only=False)
    app.testing = True
    return app.test_client()


def api(client: Any, endpoint: str) -> str:
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    return f"/{slug}/api/{endpoint}"


def put_source(client: Any, path: Path, change: tuple[str, str]) -> Any:
    got = client.get(api(client, "source"), query_string={"filename": str(path)})
    data = got.get_json()["data"]
    assert change[0] in data["source"]
    return client.put(
        api(client, "source"),
        json={
            "file_path": str(path),
            "source": data["source"].replace(change[0], change[1], 1),
            "sha256sum": data["sha256sum"],
        },
    )


def fee(day: str) -> dict[str, Any]:
    return {
        "t": "Transaction",
        "date": day,
        "flag": "*",
        "payee": "Bank",
        "narration": "Fee",
        "tags": [],
        "links": [],
        "meta": {},
        "postings": [
            {"account": "Assets:Bank:FirstHarbor:USD", "amount": "-1.00 USD"},
            {"account": "Expenses:Fees:Bank", "amount": "1.00 USD"},
        ],
    }


def test_an_edit_of_a_sealed_entry_is_refused(client: Any, books: Path) -> None:
    path = books / FH_OCT
    before = path.read_text()
    response = put_source(client, path, ("-25.00 USD", "-26.00 USD"))
    assert response.status_code >= 400
    assert response.get_json()["error"] == (
        "assets-bank-firstharbor-usd.beancount: this change edits, adds or removes an entry "
        "dated in a sealed period (the books are sealed up to 2026-10-31); book a correction "
        "in the open period with original-date (a prior-period adjustment) instead"
    )
    assert path.read_text() == before


def test_a_comment_in_a_sealed_file_is_not_an_edit_of_the_record(client: Any, books: Path) -> None:
    path = books / FH_OCT
    assert put_source(client, path, ("2026-10-14 *", "; checked\n2026-10-14 *")).status_code == 200
    assert "; checked\n2026-10-14 *" in path.read_text()


def test_the_seals_cannot_be_edited(client: Any, books: Path) -> None:
    path = books / "closes.beancount"
    before = path.read_text()
    response = put_source(client, path, ("entries: ", "entries: 1"))
    assert response.get_json()["error"] == (
        "closes.beancount is part of the seals of the closed periods and cannot be edited from Fava"
    )
    assert path.read_text() == before


def test_the_main_file_keeps_the_period_lock_first(client: Any, books: Path) -> None:
    path = books / "main.beancount"
    response = put_source(client, path, ('plugin "plugins.period_lock"\n', ""))
    assert response.get_json()["error"] == (
        'main.beancount: plugin "plugins.period_lock" must stay the first plugin line of '
        "books that hold sealed periods"
    )
    assert 'plugin "plugins.period_lock"' in path.read_text()


def test_an_entry_added_in_a_sealed_period_is_refused(client: Any, books: Path) -> None:
    before = (books / "main.beancount").read_text()
    response = client.put(api(client, "add_entries"), json={"entries": [fee("2026-10-20")]})
    assert response.get_json()["error"] == (
        "adding an entry: the entry is dated 2026-10-20, in a sealed period (the "
        "books are sealed up to 2026-10-31); book a correction in the open period with "
        "original-date (a prior-period adjustment) instead"
    )
    assert (books / "main.beancount").read_text() == before


def test_an_edit_of_the_open_period_is_written(client: Any, books: Path) -> None:
    response = client.put(api(client, "add_entries"), json={"entries": [fee("2026-11-28")]})
    assert response.status_code == 200, response.get_json()
    assert '2026-11-28 * "Bank" "Fee"' in (books / "main.beancount").read_text()
    path = books / FH_NOV
    text = path.read_text()
    assert put_source(client, path, (text[-20:], text[-20:] + "; noted\n")).status_code == 200


def test_an_archived_document_cannot_be_deleted(client: Any, books: Path) -> None:
    document = books / "documents/Assets/Bank/FirstHarbor/USD/2026-10-31.firstharbor-2026-10.mt940"
    response = client.delete(api(client, "document"), query_string={"filename": str(document)})
    assert response.status_code == 403
    assert response.get_json()["error"] == (
        "2026-10-31.firstharbor-2026-10.mt940 is an archived source document cited by entries "
        "of the books; it cannot be deleted from Fava"
    )
    assert document.exists()


def test_an_edit_waits_for_the_books_lock(
    client: Any, books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fava_edit, "LOCK_TIMEOUT", 0.2)
    with BooksWriter(books):  # an import or a close in progress
        response = client.put(api(client, "add_entries"), json={"entries": [fee("2026-11-28")]})
    assert "another backoffice process is writing these books" in response.get_json()["error"]
    assert "2026-11-28" not in (books / "main.beancount").read_text()


def test_serve_binds_beyond_this_machine_only_when_told(
    books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[str] = []
    monkeypatch.setattr("ledger.serve.serve", lambda path, **kw: served.append(kw["host"]))
    args = ["--books", str(books / "main.beancount"), "serve"]
    refused = CliRunner().invoke(main, [*args, "--host", "0.0.0.0"])
    assert refused.exit_code == 2
    assert refused.output == (
        "Error: --host 0.0.0.0: Fava has no authentication, so serving beyond this machine "
        "lets anyone who reaches it read the books; pass --allow-remote to do it anyway, or "
        "keep the default 127.0.0.1\n"
    )
    allowed = CliRunner().invoke(main, [*args, "--host", "0.0.0.0", "--allow-remote", "--edit"])
    assert allowed.exit_code == 0
    assert allowed.stderr.startswith(
        "warning: serving on 0.0.0.0, beyond this machine: Fava has no authentication, so "
        "anyone who can reach 0.0.0.0:5000 can read these books and change them\n"
    )
    assert CliRunner().invoke(main, [*args, "--host", "::1"]).exit_code == 0
    assert served == ["0.0.0.0", "::1"]


def test_serve_and_the_reports_refuse_books_whose_seals_go_unverified(books: Path) -> None:
    main_file = books / "main.beancount"
    main_file.write_text(main_file.read_text().replace('plugin "plugins.period_lock"\n', ""))
    app = create_fava_app(main_file, read_only=True, load=True)
    problems = seal_problems(app)
    assert [problem.message.split(",")[0] for problem in problems] == [
        "the books hold sealed periods (2026-10) but do not load plugins.period_lock"
    ]
    report = CliRunner().invoke(main, ["--books", str(main_file), "cash"])
    assert report.exit_code == 1
    assert report.output.endswith(
        "the seals of these books are not verified; fix the above ('backoffice check' lists "
        "every problem) and run the command again\n"
    )
