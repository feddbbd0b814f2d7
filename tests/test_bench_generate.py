"""bench/generate.py: synthetic books that load clean, deterministic by seed."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data

from bench.generate import Firm, read_firm, render, write
from ledger.books import Books, load
from ledger.config import parse_config
from ledger.meta import get_cash_floor
from tests.conftest import DEMO_BOOKS

SIZE = 2000


@pytest.fixture(scope="module")
def firm() -> Firm:
    return read_firm(DEMO_BOOKS)


@pytest.fixture(scope="module")
def files(firm: Firm) -> dict[str, str]:
    return render(firm, SIZE, seed=7)


@pytest.fixture(scope="module")
def books(files: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Books:
    out = tmp_path_factory.mktemp("synthetic")
    write(files, out)
    return load(out / "main.beancount")


@pytest.fixture(scope="module")
def bare(firm: Firm, tmp_path_factory: pytest.TempPathFactory) -> Books:
    """The same books without the demo's plugins: the entries as generated."""
    out = tmp_path_factory.mktemp("bare")
    write(render(firm, SIZE, seed=7, plugins=False), out)
    return load(out / "main.beancount")


def transactions(books: Books) -> list[data.Transaction]:
    return [e for e in books.entries if isinstance(e, data.Transaction)]


def test_books_load_clean_with_the_demo_plugins(books: Books) -> None:
    assert books.errors == []


def test_books_without_plugins_hold_exactly_size_transactions(bare: Books) -> None:
    assert bare.errors == []
    assert len(transactions(bare)) == SIZE


def test_main_copies_the_demo_plugin_lines(files: dict[str, str], firm: Firm) -> None:
    demo = (DEMO_BOOKS / "main.beancount").read_text(encoding="utf-8").splitlines()
    plugins = [line for line in demo if line.startswith("plugin ")]
    main = files["main.beancount"].splitlines()
    assert [line for line in main if line.startswith("plugin ")] == plugins
    assert firm.plugins == plugins
    bare = render(firm, 50, seed=7, plugins=False)["main.beancount"]
    assert "plugin " not in bare


def test_same_seed_same_bytes_other_seed_other_books(firm: Firm, files: dict[str, str]) -> None:
    assert render(firm, SIZE, seed=7) == files
    other = render(firm, SIZE, seed=8)
    assert other.keys() >= {"main.beancount", "opening.beancount", "backoffice.toml"}
    assert other["opening.beancount"] == files["opening.beancount"]
    assert other["imported/2026-01.beancount"] != files["imported/2026-01.beancount"]


def test_balance_assertions_on_every_cash_account_and_each_security(
    bare: Books, firm: Firm
) -> None:
    balances = [e for e in bare.entries if isinstance(e, data.Balance)]
    cash = {(e.account, e.amount.currency) for e in balances if e.amount.currency in ("USD", "EUR")}
    assert cash == {
        ("Assets:Bank:FirstHarbor:USD", "USD"),
        ("Assets:Custody:Custodia:Cash:USD", "USD"),
        ("Assets:Bank:Rheinbank:EUR", "EUR"),
        ("Assets:Custody:Custodia:Cash:EUR", "EUR"),
    }
    held = [e for e in balances if e.account.endswith(":Securities")]
    assert {e.amount.currency for e in held} == {s.symbol for s in firm.securities}
    # Cash on the 1st and 16th of each month, from the first after the opening;
    # every security on the 1st: the month-end statements.
    days = sorted({e.date for e in balances if e.amount.currency == "USD"})
    assert days[:2] == [datetime.date(2026, 1, 16), datetime.date(2026, 2, 1)]
    assert {day.day for day in days} == {1, 16}
    assert {e.date for e in held} == {day for day in days if day.day == 1}


def test_trades_carry_the_settlement_vocabulary_and_settle_on_s(bare: Books) -> None:
    trades = {e.meta["trade-id"]: e for e in transactions(bare) if "trade-id" in e.meta}
    settlements: dict[str, list[data.Transaction]] = defaultdict(list)
    for entry in transactions(bare):
        if "trade-id" not in entry.meta and entry.links:
            (link,) = entry.links
            settlements[link.removeprefix("trade-")].append(entry)
    assert len(trades) == len(settlements) > 500
    for trade_id, trade in trades.items():
        meta = trade.meta
        assert trade.links == {f"trade-{trade_id}"}
        assert meta["trade-date"] == trade.date
        assert meta["side"] in ("buy", "sell")
        assert meta["counterparty"] in ("AlphaSec", "BetaMarkets")
        (settlement,) = settlements[trade_id]
        assert settlement.date == meta["settle-date"] > trade.date
        clearing = f"Assets:Unsettled:{meta['counterparty']}"
        owed = sum(p.units.number for p in trade.postings if p.account == clearing)
        paid = sum(p.units.number for p in settlement.postings if p.account == clearing)
        assert owed + paid == 0


def test_settle_dates_follow_the_cycle_and_calendars(bare: Books) -> None:
    """Friday 2026-01-16, Martin Luther King Day on Monday: US T+1 is Tuesday the
    20th; EU T+2 on TARGET and Xetra/Euronext is Tuesday the 20th as well. A US
    trade on Wednesday 2026-01-14 settles Thursday, an EU one Friday."""
    expected = {
        (datetime.date(2026, 1, 16), "AlphaSec"): datetime.date(2026, 1, 20),
        (datetime.date(2026, 1, 16), "BetaMarkets"): datetime.date(2026, 1, 20),
        (datetime.date(2026, 1, 14), "AlphaSec"): datetime.date(2026, 1, 15),
        (datetime.date(2026, 1, 14), "BetaMarkets"): datetime.date(2026, 1, 16),
    }
    seen = {
        (e.date, e.meta["counterparty"]): e.meta["settle-date"]
        for e in transactions(bare)
        if (e.date, e.meta.get("counterparty")) in expected
    }
    assert seen == expected


def test_cash_never_below_its_floor(bare: Books) -> None:
    floors = {
        e.account: get_cash_floor(e.meta)[0]
        for e in bare.entries
        if isinstance(e, data.Open) and "cash-floor" in e.meta
    }
    balance: dict[str, Decimal] = defaultdict(Decimal)
    lowest: dict[str, Decimal] = {}
    entries = transactions(bare)
    for i, entry in enumerate(entries):
        for p in entry.postings:
            if p.account in floors:
                balance[p.account] += p.units.number
        if i + 1 == len(entries) or entries[i + 1].date != entry.date:  # end of day
            for account, amount in balance.items():
                lowest[account] = min(lowest.get(account, amount), amount)
    assert lowest.keys() == {
        "Assets:Bank:FirstHarbor:USD",
        "Assets:Bank:Rheinbank:EUR",
        "Assets:Custody:Custodia:Cash:USD",
        "Assets:Custody:Custodia:Cash:EUR",
    }
    assert all(lowest[account] >= floors[account] for account in lowest)


def test_config_is_the_demos_with_as_of_at_the_end_no_auto_settle_nor_revaluation(
    files: dict[str, str], bare: Books
) -> None:
    config = files["backoffice.toml"]
    last = max(e.date for e in bare.entries)
    assert f"\nas-of = {last}\n" in config
    assert "auto-settle = true" not in config
    assert "auto-settle = false" in config
    assert parse_config(config, Path("backoffice.toml")).close.revaluation is False


def test_write_refuses_a_directory_with_files(tmp_path: Path) -> None:
    from bench.generate import GenerateError

    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(GenerateError, match="not empty"):
        write({"main.beancount": ""}, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_trades_stay_pending_across_month_ends(bare: Books) -> None:
    """As in a firm's books: the custodian's month-end position leaves them out."""
    across = [
        e
        for e in transactions(bare)
        if "settle-date" in e.meta and e.meta["settle-date"].month != e.date.month
    ]
    assert across


def test_under_the_trade_date_policy_the_assertions_count_trades_from_t(
    firm: Firm, files: dict[str, str], tmp_path: Path
) -> None:
    """The settlement-date books' security assertions fail under the trade-date
    policy (a trade pending at the month end counts there); books generated for
    that policy assert what it counts, and load clean."""
    config = files["backoffice.toml"]
    assert 'policy = "settlement-date"' in config
    text = firm.config_text.replace('"settlement-date"', '"trade-date"')
    trade_date = replace(
        firm, config_text=text, config=parse_config(text, DEMO_BOOKS / "backoffice.toml")
    )
    write(
        {**files, "backoffice.toml": config.replace('"settlement-date"', '"trade-date"')},
        tmp_path / "mixed",
    )
    failing = load(tmp_path / "mixed" / "main.beancount").errors
    assert failing and {type(error).__name__ for error in failing} == {"BalanceError"}
    write(render(trade_date, SIZE, seed=7), tmp_path / "trade-date")
    assert load(tmp_path / "trade-date" / "main.beancount").errors == []


def test_the_floor_benchmarks_least_pass_re_dates_as_the_plugin_does(bare: Books) -> None:
    """bench/settlement_floor.py sets the plugin beside a least pass; that pass must do
    at least the plugin's re-dating, entry for entry, for the comparison to hold."""
    import plugins.settlement
    from bench.settlement_floor import least_pass

    redated, errors = plugins.settlement.settlement(bare.entries, bare.options)
    assert errors == []
    least = least_pass(bare.entries, "Assets:Unsettled:")
    assert len(redated) == len(least) == len(bare.entries)
    moved = [i for i, entry in enumerate(bare.entries) if entry.date != redated[i].date]
    assert moved, "the synthetic trades settle after T: the plugin re-dates some"
    assert [entry.date for entry in least] == [entry.date for entry in redated]
