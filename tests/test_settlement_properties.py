"""plugins.settlement on generated ledgers: it never raises, never changes its input,
every error names an entry, and its output is the same for the same input."""

from __future__ import annotations

import copy
import datetime
import textwrap

import pytest
from beancount.core import data
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledger.books import load_string
from ledger.errors import BooksError, sort_errors
from ledger.plugin_env import plugin_settings
from ledger.settlement.scan import scan
from plugins.settlement import _Run, settlement
from tests.settlement_books import HEADER

DAYS = st.dates(datetime.date(2026, 11, 16), datetime.date(2026, 12, 4))


@st.composite
def trades(draw: st.DrawFn) -> str:
    text = []
    for n in range(draw(st.integers(1, 6))):
        t = draw(DAYS)
        s = t + datetime.timedelta(days=draw(st.integers(-1, 5)))
        counterparty = draw(st.sampled_from(["AlphaSec", "BetaMarkets"]))
        security, currency = draw(st.sampled_from([("XYZ", "USD"), ("SAP", "EUR")]))
        amount = draw(st.integers(1, 10_000))
        override = "  settle-override: TRUE\n" if draw(st.booleans()) else ""
        text.append(
            f'{t} * "{counterparty}" "Buy" ^trade-G{n}\n'
            f'  trade-id: "G{n}"\n  trade-date: {t}\n  settle-date: {s}\n  side: "buy"\n'
            f"{override}"
            f"  Assets:Custody:Custodia:Securities  1 {security} {{{amount} {currency}}}\n"
            f"  Assets:Unsettled:{counterparty}  -{amount} {currency}\n"
        )
        for _ in range(draw(st.integers(0, 2))):
            # Often the trade's own amount and link: a settlement in full.
            paid = draw(st.one_of(st.just(amount), st.integers(1, 12_000)))
            day = s + datetime.timedelta(days=draw(st.integers(-1, 3)))
            partial = "  partial: TRUE\n" if draw(st.booleans()) else ""
            link = f" ^trade-G{draw(st.one_of(st.just(n), st.integers(0, 6)))}"
            text.append(
                f'{day} * "Custodia" "Settlement"{link}\n{partial}'
                f"  Assets:Unsettled:{counterparty}  {paid} {currency}\n"
                f"  Assets:Custody:Custodia:Cash:{currency}  -{paid} {currency}\n"
            )
    return "\n".join(text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ledger=trades(), as_of=DAYS)
def test_never_raises_never_mutates(
    ledger: str, as_of: datetime.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", as_of.isoformat())
    books = load_string(HEADER.replace('plugin "plugins.settlement"', "") + textwrap.dedent(ledger))
    assert books.errors == []  # the generated ledger itself is valid
    before = copy.deepcopy(books.entries)
    entries, errors = settlement(books.entries, books.options)
    assert books.entries == before
    assert all(isinstance(e, BooksError) and e.source and "lineno" in e.source for e in errors)
    again, errors_again = settlement(books.entries, books.options)
    assert (again, errors_again) == (entries, errors)
    # The plugin leaves sorting to Beancount's loader, which sorts after every plugin;
    # the output is the input's entries, re-dated in place, then the generated ones.
    where = [(e.meta["filename"], e.meta["lineno"]) for e in entries]
    assert where[: len(books.entries)] == [
        (e.meta["filename"], e.meta["lineno"]) for e in books.entries
    ]
    loaded = load_string(HEADER + textwrap.dedent(ledger))
    assert loaded.entries == sorted(entries, key=data.entry_sortkey)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ledger=trades(), as_of=DAYS)
@example(  # settled in full, but after the as-of date: a fail, flagged
    ledger=(
        '2026-11-17 * "AlphaSec" "Buy" ^trade-G0\n  trade-id: "G0"\n'
        '  trade-date: 2026-11-17\n  settle-date: 2026-11-18\n  side: "buy"\n'
        "  Assets:Custody:Custodia:Securities  1 XYZ {5 USD}\n"
        "  Assets:Unsettled:AlphaSec  -5 USD\n\n"
        '2026-11-23 * "Custodia" "Settlement" ^trade-G0\n'
        "  Assets:Unsettled:AlphaSec  5 USD\n  Assets:Custody:Custodia:Cash:USD  -5 USD\n"
    ),
    as_of=datetime.date(2026, 11, 20),
)
def test_the_scan_time_shortcut_changes_nothing(
    ledger: str, as_of: datetime.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scan marks a trade settled in full when its one settlement matches it
    # (scan(..., settled_by=)), and the plugin then skips its settlement checks; without
    # the mark every trade goes through them. The result must be the same.
    monkeypatch.setenv("BACKOFFICE_AS_OF", as_of.isoformat())
    books = load_string(HEADER.replace('plugin "plugins.settlement"', "") + textwrap.dedent(ledger))
    settings_ = plugin_settings(books.options, "plugins.settlement")
    assert not isinstance(settings_, BooksError)
    config, day = settings_
    run = _Run(config, day, books.entries)
    run.run(scan(books.entries, config, on_trade=run.read_trade))
    assert (run.output(), sort_errors(run.errors)) == settlement(books.entries, books.options)
