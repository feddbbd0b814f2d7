"""MT541/MT543 and sese.023 from standing settlement instructions: golden files,
read back with the project's ISO 15022 reader, the structural check of sese.023."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from importers.custody.iso15022 import parse
from ledger.books import load
from ledger.cli import main
from ledger.config import load_config
from ledger.settlement.instructions import instructions_for, reference
from ledger.settlement.mt541_mt543 import swift_decimal
from ledger.settlement.sese023 import structure_errors

DATA = Path(__file__).parent / "data" / "settlement"
BOOKS = DATA / "books" / "main.beancount"
GOLDEN = DATA / "golden"
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@pytest.fixture(autouse=True)
def _as_of(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_AS_OF", "2026-11-24")


@pytest.mark.parametrize("output_format", ["mt54x", "sese023"])
def test_files_match_the_golden_ones(runner: CliRunner, tmp_path: Path, output_format: str) -> None:
    """As of 2026-11-24: the failed MSFT sale (MT543) and the XYZ buy (MT541)."""
    args = ["--books", str(BOOKS), "instructions", "--as-of", "2026-11-24"]
    result = runner.invoke(main, [*args, "--format", output_format, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    pattern = "MT54*.fin" if output_format == "mt54x" else "sese023-*.xml"
    assert written == sorted(p.name for p in GOLDEN.glob(pattern))
    for name in written:
        assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_mt541_reads_back_with_the_iso15022_reader() -> None:
    (message,) = parse((GOLDEN / "MT541-T123.fin").read_text(encoding="ascii"), "MT541-T123")
    assert (message.message_type, message.reference) == ("541", "T123")
    body = message.body
    trade = body.sequences("TRADDET")[0]
    assert message.date(message.require(trade, "98A", "SETT")) == date(2026, 11, 25)
    assert message.date(message.require(trade, "98A", "TRAD")) == date(2026, 11, 24)
    assert message.isin(message.require(trade, "35B")) == "US8522341036"
    fiac = body.sequences("FIAC")[0]
    assert message.quantity(message.require(fiac, "36B", "SETT")) == ("UNIT", Decimal(1000))
    assert message.require(fiac, "97A", "SAFE").value == "GAISAFE001"
    assert message.require(fiac, "97A", "CASH").value == "GAICASHUSD01"
    setdet = body.sequences("SETDET")[0]
    parties = {(f.qualifier, f.value) for p in setdet.sequences("SETPRTY") for f in p.all("95P")}
    assert parties == {("DEAG", "ALPSUS33"), ("PSET", "DTCYUS33")}
    amount = setdet.sequences("AMT")[0]
    assert message.amount(message.require(amount, "19A", "SETT")) == ("USD", Decimal("61275"))


def test_mt543_delivers_to_the_receiving_agent() -> None:
    (message,) = parse((GOLDEN / "MT543-A1119.fin").read_text(encoding="ascii"), "MT543")
    setdet = message.body.sequences("SETDET")[0]
    agents = [f.value for p in setdet.sequences("SETPRTY") for f in p.all("95P", "REAG")]
    assert (message.message_type, agents) == ("543", ["ALPSUS33"])


@pytest.mark.parametrize("name", ["sese023-T123.xml", "sese023-A1119.xml"])
def test_sese023_golden_files_conform(name: str) -> None:
    root = etree.fromstring((GOLDEN / name).read_bytes(), SAFE_PARSER)
    assert structure_errors(root) == []


def test_structural_check_names_what_is_wrong() -> None:
    root = etree.fromstring((GOLDEN / "sese023-T123.xml").read_bytes(), SAFE_PARSER)
    ns = {"s": root.nsmap[None]}
    isin = root.find(".//s:ISIN", ns)
    assert isin is not None
    isin.text = "US85223410"
    qty = root.find(".//s:QtyAndAcctDtls", ns)
    account = root.find(".//s:QtyAndAcctDtls/s:SfkpgAcct", ns)
    assert qty is not None and account is not None
    qty.remove(account)
    amount = root.find(".//s:SttlmAmt/s:Amt", ns)
    assert amount is not None
    del amount.attrib["Ccy"]
    assert structure_errors(root) == [
        "/Document/SctiesSttlmTxInstr/FinInstrmId/ISIN: 'US85223410' does not match "
        "[A-Z]{2}[A-Z0-9]{9}[0-9]",
        "/Document/SctiesSttlmTxInstr/QtyAndAcctDtls: missing SfkpgAcct (or out of schema order)",
        "/Document/SctiesSttlmTxInstr/SttlmAmt/Amt: attribute Ccy=None does not match [A-Z]{3}",
    ]


def test_trade_without_standing_instruction_names_what_is_missing(tmp_path: Path) -> None:
    config = load_config(BOOKS)
    config = config.model_copy(
        update={
            "settlement": config.settlement.model_copy(
                update={"instructions": config.settlement.instructions[1:]}
            )
        }
    )
    books = load(BOOKS)
    found, problems = instructions_for(books.entries, config, date(2026, 11, 24))
    assert found == []
    assert problems == [
        f"{BOOKS}:60: trade A1119 (AlphaSec, market XNAS): no standing settlement "
        'instruction; add a [[settlement.instructions]] with counterparty = "AlphaSec", '
        'market = "XNAS", place-of-settlement, agent-bic and safekeeping-account',
        f"{BOOKS}:70: trade T123 (AlphaSec, market XNYS): no standing settlement "
        'instruction; add a [[settlement.instructions]] with counterparty = "AlphaSec", '
        'market = "XNYS", place-of-settlement, agent-bic and safekeeping-account',
    ]


def test_cli_writes_nothing_when_a_trade_cannot_be_instructed(
    runner: CliRunner, tmp_path: Path
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    (books / "main.beancount").write_text(BOOKS.read_text(encoding="utf-8"), encoding="utf-8")
    config = (DATA / "books" / "backoffice.toml").read_text(encoding="utf-8")
    (books / "backoffice.toml").write_text(
        config.replace('custodian-bic = "CSTDUS33"\n', ""), encoding="utf-8"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["--books", str(books / "main.beancount"), "instructions", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "[settlement] custodian-bic not set" in result.output
    assert not out.exists()


def test_field_formats() -> None:
    assert [swift_decimal(Decimal(v)) for v in ("1000", "61275.00", "61.25", "0.5")] == [
        "1000,",
        "61275,",
        "61,25",
        "0,5",
    ]
    with pytest.raises(ValueError, match="ISO 15022 decimal"):
        swift_decimal(Decimal("-1"))
    assert reference("GA-20261124-001") == "GA-20261124-001"
    assert reference("a very long trade id / with spaces") == "dc552e388589ca45"


def test_date_selects_the_trades_of_one_trade_date(runner: CliRunner) -> None:
    """Printed, not written: only the XYZ buy of 2026-11-24, byte for byte its golden file."""
    result = runner.invoke(
        main,
        ["--books", str(BOOKS), "instructions", "--as-of", "2026-11-24", "--date", "2026-11-24"],
    )
    assert result.exit_code == 0
    assert result.stdout_bytes == (GOLDEN / "MT541-T123.fin").read_bytes()
    result = runner.invoke(
        main,
        ["--books", str(BOOKS), "instructions", "--as-of", "2026-11-24", "--date", "2026-11-23"],
    )
    assert (result.exit_code, result.stdout) == (0, "")
    assert "no trade pending settlement as of 2026-11-24" in result.stderr
