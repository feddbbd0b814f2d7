"""``backoffice settlements``: the storyline's report as text and JSON, filters, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main

BOOKS = Path(__file__).parent / "data" / "settlement" / "books" / "main.beancount"


def invoke(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(main, ["--books", str(BOOKS), "settlements", *args])
    return result.exit_code, result.stdout


@pytest.fixture(autouse=True)
def _no_as_of(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKOFFICE_AS_OF", raising=False)


def test_text_report(runner: CliRunner) -> None:
    code, out = invoke(runner)
    assert code == 0
    assert out == (
        "Settlements of Global Assets Inc. as of 2026-11-27 (settlement-date policy)\n"
        "\n"
        "  trade  T           S           counterparty  isin          security  side  quantity"
        "         amount  ccy      settled      remaining  status   age\n"
        "  A1009  2026-10-09  2026-10-13  AlphaSec      US0378331005  AAPL      buy        500"
        "    -122,550.00  USD  -122,550.00           0.00  settled    0\n"
        "  A1119  2026-11-19  2026-11-20  AlphaSec      US5949181045  MSFT      sell       300"
        "     126,000.00  USD         0.00     126,000.00  failed     4\n"
        "  T123   2026-11-24  2026-11-25  AlphaSec      US8522341036  XYZ       buy      1,000"
        "     -61,275.00  USD   -61,275.00           0.00  settled    0\n"
        "  B1125  2026-11-25  2026-11-27  BetaMarkets   DE0007164600  SAP       buy        200"
        "     -47,360.00  EUR   -47,360.00           0.00  settled    0\n"
        "  A1127  2026-11-27  2026-11-30  AlphaSec      US78462F1030  SPY       buy      2,000"
        "  -1,196,800.00  USD         0.00  -1,196,800.00  pending    0\n"
        "\n"
        "Totals by status\n"
        "  status   ccy  trades         amount      remaining\n"
        "  failed   USD       1     126,000.00     126,000.00\n"
        "  pending  USD       1  -1,196,800.00  -1,196,800.00\n"
        "  settled  EUR       1     -47,360.00           0.00\n"
        "  settled  USD       2    -183,825.00           0.00\n"
        "\n"
        "Totals by counterparty\n"
        "  counterparty  ccy  trades         amount      remaining\n"
        "  AlphaSec      USD       4  -1,254,625.00  -1,070,800.00\n"
        "  BetaMarkets   EUR       1     -47,360.00           0.00\n"
    )


def test_json_filtered_by_status(runner: CliRunner) -> None:
    code, out = invoke(runner, "--json", "--status", "failed")
    assert code == 0
    assert json.loads(out) == {
        "as_of": "2026-11-27",
        "counterparty": None,
        "policy": "settlement-date",
        "status": "failed",
        "totals": {
            "by_counterparty": [
                {
                    "amount": "126000.00",
                    "counterparty": "AlphaSec",
                    "currency": "USD",
                    "failed": 1,
                    "remaining": "126000.00",
                    "trades": 1,
                }
            ],
            "by_status": [
                {
                    "amount": "126000.00",
                    "currency": "USD",
                    "remaining": "126000.00",
                    "status": "failed",
                    "trades": 1,
                }
            ],
        },
        "trades": [
            {
                "age": 4,
                "amount": "126000.00",
                "cash_account": "Assets:Custody:Custodia:Cash:USD",
                "counterparty": "AlphaSec",
                "currency": "USD",
                "file": "main.beancount",
                "isin": "US5949181045",
                "line": 60,
                "link": "trade-A1119",
                "quantity": "300",
                "remaining": "126000.00",
                "security": "MSFT",
                "settle_date": "2026-11-20",
                "settled_amount": "0",
                "side": "sell",
                "status": "failed",
                "trade_date": "2026-11-19",
                "trade_id": "A1119",
            }
        ],
    }


def test_as_of_moves_the_fail_and_the_auto_settlement(runner: CliRunner) -> None:
    """On 11-20 the MSFT sale is due today (pending) and the later trades do not exist yet;
    on 11-26 the SAP trade is not yet settled
    though its generated settlement already carries the cash (remaining 0)."""
    code, out = invoke(runner, "--json", "--as-of", "2026-11-26", "--counterparty", "BetaMarkets")
    assert code == 0
    trades = json.loads(out)["trades"]
    assert [(t["trade_id"], t["status"], t["remaining"]) for t in trades] == [
        ("B1125", "pending", "0.00")
    ]
    code, out = invoke(runner, "--json", "--as-of", "2026-11-20", "--status", "pending")
    assert [t["trade_id"] for t in json.loads(out)["trades"]] == ["A1119"]


def test_unknown_counterparty_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--books", str(BOOKS), "settlements", "--counterparty", "Gamma"])
    assert result.exit_code == 2
    assert "--counterparty: unknown counterparty 'Gamma'; known: AlphaSec, BetaMarkets" in (
        result.output
    )
