"""The snapshot built from the previous period end's state equals the one summed
from every entry (:mod:`tests.snapshot_reference`), at rising and falling ends."""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.books import load
from ledger.close import snapshot
from ledger.close.snapshot_load import FULL_ENV
from ledger.config import load_config
from tests import snapshot_reference
from tests.test_snapshot import AS_OF, generate


@pytest.fixture
def books_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BACKOFFICE_AS_OF", AS_OF.isoformat())
    monkeypatch.delenv(FULL_ENV, raising=False)
    return tmp_path


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_each_end_from_the_last_equals_the_sum_of_every_entry(books_dir: Path, seed: int) -> None:
    books, _ = generate(books_dir / f"books-{seed}", seed)
    captured: list[list[data.Directive]] = []

    def keep(entries: list[data.Directive], options: dict[str, Any]) -> None:
        captured.append(list(entries))

    processed = load(books, before_plugins=keep).entries
    (booked,) = captured
    accounts = load_config(books).accounts
    rng = random.Random(seed)
    first = booked[0].date
    days = sorted(
        first + datetime.timedelta(days=rng.randrange((AS_OF - first).days)) for _ in range(12)
    )
    ends = [*days, *rng.sample(days, 4)]  # rising, then back and forth
    history = snapshot.History(booked, processed, accounts.unsettled, accounts.suspense)
    for end in ends:
        expected = snapshot_reference.snapshot_body(
            "p", end, booked, processed, accounts.unsettled, accounts.suspense, books.parent
        )
        assert history.body("p", end, books.parent) == expected, end
