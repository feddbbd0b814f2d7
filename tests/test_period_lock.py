"""plugins.period_lock: a sealed month holds through layout changes, not through edits."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.books import load
from ledger.cli import main
from ledger.close.hashes import booked_hashes
from ledger.close.new_seal import prepare_seal
from ledger.close.seal import read_seals
from ledger.errors import format_error
from tests.conftest import write_books

MAIN = """
option "operating_currency" "USD"
plugin "plugins.period_lock"
plugin "beancount.plugins.implicit_prices"
include "accounts.beancount"
include "october.beancount"
include "closes.beancount"
"""

ACCOUNTS = """
2026-01-01 open Assets:Bank:FirstHarbor:USD USD
2026-01-01 open Expenses:Fees:Bank
2026-01-01 open Income:Interest
"""

OCTOBER = """
2026-10-05 * "First Harbor" "Account fee" ^bank-FH-1
  source-ref: "FH-1"
  Expenses:Fees:Bank                12.50 USD
  Assets:Bank:FirstHarbor:USD

2026-10-20 * "First Harbor" "Interest"
  Income:Interest                  -40.00 USD
  Assets:Bank:FirstHarbor:USD       40.00 USD

2026-11-02 * "First Harbor" "Account fee"
  Expenses:Fees:Bank                12.50 USD
  Assets:Bank:FirstHarbor:USD
"""


def seal(main: Path, period: str) -> None:
    """Append the seal of ``period`` as ``backoffice close`` would (no checklist)."""
    books = load(main)
    seals, _ = read_seals(books.entries)
    files = booked_hashes(main)
    new = prepare_seal(period, seals, files, main.parent)
    manifest = main.parent / new.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(new.manifest, encoding="utf-8")
    with (main.parent / "closes.beancount").open("a", encoding="utf-8") as handle:
        handle.write(new.entry_text())


def messages(main: Path) -> list[str]:
    return [format_error(error) for error in load(main).errors]


@pytest.fixture
def sealed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    main = write_books(
        tmp_path,
        {
            "main.beancount": MAIN,
            "accounts.beancount": ACCOUNTS,
            "october.beancount": OCTOBER,
            "closes.beancount": "",
            "backoffice.toml": '[firm]\nname = "Test"\n',
        },
    )
    seal(main, "2026-10")
    assert messages(main) == []
    return main


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_changed_amount_is_caught_naming_period_and_entry(sealed: Path) -> None:
    edit(sealed.parent / "october.beancount", "-40.00 USD", "-41.00 USD")
    edit(sealed.parent / "october.beancount", "40.00 USD\n", "41.00 USD\n")
    assert messages(sealed) == [
        "closes.beancount:1: period 2026-10 is sealed (closes.beancount:1) but its entries "
        "changed since the close (5 entries at the close, 5 now): an entry dated in the "
        "period was edited, inserted or deleted; revert the change (see 'git diff' of the "
        "books), or book the correction in the open period with original-date (a "
        "prior-period adjustment)",
        "october.beancount:6: period 2026-10 is sealed (closes.beancount:1): this entry was "
        "changed after the close; revert the change (see 'git diff' of the books), or book "
        "the correction in the open period with original-date (a prior-period adjustment)",
    ]


def test_deleted_entry_is_caught(sealed: Path) -> None:
    edit(
        sealed.parent / "october.beancount",
        OCTOBER.split("\n\n")[1] + "\n\n",
        "",
    )
    errors = messages(sealed)
    assert errors[0].startswith(
        "closes.beancount:1: period 2026-10 is sealed (closes.beancount:1) but its entries "
        "changed since the close (5 entries at the close, 4 now)"
    )
    assert errors[1].startswith(
        "closes.beancount:1: period 2026-10 is sealed: the entry dated 2026-10-20 that was at "
        "october.beancount:6 at the close is gone (deleted, moved or changed)"
    )
    assert len(errors) == 2


def test_inserted_entry_is_caught(sealed: Path) -> None:
    with (sealed.parent / "october.beancount").open("a", encoding="utf-8") as handle:
        handle.write(
            '\n2026-10-31 * "Backdated"\n  Expenses:Fees:Bank  1.00 USD\n'
            "  Assets:Bank:FirstHarbor:USD\n"
        )
    errors = messages(sealed)
    assert "(5 entries at the close, 6 now)" in errors[0]
    assert errors[1].startswith(
        "october.beancount:14: period 2026-10 is sealed (closes.beancount:1): this entry was "
        "changed or inserted after the close"
    )
    assert len(errors) == 2


def test_changed_metadata_value_is_caught(sealed: Path) -> None:
    edit(sealed.parent / "october.beancount", 'source-ref: "FH-1"', 'source-ref: "FH-2"')
    errors = messages(sealed)
    assert errors[1].startswith("october.beancount:1: period 2026-10 is sealed")
    assert len(errors) == 2


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("^bank-FH-1", "^bank-FH-9"),  # a link
        ('"Account fee" ^bank', '"Account fees" ^bank'),  # narration
        ("2026-10-05 *", "2026-10-05 !"),  # flag
        ("2026-10-20 *", "2026-10-21 *"),  # date, still in the period
        ("Income:Interest                  -40.00", "Expenses:Fees:Bank -40.00"),  # account
        ("  source-ref", '  booked-by: "ops"\n  source-ref'),  # a new metadata key
    ],
)
def test_every_field_is_sealed(sealed: Path, old: str, new: str) -> None:
    edit(sealed.parent / "october.beancount", old, new)
    assert any("period 2026-10 is sealed" in message for message in messages(sealed))


def test_editing_the_open_period_is_allowed(sealed: Path) -> None:
    edit(sealed.parent / "october.beancount", "2026-11-02 *", "2026-11-03 *")
    assert messages(sealed) == []


def test_reformat_reorder_and_split_keep_the_seal(sealed: Path) -> None:
    books = sealed.parent
    fee = OCTOBER.strip("\n").split("\n\n")[0]
    reformatted = textwrap.dedent(
        """
        ; reformatted by hand: comments, alignment, order of metadata and entries
        2026-11-02 * "First Harbor" "Account fee"
            Expenses:Fees:Bank    12.50 USD
            Assets:Bank:FirstHarbor:USD

        2026-10-20 *   "First Harbor"   "Interest"
          Income:Interest  -40.00 USD ; interest credited
          Assets:Bank:FirstHarbor:USD  40.00 USD
        """
    )
    # The fee goes to a file of its own, included before the rest.
    (books / "fees.beancount").write_text(fee + "\n", encoding="utf-8")
    (books / "october.beancount").write_text(reformatted, encoding="utf-8")
    edit(
        sealed,
        'include "october.beancount"',
        'include "october.beancount"\ninclude "fees.beancount"',
    )
    edit(sealed, 'include "accounts.beancount"\n', "")
    with sealed.open("a", encoding="utf-8") as handle:
        handle.write('include "accounts.beancount"\n')
    assert messages(sealed) == []


def test_tampered_seal_digest_is_caught(sealed: Path) -> None:
    closes = sealed.parent / "closes.beancount"
    text = closes.read_text(encoding="utf-8")
    digest = text.split('digest: "')[1][:64]
    edit(closes, digest, "0" * 64)
    errors = messages(sealed)
    assert errors[0].startswith("closes.beancount:1: period 2026-10 is sealed")
    assert "the manifest closes/2026-10/entries.tsv does not match the seal" in errors[0]


def test_a_chain_of_three_months(sealed: Path) -> None:
    books = sealed.parent
    for month, day in (("11", "02"), ("12", "07")):
        with (books / "october.beancount").open("a", encoding="utf-8") as handle:
            handle.write(
                f'\n2026-{month}-{day} * "Fee {month}"\n  Expenses:Fees:Bank  1.00 USD\n'
                "  Assets:Bank:FirstHarbor:USD\n"
            )
    seal(sealed, "2026-11")
    seal(sealed, "2026-12")
    assert messages(sealed) == []
    seals, _ = read_seals(load(sealed).entries)
    assert [(s.period, s.entries) for s in seals] == [
        ("2026-10", 5),
        ("2026-11", 2),
        ("2026-12", 1),
    ]
    assert [s.previous for s in seals] == ["none", seals[0].digest, seals[1].digest]

    # Removing the middle seal breaks the chain at the next one.
    closes = books / "closes.beancount"
    middle = closes.read_text(encoding="utf-8").split("\n2026-11-30")[1].split("\n2026-12")[0]
    edit(closes, "2026-11-30" + middle, "")
    errors = messages(sealed)
    assert any(
        "period 2026-12: the seal's chain is broken: previous is" in message for message in errors
    )


def test_sealing_a_sealed_period_is_refused(sealed: Path) -> None:
    with pytest.raises(ValueError, match="period 2026-09 is already sealed"):
        seal(sealed, "2026-09")


def test_a_malformed_seal_is_an_error_not_a_crash(sealed: Path) -> None:
    edit(sealed.parent / "closes.beancount", "entries: 5", 'entries: "five"')
    assert messages(sealed) == [
        "closes.beancount:1: period-close of 2026-10: entries 'five' is not a number; write "
        'it as: 2026-10-31 custom "period-close" "YYYY-MM" with metadata digest, previous '
        "(and entries, manifest); 'backoffice close' writes it"
    ]


def test_the_plugin_must_run_first(sealed: Path) -> None:
    edit(sealed, 'plugin "plugins.period_lock"\n', "")
    edit(
        sealed,
        "include",
        'plugin "plugins.period_lock"\ninclude',
    )
    assert messages(sealed) == [
        'main.beancount:3: configuration error: plugin "plugins.period_lock" is listed after '
        'plugin "beancount.plugins.implicit_prices"; it seals the entries as parsed and '
        "booked, before any other plugin changes them, so it must run first: move the line "
        'plugin "plugins.period_lock" above every other plugin line. The seals were not '
        "verified."
    ]


BUY = """
2026-10-09 * "AlphaSec" "Buy 10 AAPL"
  Assets:Custody:Custodia:Securities   10 AAPL {150.00 USD} @ 150.00 USD
  Assets:Bank:FirstHarbor:USD
"""


def test_entries_other_plugins_add_are_not_sealed(sealed: Path) -> None:
    """implicit_prices (listed after the lock) adds a price entry dated in the period,
    with the transaction's file and line; it is no part of the record that is sealed."""
    edit(
        sealed.parent / "accounts.beancount",
        "2026-01-01 open Income",
        (
            "2026-01-01 open Assets:Custody:Custodia:Securities\n2026-01-01 commodity AAPL\n"
            "2026-01-01 open Income"
        ),
    )
    edit(sealed.parent / "october.beancount", "\n2026-10-20", BUY + "\n2026-10-20")
    errors = messages(sealed)
    assert "(5 entries at the close, 8 now)" in errors[0]  # the buy, an open, a commodity
    (sealed.parent / "closes.beancount").write_text("", encoding="utf-8")
    seal(sealed, "2026-10")
    assert messages(sealed) == []
    seals, _ = read_seals(load(sealed).entries)
    assert seals[0].entries == 8
    assert any(type(e).__name__ == "Price" for e in load(sealed).entries)


def test_an_elided_amount_written_out_keeps_the_seal(sealed: Path) -> None:
    """The entries are sealed as booked: an amount Beancount fills in is the same entry."""
    edit(
        sealed.parent / "october.beancount",
        "12.50 USD\n  Assets:Bank:FirstHarbor:USD\n\n2026-10-20",
        "12.50 USD\n  Assets:Bank:FirstHarbor:USD   -12.50 USD\n\n2026-10-20",
    )
    assert messages(sealed) == []


def test_a_copy_elsewhere_keeps_the_seal(sealed: Path, tmp_path: Path) -> None:
    """A document's path is sealed relative to the books, not where they are cloned."""
    books = sealed.parent
    (books / "statement.pdf").write_bytes(b"%PDF-1.4\n")
    with (books / "october.beancount").open("a", encoding="utf-8") as handle:
        handle.write('\n2026-11-03 document Assets:Bank:FirstHarbor:USD "statement.pdf"\n')
    seal(sealed, "2026-11")
    copy = tmp_path / "elsewhere" / "books"
    shutil.copytree(books, copy)
    assert messages(copy / "main.beancount") == []
    edit(copy / "october.beancount", '"statement.pdf"', '"cache/../statement.pdf"')
    assert messages(copy / "main.beancount") == []


def test_verify_recomputes_from_the_files(sealed: Path) -> None:
    edit(sealed.parent / "october.beancount", "-40.00 USD", "-41.00 USD")
    edit(sealed.parent / "october.beancount", "40.00 USD\n", "41.00 USD\n")
    result = CliRunner().invoke(main, ["--books", str(sealed), "verify"])
    assert result.exit_code == 1
    assert "october.beancount:6: period 2026-10 is sealed" in result.output
