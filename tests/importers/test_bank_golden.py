"""Golden files for every bank format: our own samples, the demo inbox and
third-party files from other projects (tests/data/bank/third-party/README.md).

Each document's extracted entries, printed, must equal ``<document>.beancount``
byte for byte; a document the importer must refuse has its message in
``<document>.error`` instead. Regenerate with ``BACKOFFICE_UPDATE_GOLDEN=1``
and review the diff: without it a golden file is never written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from importers.common import ImportFailure
from importers.registry import bank_importers
from ledger.books import load
from ledger.config import load_config
from ledger.imports import output
from tests.conftest import REPO

BANK = REPO / "tests" / "data" / "bank"
UPDATE_ENV = "BACKOFFICE_UPDATE_GOLDEN"
DOCUMENTS = sorted(
    path.relative_to(REPO)
    for folder in (BANK / "own", BANK / "third-party")
    for path in folder.iterdir()
    if path.suffix not in (".beancount", ".error", ".md")
)
DEMO = sorted(
    path.relative_to(REPO)
    for path in (REPO / "books" / "inbox").iterdir()
    if path.name.startswith(("firstharbor-", "rheinbank-"))
)


def check_golden(text: str, golden: Path) -> None:
    if os.environ.get(UPDATE_ENV):
        golden.write_text(text, encoding="utf-8")
    if not golden.exists():
        pytest.fail(f"{golden} is missing; write it with {UPDATE_ENV}=1 and review it")
    assert text == golden.read_text(encoding="utf-8")


def outcome(document: Path, config_dir: Path) -> tuple[str, str]:
    """``(suffix, text)``: the printed entries, or the importer's error."""
    config = load_config(config_dir / "main.beancount")
    existing = load(BANK / "trades.beancount").entries
    found = [imp for imp in bank_importers(config) if imp.identify(str(document))]
    assert len(found) == 1, f"{document}: claimed by {[imp.name for imp in found]}"
    try:
        entries = found[0].extract(str(document), existing)
    except ImportFailure as exc:
        return ".error", str(exc) + "\n"
    return ".beancount", output.render(entries)


@pytest.mark.parametrize("document", DOCUMENTS, ids=str)
def test_sample_matches_its_golden_file(document: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    suffix, text = outcome(document, BANK)
    other = ".error" if suffix == ".beancount" else ".beancount"
    assert not (REPO / f"{document}{other}").exists(), f"{document} now gives {suffix}"
    check_golden(text, REPO / f"{document}{suffix}")


@pytest.mark.parametrize("document", DEMO, ids=str)
def test_demo_statement_matches_its_golden_file(
    document: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo inbox, with the demo books' own config (rules, CSV format)."""
    monkeypatch.chdir(REPO)
    suffix, text = outcome(document, REPO / "books")
    assert suffix == ".beancount", text
    check_golden(text, BANK / "demo" / f"{document.name}{suffix}")
