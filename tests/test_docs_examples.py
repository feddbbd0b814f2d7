"""Every shell example of the README and docs/ runs as the page prints it, and every
link between the pages lands.

The examples of one page run in order on a fresh copy of the demo books
(``tests/docs_examples.py`` has the convention). The README's "Getting started"
section is left to its own test, which runs it on new books.
"""

from __future__ import annotations

import re
import shlex
import warnings
from pathlib import Path

import click
import pytest

from ledger.cli import main
from tests.conftest import REPO
from tests.docs_examples import Command, commands, demo_copy, extract, failure, run

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SKIP = ("Getting started",)


def _runnable(page: Path) -> list[Command]:
    return [command for command in commands(page, skip=SKIP) if command.runs]


RUNNABLE = [page for page in PAGES if _runnable(page)]


@pytest.mark.parametrize("page", RUNNABLE, ids=[page.name for page in RUNNABLE])
def test_examples_run(page: Path, tmp_path: Path) -> None:
    env = demo_copy(REPO, tmp_path)
    for command in _runnable(page):
        result = run(command, tmp_path, env)
        assert result.returncode == command.exit_code, failure(command, result)


def test_every_area_page_has_examples_that_run() -> None:
    areas = {
        "importing.md",
        "trades-and-custody.md",
        "settlement.md",
        "cash.md",
        "matching.md",
        "reconciliation-and-breaks.md",
        "close-and-audit.md",
        "configuration.md",
    }
    assert areas <= {page.name for page in RUNNABLE}


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_documented_commands_parse(page: Path) -> None:
    """Every ``backoffice`` example, run or not, names a real command and real options."""
    for command in commands(page):
        words = shlex.split(command.text, comments=True)
        if not words or words[0] != "backoffice":
            continue
        try:
            _parse(words[1:])
        except click.ClickException as exc:
            pytest.fail(f"{command.where}: '$ {command.text}': {exc.format_message()}")


def _parse(args: list[str]) -> None:
    """Parse ``args`` as ``backoffice`` would, down to the subcommand, running nothing."""
    ctx = main.make_context("backoffice", args)
    command: click.Command = main
    while isinstance(command, click.Group):
        with warnings.catch_warnings():  # Click 8 keeps the subcommand in protected_args
            warnings.simplefilter("ignore", DeprecationWarning)
            rest = [*ctx.protected_args, *ctx.args]
        if not rest:
            return
        sub = command.get_command(ctx, rest[0])
        if sub is None:
            raise click.UsageError(f"no command {rest[0]!r}")
        ctx = sub.make_context(rest[0], rest[1:], parent=ctx)
        command = sub


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", text, flags=re.S), re.M)
    return {_anchor(heading) for heading in headings}


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_links_land(page: Path) -> None:
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: link to {target}: no such file"
        if anchor:
            assert anchor in _anchors(linked), f"{page.name}: link to {target}: no such heading"


def test_extract_reads_the_convention(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    text = "\n".join(
        [
            "## One",
            "```console",
            "$ backoffice check",
            "0 errors",
            "$ backoffice cash --days 3  # exits 1",
            "```",
            "<!-- no-run -->",
            "```console",
            "$ backoffice serve",
            "```",
            "```sh",
            "$ not a console block",
            "```",
            "## Getting started",
            "```console",
            "$ backoffice init firm",
            "```",
        ]
    )
    found = [(section, c.line, c.text, c.exit_code, c.runs) for section, c in extract(page, text)]
    assert found == [
        ("One", 3, "backoffice check", 0, True),
        ("One", 5, "backoffice cash --days 3  # exits 1", 1, True),
        ("One", 9, "backoffice serve", 0, False),
        ("Getting started", 16, "backoffice init firm", 0, True),
    ]
    page.write_text(text, encoding="utf-8")
    assert [c.line for c in commands(page, skip=SKIP)] == [3, 5, 9]
    assert [c.line for c in commands(page, only="Getting started")] == [16]
