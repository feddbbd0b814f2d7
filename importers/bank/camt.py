"""ISO 20022 cash management: camt.053 statements, camt.052 intraday account
reports, camt.054 debit/credit notifications (message versions .001.02 to .001.08).

XML is parsed by lxml with entity resolution, DTD loading and network access
off; a document carrying a DOCTYPE is refused outright, so neither entity
expansion nor external references can reach the parser's output.

Elements read (ISO 20022 message definitions, ``BkToCstmrStmt/Stmt``,
``BkToCstmrAcctRpt/Rpt``, ``BkToCstmrDbtCdtNtfctn/Ntfctn``):
``Acct/Id/IBAN`` or ``Acct/Id/Othr/Id``, ``Acct/Ccy``, ``Acct/Svcr/FinInstnId``;
``Bal`` with ``Tp/CdOrPrtry/Cd`` ``OPBD`` (or ``PRCD``) and ``CLBD``;
``Ntry`` with ``Amt``, ``CdtDbtInd``, ``Sts`` (booked entries only), ``BookgDt``,
``ValDt``, ``AcctSvcrRef``, ``NtryRef``, ``BkTxCd``, ``AddtlNtryInf`` and
``NtryDtls/TxDtls`` (``Refs``, ``AmtDtls/TxAmt/Amt`` or ``Amt``, ``RltdPties``,
``RmtInf``, ``AddtlTxInf``). A batch entry whose ``TxDtls`` carry their own
amounts that add up to the entry becomes one line per ``TxDtls``.
"""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from importers.bank.base import BankImporter
from importers.bank.statement import Kind, Statement, StatementBalance, StatementLine
from importers.common import ImportFailure, first_nonempty, head

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d\d)$")
_VERSIONS = range(2, 9)
_MESSAGES: dict[str, tuple[str, str, Kind]] = {
    "053": ("BkToCstmrStmt", "Stmt", "statement"),
    "052": ("BkToCstmrAcctRpt", "Rpt", "intraday"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", "notification"),
}
_NO_REF = {"", "NOTPROVIDED", "NONREF", "NONE"}
_AMOUNT = re.compile(r"^\d{1,18}(\.\d{1,5})?$")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )


class _Doc:
    """Namespace-qualified look-ups and checked conversions for one document."""

    def __init__(self, path: str, namespace: str) -> None:
        self.path = path
        self.ns = namespace

    def q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(self.q(path))

    def findall(self, element: etree._Element, path: str) -> list[etree._Element]:
        return list(element.iterfind(self.q(path)))

    def text(self, element: etree._Element, *paths: str) -> str | None:
        for path in paths:
            found = self.find(element, path)
            if found is not None and found.text and found.text.strip():
                return " ".join(found.text.split())
        return None

    def fail(
        self, element: etree._Element, problem: str, value: object, hint: str
    ) -> ImportFailure:
        name = etree.QName(element).localname
        return ImportFailure(
            self.path, element.sourceline, f"<{name}>: {problem}", value=value, hint=hint
        )

    def amount(self, element: etree._Element) -> tuple[Decimal, str | None]:
        raw = (element.text or "").strip()
        if not _AMOUNT.match(raw):
            raise self.fail(
                element, "not an ISO 20022 amount", raw, "write it as digits with '.' decimals"
            )
        try:
            return Decimal(raw), element.get("Ccy")
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise self.fail(element, "not a number", raw, "write it as digits") from None

    def signed(self, parent: etree._Element, amount_path: str) -> tuple[Decimal, str | None]:
        element = self.find(parent, amount_path)
        if element is None:
            raise self.fail(
                parent, f"missing {amount_path}", None, "the file is truncated or invalid"
            )
        number, currency = self.amount(element)
        mark = self.text(parent, "CdtDbtInd")
        if mark not in ("CRDT", "DBIT"):
            raise self.fail(parent, "CdtDbtInd must be CRDT or DBIT", mark, "the file is invalid")
        return (-number if mark == "DBIT" else number), currency

    def date(self, parent: etree._Element, path: str) -> datetime.date | None:
        holder = self.find(parent, path)
        if holder is None:
            return None
        for child, parse in (("Dt", datetime.date.fromisoformat), ("DtTm", _datetime_day)):
            element = self.find(holder, child)
            if element is None or not element.text:
                continue
            try:
                return parse(element.text.strip())
            except ValueError:
                raise self.fail(
                    element, "not a date that exists", element.text.strip(), "dates are YYYY-MM-DD"
                ) from None
        raise self.fail(holder, "has neither Dt nor DtTm", None, "the file is invalid")


def _datetime_day(text: str) -> datetime.date:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _ref(value: str | None) -> str | None:
    return None if value is None or value.upper() in _NO_REF else value


def _code(doc: _Doc, element: etree._Element) -> str | None:
    domain = doc.text(element, "BkTxCd/Domn/Cd")
    family = doc.text(element, "BkTxCd/Domn/Fmly/Cd")
    sub = doc.text(element, "BkTxCd/Domn/Fmly/SubFmlyCd")
    if domain:
        return "-".join(part for part in (domain, family, sub) if part)
    return doc.text(element, "BkTxCd/Prtry/Cd")


def _party(doc: _Doc, details: etree._Element | None, incoming: bool) -> str | None:
    if details is None:
        return None
    role = "Dbtr" if incoming else "Cdtr"
    return doc.text(
        details,
        f"RltdPties/{role}/Nm",
        f"RltdPties/{role}/Pty/Nm",
        f"RltdPties/Ultmt{role}/Nm",
        f"RltdPties/Ultmt{role}/Pty/Nm",
    )


def _remittance(doc: _Doc, details: etree._Element | None) -> str | None:
    if details is None:
        return None
    parts = [" ".join((e.text or "").split()) for e in doc.findall(details, "RmtInf/Ustrd")]
    text = " ".join(part for part in parts if part)
    return text or doc.text(details, "AddtlTxInf")


def _references(
    doc: _Doc, entry: etree._Element, details: etree._Element | None
) -> tuple[str, ...]:
    refs = [doc.text(entry, "AcctSvcrRef"), doc.text(entry, "NtryRef")]
    if details is not None:
        refs += [
            doc.text(details, f"Refs/{name}")
            for name in (
                "AcctSvcrRef",
                "EndToEndId",
                "MsgId",
                "PmtInfId",
                "InstrId",
                "TxId",
                "MndtId",
            )
        ]
        refs.append(doc.text(details, "RmtInf/Strd/CdtrRefInf/Ref"))
    out: list[str] = []
    for ref in refs:
        if ref is not None and _ref(ref) and ref not in out:
            out.append(ref)
    return tuple(out)


def _lines(doc: _Doc, entry: etree._Element, currency: str) -> list[StatementLine]:
    amount, ccy = doc.signed(entry, "Amt")
    if ccy and ccy != currency:
        raise doc.fail(
            entry, f"entry in {ccy} on a {currency} account", ccy, "split the file by currency"
        )
    booking = doc.date(entry, "BookgDt")
    value = doc.date(entry, "ValDt")
    if booking is None:
        booking = value
    if booking is None:
        raise doc.fail(entry, "entry without BookgDt or ValDt", None, "the file is invalid")
    code = _code(doc, entry)
    entry_ref = _ref(doc.text(entry, "AcctSvcrRef")) or _ref(doc.text(entry, "NtryRef"))
    details = doc.findall(entry, "NtryDtls/TxDtls")
    parts: list[tuple[etree._Element | None, Decimal]] = [(details[0] if details else None, amount)]
    if len(details) > 1:
        split = []
        for tx in details:
            tx_amount = doc.find(tx, "AmtDtls/TxAmt/Amt")
            if tx_amount is None:
                tx_amount = doc.find(tx, "Amt")
            if tx_amount is None:
                break
            number, _ = doc.amount(tx_amount)
            split.append((tx, -number if amount < 0 else number))
        else:
            if sum(number for _, number in split) == amount:
                parts = split
    lines = []
    for tx, number in parts:
        incoming = number > 0
        narration = first_nonempty(
            [
                _remittance(doc, tx),
                doc.text(entry, "AddtlNtryInf"),
                doc.text(tx, "RmtInf/Strd/CdtrRefInf/Ref") if tx is not None else None,
                code,
            ]
        )
        # The bank's references identify a line; an EndToEndId is the payer's and may
        # repeat (a monthly payment), so it only feeds the generated reference.
        tx_ref = None
        if tx is not None and len(parts) > 1:
            tx_ref = _ref(doc.text(tx, "Refs/AcctSvcrRef"))
        lines.append(
            StatementLine(
                lineno=(tx if tx is not None and len(parts) > 1 else entry).sourceline or 0,
                booking_date=booking,
                value_date=value,
                amount=number,
                narration=narration or "",
                payee=_party(doc, tx, incoming),
                ref=tx_ref or entry_ref,
                references=_references(doc, entry, tx),
                code=code,
            )
        )
    return lines


def _balance(doc: _Doc, report: etree._Element, codes: tuple[str, ...]) -> StatementBalance | None:
    balances = {doc.text(bal, "Tp/CdOrPrtry/Cd"): bal for bal in doc.findall(report, "Bal")}
    for code in codes:
        bal = balances.get(code)
        if bal is not None:
            number, _ = doc.signed(bal, "Amt")
            day = doc.date(bal, "Dt")
            if day is None:
                raise doc.fail(bal, "balance without Dt", None, "the file is invalid")
            return StatementBalance(day, number, bal.sourceline or 0)
    return None


def _statement(doc: _Doc, report: etree._Element, kind: Kind) -> Statement:
    account = doc.find(report, "Acct")
    if account is None:
        raise doc.fail(report, "no Acct", None, "the file is truncated or invalid")
    account_id = doc.text(account, "Id/IBAN", "Id/Othr/Id")
    if account_id is None:
        raise doc.fail(account, "no Id/IBAN or Id/Othr/Id", None, "the file is invalid")
    currency = doc.text(account, "Ccy")
    if currency is None:
        amounts = [e.get("Ccy") for e in report.iter(doc.q("Amt")) if e.get("Ccy")]
        currency = amounts[0] if amounts else None
    if currency is None:
        raise doc.fail(account, "no currency (Acct/Ccy or Amt/@Ccy)", None, "the file is invalid")
    lines: list[StatementLine] = []
    for entry in doc.findall(report, "Ntry"):
        status = doc.text(entry, "Sts", "Sts/Cd")
        if status is not None and status != "BOOK":
            continue
        lines.extend(_lines(doc, entry, currency))
    closing = _balance(doc, report, ("CLBD",)) if kind == "statement" else None
    if kind == "statement" and closing is None:
        raise doc.fail(
            report,
            "statement without a closing booked balance (Bal with Cd CLBD)",
            None,
            "the file is truncated or not a complete camt.053 statement",
        )
    return Statement(
        account_id=account_id,
        currency=currency,
        lineno=report.sourceline or 0,
        statement_id=doc.text(report, "Id") or "",
        kind=kind,
        institution=doc.text(
            account, "Svcr/FinInstnId/Nm", "Svcr/FinInstnId/BIC", "Svcr/FinInstnId/BICFI"
        ),
        opening=_balance(doc, report, ("OPBD", "PRCD")) if kind == "statement" else None,
        closing=closing,
        lines=lines,
    )


def read_camt(filepath: str) -> list[Statement]:
    """The statements, reports or notifications of a camt.05x document."""
    try:
        tree = etree.parse(io.BytesIO(Path(filepath).read_bytes()), _parser())
    except etree.XMLSyntaxError as exc:
        raise ImportFailure(
            filepath,
            exc.lineno,
            f"not well-formed XML: {exc.msg}",
            hint="the file is truncated or damaged",
        ) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ImportFailure(
            filepath,
            1,
            "XML with a DOCTYPE (entities or external references) is refused",
            value=tree.docinfo.doctype,
            hint="camt documents never need one; ask the bank for a plain ISO 20022 file",
        )
    root = tree.getroot()
    namespace = etree.QName(root).namespace or ""
    match = _NAMESPACE.match(namespace)
    if match is None or int(match.group(2)) not in _VERSIONS:
        raise ImportFailure(
            filepath,
            root.sourceline,
            "unknown XML namespace",
            value=namespace,
            hint="this importer reads camt.052, camt.053 and camt.054 versions .001.02 to .001.08",
        )
    doc = _Doc(filepath, namespace)
    wrapper, element, kind = _MESSAGES[match.group(1)]
    body = doc.find(root, wrapper)
    if body is None:
        raise doc.fail(root, f"no {wrapper}", None, "the document is not a camt.05x message")
    return [_statement(doc, report, kind) for report in doc.findall(body, element)]


class CamtImporter(BankImporter):
    """camt.053 / camt.052 / camt.054."""

    format_name = "camt"

    def identify(self, filepath: str) -> bool:
        return (
            re.search(rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.", head(filepath))
            is not None
        )

    def read(self, filepath: str) -> list[Statement]:
        return read_camt(filepath)
