"""Their side from FIX execution reports and MT545/MT547 settlement confirmations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import simplefix
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import write_books
from tests.test_match import LEDGER


@pytest.fixture(autouse=True)
def _as_of_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI publishes its as-of date in the environment; undo that after each test."""
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


SAP_TRADE = """
    2026-01-01 open Assets:Unsettled:BetaMarkets
    2026-01-01 commodity SAP
      isin: "DE0007164600"
      asset-class: "equity"
      market: "XETR"

    2026-11-25 * "BetaMarkets" "Buy 200 SAP" ^trade-GA-20261125-001
      trade-id: "GA-20261125-001"
      trade-date: 2026-11-25
      settle-date: 2026-11-27
      isin: "DE0007164600"
      side: "buy"
      counterparty: "BetaMarkets"
      Assets:Custody:Custodia:Securities   200 SAP {236.80 EUR}
      Expenses:Commissions                  9.50 EUR
      Assets:Unsettled:BetaMarkets     -47369.50 EUR
"""

CONFIG = """
as-of = 2026-11-27
[counterparties.AlphaSec]
[counterparties.BetaMarkets]
[trades.fix.counterparties]
BETAMKTS = "BetaMarkets"
"""


def execution(seq: int, exec_id: str, qty: str, px: str, status: str, **extra: str) -> str:
    message = simplefix.FixMessage()
    message.append_pair(8, "FIX.4.4", header=True)
    for tag, value in [
        (35, "8"),
        (49, "BETAMKTS"),
        (56, "GAI-DROPCOPY"),
        (34, str(seq)),
        (52, "20261125-09:31:12.410"),
        (37, "BM-77001"),
        (11, "GA-20261125-001"),
        (17, exec_id),
        (150, "F"),
        (39, status),
        (55, "SAP"),
        (48, "DE0007164600"),
        (22, "4"),
        (207, "XETR"),
        (54, "1"),
        (32, qty),
        (31, px),
        (15, "EUR"),
        (75, "20261125"),
        (64, "20261127"),
        *[(int(k[1:]), v) for k, v in extra.items()],
    ]:
        message.append_pair(tag, value)
    return "20261125-09:31:12.410 : " + message.encode().decode().replace("\x01", "|")


def test_fix_execution_reports_are_confirmations(tmp_path: Path, runner: CliRunner) -> None:
    log = "\n".join(
        [
            "20261125-08:59:58.001 : Created session FIX.4.4:GAI-DROPCOPY->BETAMKTS",
            execution(2, "BM-E-1", "120", "236.60", "1"),
            execution(3, "BM-E-2", "80", "236.95", "2", t12="9.50", t13="3"),
        ]
    )
    path = write_books(
        tmp_path,
        {"main.beancount": LEDGER + SAP_TRADE, "backoffice.toml": CONFIG, "drop.fix.log": log},
    )
    result = runner.invoke(
        main, ["--books", str(path), "match", "--json", "--dry-run", str(tmp_path / "drop.fix.log")]
    )
    report = json.loads(result.output)
    (row,) = report["rows"]
    assert (row["status"], row["paired_on"], row["confirmation"], row["theirs"]) == (
        "mismatched",
        "reference",
        "BM-E-1",
        {"file": "drop.fix.log", "line": 2},
    )
    # 120 at 236.60 and 80 at 236.95 average 236.74; we booked 236.80.
    assert [(d["field"], d["ours"], d["theirs"], d["difference"]) for d in row["differences"]] == [
        ("price", "236.80", "236.74", "-0.06"),
        ("gross", "47360.00", "47348.00", "-12.00"),
    ]
    assert result.exit_code == 1


def mt54x(kind: str, seme: str, function: str, link: str, price: str, amount: str) -> str:
    return (
        "{1:F01GAINUS33AXXX0000000000}{2:O" + kind + "1545261125CSTDUS33XXXX00000000002611251545N}"
        "{4:\n:16R:GENL\n:20C::SEME//" + seme + "\n:23G:" + function + "\n"
        ":98C::PREP//20261125154500\n:16R:LINK\n" + link + "\n:16S:LINK\n:16S:GENL\n"
        ":16R:TRADDET\n:98A::ESET//20261125\n:98A::TRAD//20261124\n"
        ":90B::DEAL//ACTU/USD" + price + "\n:35B:ISIN US8522341036\nBLOCK INC CL A\n"
        ":16S:TRADDET\n:16R:FIAC\n:36B::ESTT//UNIT/1000,\n:97A::SAFE//GAISAFE001\n:16S:FIAC\n"
        ":16R:SETDET\n:22F::SETR//TRAD\n:16R:SETPRTY\n:95P::DEAG//ALPSUS33\n:16S:SETPRTY\n"
        ":16R:AMT\n:19A::ESTT//USD" + amount + "\n:16S:AMT\n:16S:SETDET\n-}"
    )


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (
            [mt54x("545", "CUS-1", "NEWM", ":20C::RELA//GA-20261124-001", "61,25", "61275,")],
            [("matched", "CUS-1", "reference", [])],
        ),
        (
            [mt54x("545", "CUS-1", "NEWM", ":20C::RELA//GA-20261124-001", "61,30", "61325,")],
            [
                (
                    "mismatched",
                    "CUS-1",
                    "reference",
                    [("price", "61.25", "61.30"), ("net", "61275.00", "61325.00")],
                )
            ],
        ),
        (
            [
                mt54x("545", "CUS-1", "NEWM", ":20C::RELA//GA-20261124-001", "61,30", "61325,"),
                mt54x("545", "CUS-2", "CANC", ":20C::PREV//CUS-1", "61,30", "61325,"),
                mt54x("545", "CUS-3", "NEWM", ":20C::RELA//GA-20261124-001", "61,25", "61275,"),
            ],
            [("matched", "CUS-3", "reference", [])],
        ),
    ],
    ids=["agrees", "price and amount differ", "cancelled and replaced"],
)
def test_mt545_settlement_confirmations(
    tmp_path: Path,
    runner: CliRunner,
    messages: list[str],
    expected: list[tuple[str, str, str, list[tuple[str, str, str]]]],
) -> None:
    path = write_books(
        tmp_path,
        {
            "main.beancount": LEDGER,
            "backoffice.toml": CONFIG,
            "custodia.mt545.txt": "\n".join(messages) + "\n",
        },
    )
    result = runner.invoke(
        main,
        [
            "--books",
            str(path),
            "match",
            "--json",
            "--dry-run",
            str(tmp_path / "custodia.mt545.txt"),
        ],
    )
    rows = json.loads(result.output)["rows"]
    assert [
        (
            r["status"],
            r["confirmation"],
            r["paired_on"],
            [(d["field"], d["ours"], d["theirs"]) for d in r["differences"]],
        )
        for r in rows
    ] == expected
    assert result.exit_code == (0 if expected[0][0] == "matched" else 1)


def test_free_of_payment_confirmation_is_refused(tmp_path: Path, runner: CliRunner) -> None:
    path = write_books(
        tmp_path,
        {
            "main.beancount": LEDGER,
            "backoffice.toml": CONFIG,
            "fop.txt": mt54x("544", "CUS-9", "NEWM", ":20C::RELA//GA-20261124-001", "1,", "1,"),
        },
    )
    result = runner.invoke(main, ["--books", str(path), "match", str(tmp_path / "fop.txt")])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"{tmp_path / 'fop.txt'}:1: MT544 CUS-9: a free-of-payment confirmation carries no "
        "amount to match"
    )
