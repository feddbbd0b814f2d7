"""``backoffice cash``: text, JSON and CSV output, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.cash_books import config
from tests.conftest import write_books
from tests.test_cash_report import FIRM, SUGGESTED, short


@pytest.fixture(autouse=True)
def _as_of_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "")


@pytest.fixture
def short_books(tmp_path: Path) -> Path:
    """Custodia USD 41,250 short on 2026-11-24, as of 2026-11-23."""
    return write_books(
        tmp_path,
        {
            "main.beancount": short("30000.00"),
            "backoffice.toml": config("2026-11-23", FIRM),
        },
    )


def run(runner: CliRunner, books: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["--books", str(books), "cash", *args])
    return result.exit_code, result.stdout


def test_csv_ladder(runner: CliRunner, short_books: Path) -> None:
    code, out = run(runner, short_books, "--days", "2", "--currency", "USD", "--csv")
    assert code == 1  # a funding need within the ladder
    assert out == (
        "currency,account,date,opening,settlements_in,settlements_out,other,closing,floor,"
        "headroom,funding_need\n"
        "USD,Assets:Bank:FirstHarbor:USD,2026-11-23,-480000.00,0,0,0,-480000.00,-500000,"
        "20000.00,0\n"
        "USD,Assets:Bank:FirstHarbor:USD,2026-11-24,-480000.00,0,0,0,-480000.00,-500000,"
        "20000.00,0\n"
        "USD,Assets:Bank:Northbank:USD,2026-11-23,30000.00,0,0,0,30000.00,0,30000.00,0\n"
        "USD,Assets:Bank:Northbank:USD,2026-11-24,30000.00,0,0,0,30000.00,0,30000.00,0\n"
        "USD,Assets:Custody:Custodia:Cash:USD,2026-11-23,20000.00,0,0,0,20000.00,0,20000.00,0\n"
        "USD,Assets:Custody:Custodia:Cash:USD,2026-11-24,20000.00,0,-61250.00,0,-41250.00,0,"
        "-41250.00,41250.00\n"
        "USD,total,2026-11-23,-430000.00,0,0,0,-430000.00,-500000,70000.00,0\n"
        "USD,total,2026-11-24,-430000.00,0,-61250.00,0,-491250.00,-500000,8750.00,41250.00\n"
    )


def test_json_is_the_report(runner: CliRunner, short_books: Path) -> None:
    code, out = run(runner, short_books, "--days", "2", "--currency", "USD", "--json")
    assert code == 1
    report = json.loads(out)
    assert sorted(report) == [
        "as_of",
        "base",
        "currency",
        "days",
        "expected_income",
        "exposure",
        "ladders",
        "market_claims",
        "positions",
        "transfers",
        "unassigned_counterparties",
        "uncovered",
        "without_failed",
    ]
    assert report["unassigned_counterparties"] == []
    assert report["ladders"][0]["unassigned"] is None
    assert (report["as_of"], report["days"], report["currency"]) == ("2026-11-23", 2, "USD")
    assert report["exposure"] == [
        {
            "currency": "USD",
            "links": ["trade-T1"],
            "net": "-61250.00",
            "pay": "-61250.00",
            "receive": "0",
            "trades": 1,
        }
    ]
    assert report["positions"][2] == {
        "account": "Assets:Custody:Custodia:Cash:USD",
        "currency": "USD",
        "floor": "0",
        "pending_in": "0",
        "pending_out": "-61250.00",
        "projected": "-41250.00",
        "settled": "20000.00",
    }
    assert [t["beancount"] for t in report["transfers"]] == list(SUGGESTED)
    assert report["transfers"][0] == {
        "amount": "30000.00",
        "beancount": SUGGESTED[0],
        "currency": "USD",
        "date": "2026-11-24",
        "from": "Assets:Bank:Northbank:USD",
        "to": "Assets:Custody:Custodia:Cash:USD",
    }
    assert out == run(runner, short_books, "--days", "2", "--currency", "USD", "--json")[1]


def test_text_ends_with_the_transfers_ready_to_book(runner: CliRunner, short_books: Path) -> None:
    code, out = run(runner, short_books, "--days", "2", "--currency", "USD")
    assert code == 1
    assert out.startswith("Cash of Global Assets Inc. as of 2026-11-23 (by value date)\n")
    assert (
        "  Assets:Custody:Custodia:Cash:USD\n"
        "    date          opening  settle in  settle out  other     closing  floor    headroom"
        "  funding need\n"
        "    2026-11-23  20,000.00       0.00        0.00   0.00   20,000.00   0.00   20,000.00"
        "          0.00\n"
        "    2026-11-24  20,000.00       0.00  -61,250.00   0.00  -41,250.00   0.00  -41,250.00"
        "     41,250.00\n"
    ) in out
    assert out.endswith(
        "Suggested transfers (flagged !: review, then book them)\n\n" + "\n".join(SUGGESTED)
    )


def test_no_funding_need_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    books = write_books(
        tmp_path,
        {
            "main.beancount": short("30000.00"),
            "backoffice.toml": config("2026-11-23", FIRM),
        },
    )
    books.write_text(books.read_text() + "\n" + "\n".join(SUGGESTED))
    code, out = run(runner, books, "--days", "3")
    assert code == 0
    assert "Suggested transfers" not in out


def test_the_demo_books(runner: CliRunner, demo_books: Path) -> None:
    code, out = run(runner, demo_books, "--days", "10", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["as_of"] == "2026-11-27"
    assert [(lad["currency"], lad["calendar"], len(lad["dates"])) for lad in report["ladders"]] == [
        ("EUR", "ECB", 10),
        ("USD", "FED", 10),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "--csv"], "--json and --csv exclude each other"),
        (["--currency", "GBP"], "--currency: no cash account holds GBP; the cash currencies are"),
        (["--days", "0"], "Invalid value for '--days'"),
    ],
)
def test_usage_errors_exit_2(
    runner: CliRunner, short_books: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(main, ["--books", str(short_books), "cash", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cash_listed_before_settlement_exits_2(runner: CliRunner, short_books: Path) -> None:
    text = short_books.read_text().replace(
        'plugin "plugins.settlement"\nplugin "plugins.cash"',
        'plugin "plugins.cash"\nplugin "plugins.settlement"',
    )
    short_books.write_text(text)
    result = runner.invoke(main, ["--books", str(short_books), "cash"])
    assert result.exit_code == 2
    assert 'plugin "plugins.cash" is listed before plugin "plugins.settlement"' in result.output
    assert "main.beancount:3: configuration error" in result.output


def test_as_of_moves_the_positions_and_a_fail_to_it(runner: CliRunner, short_books: Path) -> None:
    """As of the 25th, T1 (due the 24th) has failed: it may settle on the 25th at the earliest."""
    code, out = run(runner, short_books, "--as-of", "2026-11-25", "--days", "1", "--csv")
    assert code == 1
    assert (
        "USD,Assets:Custody:Custodia:Cash:USD,2026-11-25,20000.00,0,-61250.00,0,-41250.00,0,"
        "-41250.00,41250.00\n"
    ) in out


def test_without_failed_leaves_the_fails_settlements_out(runner: CliRunner, tmp_path: Path) -> None:
    """As of 2026-11-26 the buy due 2026-11-24 has failed: by default its 61,250 is projected
    to leave Custodia on the first business day (11-27, after Thanksgiving);
    --without-failed leaves it out."""
    books = write_books(
        tmp_path,
        {"main.beancount": short("30000.00"), "backoffice.toml": config("2026-11-26", FIRM)},
    )
    header = (
        "currency,account,date,opening,settlements_in,settlements_out,other,closing,floor,"
        "headroom,funding_need\n"
    )
    args = ["--days", "1", "--currency", "USD", "--csv"]
    code, out = run(runner, books, *args)
    assert (code, out.splitlines()[3:]) == (
        1,
        [
            "USD,Assets:Custody:Custodia:Cash:USD,2026-11-27,20000.00,0,-61250.00,0,-41250.00,0,"
            "-41250.00,41250.00",
            "USD,total,2026-11-27,-430000.00,0,-61250.00,0,-491250.00,-500000,8750.00,41250.00",
        ],
    )
    code, out = run(runner, books, *args, "--without-failed")
    assert (code, out) == (
        0,
        header + "USD,Assets:Bank:FirstHarbor:USD,2026-11-27,-480000.00,0,0,0,-480000.00,-500000,"
        "20000.00,0\n"
        "USD,Assets:Bank:Northbank:USD,2026-11-27,30000.00,0,0,0,30000.00,0,30000.00,0\n"
        "USD,Assets:Custody:Custodia:Cash:USD,2026-11-27,20000.00,0,0,0,20000.00,0,20000.00,0\n"
        "USD,total,2026-11-27,-430000.00,0,0,0,-430000.00,-500000,70000.00,0\n",
    )
    code, out = run(runner, books, "--without-failed", "--json")
    assert json.loads(out)["without_failed"] is True
