"""The review pages' archived files and actions, through Fava's Flask test client.

An action from a page writes what its CLI command writes (the books' text is
compared, byte for byte, with a copy the command changed), and nothing when the
books are served read-only."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fava.application import create_app

from ledger.cli import main
from ledger.serve import create_fava_app
from tests.conftest import ask_for_sign_off, snapshot

SUSPENSE_REF = "FH2611240009"  # the demo's unexplained receipt of 2026-11-24
SUSPENSE_SOURCE = "documents/Assets/Bank/FirstHarbor/USD/2026-11-26.firstharbor-2026-11.xml"


@pytest.fixture
def books(closed_demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo books, inbox imported, October sealed."""
    target = tmp_path / "books"
    shutil.copytree(closed_demo, target)
    return target / "main.beancount"


def client_of(books: Path, *, read_only: bool) -> tuple[Any, str]:
    app = create_fava_app(books, read_only=read_only)
    app.testing = True
    client = app.test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    return client, slug


def test_archived_documents_and_close_reports_are_served_read_only(books: Path) -> None:
    client, slug = client_of(books, read_only=True)
    url = f"/{slug}/extension/Imports/file"
    answer = client.get(url, query_string={"path": SUSPENSE_SOURCE})
    assert answer.status_code == 200
    assert answer.data == (books.parent / SUSPENSE_SOURCE).read_bytes()
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    report = client.get(url, query_string={"path": "closes/2026-10/trial-balance.txt"})
    assert report.data == (books.parent / "closes/2026-10/trial-balance.txt").read_bytes()
    assert client.put(url, query_string={"path": SUSPENSE_SOURCE}).status_code == 401


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../../etc/passwd", "leads outside the books directory"),
        ("documents/../../../etc/passwd", "leads outside the books directory"),
        ("/etc/passwd", "not a relative path"),
        ("backoffice.toml", "only files under documents/ or closes/ of the books are served"),
        ("documents/../main.beancount", "only files under documents/ or closes/"),
        ("documents", "only files under documents/ or closes/"),
        ("documents/Assets/none.txt", "no such archived file"),
        ("documents/link/passwd", "is a symbolic link"),
        ("", "not a relative path"),
    ],
)
def test_any_other_path_is_refused(books: Path, path: str, why: str) -> None:
    (books.parent / "documents" / "link").symlink_to("/etc")
    client, slug = client_of(books, read_only=True)
    answer = client.get(f"/{slug}/extension/Imports/file", query_string={"path": path})
    assert answer.status_code == 404
    assert why in answer.get_data(as_text=True)


def test_reclassify_from_the_page_writes_what_the_command_writes(
    books: Path, tmp_path: Path, runner: CliRunner
) -> None:
    by_cli = tmp_path / "cli"
    shutil.copytree(books.parent, by_cli)
    result = runner.invoke(
        main,
        ["--books", str(by_cli / "main.beancount"), "reclassify", SUSPENSE_REF, "Income:Interest"],
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        '2026-11-24 * "GLOBAL PARTNERS LLC" "Reclassified from suspense: INV-2026-1187"\n'
        f'  reclassifies: "{SUSPENSE_REF}"\n'
        f'  reclassifies-source: "{SUSPENSE_SOURCE}"\n'
        "  Assets:Suspense   12500.00 USD\n"
        "  Income:Interest  -12500.00 USD\n"
    )

    client, slug = client_of(books, read_only=False)
    page = f"/{slug}/extension/Imports/"
    assert f'name="source_ref" value="{SUSPENSE_REF}"' in client.get(page).get_data(as_text=True)
    form = {"source_ref": SUSPENSE_REF, "source": SUSPENSE_SOURCE, "account": "Income:Interest"}
    form |= {"date": "2026-11-27", "back": ""}
    answer = client.post(page + "reclassify", data=form)
    assert answer.status_code == 303
    assert "written=" in answer.headers["Location"]
    assert snapshot(books.parent) == snapshot(by_cli)

    # The line no longer waits in suspense; a second request is refused, nothing written.
    shown = client.get(page).get_data(as_text=True)
    assert "No line waits in suspense." in shown
    again = client.post(page + "reclassify", data=form)
    assert "refused=" in again.headers["Location"]
    assert "reclassified+already" in again.headers["Location"]
    assert snapshot(books.parent) == snapshot(by_cli)


def test_reclassify_is_refused_read_only_and_to_an_unknown_account(
    books: Path, runner: CliRunner
) -> None:
    before = snapshot(books.parent)
    client, slug = client_of(books, read_only=True)
    form = {"source_ref": SUSPENSE_REF, "account": "Income:Interest", "date": "2026-11-27"}
    page = f"/{slug}/extension/Imports/"
    assert client.post(page + "reclassify", data=form).status_code == 401
    assert "needs the books served with" in client.get(page).get_data(as_text=True)

    result = runner.invoke(
        main, ["--books", str(books), "reclassify", SUSPENSE_REF, "Income:Nowhere"]
    )
    assert result.exit_code == 2
    assert "Income:Nowhere is not an open account of the books" in result.output
    result = runner.invoke(main, ["--books", str(books), "reclassify", "NOPE", "Income:Interest"])
    assert result.exit_code == 2
    assert "no line with source-ref 'NOPE' waits in Assets:Suspense" in result.output
    assert snapshot(books.parent) == before


def test_an_app_not_served_for_editing_refuses_the_action(books: Path) -> None:
    before = snapshot(books.parent)
    app = create_app([str(books)], read_only=False)  # Fava itself, without serve --edit's guard
    app.testing = True
    client = app.test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    form = {"source_ref": SUSPENSE_REF, "account": "Income:Interest", "date": "2026-11-27"}
    answer = client.post(f"/{slug}/extension/Imports/reclassify", data=form)
    assert answer.status_code == 403
    assert snapshot(books.parent) == before


def test_sign_off_from_the_page_writes_what_the_command_writes(
    books: Path, tmp_path: Path, runner: CliRunner
) -> None:
    ask_for_sign_off(books.parent)
    by_cli = tmp_path / "cli"
    shutil.copytree(books.parent, by_cli)
    result = runner.invoke(
        main,
        [
            *("--books", str(by_cli / "main.beancount"), "sign-off", "2026-11"),
            *("--by", "Jane Doe", "--as-of", "2026-11-30"),
        ],
    )
    assert result.exit_code == 0, result.output

    client, slug = client_of(books, read_only=False)
    page = f"/{slug}/extension/Close/"
    shown = client.get(page, query_string={"as_of": "2026-11-30"}).get_data(as_text=True)
    assert '<input type="hidden" name="date" value="2026-11-30">' in shown
    assert "needs a sign-off" in shown
    answer = client.post(
        page + "sign_off", data={"period": "2026-11", "by": "Jane Doe", "date": "2026-11-30"}
    )
    assert answer.status_code == 303
    assert snapshot(books.parent) == snapshot(by_cli)
    shown = client.get(page, query_string={"as_of": "2026-11-30"}).get_data(as_text=True)
    assert "signed off by <strong>Jane Doe</strong> on 2026-11-30" in shown

    # The sealed October, and the read-only server, are refused; nothing is written.
    again = client.post(
        page + "sign_off", data={"period": "2026-10", "by": "Bob", "date": "2026-11-30"}
    )
    assert "sealed+already" in again.headers["Location"]
    read_only, _ = client_of(books, read_only=True)
    assert (
        read_only.post(page + "sign_off", data={"period": "2026-11", "by": "Bob"}).status_code
        == 401
    )
    assert snapshot(books.parent) == snapshot(by_cli)


def test_favas_import_page_imports_through_the_pipeline(
    demo_books: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """Upload, extract and save on Fava's Import page write what 'backoffice import'
    writes (the archived document, the month files); a partial save is refused."""
    statement = "firstharbor-2026-10.mt940"
    by_cli = tmp_path / "cli"
    shutil.copytree(demo_books.parent, by_cli)
    result = runner.invoke(
        main,
        ["--books", str(by_cli / "main.beancount"), "import", str(by_cli / "inbox" / statement)],
    )
    assert result.exit_code == 0, result.output

    client, slug = client_of(demo_books, read_only=False)
    api = f"/{slug}/api"
    listed = client.get(f"{api}/imports").get_json()["data"]
    importers = {row["basename"]: [i["importer_name"] for i in row["importers"]] for row in listed}
    assert importers[statement] == ["bank.mt940"]
    path = str(demo_books.parent / "inbox" / statement)
    extracted = client.get(
        f"{api}/extract", query_string={"filename": path, "importer": "bank.mt940"}
    )
    entries = extracted.get_json()["data"]
    assert [(e["t"], e["date"]) for e in entries] == [
        ("Balance", "2026-10-05"),
        ("Transaction", "2026-10-05"),
        ("Transaction", "2026-10-14"),
        ("Transaction", "2026-10-30"),
        ("Transaction", "2026-10-31"),
        ("Balance", "2026-11-01"),
    ]

    before = snapshot(demo_books.parent)
    partial = client.put(f"{api}/add_entries", json={"entries": entries[:-1]})
    assert "imports a document whole" in partial.get_json()["error"]
    assert snapshot(demo_books.parent) == before

    read_only, _ = client_of(demo_books, read_only=True)
    assert read_only.put(f"{api}/add_entries", json={"entries": entries}).status_code == 401
    assert snapshot(demo_books.parent) == before

    saved = client.put(f"{api}/add_entries", json={"entries": entries})
    assert saved.get_json()["data"] == "Stored 6 entries."
    assert snapshot(demo_books.parent) == snapshot(by_cli)


def test_favas_account_filter_narrows_the_imports_page(books: Path) -> None:
    client, slug = client_of(books, read_only=True)
    page = f"/{slug}/extension/Imports/"
    every = client.get(page).get_data(as_text=True)
    assert f'data-source-ref="{SUSPENSE_REF}"' in every
    html = client.get(page, query_string={"account": "Assets:Bank:Rheinbank"}).get_data(
        as_text=True
    )
    sources = re.findall(r'<tr data-source="([^"]+)"', html)
    assert sources and all(
        source.startswith("documents/Assets/Bank/Rheinbank/") for source in sources
    )
    assert f'data-source-ref="{SUSPENSE_REF}"' not in html  # a First Harbor line


def test_a_reclassified_line_leaves_its_documents_suspense_count(
    books: Path, runner: CliRunner
) -> None:
    def waiting() -> tuple[int, int]:
        result = runner.invoke(main, ["--books", str(books), "imports", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        (row,) = [r for r in report["documents"] if r["source"] == SUSPENSE_SOURCE]
        return row["suspense"], report["totals"]["suspense"]

    count, total = waiting()
    assert count >= 1
    cli = ["--books", str(books), "reclassify", SUSPENSE_REF, "Income:Interest"]
    assert runner.invoke(main, cli).exit_code == 0
    assert waiting() == (count - 1, total - 1)
