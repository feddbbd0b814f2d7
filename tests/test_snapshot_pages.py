"""The gaps of the open-period load (issue 18): what reaches back into the sealed history.

The Close page reports the seals the load proved from the sealed files' bytes,
without parsing the history again, and still shows a tamper (the load falls back
and the seals are recomputed).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.close import report as close_report_module
from ledger.close.hashes import OPEN_PERIOD
from ledger.close.snapshot_load import FULL_ENV, load_books
from ledger.serve import create_fava_app
from tests.conftest import snapshot, write_books
from tests.test_match import CONFIG as MATCH_CONFIG
from tests.test_snapshot import SMALL, run

AS_OF = "2026-11-27"
FAVA_EXTENSION = '2026-01-01 custom "fava-extension" "ledger.fava_ext"\n'


# Euro cash moved in October at two rates, from an archived statement: its
# historical value and its document are in the sealed month.
STATEMENT = "documents/Assets/Custody/Custodia/Cash/EUR/2026-10-21.custodia-eur.csv"
STATEMENT_TEXT = "date,amount\n2026-10-21,100.00\n"
EURO = """
2026-01-01 open Assets:Custody:Custodia:Cash:EUR EUR
  cash-floor: "-900000000 EUR"

2026-10-02 * "Custodia" "Euro cash"
  Assets:Custody:Custodia:Cash:EUR   1000.00 EUR
  Equity:Opening                    -1000.00 EUR

2026-10-21 * "Custodia" "Euro interest"
  source: "{source}"
  source-ref: "EUR-1"
  source-sha256: "{sha256}"
  Assets:Custody:Custodia:Cash:EUR    100.00 EUR
  Income:Trading:Realized            -100.00 EUR
"""
RATES = """\
2026-10-01 price EUR  1.1000 USD
2026-10-20 price EUR  1.2000 USD
2026-11-10 price EUR  1.1500 USD
"""


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small books of test_snapshot with euro cash (:data:`EURO`), the review pages,
    October sealed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKOFFICE_AS_OF", AS_OF)
    monkeypatch.delenv(FULL_ENV, raising=False)
    sha256 = hashlib.sha256(STATEMENT_TEXT.encode()).hexdigest()
    main = write_books(
        tmp_path / "books",
        {
            **SMALL,
            "2026/10/euro.beancount": EURO.format(source=STATEMENT, sha256=sha256),
            STATEMENT: STATEMENT_TEXT,
        },
    )
    with (main.parent / "prices.beancount").open("a") as handle:
        handle.write(RATES)
    with main.open("a") as handle:
        handle.write(FAVA_EXTENSION + 'include "2026/10/euro.beancount"\n')
    code, output = run(main, "close", "2026-10", "--as-of", AS_OF, full=False)
    assert code == 0, output
    return main


def page_report(books: Path, page: str, query: str = "", *, full: bool) -> dict[str, Any]:
    """What the review page ``page`` of ``serve`` (``--full`` or not) serves as JSON."""
    app = create_fava_app(books, read_only=True, load=True, full=full)
    app.testing = True
    client = app.test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    args = query if "as_of=" in query else f"as_of={AS_OF}&{query}"
    response = client.get(f"/{slug}/extension/{page}/report?{args}")
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


# -- match and breaks open: a trade settled in a sealed month ---------------------------

# test_match's confirmation format of AlphaSec's CSV (its other keys are the books')
MATCHING = "\n" + MATCH_CONFIG[MATCH_CONFIG.index("[[matching.confirmations]]") :]
HEADER = "Confirm No,Client Ref,ISIN,B/S,Trade Date,Settle Date,Quantity,Price,Commission,Net,Ccy\n"


def cli(books: Path, *args: str, full: bool) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a command."""
    prefix = ["--full"] if full else []
    result = CliRunner().invoke(main, ["--books", str(books), *prefix, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("line", "why"),
    [
        pytest.param(
            "AS-1,A1,US8522341036,S,2026-10-27,2026-10-28,40,52.00,0.00,2080.00,USD",
            "match: 1 trade(s) or confirmation(s) dated up to 2026-10-31",
            id="a confirmation of a trade settled in the sealed month",
        ),
        pytest.param(
            "AS-2,A1,US8522341036,S,2026-11-02,2026-11-03,40,52.00,0.00,2080.00,USD",
            "match: confirmation(s) AS-2 pair with no trade of the open period",
            id="a confirmation dated later that quotes it",
        ),
    ],
)
def test_match_finds_a_trade_settled_in_a_sealed_month(books: Path, line: str, why: str) -> None:
    with (books.parent / "backoffice.toml").open("a") as handle:
        handle.write(MATCHING)
    confirmations = books.parent / "inbox/alphasec.csv"
    confirmations.parent.mkdir()
    confirmations.write_text(HEADER + line + "\n")
    args = ("match", str(confirmations), "--json", "--dry-run")
    fast = cli(books, *args, full=False)
    full = cli(books, *args, full=True)
    assert fast[:2] == full[:2]
    [row] = json.loads(fast[1])["rows"]
    assert (row["trade_id"], row["confirmation"]) == ("A1", line.split(",")[0])
    assert fast[2] == (
        f"{why}: the books were loaded from the snapshot of 2026-10, which sums up the "
        "entries up to 2026-10-31; loading the full books\n"
    )
    assert full[2] == ""


def test_a_match_within_the_open_period_keeps_the_snapshot_load(books: Path) -> None:
    with (books.parent / "backoffice.toml").open("a") as handle:
        handle.write(MATCHING)
    with (books.parent / "2026/11/custody.beancount").open("a") as handle:
        handle.write(
            '\n2026-11-05 * "AlphaSec" "buy 5 XYZ" ^trade-A4\n'
            '  trade-id: "A4"\n  trade-date: 2026-11-05\n  settle-date: 2026-11-06\n'
            '  side: "buy"\n  counterparty: "AlphaSec"\n'
            "  Assets:Custody:Custodia:Securities  5 XYZ {53.00 USD}\n"
            "  Assets:Unsettled:AlphaSec  -265.00 USD\n"
        )
    confirmations = books.parent / "inbox/alphasec.csv"
    confirmations.parent.mkdir()
    confirmations.write_text(
        HEADER + "AS-4,A4,US8522341036,B,2026-11-05,2026-11-06,5,53.00,0.00,265.00,USD\n"
    )
    args = ("match", str(confirmations), "--json", "--dry-run")
    code, out, err = cli(books, *args, full=False)
    assert "loading the full books" not in err
    assert (code, out) == cli(books, *args, full=True)[:2]
    assert [(r["trade_id"], r["status"]) for r in json.loads(out)["rows"]] == [("A4", "matched")]


BREAK_ARGS = ("breaks", "open", "settlement-fail", "A1", "the buyer disputes the delivery")


def test_breaks_open_finds_a_trade_settled_in_a_sealed_month(books: Path, tmp_path: Path) -> None:
    by_full = tmp_path / "full"
    shutil.copytree(books.parent, by_full)
    code, out, err = cli(books, *BREAK_ARGS, "--as-of", AS_OF, full=False)
    assert code == 0, err
    assert err == (
        "breaks open: 'A1' is no trade and no account of the open period: the books were "
        "loaded from the snapshot of 2026-10, which sums up the entries up to 2026-10-31; "
        "loading the full books\n"
    )
    assert (code, out) == cli(by_full / "main.beancount", *BREAK_ARGS, "--as-of", AS_OF, full=True)[
        :2
    ]
    assert 'link: "trade-A1"' in out
    assert snapshot(books.parent) == snapshot(by_full)
    # a reference that is nowhere is refused after the full load, nothing written
    code, out, err = cli(books, "breaks", "open", "other", "A9", "why", full=False)
    assert code == 2
    assert "'A9' is no trade id and no account of the books" in err
    assert snapshot(books.parent) == snapshot(by_full)


def test_the_breaks_button_finds_a_trade_settled_in_a_sealed_month(
    books: Path, tmp_path: Path
) -> None:
    by_cli = tmp_path / "cli"
    shutil.copytree(books.parent, by_cli)
    code, _, err = cli(by_cli / "main.beancount", *BREAK_ARGS, "--as-of", AS_OF, full=True)
    assert code == 0, err
    app = create_fava_app(books, read_only=False)
    app.testing = True
    client = app.test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    kind, reference, text = BREAK_ARGS[2:]
    form = {"kind": kind, "reference": reference, "text": text, "date": AS_OF, "back": ""}
    answer = client.post(f"/{slug}/extension/Breaks/open_break", data=form)
    assert "written=" in answer.headers["Location"], answer.headers["Location"]
    assert snapshot(books.parent) == snapshot(by_cli)


# -- Valuation and Imports: the CLI's answers ------------------------------------------


@pytest.mark.parametrize(("page", "command"), [("Valuation", "valuation"), ("Imports", "imports")])
def test_the_valuation_and_imports_pages_served_from_a_snapshot_answer_as_the_cli(
    books: Path, page: str, command: str
) -> None:
    assert OPEN_PERIOD in load_books(books).options
    fast = cli(books, command, "--json", "--as-of", AS_OF, full=False)
    assert fast[:2] == cli(books, command, "--json", "--as-of", AS_OF, full=True)[:2]
    expected = json.loads(fast[1])
    assert page_report(books, page, full=False) == expected
    assert page_report(books, page, full=True) == expected
    if page == "Valuation":  # each euro at the rate of its day: 1000 x 1.10 + 100 x 1.20
        [euro] = [row for row in expected["cash"] if row["currency"] == "EUR"]
        assert (euro["balance"], euro["historical_base"]) == ("1100.00", "1220.00")
    else:
        assert [row["source"] for row in expected["documents"]] == [STATEMENT]


# -- backoffice.toml changed since the close --------------------------------------------


def test_a_change_of_what_the_plugins_read_in_the_config_falls_back_and_says_why(
    books: Path,
) -> None:
    files = (books.parent / "closes/2026-10/snapshot-files.tsv").read_text().splitlines()
    [line] = [line for line in files if line.endswith("\tbackoffice.toml")]
    assert line.split("\t")[1:] == ["config", "-", "backoffice.toml"]
    with (books.parent / "backoffice.toml").open("a") as handle:
        handle.write("\n[settlement]\nfail-warning-days = 9\n")
    assert OPEN_PERIOD not in load_books(books, warn=lambda message: None).options
    fast = cli(books, "check", "--json", full=False)
    assert fast[:2] == cli(books, "check", "--json", full=True)[:2]
    assert fast[2] == (
        "backoffice.toml changed since the close of 2026-10 in what the plugins read "
        "([accounts], [cash], [counterparties], [firm], [settlement]): loading the full books, "
        "whose plugins apply it to the sealed months too; the next close records it\n"
    )


@pytest.mark.parametrize(
    "change",
    [
        pytest.param("\n# a comment\n", id="a comment"),
        pytest.param("\n[recon]\nstale-after-days = 3\n", id="what only the reports read"),
        pytest.param(MATCHING, id="a confirmation format"),
    ],
)
def test_a_change_the_plugins_do_not_read_keeps_the_snapshot_load(books: Path, change: str) -> None:
    with (books.parent / "backoffice.toml").open("a") as handle:
        handle.write(change)
    assert OPEN_PERIOD in load_books(books).options
    code, out, err = cli(books, "check", "--json", full=False)
    assert err == ""
    full = cli(books, "check", "--json", full=True)
    # the same answer but for the count of the entries loaded
    assert (code, {**json.loads(out), "entries": None}) == (
        full[0],
        {**json.loads(full[1]), "entries": None},
    )


@pytest.mark.parametrize(
    ("page", "query", "command"),
    [
        pytest.param(
            "Settlements",
            "as_of=2026-10-30",
            ("settlements", "--as-of", "2026-10-30"),
            id="an as-of date in the sealed month",
        ),
        pytest.param(
            "Blotter",
            "from=2026-10-01&to=2026-11-30",
            ("blotter", "--from", "2026-10-01", "--to", "2026-11-30"),
            id="trades from the sealed month on",
        ),
    ],
)
def test_a_page_reading_into_the_sealed_history_answers_as_the_cli(
    books: Path, page: str, query: str, command: tuple[str, ...]
) -> None:
    fast = cli(books, *command, "--json", full=False)
    assert fast[:2] == cli(books, *command, "--json", full=True)[:2]
    expected = json.loads(fast[1])
    assert page_report(books, page, query, full=False) == expected
    assert page_report(books, page, query, full=True) == expected
    assert "A1" in fast[1]  # the trade settled in October, summed up in the snapshot


# -- main.beancount's plugin lines and options changed since the close -------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param('plugin "plugins.breaks"\n', "", id="a plugin line removed"),
        pytest.param('"booking_method" "FIFO"', '"booking_method" "LIFO"', id="the booking method"),
    ],
)
def test_a_changed_plugin_line_or_option_falls_back_and_says_why(
    books: Path, old: str, new: str
) -> None:
    files = (books.parent / "closes/2026-10/snapshot-files.tsv").read_text().splitlines()
    [line] = [line for line in files if line.endswith("\t(options)")]
    assert line.split("\t")[1:] == ["options", "-", "(options)"]
    text = books.read_text()
    assert old in text
    books.write_text(text.replace(old, new))
    assert OPEN_PERIOD not in load_books(books, warn=lambda message: None).options
    fast = cli(books, "check", "--json", full=False)
    assert fast[:2] == cli(books, "check", "--json", full=True)[:2]
    assert fast[2] == (
        "the books' plugin lines or options changed since the close of 2026-10: loading the "
        "full books, which apply them to the sealed months too; the next close records them\n"
    )


def test_a_changed_title_or_comment_in_main_keeps_the_snapshot_load(books: Path) -> None:
    books.write_text(books.read_text() + 'option "title" "Renamed"\n; a note\n')
    assert OPEN_PERIOD in load_books(books).options
    assert cli(books, "check", "--json", full=False)[2] == ""
