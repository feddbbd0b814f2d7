"""Bad statements: each error names the file, the line or element, the value
and a hint, and the books stay exactly as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.conftest import REPO, snapshot

INBOX = REPO / "books" / "inbox"
MT940 = (INBOX / "firstharbor-2026-10.mt940").read_bytes()
CAMT = (INBOX / "firstharbor-2026-11.xml").read_text(encoding="utf-8")
OFX = (INBOX / "rheinbank-2026-11-a.ofx").read_bytes()
CSV = (INBOX / "rheinbank-2026-11-b.csv").read_bytes()
MT942 = (INBOX / "firstharbor-2026-11-27.mt942").read_bytes()

CASES: dict[str, tuple[str, bytes, str]] = {
    "OFX payee of megabytes": (
        "rb.ofx",
        OFX.replace(b"<NAME>", b"<NAME>" + b"X" * 5000, 1),
        "rb.ofx:27: the payee is 5012 characters long, more than the 4096 a field of the "
        "books may hold (got 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\u2026'); the file "
        "is damaged",
    ),
    "OFX cut in half": (
        "rb.ofx",
        OFX[: len(OFX) // 2],
        "rb.ofx:17: <STMTRS> never ends (no </STMTRS>): its transactions and balance may be "
        "missing; the file is truncated",
    ),
    "MT942 cut before its trailer": (
        "fh.mt942",
        MT942[: MT942.index(b":90D:") + 2],
        "fh.mt942:9: report FH261127INTRA ends without its trailer ('-' after the last "
        "field); the file is truncated",
    ),
    "MT942 whose :90D: counts more debits than it carries": (
        "fh.mt942",
        MT942.replace(b":90D:1USD30,00", b":90D:2USD530,00"),
        "fh.mt942:9: :90D: says 2 debit(s) totalling 530.00, but the report carries 1 "
        "totalling 30.00; the file is truncated or a line is malformed",
    ),
    "truncated MT940 line": (
        "fh.mt940",
        MT940[: MT940.index(b":61:") + 12],
        "fh.mt940:6: a field does not follow the SWIFT MT940 layout (got '26100510'); "
        "the file is truncated or damaged",
    ),
    "MT940 without its closing balance": (
        "fh.mt940",
        MT940[: MT940.index(b":62F:")],
        "fh.mt940:14: statement FH261031STMT ends without a closing balance "
        "(:62F: or :62M:); the file is truncated",
    ),
    "MT940 date that does not exist": (
        "fh.mt940",
        MT940.replace(b":61:2610051005", b":61:2610321005"),
        "fh.mt940:6: :61: has a date that does not exist (got '261032'); dates are YYMMDD",
    ),
    "MT940 bytes in no known encoding": (
        "fh.mt940",
        MT940.replace(b"OUTGOING WIRE FEE", b"OUTGOING \x81\x8d FEE"),
        "fh.mt940:10: bytes that are not utf-8 or cp1252 (got b'\\x81\\x8d FEE/N')",
    ),
    "MT940 lines that do not sum to the closing balance": (
        "fh.mt940",
        MT940.replace(b"D45,00NCHG", b"D54,00NCHG"),
        "fh.mt940:15: statement FH261031STMT: opening balance 5000000.00 plus its 4 line(s) "
        "(-248258.45) is 4751741.55 USD, but the closing balance says 4751750.55 USD",
    ),
    "camt amount with a thousands separator": (
        "fh.xml",
        CAMT.replace('<Amt Ccy="USD">1365.00</Amt>', '<Amt Ccy="USD">1,365.00</Amt>', 1).encode(),
        "fh.xml:48: <Amt>: not an ISO 20022 amount (got '1,365.00'); write it as digits",
    ),
    "camt date that does not exist": (
        "fh.xml",
        CAMT.replace("<Dt>2026-11-13</Dt>", "<Dt>2026-11-31</Dt>").encode(),
        "fh.xml:51: <Dt>: not a date that exists (got '2026-11-31'); dates are YYYY-MM-DD",
    ),
    "camt with an external entity": (
        "fh.xml",
        CAMT.replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        )
        .replace("INV-2026-1187", "&x;")
        .encode(),
        "fh.xml:1: XML with a DOCTYPE (entities or external references) is refused",
    ),
    "camt of an unknown version": (
        "fh.xml",
        CAMT.replace("camt.053.001.08", "camt.053.001.13").encode(),
        "fh.xml:2: unknown XML namespace (got "
        "'urn:iso:std:iso:20022:tech:xsd:camt.053.001.13'); this importer reads camt.052, "
        "camt.053 and camt.054 versions .001.02 to .001.08",
    ),
    "truncated camt": (
        "fh.xml",
        CAMT[: CAMT.index("<Ntry>") + 40].encode(),
        "fh.xml:31: not well-formed XML: StartTag: invalid element name",
    ),
    "OFX amount that is not a number": (
        "rb.ofx",
        OFX.replace(b"<TRNAMT>-12.50", b"<TRNAMT>-12.5O"),
        "rb.ofx:30: <TRNAMT>: not an amount (got '-12.5O')",
    ),
    "CSV date in another format": (
        "rheinbank-x.csv",
        CSV.replace(b"25.11.2026;25.11.2026", b"2026-11-25;25.11.2026"),
        "rheinbank-x.csv:4: column 'Buchungstag': not a date in format '%d.%m.%Y' "
        "(got '2026-11-25'); check 'date-format' in [imports.csv.rheinbank] of backoffice.toml",
    ),
    "CSV amount with the wrong decimal mark": (
        "rheinbank-x.csv",
        CSV.replace(b";8,75;", b";8.75;"),
        "rheinbank-x.csv:4: column 'Soll': not a number with decimal mark ',' and "
        "thousands separator '.' (got '8.75'); check 'decimal' / 'thousands'",
    ),
    "CSV in another encoding": (
        "rheinbank-x.csv",
        CSV.replace(b"Rheinbank AG;\xdcberweisungsgeb\xfchr", b"Rheinbank AG;\x81berweisung"),
        "rheinbank-x.csv:4: bytes that are not cp1252 (got b'\\x81berweis'); "
        "check 'encoding' in [imports.csv.rheinbank] of backoffice.toml (e.g. cp1252, latin-1)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_and_changes_nothing(
    case: str, demo_books: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, content, expected = CASES[case]
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(content)
    prior = INBOX / "firstharbor-2026-10.mt940"
    others = [] if name.endswith(".mt940") else [prior]
    before = snapshot(demo_books.parent)
    result = CliRunner().invoke(
        main, ["--books", str(demo_books), "import", *map(str, others), name]
    )
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert result.output.endswith("1 error(s); nothing was written\n")
    assert snapshot(demo_books.parent) == before
