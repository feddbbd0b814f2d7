"""The backoffice CLI: check, init, exit codes, --json, --books / BACKOFFICE_BOOKS."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import write_books


def test_check_demo_books_json_is_clean(runner: CliRunner, demo_books: Path) -> None:
    result = runner.invoke(main, ["--books", str(demo_books), "check", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert report["entries"] > 0


def test_books_from_environment(runner: CliRunner, demo_books: Path) -> None:
    result = runner.invoke(main, ["check"], env={"BACKOFFICE_BOOKS": str(demo_books)})
    assert result.exit_code == 0, result.output


def test_init_then_check_is_clean(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "x"
    result = runner.invoke(main, ["init", str(target), "--title", "Acme", "--currency", "EUR"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["--books", str(target / "main.beancount"), "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.stderr
    assert 'name = "Acme"' in (target / "backoffice.toml").read_text()


def test_init_refuses_to_overwrite(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["init", str(tmp_path)])
    before = (tmp_path / "main.beancount").read_bytes()
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (tmp_path / "main.beancount").read_bytes() == before


def test_errors_print_file_line_message_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    main_file = write_books(
        tmp_path,
        {
            "main.beancount": """
                2026-01-01 open Assets:Cash USD
                2026-01-02 * "Lunch"
                  Assets:Cash  -10.00 USD
                  Expenses:Food  10.00 USD
            """,
            "backoffice.toml": '[firm]\nname = "Test"\n',
        },
    )
    result = runner.invoke(main, ["--books", str(main_file), "check"])
    assert result.exit_code == 1
    line = result.stdout.strip().splitlines()[0]
    assert line.startswith(f"{main_file}:2: ")
    assert "Expenses:Food" in line
    result = runner.invoke(main, ["--books", str(main_file), "check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["entries"] == 2
    [error] = report["errors"]
    assert set(error) == {"file", "line", "message", "type"}
    assert error["line"] == 2
    assert error["type"] == "ValidationError"


def test_broken_config_exits_2_naming_the_key(runner: CliRunner, demo_books: Path) -> None:
    config = demo_books.parent / "backoffice.toml"
    config.write_text(config.read_text().replace('policy = "settlement-date"', "policy = 7"))
    result = runner.invoke(main, ["--books", str(demo_books), "check"])
    assert result.exit_code == 2
    assert "settlement.policy" in result.output
    assert "got 7" in result.output


def test_config_account_not_opened_is_an_error(runner: CliRunner, demo_books: Path) -> None:
    config = demo_books.parent / "backoffice.toml"
    text = config.read_text().replace(
        'account = "Assets:Bank:Rheinbank:EUR"', 'account = "Assets:Bank:Nowhere:EUR"'
    )
    config.write_text(text)
    result = runner.invoke(main, ["--books", str(demo_books), "check"])
    assert result.exit_code == 1
    assert "Assets:Bank:Nowhere:EUR" in result.stdout
    assert "backoffice.toml:" in result.stdout


def test_missing_books_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--books", str(tmp_path / "none.beancount"), "check"])
    assert result.exit_code == 2
    assert "no such books file" in result.output


def test_as_of_does_not_leak_between_invocations(
    runner: CliRunner, demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)
    result = runner.invoke(main, ["--books", str(demo_books), "check", "--json"])
    assert "BACKOFFICE_AS_OF" not in os.environ, result.output


def test_check_timings_name_each_step_on_stderr(runner: CliRunner, demo_books: Path) -> None:
    result = runner.invoke(main, ["--books", str(demo_books), "check", "--json", "--timings"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["errors"] == []  # stdout stays the report
    steps = re.findall(r"^Operation: '([^']+)'\s+Time:\s+\d+ ms$", result.stderr, re.M)
    for step in ("parse", "booking", "plugins.settlement", "plugins.cash", "hardcore validations"):
        assert step in steps
    quiet = runner.invoke(main, ["--books", str(demo_books), "check"])
    assert "Operation:" not in quiet.stderr
