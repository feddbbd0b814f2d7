"""The shell examples of the documentation, extracted so that tests can run them.

An example is a fenced block with the info string ``console``. A line starting
with ``$ `` is a command; the lines after it, up to the next ``$ ``, are its
output (shown to the reader, not compared). A command must exit 0, unless its
line ends with the comment ``# exits N``. A block directly preceded by the line
``<!-- no-run -->`` is not run. ``docs/README.md`` states the same convention
for the writers of the pages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NO_RUN = "<!-- no-run -->"
_EXITS = re.compile(r"\s#\s*exits\s+(\d+)\s*$")
_FENCE = re.compile(r"^(`{3,})\s*(\S*)")


@dataclass(frozen=True)
class Command:
    """One ``$ `` line of a console block."""

    page: Path
    line: int
    text: str
    exit_code: int
    runs: bool

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


def extract(page: Path, text: str) -> list[tuple[str, Command]]:
    """Every command of the console blocks in ``text``, with the ``## `` section it is in."""
    found: list[tuple[str, Command]] = []
    section = ""
    fence: str | None = None
    console = runs = False
    previous = ""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            console = match.group(2) == "console"
            runs = previous.strip() != NO_RUN
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and line.startswith("## "):
            section = line[3:].strip()
        elif fence is not None and console and line.startswith("$ "):
            command = line[2:].strip()
            exits = _EXITS.search(command)
            code = int(exits.group(1)) if exits else 0
            found.append((section, Command(page, number, command, code, runs)))
        if line.strip():
            previous = line
    return found


def commands(page: Path, *, only: str | None = None, skip: tuple[str, ...] = ()) -> list[Command]:
    """The commands of ``page`` in order: only those under the ``## only`` section when
    given, and none under a ``## `` section named in ``skip``."""
    return [
        command
        for section, command in extract(page, page.read_text(encoding="utf-8"))
        if (only is None or section == only) and section not in skip
    ]


def demo_copy(repo: Path, directory: Path) -> dict[str, str]:
    """A fresh copy of the demo books under ``directory``, and the environment the
    examples run in: the project's ``backoffice`` first on the PATH and
    ``BACKOFFICE_BOOKS`` on the copy."""
    shutil.copytree(repo / "books", directory / "books")
    return example_env(directory / "books" / "main.beancount")


def example_env(books: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BACKOFFICE_AS_OF", None)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["BACKOFFICE_BOOKS"] = str(books)
    return env


def run(command: Command, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``command`` through bash (so globs expand) in ``cwd``."""
    return subprocess.run(
        ["bash", "-c", command.text],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def failure(command: Command, result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"{command.where}: '$ {command.text}' exited {result.returncode}, "
        f"the page says {command.exit_code}\n"
        f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    )
