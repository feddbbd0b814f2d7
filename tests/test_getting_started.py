"""README "Getting started", run as printed: the commands of its ``console`` blocks, in
order, in a new directory holding only the sample files, with ``backoffice`` from this
environment on the PATH, a new HOME (the books go to ``~/acme``) and no git identity
configured (as in CI). Each command must exit 0
and print every output line the README shows under it; then the books must hold what the
walk-through says (interest and fees classified, the trade settled, October sealed, a clean
git work tree).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from beancount.core import data

from ledger.books import load
from ledger.context import AS_OF_ENV, BOOKS_ENV

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path("docs") / "getting-started"
NO_RUN = "<!-- no-run -->"


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)


def section(readme: str, heading: str = "## Getting started") -> str:
    """The text from ``heading`` to the next ``## `` heading."""
    start = readme.index(heading + "\n")
    end = readme.find("\n## ", start + len(heading))
    return readme[start : end if end != -1 else len(readme)]


def console_commands(text: str) -> list[Command]:
    """The commands of the ``console`` blocks of ``text`` (except those after ``NO_RUN``),
    each with the output lines printed under it."""
    commands: list[Command] = []
    for found in re.finditer(r"(?m)^```console\n(.*?)^```$", text, re.S):
        before = text[: found.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if before.strip() == NO_RUN:
            continue
        for line in found.group(1).splitlines():
            if line.startswith("$ "):
                commands.append(Command(line[2:]))
            elif line.strip() and commands:
                commands[-1].expected.append(line.rstrip())
    return commands


def test_console_blocks_are_read_with_their_output() -> None:
    text = (
        "## Getting started\n\n```console\n$ backoffice check\n10 entries\n$ cd acme\n```\n\n"
        f"{NO_RUN}\n```console\n$ backoffice serve\n```\n\n## Next\n```console\n$ rm -rf /\n```\n"
    )
    assert section(text + "") == text[: text.index("\n## Next")]
    assert console_commands(section(text)) == [
        Command("backoffice check", ["10 entries"]),
        Command("cd acme"),
    ]


@pytest.fixture
def readme_commands() -> list[Command]:
    return console_commands(section((ROOT / "README.md").read_text(encoding="utf-8")))


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (AS_OF_ENV, BOOKS_ENV)}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    # no git identity anywhere: 'init' must set one for its repository
    (home / "gitconfig").write_text("", encoding="utf-8")
    env["GIT_CONFIG_GLOBAL"] = str(home / "gitconfig")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["HOME"] = str(home)
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        env.pop(name, None)
    return env


def test_the_readme_walkthrough_runs_as_printed(
    readme_commands: list[Command], tmp_path: Path
) -> None:
    programs = [c.line.split()[1] for c in readme_commands if c.line.startswith("backoffice ")]
    for step in ("init", "import", "settlements", "cash", "match", "recon", "close", "audit"):
        assert step in programs, f"the walk-through lost its '{step}' step"
    work = tmp_path / "work"
    shutil.copytree(ROOT / SAMPLES, work / SAMPLES)
    home = tmp_path / "home"
    home.mkdir()
    env = _environment(home)
    state: list[str] = []  # 'export' and 'cd' lines hold for the commands after them
    for command in readme_commands:
        script = "\n".join([*state, command.line])
        done = subprocess.run(
            ["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"$ {command.line}\n{output}"
        lines = {line.rstrip() for line in output.splitlines()}
        for expected in command.expected:
            assert expected in lines, f"$ {command.line}\nprints no line {expected!r}:\n{output}"
        if command.line.startswith(("export ", "cd ")):
            state.append(command.line)

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
