"""``backoffice close --through``: every unsealed month from one load, each as ``close``
would seal it; and one load per close (the seal's hashes come from that load)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from beancount import loader
from click.testing import CliRunner

from bench.generate import read_firm, render, write
from ledger.books import load
from ledger.cli import main
from ledger.close import hashes
from ledger.close.run import run_close, run_close_through
from ledger.config import load_config
from tests.conftest import DEMO_BOOKS, snapshot

# About 50 business days from 2026-01-02: January and February end, March is open.
SIZE = 3500
MONTHS = ["2026-01", "2026-02"]


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render(read_firm(DEMO_BOOKS), SIZE, seed=3)


@pytest.fixture
def books(files: dict[str, str], tmp_path: Path) -> Path:
    write(files, tmp_path / "books")
    return tmp_path / "books" / "main.beancount"


def test_generated_books_close_every_month_but_the_last_as_one_by_one(
    files: dict[str, str], books: Path, tmp_path: Path
) -> None:
    """The synthetic books carry the month-end statements, so every ended month
    closes clean; --through seals them with the same bytes as closing each in turn."""
    config = load_config(books)
    assert config.as_of is not None and config.as_of.isoformat()[:7] == "2026-03"
    results = run_close_through(books, config, MONTHS[-1], config.as_of, dry_run=False)
    assert [(r.period, r.closed, r.checklist.blockers) for r in results] == [
        (month, True, []) for month in MONTHS
    ]
    one_by_one = tmp_path / "one-by-one"
    write(files, one_by_one)
    for month in MONTHS:
        single = run_close(
            one_by_one / "main.beancount", config, month, config.as_of, dry_run=False
        )
        assert single.closed, single.checklist.blockers
    assert snapshot(books.parent) == snapshot(one_by_one)
    seals = (books.parent / "closes.beancount").read_text(encoding="utf-8")
    assert [line.split('"')[3] for line in seals.splitlines() if "period-close" in line] == MONTHS
    assert load(books).errors == []  # plugins.period_lock verifies the chain


def test_the_last_month_has_not_ended(books: Path) -> None:
    config = load_config(books)
    assert config.as_of is not None
    (result,) = run_close_through(books, config, "2026-03", config.as_of, dry_run=True)[2:]
    assert not result.closed
    assert "has not ended" in result.checklist.blockers[0].message


def test_a_close_reads_and_books_the_files_once(
    books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second parse for the seal's hashes, and one load for every month of --through."""
    parses = []
    parse = loader._parse_recursive

    def counted(*args: object, **kwargs: object) -> object:
        parses.append(args)
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "_parse_recursive", counted)
    config = load_config(books)
    assert config.as_of is not None
    assert run_close(books, config, "2026-01", config.as_of, dry_run=False).closed
    assert len(parses) == 1
    run_close_through(books, config, "2026-02", config.as_of, dry_run=True)
    assert len(parses) == 2


def test_a_full_check_of_sealed_books_reads_and_books_the_files_once(
    books: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    """Backoffice's own plugins (noduplicates among them) are not run a second time
    to prove that none rewrites a sealed entry."""
    config = load_config(books)
    assert config.as_of is not None
    assert run_close(books, config, "2026-01", config.as_of, dry_run=False).closed
    assert 'plugin "plugins.noduplicates"' in books.read_text(encoding="utf-8")
    parses = []
    parse = loader._parse_recursive

    def counted(*args: object, **kwargs: object) -> object:
        parses.append(args)
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "_parse_recursive", counted)
    result = runner.invoke(main, ["--books", str(books), "--full", "check"])
    assert result.exit_code == 0, result.output
    assert len(parses) == 1


def test_through_stops_at_the_first_refused_month(books: Path, runner: CliRunner) -> None:
    """February's end has no XYZ statement: January is sealed, February refused, and
    nothing after it is tried."""
    march = books.parent / "imported" / "2026-03.beancount"
    text = march.read_text(encoding="utf-8")
    line = next(
        row
        for row in text.splitlines()
        if row.startswith("2026-03-01 balance") and row.endswith(" XYZ")
    )
    march.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    result = runner.invoke(main, ["--books", str(books), "close", "--through", "2026-02", "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["through"] == "2026-02"
    assert [(p["period"], p["closed"]) for p in report["periods"]] == [
        ("2026-01", True),
        ("2026-02", False),
    ]
    (balances,) = [c for c in report["periods"][1]["checks"] if c["check"] == "balances"]
    assert [b["message"][:72] for b in balances["blockers"]] == [
        "Assets:Custody:Custodia:Securities has no balance assertion of XYZ at th"
    ]
    assert report["periods"][0]["written"] == [
        *(f"closes/2026-01/{name}" for name in (
            "balance-sheet.csv", "balance-sheet.txt", "blotter.csv", "blotter.txt",
            "entries.tsv", "income-statement.csv", "income-statement.txt",
            "snapshot-files.tsv", "snapshot.beancount", "stock-record.csv", "stock-record.txt",
            "trial-balance.csv", "trial-balance.txt", "valuation.csv", "valuation.txt",
        )),
        "closes.beancount",
        "main.beancount",
    ]  # fmt: skip
    seals = (books.parent / "closes.beancount").read_text(encoding="utf-8")
    assert seals.count("period-close") == 1 and '"2026-01"' in seals
    assert not (books.parent / "closes" / "2026-02").exists()


def test_dry_run_writes_nothing_and_shows_each_seal(books: Path, runner: CliRunner) -> None:
    before = snapshot(books.parent)
    result = runner.invoke(
        main, ["--books", str(books), "close", "--through", "2026-02", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert [line[:12] for line in result.output.splitlines() if line.startswith("seal ")] == [
        "seal 2026-01",
        "seal 2026-02",
    ]
    assert "2026-02-01..2026-02-28" in result.output
    assert snapshot(books.parent) == before


def test_a_close_hashes_each_entry_once_and_still_finds_a_tampered_seal(
    books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plugins.period_lock verifies a close's load with the hashes the close took for
    its seal (one SHA-256 per entry, not two), and still catches an edit."""
    config = load_config(books)
    assert config.as_of is not None
    assert run_close(books, config, "2026-01", config.as_of, dry_run=False).closed
    expected = sum(len(file.records) for file in hashes.booked_hashes(books))
    hashed: list[object] = []
    digest = hashes.entry_digest

    def counted(entry: object, root: str | None = None) -> bytes:
        hashed.append(entry)
        return digest(entry, root)  # type: ignore[arg-type]

    monkeypatch.setattr(hashes, "entry_digest", counted)
    assert run_close(books, config, "2026-02", config.as_of, dry_run=True).checklist.ok
    assert len(hashed) == expected
    january = books.parent / "imported" / "2026-01.beancount"
    text = january.read_text(encoding="utf-8")
    january.write_text(text.replace(" USD\n", "1 USD\n", 1), encoding="utf-8")
    result = run_close(books, config, "2026-02", config.as_of, dry_run=True)
    assert not result.checklist.ok
    assert "period 2026-01 is sealed" in str(result.checklist.to_json())


def test_verify_hashes_each_entry_once_and_still_finds_a_tampered_seal(
    books: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify's load takes the hashes once for the seals it recomputes and for
    plugins.period_lock in the same load."""
    config = load_config(books)
    assert config.as_of is not None
    assert run_close(books, config, "2026-01", config.as_of, dry_run=False).closed
    expected = sum(len(file.records) for file in hashes.booked_hashes(books))
    hashed: list[object] = []
    digest = hashes.entry_digest

    def counted(entry: object, root: str | None = None) -> bytes:
        hashed.append(entry)
        return digest(entry, root)  # type: ignore[arg-type]

    monkeypatch.setattr(hashes, "entry_digest", counted)
    result = runner.invoke(main, ["--books", str(books), "verify", "--json"])
    assert result.exit_code == 0, result.output
    assert len(hashed) == expected
    january = books.parent / "imported" / "2026-01.beancount"
    text = january.read_text(encoding="utf-8")
    january.write_text(text.replace(" USD\n", "1 USD\n", 1), encoding="utf-8")
    result = runner.invoke(main, ["--books", str(books), "verify", "--json"])
    assert result.exit_code == 1
    assert not json.loads(result.output)["seals"][0]["ok"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2026-01", "--through", "2026-02"], "either PERIOD or --through"),
        ([], "either PERIOD or --through"),
        (["--through", "2026-13"], "is not a period"),
    ],
)
def test_period_or_through_usage(
    books: Path, runner: CliRunner, args: list[str], message: str
) -> None:
    before = snapshot(books.parent)
    result = runner.invoke(main, ["--books", str(books), "close", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert snapshot(books.parent) == before
