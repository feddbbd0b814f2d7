"""README "Getting started", run as printed: the commands of its ``console`` blocks
(``tests/docs_examples.py`` reads them), in order, in a new directory holding only the sample
files, with ``backoffice`` from this environment on the PATH, a new HOME (the books go to
``~/acme``) and no git identity configured (as in CI). Each command must exit as the README
says and print every output line the README shows under it; then the books must hold what
the walk-through says (interest and fees classified, October sealed, a clean git work tree).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from beancount.core import data

from ledger.books import load
from ledger.context import BOOKS_ENV
from tests.docs_examples import Command, commands, example_env, failure, run

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SAMPLES = Path("docs") / "getting-started"
SECTION = "Getting started"


def printed_output(page: Path, command: Command) -> list[str]:
    """The lines the page prints under ``command``: up to the next command or the fence."""
    lines = page.read_text(encoding="utf-8").splitlines()[command.line :]
    shown = []
    for line in lines:
        if line.startswith("$ ") or line.startswith("```"):
            break
        if line.strip():
            shown.append(line.rstrip())
    return shown


def _environment(home: Path) -> dict[str, str]:
    env = example_env(home / "unused")
    env.pop(BOOKS_ENV)  # the README exports it
    # no git identity anywhere: 'init' must set one for its repository
    (home / "gitconfig").write_text("", encoding="utf-8")
    env["GIT_CONFIG_GLOBAL"] = str(home / "gitconfig")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["HOME"] = str(home)
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        env.pop(name, None)
    return env


def test_the_readme_walkthrough_runs_as_printed(tmp_path: Path) -> None:
    walkthrough = [command for command in commands(README, only=SECTION) if command.runs]
    programs = [c.text.split()[1] for c in walkthrough if c.text.startswith("backoffice ")]
    for step in ("init", "import", "settlements", "cash", "match", "recon", "close", "audit"):
        assert step in programs, f"the walk-through lost its '{step}' step"
    work = tmp_path / "work"
    shutil.copytree(ROOT / SAMPLES, work / SAMPLES)
    home = tmp_path / "home"
    home.mkdir()
    env = _environment(home)
    state: list[str] = []  # 'export' and 'cd' lines hold for the commands after them
    for command in walkthrough:
        result = run(
            dataclasses.replace(command, text="\n".join([*state, command.text])), work, env
        )
        assert result.returncode == command.exit_code, failure(command, result)
        lines = {line.rstrip() for line in (result.stdout + result.stderr).splitlines()}
        for expected in printed_output(README, command):
            assert expected in lines, f"{failure(command, result)}\nprints no line {expected!r}"
        if command.text.startswith(("export ", "cd ")):
            state.append(command.text)

    books_dir = home / "acme"  # the README's ~/acme
    books = load(books_dir / "main.beancount")
    assert books.errors == []
    postings = {
        (entry.narration, posting.account, str(posting.units))
        for entry in books.entries
        if isinstance(entry, data.Transaction)
        for posting in entry.postings
    }
    assert ("CREDIT INTEREST OCTOBER", "Income:Interest", "-312.50 USD") in postings
    assert ("ACCOUNT MAINTENANCE FEE OCTOBER", "Expenses:Fees:Bank", "45.00 USD") in postings
    seals = [e for e in books.entries if isinstance(e, data.Custom) and e.type == "period-close"]
    assert [seal.values[0].value for seal in seals] == ["2026-10"]
    status = subprocess.run(
        ["git", "-C", str(books_dir), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert status.stdout == ""
