"""An import checks a statement's balances the way ``backoffice check`` counts
trades: under the ``settlement-date`` policy from S, under ``trade-date`` from T.

The books: the demo's opening (3,000 SPY in custody) and a pending buy of
2,000 SPY, T 2026-11-27, S 2026-11-30. Custodia's MT535 of 2026-11-27 (a
balance at the start of 11-28) lists 3,000 SPY under settlement-date and
5,000 under trade-date, whether the trade is already booked or comes in the
same batch as the statement.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import main
from ledger.config import load_config
from ledger.imports.view import books_view
from tests.importers.trade_books import MAIN, make_books

SECURITIES = "Assets:Custody:Custodia:Securities"
BLOTTER = """\
TradeRef;TradeDate;SettleDate;Broker;B/S;Qty;Ticker;ISIN;Name;Px;Ccy;Comm;SEC fee
GA-20261127-001;27.11.2026;30.11.2026;AlphaSec;B;2000;SPY;US78462F1030;SPDR;598.20;USD;40.00;
"""
MT535 = """\
{{1:F01GAINUS33AXXX0000000000}}{{2:O5352300261127CSTDUS33XXXX00000000002611272300N}}{{4:
:16R:GENL
:28E:1/ONLY
:20C::SEME//CUS535261127
:23G:NEWM
:98A::STAT//20261127
:22F::SFRE//DAIL
:22F::CODE//COMP
:22F::STTY//CUST
:22F::STBA//SETT
:97A::SAFE//GAISAFE001
:17B::ACTI//Y
:17B::AUDT//N
:17B::CONS//N
:16S:GENL
:16R:SUBSAFE
:16R:FIN
:35B:ISIN US78462F1030
SPDR S+P 500 ETF TRUST
:90B::MRKT//ACTU/USD598,20
:93B::AGGR//UNIT/{quantity},
:93B::AVAI//UNIT/{quantity},
:16S:FIN
:16S:SUBSAFE
-}}{{5:{{CHK:4C8D2E1F9A05}}}}
"""
HOLDS = {"settlement-date": 3000, "trade-date": 5000}


def books(tmp_path: Path, policy: str) -> Path:
    books_main = make_books(tmp_path / "books", main=MAIN + 'plugin "plugins.settlement"\n')
    with (books_main.parent / "backoffice.toml").open("a", encoding="utf-8") as config:
        config.write(f'\n[settlement]\npolicy = "{policy}"\n')
    return books_main


def inbox(tmp_path: Path, policy: str) -> tuple[Path, Path]:
    folder = tmp_path / "inbox"
    folder.mkdir()
    blotter = folder / "alphasec-2026-11-27.csv"
    blotter.write_text(BLOTTER, encoding="utf-8")
    mt535 = folder / "custodia-mt535-2026-11-27.txt"
    mt535.write_text(MT535.format(quantity=HOLDS[policy]), encoding="latin-1")
    return blotter, mt535


def backoffice(books_main: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(
        main, ["--books", str(books_main), *map(str, args)], catch_exceptions=False
    )


@pytest.mark.parametrize("policy", sorted(HOLDS))
@pytest.mark.parametrize("batched", [False, True], ids=["trade-booked", "same-batch"])
def test_mt535_between_t_and_s_follows_the_policy(
    tmp_path: Path, policy: str, batched: bool
) -> None:
    books_main = books(tmp_path, policy)
    blotter, mt535 = inbox(tmp_path, policy)
    if batched:
        result = backoffice(books_main, "import", blotter, mt535)
    else:
        imported = backoffice(books_main, "import", blotter)
        assert imported.exit_code == 0, imported.output
        result = backoffice(books_main, "import", mt535)
    assert (result.exit_code, result.output.count("holds")) == (0, 0), result.output
    checked = backoffice(books_main, "check")
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize("policy", sorted(HOLDS))
def test_the_index_counts_a_trade_as_the_loaded_books_do(tmp_path: Path, policy: str) -> None:
    books_main = books(tmp_path, policy)
    blotter, _ = inbox(tmp_path, policy)
    imported = backoffice(books_main, "import", blotter)
    assert imported.exit_code == 0, imported.output
    config = load_config(books_main)
    full = books_view(books_main, config, fast=False)
    fast = books_view(books_main, config, fast=True)
    days = [datetime.date(2026, 11, day) for day in (27, 28, 30)] + [datetime.date(2026, 12, 1)]
    held = [fast.balance(SECURITIES, "SPY", day) for day in days]
    assert held == [full.balance(SECURITIES, "SPY", day) for day in days]
    after_t = Decimal(HOLDS[policy])
    assert held == [Decimal(3000), after_t, after_t, Decimal(5000)]
