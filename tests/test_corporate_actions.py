"""Corporate actions from custody, as the books see them: an MT564 notification
becomes an entitlement on the holding at the record date, shown in the cash
ladder on its pay date; the MT566 confirmation books the income, the tax
withheld and the cash (a break when it differs); a split reduces every lot at
its cost and adds it back at cost x old / new with its date, and FIFO still
sells the oldest lot first."""

from __future__ import annotations

import contextlib
import datetime
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.core.position import Position
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.common import ImportFailure
from importers.custody import iso15022
from importers.custody.corporate_actions import CorporateActionImporter
from ledger.books import load
from ledger.breaks.model import read_breaks
from ledger.cli import main
from ledger.config import parse_config
from ledger.serve import create_fava_app
from tests.conftest import REPO, snapshot, write_books

CUSTODY = REPO / "tests" / "data" / "custody"

CONFIG = """\
as-of = 2026-11-10

[[statement-accounts]]
id = "GAISAFE001"
account = "Assets:Custody:Custodia:Securities"

[trades]
securities-account = "Assets:Custody:Custodia:Securities"
custodian = "Custodia"
"""

MAIN = """\
option "title" "Corporate actions"
option "operating_currency" "EUR"
option "booking_method" "FIFO"

2026-01-01 open Assets:Custody:Custodia:Securities
2026-01-01 open Assets:Custody:Custodia:Cash:EUR  EUR
  cash-floor: "0 EUR"
2026-01-01 open Income:Dividends
2026-01-01 open Income:Interest
2026-01-01 open Expenses:Taxes:Withholding
2026-01-01 open Equity:Opening

2026-01-01 commodity TTE
  isin: "FR0000120271"
  name: "TotalEnergies SE"
  asset-class: "equity"
  market: "XPAR"

2026-10-01 * "Opening balance"
  Assets:Custody:Custodia:Securities   1200 TTE {57.35 EUR}
  Assets:Custody:Custodia:Cash:EUR    50000.00 EUR
  Equity:Opening
"""

# A second lot, bought after the opening: the books hold 1500 TTE from 2026-10-16.
SECOND_LOT = """
2026-10-15 * "Bought more"
  Assets:Custody:Custodia:Securities    300 TTE {60.00 EUR}
  Assets:Custody:Custodia:Cash:EUR   -18000.00 EUR
"""

BNP = """
2026-01-01 commodity BNP
  isin: "FR0000131104"
  name: "BNP Paribas"
  asset-class: "equity"
  market: "XPAR"
"""

FUZZ_CONFIG = parse_config(CONFIG, Path("backoffice.toml"))
FUZZ_BOOKS = loader.load_string(
    MAIN + "2026-01-01 open Income:Trading:Realized\n" + SECOND_LOT + BNP
)[0]

MONTH = "2026/11/assets-custody-custodia-securities.beancount"
ARCHIVE = "documents/Assets/Custody/Custodia/Securities"


@pytest.fixture
def books(tmp_path: Path) -> Path:
    return write_books(tmp_path / "books", {"main.beancount": MAIN, "backoffice.toml": CONFIG})


@pytest.fixture
def two_lots(tmp_path: Path) -> Path:
    files = {"main.beancount": MAIN + SECOND_LOT, "backoffice.toml": CONFIG}
    return write_books(tmp_path / "books", files)


def run(books: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--books", str(books), *args])


def import_files(books: Path, *names: str) -> Result:
    return run(books, "import", *(str(CUSTODY / name) for name in names))


def writes_nothing_again(books: Path, *names: str) -> None:
    """Importing ``names`` again leaves every file of the books as it is."""
    before = snapshot(books.parent)
    again = import_files(books, *names)
    assert again.exit_code == 0, again.output
    assert "nothing new to write" in again.output
    assert snapshot(books.parent) == before


def entries_text(books: Path, month_file: str = MONTH) -> str:
    """The entries of a month file, without its header comment and provenance hashes."""
    text = (books.parent / month_file).read_text(encoding="utf-8")
    lines = [
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(";") and "source-sha256" not in line
    ]
    return "".join(lines).lstrip("\n")


ENTITLEMENT = """\
2026-11-13 custom "entitlement" "TTE-DVCA-2026-11" "DVCA"
  source: "documents/Assets/Custody/Custodia/Securities/2026-11-13.mt564-dvca.txt"
  source-ref: "CUS564-2611060001"
  corp-ref: "TTE-DVCA-2026-11"
  security: "TTE"
  account: "Assets:Custody:Custodia:Securities"
  ex-date: 2026-11-12
  record-date: 2026-11-13
  pay-date: 2026-11-17
  quantity: 1200 TTE
  rate: 0.85 EUR
  gross: 1020.00 EUR
  withholding: 255.00 EUR
  net: 765.00 EUR
  cash-account: "Assets:Custody:Custodia:Cash:EUR"
"""

DIVIDEND = """\
2026-11-17 * "Custodia" "MT566 cash dividend TTE: 1200 TTE at 0.85 EUR" ^corp-TTE-DVCA-2026-11
  source: "documents/Assets/Custody/Custodia/Securities/2026-11-17.mt566-dvca.txt"
  source-ref: "CUS566-2611170001"
  corp-ref: "TTE-DVCA-2026-11"
  Assets:Custody:Custodia:Cash:EUR    765.00 EUR
  Expenses:Taxes:Withholding          255.00 EUR
  Income:Dividends                  -1020.00 EUR
"""


def test_notification_is_an_entitlement_expected_in_the_cash_ladder(books: Path) -> None:
    """1200 TTE held at the record date x 0.85 EUR, 25 % withheld: 765.00 EUR net,
    expected on the pay date 2026-11-17 (as of 2026-11-10, a week before)."""
    result = import_files(books, "mt564-dvca.txt")
    assert result.exit_code == 0, result.output
    assert entries_text(books) == ENTITLEMENT
    report = json.loads(run(books, "cash", "--days", "6", "--json").output)
    [income] = report["expected_income"]
    assert income == {
        "corp_ref": "TTE-DVCA-2026-11",
        "event": "DVCA",
        "security": "TTE",
        "quantity": "1200",
        "record_date": "2026-11-13",
        "pay_date": "2026-11-17",
        "account": "Assets:Custody:Custodia:Cash:EUR",
        "currency": "EUR",
        "gross": "1020.00",
        "withholding": "255.00",
        "net": "765.00",
    }
    [ladder] = report["ladders"]
    rows = {row["date"]: row for row in ladder["accounts"][0]["rows"]}
    assert (rows["2026-11-16"]["other"], rows["2026-11-16"]["closing"]) == ("0", "50000.00")
    assert (rows["2026-11-17"]["other"], rows["2026-11-17"]["closing"]) == ("765.00", "50765.00")
    [position] = report["positions"]
    assert (position["settled"], position["pending_in"]) == ("50000.00", "765.00")


def test_confirmation_books_income_tax_and_cash_once(books: Path) -> None:
    assert import_files(books, "mt564-dvca.txt").exit_code == 0
    result = import_files(books, "mt566-dvca.txt")
    assert result.exit_code == 0, result.output
    assert entries_text(books) == ENTITLEMENT + "\n" + DIVIDEND
    report = json.loads(run(books, "cash", "--as-of", "2026-11-16", "--json").output)
    assert report["expected_income"] == []  # confirmed: the cash is booked, not expected
    assert run(books, "check").exit_code == 0
    writes_nothing_again(books, "mt564-dvca.txt", "mt566-dvca.txt")


def test_interest_is_booked_to_the_interest_account(books: Path, tmp_path: Path) -> None:
    """The same messages as a coupon (:22F::CAEV//INTR): the income goes to
    [accounts] interest."""
    for name in ("mt564-dvca.txt", "mt566-dvca.txt"):
        text = (CUSTODY / name).read_text(encoding="latin-1")
        (tmp_path / name).write_text(text.replace("DVCA", "INTR"), encoding="latin-1")
    result = run(
        books, "import", str(tmp_path / "mt564-dvca.txt"), str(tmp_path / "mt566-dvca.txt")
    )
    assert result.exit_code == 0, result.output
    text = entries_text(books)
    assert text[text.index("2026-11-17 *") :] == (
        '2026-11-17 * "Custodia" "MT566 interest payment TTE: 1200 TTE at 0.85 EUR" '
        "^corp-TTE-INTR-2026-11\n"
        '  source: "documents/Assets/Custody/Custodia/Securities/2026-11-17.mt566-dvca.txt"\n'
        '  source-ref: "CUS566-2611170001"\n'
        '  corp-ref: "TTE-INTR-2026-11"\n'
        "  Assets:Custody:Custodia:Cash:EUR    765.00 EUR\n"
        "  Expenses:Taxes:Withholding          255.00 EUR\n"
        "  Income:Interest                   -1020.00 EUR\n"
    )


CLAIM_TRADES = """
2026-01-01 open Assets:Unsettled:AlphaSec
2026-01-01 open Assets:Unsettled:BetaBroker
2026-01-01 open Income:Trading:Realized

2026-11-10 * "BetaBroker" "Buy 100 TTE, settling late" ^trade-GA-B1
  trade-id: "GA-B1"
  trade-date: 2026-11-10
  settle-date: 2026-11-16
  side: "buy"
  counterparty: "BetaBroker"
  Assets:Custody:Custodia:Securities   100 TTE {60.00 EUR}
  Assets:Unsettled:BetaBroker        -6000.00 EUR

2026-11-11 * "AlphaSec" "Sell 200 TTE cum, settling after the record date" ^trade-GA-S1
  trade-id: "GA-S1"
  trade-date: 2026-11-11
  settle-date: 2026-11-16
  side: "sell"
  counterparty: "AlphaSec"
  Assets:Custody:Custodia:Securities  -200 TTE {} @ 61.00 EUR
  Assets:Unsettled:AlphaSec          12200.00 EUR
  Income:Trading:Realized

2026-11-12 * "AlphaSec" "Buy 50 TTE ex, settled by the record date" ^trade-GA-B2
  trade-id: "GA-B2"
  trade-date: 2026-11-12
  settle-date: 2026-11-13
  side: "buy"
  counterparty: "AlphaSec"
  Assets:Custody:Custodia:Securities    50 TTE {59.00 EUR}
  Assets:Unsettled:AlphaSec          -2950.00 EUR
"""


def test_trades_across_the_ex_and_record_dates_are_market_claims_in_the_cash_ladder(
    tmp_path: Path,
) -> None:
    """Ex date 11-12, record date 11-13, 0.85 EUR gross. The register pays on what is
    settled at the record date: 1200 + 50 (bought ex, settled 11-13); 1062.50 EUR
    gross. But the 100 bought cum (11-10) and settling 11-16 earn their income from the
    seller: +85.00 EUR owed to us; the 200 sold cum and delivered 11-16 earn it for the
    buyer: -170.00 EUR owed by us; the 50 bought ex are not ours to keep: -42.50 EUR
    (a reverse claim). Each is expected in the ladder on the pay date, until an entry
    linking the event and the trade books its payment."""
    books = write_books(
        tmp_path / "b", {"main.beancount": MAIN + CLAIM_TRADES, "backoffice.toml": CONFIG}
    )
    assert import_files(books, "mt564-dvca.txt").exit_code == 0
    assert "  quantity: 1250 TTE\n" in entries_text(books)
    report = json.loads(run(books, "cash", "--days", "6", "--json").stdout)
    claims = [
        (c["trade_id"], c["counterparty"], c["quantity"], c["amount"], c["pay_date"])
        for c in report["market_claims"]
    ]
    assert claims == [
        ("GA-B1", "BetaBroker", "100", "85.00", "2026-11-17"),
        ("GA-B2", "AlphaSec", "-50", "-42.50", "2026-11-17"),
        ("GA-S1", "AlphaSec", "-200", "-170.00", "2026-11-17"),
    ]
    [ladder] = report["ladders"]
    rows = {row["date"]: row for row in ladder["accounts"][0]["rows"]}
    # 796.87 net of the entitlement (1062.50 less 25 %: 265.63), and the claims, gross
    assert rows["2026-11-17"]["other"] == "669.37"
    text = run(books, "cash", "--days", "6").stdout
    assert text[text.index("Market claims") :].splitlines()[:2] == [
        "Market claims (trades across the ex and record dates; + owed to us)",
        "  pay date                             account  ccy  security  quantity  counterparty"
        "  trade   amount",
    ]
    paid = (
        '\n2026-11-18 * "BetaBroker" "Market claim on TTE-DVCA-2026-11" '
        "^corp-TTE-DVCA-2026-11 ^trade-GA-B1\n"
        "  Assets:Custody:Custodia:Cash:EUR    85.00 EUR\n"
        "  Income:Dividends                   -85.00 EUR\n"
    )
    books.write_text(books.read_text(encoding="utf-8") + paid, encoding="utf-8")
    report = json.loads(run(books, "cash", "--days", "6", "--json").stdout)
    assert [c["trade_id"] for c in report["market_claims"]] == ["GA-B2", "GA-S1"]
    # the Fava Cash page lists them too
    extension = '2026-01-01 custom "fava-extension" "ledger.fava_ext"\n'
    books.write_text(books.read_text(encoding="utf-8") + extension, encoding="utf-8")
    app = create_fava_app(books, read_only=True)
    app.testing = True
    client = app.test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    page = client.get(f"/{slug}/extension/Cash/?days=6&partial=true").get_data(as_text=True)
    table = page[page.index('<table class="backoffice-rows" id="cash-market-claims">') :]
    rows = table[: table.index("</table>")].count('<tr data-currency="EUR">')
    assert rows == 2
    assert "<td>GA-S1</td>" in table


def test_a_confirmation_that_differs_is_booked_with_a_break(two_lots: Path) -> None:
    """The books hold 1500 TTE at the record date, the custodian paid on 1200: what it
    paid is booked, and the difference is a break to chase."""
    assert import_files(two_lots, "mt564-dvca.txt").exit_code == 0
    result = import_files(two_lots, "mt566-dvca.txt")
    assert result.exit_code == 0, result.output
    text = entries_text(two_lots)
    assert text[text.index("2026-11-17 *") :] == DIVIDEND + (
        "\n"
        '2026-11-17 custom "break" "B-b7ef95fbd8bb" "entitlement-mismatch"\n'
        '  source: "documents/Assets/Custody/Custodia/Securities/2026-11-17.mt566-dvca.txt"\n'
        '  source-ref: "CUS566-2611170001/break"\n'
        '  link: "corp-TTE-DVCA-2026-11"\n'
        '  description: "MT566 CUS566-2611170001 for CORP TTE-DVCA-2026-11 (cash dividend '
        "TTE): quantity 1200, entitled 1500; gross 1020.00 EUR, entitled 1275.00 EUR; "
        'net 765.00 EUR, entitled 956.25 EUR"\n'
        "  amount: -255.00 EUR\n"
    )
    found, errors = read_breaks(load(two_lots).entries)
    assert errors == []
    assert [(b.id, b.kind, b.amount and str(b.amount)) for b in found] == [
        ("B-b7ef95fbd8bb", "entitlement-mismatch", "-255.00 EUR")
    ]
    breaks = run(two_lots, "breaks", "--as-of", "2026-11-17")
    assert "B-b7ef95fbd8bb" in breaks.output


SPLIT = """\
2026-11-20 * "Custodia" "MT566 stock split TTE 2 for 1: 1500 TTE become 3000" ^corp-TTE-SPLF-2026-11
  source: "documents/Assets/Custody/Custodia/Securities/2026-11-20.mt566-splf.txt"
  source-ref: "CUS566-2611200002"
  corp-ref: "TTE-SPLF-2026-11"
  Assets:Custody:Custodia:Securities  -1200 TTE {57.35 EUR, 2026-10-01}
  Assets:Custody:Custodia:Securities   2400 TTE {28.675 EUR, 2026-10-01}
  Assets:Custody:Custodia:Securities   -300 TTE {60.00 EUR, 2026-10-15}
  Assets:Custody:Custodia:Securities    600 TTE {30.00 EUR, 2026-10-15}
"""


def test_a_split_keeps_each_lot_its_date_and_total_cost_and_fifo_sells_the_oldest(
    two_lots: Path,
) -> None:
    """A 2-for-1 split of 1200 TTE at 57.35 (10-01) and 300 at 60.00 (10-15), from a
    notification without its envelope (as FinTS banks deliver it): 2400 at 28.675 and
    600 at 30.00, same dates, same total cost 86,820.00 EUR. The custodian credited
    2400 where the books hold 1500 x 2: a break. A sale of 2500 after the split takes
    the whole first lot and 100 of the second, FIFO."""
    assert iso15022.message_types(str(CUSTODY / "mt564-splf-bare.txt")) == {"564"}
    result = import_files(two_lots, "mt564-splf-bare.txt", "mt566-splf.txt")
    assert result.exit_code == 0, result.output
    text = entries_text(two_lots)
    split = text[text.index("2026-11-20 *") :]
    assert split[: split.index("\n\n") + 1] == SPLIT
    assert '(stock split TTE): credited 2400 TTE, the books expect 3000"\n' in text
    books = load(two_lots)
    assert books.errors == []
    held = [
        (str(pos.units), str(pos.cost.number), pos.cost.date)
        for pos in _inventory(books.entries, datetime.date(2026, 11, 20))
    ]
    assert held == [
        ("2400 TTE", "28.675", datetime.date(2026, 10, 1)),
        ("600 TTE", "30.00", datetime.date(2026, 10, 15)),
    ]
    sale = (
        '\n2026-11-23 * "Sell after the split"\n'
        "  Assets:Custody:Custodia:Securities  -2500 TTE {} @ 29.00 EUR\n"
        "  Assets:Custody:Custodia:Cash:EUR  72500.00 EUR\n"
        "  Income:Trading:Realized\n"
    )
    main_text = two_lots.read_text(encoding="utf-8")
    two_lots.write_text(
        main_text + "2026-01-01 open Income:Trading:Realized\n" + sale, encoding="utf-8"
    )
    books = load(two_lots)
    assert books.errors == []
    [sold] = [e for e in books.entries if isinstance(e, data.Transaction) and e.date.day == 23]
    assert [(str(p.units), str(p.cost.number), p.cost.date) for p in sold.postings[:2]] == [
        ("-2400 TTE", "28.675", datetime.date(2026, 10, 1)),
        ("-100 TTE", "30.00", datetime.date(2026, 10, 15)),
    ]
    total_cost = Decimal("2400") * Decimal("28.675") + Decimal("600") * Decimal("30.00")
    assert total_cost == Decimal("1200") * Decimal("57.35") + Decimal("300") * Decimal("60.00")


def test_a_split_sells_the_fraction_for_cash_in_lieu_at_its_share_of_the_cost(
    tmp_path: Path,
) -> None:
    """A 3-for-2 split of 1200 TTE at 57.35 and 25 at 60.00: the first lot becomes
    1800 (at 68,820.00 EUR in all, which 1800 does not divide: kept as the total), the
    second 37.5, of which 37 are credited (at 1480.00 EUR, 40.00 each) and the half
    is sold for 14.75 EUR cash in lieu: its cost, 20.00 EUR, goes out, a loss of
    5.25 EUR."""
    books_text = (
        MAIN
        + "2026-01-01 open Income:Trading:Realized\n"
        + (
            '\n2026-10-15 * "Bought more"\n'
            "  Assets:Custody:Custodia:Securities     25 TTE {60.00 EUR}\n"
            "  Assets:Custody:Custodia:Cash:EUR   -1500.00 EUR\n"
        )
    )
    books = write_books(tmp_path / "b", {"main.beancount": books_text, "backoffice.toml": CONFIG})
    notice = (CUSTODY / "mt564-splf-bare.txt").read_text(encoding="latin-1")
    (tmp_path / "mt564.txt").write_text(notice.replace("NEWO//2,/1,", "NEWO//3,/2,"), "latin-1")
    assert run(books, "import", str(tmp_path / "mt564.txt")).exit_code == 0
    result = import_files(books, "mt566-splf-cash-in-lieu.txt")
    assert result.exit_code == 0, result.output
    text = entries_text(books)
    assert text[text.index("2026-11-20 *") :] == (
        '2026-11-20 * "Custodia" "MT566 stock split TTE 3 for 2: 1225 TTE become 1837, 0.5 '
        'sold for 14.75 EUR cash in lieu" ^corp-TTE-SPLF-2026-11\n'
        f'  source: "{ARCHIVE}/2026-11-20.mt566-splf-cash-in-lieu.txt"\n'
        """\
  source-ref: "CUS566-2611200008"
  corp-ref: "TTE-SPLF-2026-11"
  Assets:Custody:Custodia:Securities  -1200 TTE {57.35 EUR, 2026-10-01}
  Assets:Custody:Custodia:Securities   1800 TTE {# 68820.00 EUR, 2026-10-01}
  Assets:Custody:Custodia:Securities    -25 TTE {60.00 EUR, 2026-10-15}
  Assets:Custody:Custodia:Securities     37 TTE {40.00 EUR, 2026-10-15}
  Assets:Custody:Custodia:Cash:EUR    14.75 EUR
  Income:Trading:Realized              5.25 EUR
"""
    )
    loaded = load(books)
    assert loaded.errors == []
    held = _inventory(loaded.entries, datetime.date(2026, 11, 20))
    assert [(str(p.units), p.cost.date) for p in held] == [
        ("1800 TTE", datetime.date(2026, 10, 1)),
        ("37 TTE", datetime.date(2026, 10, 15)),
    ]
    writes_nothing_again(books, "mt566-splf-cash-in-lieu.txt")
    # a second confirmation of the split, at another price for the fraction: refused
    # (the lots are exchanged already) until a reversal undoes the first; then a break
    other = (CUSTODY / "mt566-splf-cash-in-lieu.txt").read_text(encoding="latin-1")
    other = other.replace("CINL//ACTU/EUR29,5", "CINL//ACTU/EUR29,4").replace("0008", "0009")
    result = refused(books, tmp_path, "mt566.txt", other)
    assert (
        "mt566.txt:30: MT566 CUS566-2611200009: CORP TTE-SPLF-2026-11: the stock split of TTE "
        "is booked already (confirmation CUS566-2611200008); the custodian corrects it with "
        "a reversal (:23G:REVR) of that one first"
    ) in result.output
    reversal = other.replace(":23G:NEWM", ":23G:REVR").replace(
        "RELA//CUS564-2611060002", "PREV//CUS566-2611200008"
    )
    (tmp_path / "revr.txt").write_text(reversal.replace("0009", "0010"), encoding="latin-1")
    result = run(books, "import", str(tmp_path / "revr.txt"))
    assert result.exit_code == 0, result.output
    assert run(books, "import", str(tmp_path / "mt566.txt")).exit_code == 0
    loaded = load(books)
    assert loaded.errors == []
    found, _ = read_breaks(loaded.entries)
    assert [b.description for b in found] == [
        "MT566 CUS566-2611200009 for CORP TTE-SPLF-2026-11 (stock split TTE): cash in lieu "
        "14.75 EUR, the books expect 0.5 at 29.4: 14.70"
    ]
    held = _inventory(loaded.entries, datetime.date(2026, 11, 20))
    assert [str(p.units) for p in held] == ["1800 TTE", "37 TTE"]


def _inventory(entries: list[data.Directive], day: datetime.date) -> list[Position]:
    from ledger.corporate_actions import lots

    return list(lots(entries, "Assets:Custody:Custodia:Securities", "TTE", day))


def refused(books: Path, tmp_path: Path, name: str, text: str) -> Result:
    """Import ``text`` as file ``name``: exit 1, and the books untouched."""
    path = tmp_path / name
    path.write_text(text, encoding="latin-1")
    before = snapshot(books.parent)
    result = run(books, "import", str(path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert snapshot(books.parent) == before
    return result


DVCA = (CUSTODY / "mt564-dvca.txt").read_text(encoding="latin-1")
WITHDRAWAL_TEXT = (CUSTODY / "mt564-dvca-withdrawal.txt").read_text(encoding="latin-1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            DVCA.replace(":98A::RDTE//20261113\n", ""),
            "MT564 CUS564-2611060001: CORP TTE-DVCA-2026-11: no record date (:98A::RDTE//",
        ),
        (
            DVCA.replace(":22F::CAEV//DVCA\n", ""),
            "MT564 CUS564-2611060001: sequence GENL has no :22F::CAEV// field",
        ),
        (
            DVCA.replace(":20C::CORP//TTE-DVCA-2026-11\n", ""),
            "sequence GENL has no :20C::CORP// field",
        ),
        (
            DVCA.replace(":92F::GRSS//EUR0,85\n", ""),
            "no gross rate per unit (:92F::GRSS//",
        ),
        (DVCA.replace("-}", ""), "block 4 does not end with a line '-}'"),
        (DVCA.replace("EUR0,85", "EUR0.85"), "'0.85' is not an ISO 15022 decimal"),
        (
            DVCA.replace(":23G:NEWM", ":23G:CANC"),
            "CORP TTE-DVCA-2026-11: a CANC message names the message it undoes in "
            "GENL/LINK :20C::PREV//; this one has none",
        ),
        (DVCA.replace(":23G:NEWM", ":23G:INST"), ":23G:INST is no MT564 function"),
    ],
    ids=[
        "no-record-date",
        "no-event",
        "no-corp",
        "no-rate",
        "cut-off",
        "decimal-point",
        "cancel-without-linkage",
        "unknown-function",
    ],
)
def test_damaged_notifications_are_refused(
    books: Path, tmp_path: Path, text: str, message: str
) -> None:
    result = refused(books, tmp_path, "mt564.txt", text)
    assert message in result.output


WITHDRAWAL = """\
2026-11-09 custom "entitlement-cancelled" "TTE-DVCA-2026-11" "WITH"
  source: "documents/Assets/Custody/Custodia/Securities/2026-11-09.mt564-dvca-withdrawal.txt"
  source-ref: "CUS564-2611090003"
  security: "TTE"
  account: "Assets:Custody:Custodia:Securities"
  corp-ref: "TTE-DVCA-2026-11"
  cancels: "CUS564-2611060001"
"""


def test_a_withdrawal_voids_the_entitlement_and_its_expected_cash(books: Path) -> None:
    """The issuer withdraws the dividend (:23G:WITH naming the notification by
    :20C::PREV//): the entitlement stays in the books as history, a cancellation
    voids it, the cash ladder no longer expects the 765.00 EUR, and a confirmation
    of the event is refused."""
    assert import_files(books, "mt564-dvca.txt").exit_code == 0
    result = import_files(books, "mt564-dvca-withdrawal.txt")
    assert result.exit_code == 0, result.output
    assert entries_text(books) == ENTITLEMENT + "\n" + WITHDRAWAL
    report = json.loads(run(books, "cash", "--days", "6", "--json").output)
    assert report["expected_income"] == []
    [ladder] = report["ladders"]
    assert {row["other"] for row in ladder["accounts"][0]["rows"]} == {"0"}
    assert run(books, "check").exit_code == 0
    writes_nothing_again(books, "mt564-dvca.txt", "mt564-dvca-withdrawal.txt")
    refused = import_files(books, "mt566-dvca.txt")
    assert refused.exit_code == 1
    assert "of which the books hold no entitlement" in refused.output


def test_a_new_notification_after_a_cancellation_counts_again(books: Path, tmp_path: Path) -> None:
    """A notification sent in error is cancelled (:23G:CANC), then sent again with a new
    reference: the last one after the cancellation is the entitlement."""
    cancel = WITHDRAWAL_TEXT.replace(":23G:WITH", ":23G:CANC")
    renewed = DVCA.replace("CUS564-2611060001", "CUS564-2611100004").replace(
        "PREP//20261106", "PREP//20261110"
    )
    (tmp_path / "cancel.txt").write_text(cancel, encoding="latin-1")
    (tmp_path / "renewed.txt").write_text(renewed.replace("EUR0,85", "EUR0,90"), "latin-1")
    assert import_files(books, "mt564-dvca.txt").exit_code == 0
    result = run(books, "import", str(tmp_path / "cancel.txt"), str(tmp_path / "renewed.txt"))
    assert result.exit_code == 0, result.output
    report = json.loads(run(books, "cash", "--days", "6", "--json").output)
    [income] = report["expected_income"]
    assert (income["gross"], income["net"]) == ("1080.00", "810.00")


def test_a_cancellation_of_no_notification_or_of_a_confirmed_event_is_refused(
    books: Path, tmp_path: Path
) -> None:
    result = refused(books, tmp_path, "cancel.txt", WITHDRAWAL_TEXT)
    assert (
        "mt564-dvca-withdrawal" not in result.output
        and "cancel.txt:12: MT564 CUS564-2611090003: withdraws CORP TTE-DVCA-2026-11 (cash "
        "dividend on TTE, notification CUS564-2611060001), of which the books hold no "
        "notification; import the notification it cancels first"
    ) in result.output
    assert import_files(books, "mt564-dvca.txt", "mt566-dvca.txt").exit_code == 0
    result = refused(books, tmp_path, "cancel.txt", WITHDRAWAL_TEXT)
    assert (
        "cancel.txt:5: MT564 CUS564-2611090003: withdraws CORP TTE-DVCA-2026-11 (cash dividend "
        "on TTE), which an MT566 confirmation in the books already booked; the custodian "
        "undoes a booked event with an MT566 reversal (:23G:REVR)"
    ) in result.output


REVERSAL = (
    '2026-11-19 * "Custodia" "MT566 reversal of CUS566-2611170001: MT566 cash dividend TTE: '
    '1200 TTE at 0.85 EUR" ^corp-TTE-DVCA-2026-11\n'
    f'  source: "{ARCHIVE}/2026-11-19.mt566-dvca-reversal.txt"\n'
    """\
  source-ref: "CUS566-2611190005"
  corp-ref: "TTE-DVCA-2026-11"
  reverses: "CUS566-2611170001"
  Assets:Custody:Custodia:Cash:EUR  -765.00 EUR
  Expenses:Taxes:Withholding        -255.00 EUR
  Income:Dividends                  1020.00 EUR
"""
)


def test_a_reversal_undoes_the_confirmation_and_the_cash_is_expected_again(
    books: Path,
) -> None:
    """The custodian reverses its confirmation (:23G:REVR naming it by :20C::PREV//):
    the income, tax and cash are booked back out, and the entitlement's 765.00 EUR is
    expected again (on the as-of date, its pay date being past) until a new
    confirmation books it."""
    assert import_files(books, "mt564-dvca.txt", "mt566-dvca.txt").exit_code == 0
    result = import_files(books, "mt566-dvca-reversal.txt")
    assert result.exit_code == 0, result.output
    assert entries_text(books) == ENTITLEMENT + "\n" + DIVIDEND + "\n" + REVERSAL
    assert run(books, "check").exit_code == 0
    report = json.loads(run(books, "cash", "--as-of", "2026-11-20", "--json").output)
    [income] = report["expected_income"]
    assert (income["corp_ref"], income["net"]) == ("TTE-DVCA-2026-11", "765.00")
    [position] = report["positions"]
    assert (position["settled"], position["pending_in"]) == ("50000.00", "765.00")
    writes_nothing_again(books, "mt566-dvca.txt", "mt566-dvca-reversal.txt")
    # the custodian confirms the event again, with a new reference: booked, no longer expected
    again = (CUSTODY / "mt566-dvca.txt").read_text(encoding="latin-1")
    path = books.parent / "mt566-again.txt"
    path.write_text(again.replace("CUS566-2611170001", "CUS566-2611200006"), "latin-1")
    assert run(books, "import", str(path)).exit_code == 0
    report = json.loads(run(books, "cash", "--as-of", "2026-11-20", "--json").output)
    assert report["expected_income"] == []


def test_a_reversal_resolves_the_break_its_confirmation_raised(two_lots: Path) -> None:
    assert import_files(two_lots, "mt564-dvca.txt", "mt566-dvca.txt").exit_code == 0
    assert import_files(two_lots, "mt566-dvca-reversal.txt").exit_code == 0
    text = entries_text(two_lots)
    assert text[text.index('2026-11-19 custom "break-resolved"') :] == (
        '2026-11-19 custom "break-resolved" "B-b7ef95fbd8bb" "confirmation CUS566-2611170001 '
        'reversed by MT566 CUS566-2611190005"\n'
        f'  source: "{ARCHIVE}/2026-11-19.mt566-dvca-reversal.txt"\n'
        '  source-ref: "CUS566-2611190005/resolved"\n'
    )
    found, errors = read_breaks(load(two_lots).entries)
    assert errors == []
    assert [(b.id, b.resolved) for b in found] == [("B-b7ef95fbd8bb", datetime.date(2026, 11, 19))]


def test_a_reversal_of_a_confirmation_not_booked_or_reversed_already_is_refused(
    books: Path, tmp_path: Path
) -> None:
    reversal = (CUSTODY / "mt566-dvca-reversal.txt").read_text(encoding="latin-1")
    assert import_files(books, "mt564-dvca.txt").exit_code == 0
    result = refused(books, tmp_path, "revr.txt", reversal)
    assert (
        "revr.txt:10: MT566 CUS566-2611190005: reverses confirmation CUS566-2611170001 of CORP "
        "TTE-DVCA-2026-11 (cash dividend on TTE), which is not in the books; import the "
        "confirmation it reverses first"
    ) in result.output
    assert import_files(books, "mt566-dvca.txt").exit_code == 0
    assert import_files(books, "mt566-dvca-reversal.txt").exit_code == 0
    second = reversal.replace("CUS566-2611190005", "CUS566-2611190007")
    result = refused(books, tmp_path, "revr.txt", second)
    assert (
        "revr.txt:10: MT566 CUS566-2611190007: CORP TTE-DVCA-2026-11: reverses confirmation "
        "CUS566-2611170001, which reversal CUS566-2611190005 in the books has undone already"
    ) in result.output


def test_a_confirmation_of_no_notification_is_refused(books: Path, tmp_path: Path) -> None:
    text = (CUSTODY / "mt566-dvca.txt").read_text(encoding="latin-1")
    result = refused(books, tmp_path, "mt566.txt", text)
    assert (
        "MT566 CUS566-2611170001: confirms CORP TTE-DVCA-2026-11 (cash dividend on TTE), of "
        "which the books hold no entitlement; import the custodian's MT564 notification"
    ) in result.output


DECEMBER = "2026/12/assets-custody-custodia-securities.beancount"

MERGER_ENTITLEMENT = f"""\
2026-12-14 custom "entitlement" "TTE-MRGR-2026-12" "MRGR"
  source: "{ARCHIVE}/2026-12-14.mt564-mrgr.txt"
  source-ref: "CUS564-2612010009"
  corp-ref: "TTE-MRGR-2026-12"
  security: "TTE"
  account: "Assets:Custody:Custodia:Securities"
  record-date: 2026-12-14
  pay-date: 2026-12-15
  quantity: 1200 TTE
  rate: 5 EUR
  gross: 6000.00 EUR
  net: 6000.00 EUR
  cash-account: "Assets:Custody:Custodia:Cash:EUR"
  ratio-new: 1
  ratio-old: 2
  new-security: "BNP"
"""

MERGER = (
    '2026-12-15 * "Custodia" "MT566 merger TTE into BNP 1 for 2: 1200 TTE become 600 BNP and '
    '6000.00 EUR" ^corp-TTE-MRGR-2026-12\n'
    f"""\
  source: "{ARCHIVE}/2026-12-15.mt566-mrgr.txt"
  source-ref: "CUS566-2612150010"
  corp-ref: "TTE-MRGR-2026-12"
  Assets:Custody:Custodia:Securities    -1200 TTE {{57.35 EUR, 2026-10-01}}
  Assets:Custody:Custodia:Securities      600 BNP {{104.70 EUR, 2026-10-01}}
  Assets:Custody:Custodia:Cash:EUR    6000.00 EUR
"""
)


def test_a_merger_exchanges_the_lots_at_their_cost_less_the_cash(tmp_path: Path) -> None:
    """TTE merges into BNP, 1 new for 2 old and 5.00 EUR per old share: the
    notification is an entitlement to 600 BNP and 6000.00 EUR (expected in the cash
    ladder on the pay date); the confirmation takes the 1200 TTE out at their cost,
    68,820.00 EUR, and brings 600 BNP in at that cost less the cash received,
    62,820.00 EUR (104.70 each), with the lot's date."""
    books = write_books(tmp_path / "b", {"main.beancount": MAIN + BNP, "backoffice.toml": CONFIG})
    result = import_files(books, "mt564-mrgr.txt")
    assert result.exit_code == 0, result.output
    assert entries_text(books, DECEMBER) == MERGER_ENTITLEMENT
    report = json.loads(run(books, "cash", "--as-of", "2026-12-14", "--json").output)
    [cash] = report["expected_income"]
    assert (cash["event"], cash["pay_date"], cash["net"]) == ("MRGR", "2026-12-15", "6000.00")
    result = import_files(books, "mt566-mrgr.txt")
    assert result.exit_code == 0, result.output
    assert entries_text(books, DECEMBER) == MERGER_ENTITLEMENT + "\n" + MERGER
    assert run(books, "check").exit_code == 0
    writes_nothing_again(books, "mt564-mrgr.txt", "mt566-mrgr.txt")


def test_a_merger_of_two_lots_keeps_each_its_date_and_breaks_on_a_difference(
    tmp_path: Path,
) -> None:
    """1200 TTE at 57.35 and 300 at 60.00: each lot becomes BNP at its own cost less its
    share of the cash (4800.00 and 1200.00 EUR), so FIFO still sells the older first;
    the custodian confirmed 1200 and paid for 1200: a break of -1500.00 EUR."""
    files = {"main.beancount": MAIN + SECOND_LOT + BNP, "backoffice.toml": CONFIG}
    books = write_books(tmp_path / "b", files)
    assert import_files(books, "mt564-mrgr.txt").exit_code == 0
    assert import_files(books, "mt566-mrgr.txt").exit_code == 0
    text = entries_text(books, DECEMBER)
    assert text[text.index("  Assets:Custody:Custodia:Securities    -1200") :] == (
        "  Assets:Custody:Custodia:Securities    -1200 TTE {57.35 EUR, 2026-10-01}\n"
        "  Assets:Custody:Custodia:Securities      600 BNP {106.70 EUR, 2026-10-01}\n"
        "  Assets:Custody:Custodia:Securities     -300 TTE {60.00 EUR, 2026-10-15}\n"
        "  Assets:Custody:Custodia:Securities      150 BNP {112.00 EUR, 2026-10-15}\n"
        "  Assets:Custody:Custodia:Cash:EUR    6000.00 EUR\n"
        "\n"
        '2026-12-15 custom "break" "B-3ebb59430489" "entitlement-mismatch"\n'
        f'  source: "{ARCHIVE}/2026-12-15.mt566-mrgr.txt"\n'
        '  source-ref: "CUS566-2612150010/break"\n'
        '  link: "corp-TTE-MRGR-2026-12"\n'
        '  description: "MT566 CUS566-2612150010 for CORP TTE-MRGR-2026-12 (merger TTE): '
        'credited 600 BNP, the books expect 750; paid 6000.00 EUR, entitled 7500.00 EUR"\n'
        "  amount: -1500.00 EUR\n"
    )
    assert load(books).errors == []


def test_a_merger_with_a_fraction_sells_it_for_cash_in_lieu(tmp_path: Path) -> None:
    """1 BNP for 7 TTE and 5.00 EUR per TTE: 1200 TTE give 171 3/7 BNP. The 6000.00 EUR
    reduce the cost carried to 62,820.00 EUR; the 3/7 of a BNP (cost 157.05 EUR: 3 of
    the 1200 TTE's) are sold at 410.00 EUR each, 175.71 EUR: a gain of 18.66 EUR. The
    171 BNP keep the rest, 62,662.95 EUR, 366.45 each."""
    books = write_books(tmp_path / "b", {"main.beancount": MAIN + BNP, "backoffice.toml": CONFIG})
    books.write_text(
        books.read_text(encoding="utf-8") + "2026-01-01 open Income:Trading:Realized\n",
        encoding="utf-8",
    )
    notice = (CUSTODY / "mt564-mrgr.txt").read_text(encoding="latin-1")
    confirmation = (CUSTODY / "mt566-mrgr.txt").read_text(encoding="latin-1")
    in_lieu = (
        ":16R:CASHMOVE\n:22H::CRDB//CRED\n:19B::PSTA//EUR175,71\n:98A::POST//20261215\n"
        ":90B::CINL//ACTU/EUR410,\n:16S:CASHMOVE\n:16S:CACONF\n"
    )
    confirmation = (
        confirmation.replace("NEWO//1,/2,", "NEWO//1,/7,")
        .replace("PSTA//UNIT/600,", "PSTA//UNIT/171,")
        .replace(":16S:CACONF\n", in_lieu)
    )
    (tmp_path / "mt564.txt").write_text(notice.replace("NEWO//1,/2,", "NEWO//1,/7,"), "latin-1")
    (tmp_path / "mt566.txt").write_text(confirmation, encoding="latin-1")
    assert run(books, "import", str(tmp_path / "mt564.txt")).exit_code == 0
    result = run(books, "import", str(tmp_path / "mt566.txt"))
    assert result.exit_code == 0, result.output
    text = entries_text(books, DECEMBER)
    assert text[text.index("2026-12-15 *") :] == (
        '2026-12-15 * "Custodia" "MT566 merger TTE into BNP 1 for 7: 1200 TTE become 171 BNP '
        'and 6000.00 EUR, 0.428571 sold for 175.71 EUR cash in lieu" ^corp-TTE-MRGR-2026-12\n'
        f'  source: "{ARCHIVE}/2026-12-15.mt566.txt"\n'
        """\
  source-ref: "CUS566-2612150010"
  corp-ref: "TTE-MRGR-2026-12"
  Assets:Custody:Custodia:Securities    -1200 TTE {57.35 EUR, 2026-10-01}
  Assets:Custody:Custodia:Securities      171 BNP {366.45 EUR, 2026-10-01}
  Assets:Custody:Custodia:Cash:EUR    6000.00 EUR
  Assets:Custody:Custodia:Cash:EUR     175.71 EUR
  Income:Trading:Realized              -18.66 EUR
"""
    )
    assert load(books).errors == []


def test_a_merger_into_a_security_not_in_the_books_is_refused_with_its_directive(
    books: Path, tmp_path: Path
) -> None:
    """The new security must be in the books: the import is refused with the directive
    to add, or, with --create-accounts, adds it as every importer does."""
    text = (CUSTODY / "mt564-mrgr.txt").read_text(encoding="latin-1")
    result = refused(books, tmp_path, "mt564-mrgr.txt", text)
    assert "mt564-mrgr.txt: securities not in the books: FR0000131104" in result.output
    assert (
        '    2026-12-14 commodity FR0000131104\n      isin: "FR0000131104"\n'
        '      name: "BNP PARIBAS"\n      asset-class: "equity"\n      market: "XPAR"\n'
    ) in result.output
    created = run(books, "import", "--create-accounts", str(tmp_path / "mt564-mrgr.txt"))
    assert created.exit_code == 0, created.output
    assert 'new-security: "FR0000131104"' in entries_text(books, DECEMBER)


def test_a_mandatory_exchange_is_booked_as_a_merger_a_voluntary_one_refused(
    tmp_path: Path,
) -> None:
    books = write_books(tmp_path / "b", {"main.beancount": MAIN + BNP, "backoffice.toml": CONFIG})
    for name in ("mt564-mrgr.txt", "mt566-mrgr.txt"):
        text = (CUSTODY / name).read_text(encoding="latin-1").replace("MRGR", "EXOF")
        (tmp_path / name).write_text(text, encoding="latin-1")
    voluntary = (tmp_path / "mt564-mrgr.txt").read_text(encoding="latin-1")
    result = refused(
        books, tmp_path, "voluntary.txt", voluntary.replace("CAMV//MAND", "CAMV//VOLU")
    )
    assert (
        "voluntary.txt:6: MT564 CUS564-2612010009: CORP TTE-EXOF-2026-12: a voluntary exchange "
        "offer (:22F::CAEV//EXOF without :22F::CAMV//MAND) of TTE is booked as the firm "
        "elected; book it by hand"
    ) in result.output
    result = run(books, "import", str(tmp_path / "mt564-mrgr.txt"))
    assert result.exit_code == 0, result.output
    result = run(books, "import", str(tmp_path / "mt566-mrgr.txt"))
    assert result.exit_code == 0, result.output
    text = entries_text(books, DECEMBER)
    assert text[text.index("2026-12-15 *") :].splitlines()[0] == (
        '2026-12-15 * "Custodia" "MT566 exchange TTE into BNP 1 for 2: 1200 TTE become 600 BNP '
        'and 6000.00 EUR" ^corp-TTE-EXOF-2026-12'
    )
    assert MERGER[MERGER.index("  Assets:") :] in text


def test_a_merger_paying_cash_in_another_currency_than_the_cost_is_refused(
    tmp_path: Path,
) -> None:
    books = write_books(tmp_path / "b", {"main.beancount": MAIN + BNP, "backoffice.toml": CONFIG})
    assert import_files(books, "mt564-mrgr.txt").exit_code == 0
    text = (CUSTODY / "mt566-mrgr.txt").read_text(encoding="latin-1")
    result = refused(books, tmp_path, "mt566.txt", text.replace("PSTA//EUR6000,", "PSTA//USD6000,"))
    assert (
        "mt566.txt:37: MT566 CUS566-2612150010: cash in USD for lots of TTE held at cost in "
        "EUR: the cost it reduces is in another currency; book this exchange by hand"
    ) in result.output


def test_an_exchange_not_booked_is_refused_for_what_it_is(books: Path, tmp_path: Path) -> None:
    """A spin-off (SOFF) credits another security too: refused as an event Backoffice
    does not book, not for its new security missing from the books."""
    text = (CUSTODY / "mt564-mrgr.txt").read_text(encoding="latin-1")
    result = refused(books, tmp_path, "soff.txt", text.replace("CAEV//MRGR", "CAEV//SOFF"))
    assert (
        "soff.txt:6: MT564 CUS564-2612010009: CORP TTE-MRGR-2026-12: event :22F::CAEV//SOFF is "
        "not booked by Backoffice (it books DVCA cash dividends, INTR interest, SPLF splits, "
        "MRGR mergers and mandatory EXOF exchanges); book it by hand"
    ) in result.output


def test_a_notification_of_a_security_not_held_is_refused(tmp_path: Path) -> None:
    main_text = MAIN[: MAIN.index('2026-10-01 * "Opening')]
    books = write_books(tmp_path / "b", {"main.beancount": main_text, "backoffice.toml": CONFIG})
    result = refused(books, tmp_path, "mt564.txt", DVCA)
    assert (
        "but Assets:Custody:Custodia:Securities holds 0 TTE at the record date 2026-11-13"
        in result.output
    )


def test_the_demo_inbox_holds_a_dividend_a_split_and_an_expected_dividend(
    demo_books: Path,
) -> None:
    inbox = sorted(str(p) for p in (demo_books.parent / "inbox").iterdir())
    assert run(demo_books, "import", *inbox).exit_code == 0
    check = run(demo_books, "check")
    assert check.exit_code == 0, check.output
    cash = run(demo_books, "cash", "--days", "10")
    assert cash.output[cash.output.index("Expected income") :] == (
        "Expected income (corporate actions notified, not yet confirmed)\n"
        "  pay date                             account  ccy  security  quantity  event   gross"
        "   tax     net\n"
        "  2026-12-03  Assets:Custody:Custodia:Cash:USD  USD       XYZ      1000   DVCA  500.00"
        "  0.00  500.00\n"
    )
    entries = load(demo_books).entries
    income = [e for e in entries if isinstance(e, data.Transaction) and "corp-ref" in e.meta]
    assert [(e.date, e.narration) for e in income] == [
        (datetime.date(2026, 11, 17), "MT566 cash dividend TTE: 1200 TTE at 0.85 EUR"),
        (datetime.date(2026, 11, 20), "MT566 stock split TTE 2 for 1: 1200 TTE become 2400"),
    ]
    # the demo's confirmations agree with their entitlements: no break
    found, _ = read_breaks(entries)
    assert [b for b in found if b.kind == "entitlement-mismatch"] == []


def test_a_third_party_notification_is_an_entitlement(tmp_path: Path) -> None:
    """Prowide's real-case MT564 (tests/data/third_party/iso15022): 7,000 Zurich Financial
    Services at 0.000001 CHF, 35 % withheld: 0.01 CHF gross and net, as its own
    :19B::ENTL//CHF0,01 says."""
    config = CONFIG + '\n[[statement-accounts]]\nid = "760043140"\n'
    config += 'account = "Assets:Custody:Custodia:Securities"\n'
    main_text = MAIN.replace("TotalEnergies SE", "TotalEnergies").replace(
        '2026-10-01 * "Opening balance"',
        '2006-01-01 commodity ZURN\n  isin: "CH0011075394"\n\n'
        '2011-10-03 * "Zurich position"\n'
        "  Assets:Custody:Custodia:Securities   7000 ZURN {250.00 CHF}\n"
        "  Equity:Opening\n\n"
        '2026-10-01 * "Opening balance"',
    )
    books = write_books(tmp_path / "b", {"main.beancount": main_text, "backoffice.toml": config})
    sample = REPO / "tests" / "data" / "third_party" / "iso15022" / "prowide-mt564-dvca.txt"
    result = run(books, "import", str(sample))
    assert result.exit_code == 0, result.output
    text = entries_text(books, "2011/11/assets-custody-custodia-securities.beancount")
    assert text == (
        '2011-11-11 custom "entitlement" "D455103" "DVCA"\n'
        '  source: "documents/Assets/Custody/Custodia/Securities/'
        '2011-11-11.prowide-mt564-dvca.txt"\n'
        '  source-ref: "029206016"\n'
        '  corp-ref: "D455103"\n'
        '  security: "ZURN"\n'
        '  account: "Assets:Custody:Custodia:Securities"\n'
        "  ex-date: 2011-11-11\n"
        "  record-date: 2011-11-11\n"
        "  pay-date: 2011-11-11\n"
        "  quantity: 7000 ZURN\n"
        "  rate: 0.000001000 CHF\n"
        "  gross: 0.01 CHF\n"
        "  withholding: 0.00 CHF\n"
        "  net: 0.01 CHF\n"
        '  cash-account: "Assets:Custody:Custodia:Cash:CHF"\n'
    )


def _messages(*names: str) -> str:
    return "".join((CUSTODY / name).read_text(encoding="latin-1") for name in names)


# Each a file whose messages the books take in turn (a notification, its confirmation,
# the reversal), so that an edit reaches every step.
FUZZ_FILES = [
    _messages("mt564-dvca.txt", "mt566-dvca.txt", "mt566-dvca-reversal.txt"),
    _messages("mt564-dvca.txt", "mt564-dvca-withdrawal.txt"),
    _messages("mt564-mrgr.txt", "mt566-mrgr.txt"),
    _messages("mt564-splf-bare.txt").replace("2,/1,", "3,/2,")
    + "\n-\n"
    + _messages("mt566-splf-cash-in-lieu.txt"),
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(FUZZ_FILES),
    st.floats(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=40),
    st.text(alphabet=":/,.-{}NUEROCAPSD0123456789\n", max_size=6),
)
def test_damaged_messages_raise_only_import_failures(
    messages: str, where: float, cut: int, insert: str
) -> None:
    """An edited notification, confirmation, cancellation or reversal, read against the
    books: entries or the importer's own error, never another exception."""
    position = int(where * len(messages))
    text = messages[:position] + insert + messages[position + cut :]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ca.txt"
        path.write_text(text, encoding="latin-1")
        importer = CorporateActionImporter(FUZZ_CONFIG)
        with contextlib.suppress(ImportFailure):
            importer.extract(str(path), FUZZ_BOOKS)
