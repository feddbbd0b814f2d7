"""Fuzz the blotter, custody CSV and broker OFX readers: damaged input gives
an ImportFailure (file, place, value, hint), never another exception."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.common import ImportFailure
from importers.custody.csv import CustodyCsvImporter
from importers.trades.blotter import BlotterImporter
from importers.trades.ofx import BrokerOfxImporter
from tests.importers.trade_books import CUSTODY, TRADES, base_books, trades_config

CONFIG = trades_config()
with tempfile.TemporaryDirectory() as _tmp:
    EXISTING = base_books(Path(_tmp)).entries


def _mutate(original: bytes, position: int, cut: int, insert: bytes) -> bytes:
    position %= len(original) + 1
    return original[:position] + insert + original[position + cut :]


def _run(importer: object, name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        with contextlib.suppress(ImportFailure):
            importer.extract(str(path), EXISTING)  # type: ignore[attr-defined]


EDITS = (
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=40),
    st.binary(max_size=12) | st.sampled_from([b";", b",", b"\n", b"<", b">", b"-", b"x", b""]),
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(*EDITS)
def test_blotter(position: int, cut: int, insert: bytes) -> None:
    original = (TRADES / "blotter.csv").read_bytes()
    _run(BlotterImporter(CONFIG), "blotter.csv", _mutate(original, position, cut, insert))


@FUZZ
@given(*EDITS)
def test_custody_csv(position: int, cut: int, insert: bytes) -> None:
    original = (CUSTODY / "custody.csv").read_bytes()
    _run(CustodyCsvImporter(CONFIG), "custody.csv", _mutate(original, position, cut, insert))


@FUZZ
@given(*EDITS)
def test_broker_ofx(position: int, cut: int, insert: bytes) -> None:
    original = (TRADES / "alphasec.ofx").read_bytes()
    _run(BrokerOfxImporter(CONFIG), "alphasec.ofx", _mutate(original, position, cut, insert))
