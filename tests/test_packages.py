"""The import names resolve inside this repository, not to another installed package."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize("name", ["ledger", "importers", "plugins"])
def test_package_resolves_inside_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == REPO / name
