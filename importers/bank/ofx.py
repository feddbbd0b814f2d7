"""OFX / QFX bank and credit-card statements: OFX 1.x (SGML), OFX 2.x (XML),
and header-less QFX, several accounts per file.

A lenient reader rather than ``ofxtools``: ofxtools validates each aggregate
against the OFX specification and refuses files banks really send: a
``NAME`` longer than the spec's 32 characters, a missing ``SONRS`` or
``STATUS``, a file without the OFX header. Here tags are read as a tree
(SGML leaves may omit their end tag; XML leaves carry one), and only the
elements below are required, each checked with its line number.

Elements (OFX 2.2 §11.4 bank statement, §13.6 credit card): ``STMTRS`` /
``CCSTMTRS`` with ``CURDEF``, ``BANKACCTFROM``/``CCACCTFROM`` ``ACCTID``
(``BANKID`` names the institution), ``BANKTRANLIST/STMTTRN`` (``TRNTYPE``,
``DTPOSTED``, ``DTAVAIL``, ``TRNAMT``, ``FITID``, ``CHECKNUM``, ``REFNUM``,
``NAME`` or ``PAYEE/NAME``, ``MEMO``) and ``LEDGERBAL`` (``BALAMT``,
``DTASOF``), the closing booked balance. OFX gives no opening balance.
"""

from __future__ import annotations

import datetime
import re
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import unescape

from importers.bank.base import BankImporter
from importers.bank.statement import Statement, StatementBalance, StatementLine
from importers.common import ImportFailure, InputWarning, decode, first_nonempty, head
from importers.numbers import plain_decimal

_TAG = re.compile(r"<(/?)([A-Za-z0-9._]+)>([^<]*)")
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})")


@dataclass
class _Node:
    tag: str
    lineno: int
    text: str = ""
    children: list[_Node] = field(default_factory=list)
    closed: bool = False  # its end tag was read (an aggregate's is never optional)

    def find(self, path: str) -> _Node | None:
        node: _Node | None = self
        for part in path.split("/"):
            node = next((c for c in node.children if c.tag == part), None) if node else None
        return node

    def value(self, path: str) -> str | None:
        node = self.find(path)
        return node.text if node is not None and node.text else None

    def iter(self, tag: str) -> list[_Node]:
        found = []
        for child in self.children:
            if child.tag == tag:
                found.append(child)
            found.extend(child.iter(tag))
        return found


def parse_tree(text: str, path: str) -> _Node:
    """The ``<OFX>`` element as a tree, from SGML or XML text."""
    start = text.find("<OFX>")
    if start < 0:
        raise ImportFailure(
            path, None, "no <OFX> element", hint="the file is not OFX or is truncated"
        )
    root = _Node("", 0)
    stack = [root]
    line = text.count("\n", 0, start) + 1
    position = start
    for match in _TAG.finditer(text, start):
        line += text.count("\n", position, match.start())
        position = match.start()
        closing, tag, raw = match.group(1), match.group(2).upper(), match.group(3)
        if closing:
            names = [node.tag for node in stack]
            if tag in names:
                index = len(names) - 1 - names[::-1].index(tag)
                stack[index].closed = True
                del stack[index:]
            continue
        value = unescape(raw.strip())
        node = _Node(tag, line, value)
        stack[-1].children.append(node)
        if not value:
            stack.append(node)
    ofx = root.find("OFX")
    if ofx is None:  # pragma: no cover - start was found above
        raise ImportFailure(path, None, "no <OFX> element", hint="the file is not OFX")
    return ofx


def _fail(path: str, node: _Node, problem: str, value: object = None) -> ImportFailure:
    return ImportFailure(
        path,
        node.lineno,
        f"<{node.tag}>: {problem}",
        value=value,
        hint="the file is damaged or not a bank statement",
    )


def _date(path: str, parent: _Node, tag: str, required: bool = True) -> datetime.date | None:
    node = parent.find(tag)
    if node is None or not node.text:
        if required:
            raise _fail(path, parent, f"missing {tag}")
        return None
    match = _DATE.match(node.text)
    try:
        if match is None:
            raise ValueError
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _fail(path, node, "not a date that exists (YYYYMMDD…)", node.text) from None


def _amount(path: str, parent: _Node, tag: str) -> Decimal:
    node = parent.find(tag)
    if node is None or not node.text:
        raise _fail(path, parent, f"missing {tag}")
    # a decimal comma (OFX from European banks) reads as a decimal point
    number = plain_decimal(node.text.replace(" ", "").replace(",", "."))
    if number is None:
        raise _fail(path, node, "not an amount", node.text)
    return number


def _line(path: str, trn: _Node) -> StatementLine:
    posted = _date(path, trn, "DTPOSTED")
    assert posted is not None  # required
    fitid = trn.value("FITID")
    name = first_nonempty([trn.value("NAME"), trn.value("PAYEE/NAME")])
    memo = trn.value("MEMO")
    references = tuple(
        ref for ref in (fitid, trn.value("CHECKNUM"), trn.value("REFNUM")) if ref and ref != "0"
    )
    return StatementLine(
        lineno=trn.lineno,
        booking_date=posted,
        value_date=_date(path, trn, "DTAVAIL", required=False),
        amount=_amount(path, trn, "TRNAMT"),
        narration=memo or name or trn.value("TRNTYPE") or "",
        payee=name,
        ref=fitid,
        references=references,
        code=trn.value("TRNTYPE"),
    )


def _statement(path: str, stmtrs: _Node) -> Statement:
    if not stmtrs.closed:
        raise ImportFailure(
            path,
            stmtrs.lineno,
            f"<{stmtrs.tag}> never ends (no </{stmtrs.tag}>): its transactions and balance "
            "may be missing",
            hint="the file is truncated; ask the bank to resend it",
        )
    account = stmtrs.find("BANKACCTFROM") or stmtrs.find("CCACCTFROM")
    if account is None:
        raise _fail(path, stmtrs, "no BANKACCTFROM or CCACCTFROM")
    account_id = account.value("ACCTID")
    if not account_id:
        raise _fail(path, account, "no ACCTID")
    currency = stmtrs.value("CURDEF")
    if not currency:
        raise _fail(path, stmtrs, "no CURDEF (statement currency)")
    lines = [_line(path, trn) for trn in stmtrs.iter("STMTTRN")]
    closing = None
    ledger = stmtrs.find("LEDGERBAL")
    if ledger is not None:
        filler = re.fullmatch(r"0+", ledger.value("DTASOF") or "") is not None
        tranlist = stmtrs.find("BANKTRANLIST")
        if filler and tranlist is not None:
            # a bank with no as-of date for the balance writes zeros: the statement's end
            day = _date(path, tranlist, "DTEND")
            warnings.warn(
                InputWarning(
                    f"{path}:{ledger.lineno}: <LEDGERBAL> dated {ledger.value('DTASOF')}: "
                    f"read as of the statement's end, {day}"
                ),
                stacklevel=2,
            )
        else:
            day = _date(path, ledger, "DTASOF")
        assert day is not None  # required
        closing = StatementBalance(day, _amount(path, ledger, "BALAMT"), ledger.lineno)
    return Statement(
        account_id=account_id,
        currency=currency.upper(),
        lineno=stmtrs.lineno,
        statement_id=stmtrs.value("BANKTRANLIST/DTEND") or "",
        institution=account.value("BANKID"),
        card=stmtrs.tag == "CCSTMTRS",
        closing=closing,
        lines=lines,
    )


def read_ofx(filepath: str) -> list[Statement]:
    """The bank and card statements of an OFX/QFX file."""
    raw = Path(filepath).read_bytes()
    utf8 = re.search(rb"ENCODING:\s*UTF-8|encoding=\"utf-8\"", raw[:512], re.I) is not None
    text = decode(raw, filepath, ("utf-8",) if utf8 else ("utf-8", "cp1252"))
    ofx = parse_tree(text, filepath)
    statements = [_statement(filepath, node) for node in ofx.iter("STMTRS") + ofx.iter("CCSTMTRS")]
    if not ofx.closed:  # cut between two statements: each read is whole, a later one lost
        raise ImportFailure(
            filepath,
            text.count("\n") + 1,
            "the OFX document does not end (no </OFX>): statements may be missing",
            hint="the file is truncated; ask the bank to resend it",
        )
    return statements


class OfxImporter(BankImporter):
    """OFX 1.x/2.x and QFX bank and card statements."""

    format_name = "ofx"

    def identify(self, filepath: str) -> bool:
        text = head(filepath).upper()
        if b"OFXHEADER" not in text and b"<OFX>" not in text:
            return False
        bank = b"<STMTRS>" in text or b"<CCSTMTRS>" in text
        return bank and b"<INVSTMTRS>" not in text

    def read(self, filepath: str) -> list[Statement]:
        return read_ofx(filepath)
