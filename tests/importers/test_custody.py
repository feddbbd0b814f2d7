"""Custody: MT545/MT547 settle trades through the clearing account, a CANC
reverses, MT535 holdings become balance assertions that pass against the
books built from the trades, and re-importing adds nothing."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beangulp import Importer

from importers.common import ImportFailure
from importers.custody.csv import CustodyCsvImporter
from importers.custody.mt535 import Mt535Importer
from importers.custody.mt536 import Mt536Importer
from importers.custody.settlement_confirmations import SettlementConfirmationImporter
from importers.trades.blotter import BlotterImporter
from importers.trades.fix import FixImporter
from ledger.books import load
from ledger.config import Config, load_config
from ledger.imports.pipeline import run_import
from tests.importers.trade_books import (
    CUSTODY,
    DEMO,
    TRADES,
    assert_golden,
    base_books,
    make_books,
    render,
    trades_config,
)


def trade_importers(config: Config) -> Sequence[Importer]:
    return [
        BlotterImporter(config),
        FixImporter(config),
        SettlementConfirmationImporter(config),
        Mt536Importer(config),
        Mt535Importer(config),
        CustodyCsvImporter(config),
    ]


def books_with_trades(tmp_path: Path) -> list[data.Directive]:
    books = base_books(tmp_path)
    trades = BlotterImporter(trades_config()).extract(str(TRADES / "blotter.csv"), books.entries)
    return [*books.entries, *trades]


def test_mt545_mt547_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = books_with_trades(tmp_path)
    monkeypatch.chdir(CUSTODY)
    importer = SettlementConfirmationImporter(trades_config())
    assert importer.identify("mt545.txt")
    assert not Mt535Importer(trades_config()).identify("mt545.txt")
    assert_golden(importer.extract("mt545.txt", existing), CUSTODY / "mt545.txt.beancount")


def test_a_cancellation_reverses_the_settlement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = books_with_trades(tmp_path)
    monkeypatch.chdir(CUSTODY)
    importer = SettlementConfirmationImporter(trades_config())
    settled = importer.extract("mt545.txt", existing)
    [reversal] = importer.extract("mt545-cancel.txt", [*existing, *settled])
    assert render([reversal]) == (
        '2026-11-25 * "Custodia" "MT545 cancels CUS2611250117: MT545 receive 1000 XYZ against '
        '61275.00 USD" ^trade-GA-20261124-001\n'
        '  source: "mt545-cancel.txt"\n'
        '  source-ref: "CUS2611260003"\n'
        f'  source-sha256: "{reversal.meta["source-sha256"]}"\n'
        "  Assets:Unsettled:AlphaSec         -61275.00 USD\n"
        "  Assets:Custody:Custodia:Cash:USD   61275.00 USD\n"
    )
    with pytest.raises(ImportFailure, match="cancels 'CUS2611250117', which is not in the books"):
        importer.extract("mt545-cancel.txt", existing)


def test_a_settlement_of_an_unknown_trade_with_an_unmapped_bic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (CUSTODY / "mt545.txt").read_text(encoding="latin-1").replace("ALPSUS33", "ZEDDUS33")
    Path("x.txt").write_text(text, encoding="latin-1")
    with pytest.raises(ImportFailure) as caught:
        SettlementConfirmationImporter(trades_config()).extract(
            "x.txt", base_books(tmp_path).entries
        )
    assert str(caught.value) == (
        "x.txt:1: MT545 CUS2611250117: settles trade 'GA-20261124-001', which is not in the "
        "books, and its counterparty BIC (ZEDDUS33) is not mapped; import the trade first (or "
        "in the same batch), or map the BIC under [trades.bics] in backoffice.toml"
    )


def test_mt535_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    books = base_books(tmp_path)
    monkeypatch.chdir(CUSTODY)
    importer = Mt535Importer(trades_config())
    assert importer.identify("mt535.txt")
    assert_golden(importer.extract("mt535.txt", books.entries), CUSTODY / "mt535.txt.beancount")


def test_mt535_unknown_safekeeping_account_prints_the_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (CUSTODY / "mt535.txt").read_text(encoding="latin-1").replace("GAISAFE001", "OTHER9")
    Path("h.txt").write_text(text, encoding="latin-1")
    with pytest.raises(ImportFailure) as caught:
        Mt535Importer(trades_config()).extract("h.txt", base_books(tmp_path).entries)
    assert str(caught.value) == (
        "h.txt:11: safekeeping account 'OTHER9' is not in backoffice.toml; add to "
        'backoffice.toml:\n[[statement-accounts]]\nid = "OTHER9"\n'
        'account = "Assets:Custody:Custodia:Securities"'
    )


def clearing_balance(entries: Sequence[data.Directive], account: str, link: str) -> Decimal:
    return sum(
        (
            posting.units.number
            for entry in entries
            if isinstance(entry, data.Transaction) and link in entry.links
            for posting in entry.postings
            if posting.account == account
        ),
        Decimal(0),
    )


def test_blotter_then_mt545_leaves_the_clearing_account_at_zero(tmp_path: Path) -> None:
    """The scenario of the issue: import the trade, then its confirmation; the
    clearing account nets to zero for that trade; importing again adds nothing."""
    main = make_books(tmp_path / "books")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("blotter.csv",):
        shutil.copy(TRADES / name, inbox / name)
    shutil.copy(CUSTODY / "mt545.txt", inbox / "mt545.txt")
    config = load_config(main)
    paths = [inbox / "mt545.txt", inbox / "blotter.csv"]
    result = run_import(main, config, paths, importers_factory=trade_importers)
    assert [(f.importer, len(f.new)) for f in result.files] == [
        ("trades.blotter", 3),
        ("custody.mt54x", 2),
    ]
    books = load(main)
    assert books.errors == []
    for trade_id in ("GA-20261124-001", "GA-20261124-002"):
        link = f"trade-{trade_id}"
        assert clearing_balance(books.entries, "Assets:Unsettled:AlphaSec", link) == 0
    before = (
        tmp_path / "books" / "2026" / "11" / "assets-custody-custodia-securities.beancount"
    ).read_text(encoding="utf-8")
    again = run_import(main, config, paths, importers_factory=trade_importers)
    assert [(len(f.new), f.duplicates) for f in again.files] == [(0, 3), (0, 2)]
    after = (
        tmp_path / "books" / "2026" / "11" / "assets-custody-custodia-securities.beancount"
    ).read_text(encoding="utf-8")
    assert after == before


def test_demo_mt535_passes_against_the_books_built_from_the_demo_trades(tmp_path: Path) -> None:
    books_dir = tmp_path / "books"
    shutil.copytree(DEMO, books_dir, ignore=shutil.ignore_patterns("imported", "documents"))
    main = books_dir / "main.beancount"
    inbox = books_dir / "inbox"
    paths = [
        inbox / name
        for name in (
            "alphasec-blotter.csv",
            "betamarkets-dropcopy.fix.log",
            "custodia-mt545.txt",
            "custodia-mt535.txt",
        )
    ]
    result = run_import(main, load_config(main), paths, importers_factory=trade_importers)
    assert sum(f.count(data.Balance) for f in result.files) == 5
    books = load(main)
    assert [e for e in books.errors if type(e).__name__ == "BalanceError"] == []
    link = "trade-GA-20261124-001"
    assert clearing_balance(books.entries, "Assets:Unsettled:AlphaSec", link) == 0


def test_mt536_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = books_with_trades(tmp_path)
    monkeypatch.chdir(CUSTODY)
    importer = Mt536Importer(trades_config())
    assert importer.identify("mt536.txt")
    assert not SettlementConfirmationImporter(trades_config()).identify("mt536.txt")
    assert_golden(importer.extract("mt536.txt", existing), CUSTODY / "mt536.txt.beancount")


def test_mt536_does_not_repeat_what_the_mt545_confirmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = books_with_trades(tmp_path)
    monkeypatch.chdir(CUSTODY)
    confirmed = SettlementConfirmationImporter(trades_config()).extract("mt545.txt", existing)
    assert Mt536Importer(trades_config()).extract("mt536.txt", [*existing, *confirmed]) == []


def test_mt536_refuses_free_of_payment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (CUSTODY / "mt536.txt").read_text(encoding="latin-1")
    Path("f.txt").write_text(text.replace("PAYM//APMT", "PAYM//FREE", 1), encoding="latin-1")
    with pytest.raises(ImportFailure) as caught:
        Mt536Importer(trades_config()).extract("f.txt", books_with_trades(tmp_path))
    assert str(caught.value) == (
        "f.txt:25: MT536 CUS536261125: transaction SETT/FREE: only settlements against "
        "payment (TRAN//SETT, PAYM//APMT) are booked from a statement of transactions"
    )


def test_custody_csv_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = books_with_trades(tmp_path)
    monkeypatch.chdir(CUSTODY)
    importer = CustodyCsvImporter(trades_config())
    assert importer.identify("custody.csv")
    assert_golden(importer.extract("custody.csv", existing), CUSTODY / "custody.csv.beancount")


def test_custody_csv_holdings_pass_against_the_books(tmp_path: Path) -> None:
    """The trades of blotter.csv (bought 1000 XYZ and 150 MSFT, sold 400 AAPL)
    and the custodian's holdings after they settled agree."""
    main = make_books(tmp_path / "books")
    paths = [TRADES / "blotter.csv", CUSTODY / "custody.csv"]
    result = run_import(main, load_config(main), paths, importers_factory=trade_importers)
    assert [(f.importer, len(f.new)) for f in result.files] == [
        ("trades.blotter", 3),
        ("custody.csv", 5),
    ]
    assert load(main).errors == []


def test_custody_csv_bad_direction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (CUSTODY / "custody.csv").read_text(encoding="utf-8").replace(",RECE,", ",IN,")
    Path("custody.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailure) as caught:
        CustodyCsvImporter(trades_config()).extract("custody.csv", books_with_trades(tmp_path))
    assert str(caught.value) == (
        "custody.csv:2: column 'direction' is neither 'RECE' nor 'DELI' (got 'IN')"
    )


def test_free_of_payment_movements_are_booked_for_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MT544 receives 50 SIE at the deal price, MT546 delivers 200 TTE from
    the lots; both flagged ! against suspense; they load and book FIFO."""
    existing = books_with_trades(tmp_path)
    monkeypatch.chdir(CUSTODY)
    importer = SettlementConfirmationImporter(trades_config())
    assert importer.identify("mt544-546.txt")
    assert_golden(importer.extract("mt544-546.txt", existing), CUSTODY / "mt544-546.txt.beancount")
    main = make_books(tmp_path / "loaded")
    run_import(
        main, load_config(main), [CUSTODY / "mt544-546.txt"], importers_factory=trade_importers
    )
    assert load(main).errors == []


def test_free_of_payment_for_a_trade_of_ours_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (CUSTODY / "mt545.txt").read_text(encoding="latin-1").replace("{2:O545", "{2:O544", 1)
    Path("f.txt").write_text(text, encoding="latin-1")
    with pytest.raises(ImportFailure) as caught:
        SettlementConfirmationImporter(trades_config()).extract(
            "f.txt", books_with_trades(tmp_path)
        )
    assert str(caught.value).startswith(
        "f.txt:1: MT544 CUS2611250117: settles trade GA-20261124-001 free of payment: the trade "
        "entry already holds the securities"
    )


def without_provenance(entries: Sequence[data.Directive]) -> str:
    """The entries' text less what names the document (its path and hash)."""
    return "".join(
        line
        for line in render(entries).splitlines(True)
        if not line.lstrip().startswith(("source: ", "source-sha256: "))
    )


@pytest.mark.parametrize(
    ("bare", "enveloped", "importer"),
    [
        ("mt535-fints.txt", "mt535.txt", Mt535Importer),
        ("mt536-fints.txt", "mt536.txt", Mt536Importer),
    ],
)
def test_a_message_without_its_swift_envelope(
    bare: str,
    enveloped: str,
    importer: type[Mt535Importer | Mt536Importer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FinTS/HBCI banks deliver block 4 alone (from :16R:GENL, no {1:}{2:}{4: and no
    -}): identified by its content, whatever the file is called, and read to the same
    entries as the message in its envelope."""
    existing = books_with_trades(tmp_path)
    monkeypatch.chdir(CUSTODY)
    claims = {
        kind.__name__
        for kind in (Mt535Importer, Mt536Importer, SettlementConfirmationImporter)
        if kind(trades_config()).identify(bare)
    }
    assert claims == {importer.__name__}
    assert without_provenance(importer(trades_config()).extract(bare, existing)) == (
        without_provenance(importer(trades_config()).extract(enveloped, existing))
    )


def test_a_message_without_its_envelope_cut_off_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (CUSTODY / "mt535-fints.txt").read_text(encoding="latin-1")
    Path("cut.txt").write_text(text[: text.index(":16S:FIN")], encoding="latin-1")
    with pytest.raises(ImportFailure, match=r"cut\.txt:17: MT535: sequence :16R:FIN is never "):
        Mt535Importer(trades_config()).extract("cut.txt", base_books(tmp_path).entries)
