"""SWIFT MT940 customer statements and MT942 interim transaction reports.

Parsed with the ``mt-940`` library, one statement at a time: the file is cut
at each ``:20:`` (transaction reference number), so multi-statement files
and SWIFT envelopes (``{1:…}{2:…}{4:`` … ``-}``) keep each statement's
balances apart, and every line keeps its line number in the file.

Fields (SWIFT MT940, Category 9): ``:25:`` account identification,
``:28C:`` statement number, ``:60F:``/``:60M:`` opening and ``:62F:``/``:62M:``
closing booked balance, ``:61:`` statement line (value date, entry date,
debit/credit mark with ``RC``/``RD`` reversals, amount, transaction type code,
customer reference, ``//`` bank reference), ``:86:`` information to account
owner, either German structured (``?20``…``?63``, with ``EREF+``/``SVWZ+``
keywords) or slash-keyword style (``/EREF/…/REMI/…/NAME/…``). MT942 adds
``:13D:`` date/time and ``:90D:``/``:90C:`` sums and has no booked closing
balance.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import logging
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import mt940

from importers.bank.base import BankImporter
from importers.bank.statement import Kind, Statement, StatementBalance, StatementLine
from importers.common import ImportFailure, InputWarning, decode, first_nonempty, head
from ledger.gcpause import gc_paused

# The library logs each field it cannot parse, then raises; the raise is reported.
logging.getLogger("mt940").addHandler(logging.NullHandler())

_ENVELOPE = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}|\{4:|^-\}?\s*$", re.M)
_FILLED = 60  # SWIFT field 86 is 6*65x; banks wrap a little short of 65
_NO_REF = {"", "NONREF", "NOTPROVIDED", "NONE"}
_SLASH_KEYS = re.compile(
    r"/(EREF|REMI|NAME|MARF|MREF|CSID|IBAN|BIC|ORDP|BENM|PURP|TRTP|ADDR|RTRN|ULTD|ULTC|KREF|ISDT)/"
)
_DATED_FIELD = re.compile(r"^(?P<tag>:6[0245][A-Z]?:|:61:)[CD]?(?P<date>\d{6})")
# The fast path (:func:`_simple_statement`): the common shape, read field by field
_SIMPLE_TAG = re.compile(r"^:(20|25|28C|60F|60M|61|86|62F|62M|64|65):(.*)$")
_SIMPLE_BALANCE = re.compile(r"^([CD])(\d\d)(\d\d)(\d\d)([A-Z]{3})(\d{1,12},\d{0,2})$")
_SIMPLE_LINE = re.compile(
    r"^(\d\d)(\d\d)(\d\d)(?:(\d\d)(\d\d))?([CD])(\d{1,12},\d{0,2})([A-Z][A-Z0-9]{3})"
    r"([A-Za-z0-9 .-]{0,16})(?://([A-Za-z0-9 .-]{1,16}))?$"
)
_STRUCTURED = re.compile(r"^\d{3}\?\d{2}")  # mt940's test for a structured :86:
_STATEMENT_NUMBER = re.compile(r"^\d{1,5}(/\d{1,5})?$")
_YEAR_BOUNDARY_DAYS = 330  # mt940's: an entry date this far from the value date is another year
_DETAILS_MAX = 9 * 65  # what mt940 keeps of a :86: at most
_OPTIONS = mt940.Options(
    reversal_sign=True,
    case_insensitive_marks=True,
    applicant_iban=True,
    merge_keeps_values=True,
)


@dataclass(frozen=True)
class _Chunk:
    lineno: int
    text: str
    ended: bool = True  # the message's end ("-" or "-}") follows its fields


def _chunks(text: str) -> list[_Chunk]:
    """The statements of the file: from each ``:20:`` to the next."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # the envelope's text is blanked line for line: line numbers stay the file's
    raw = text.split("\n")
    text = _ENVELOPE.sub(lambda match: "\n" * match.group(0).count("\n"), text)
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(":20:")]
    if not starts:
        return []
    return [
        _Chunk(
            start + 1,
            "\n".join(lines[start:end]),
            any(line.startswith("-") for line in raw[start:end]),
        )
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)
    ]


def _slash_fields(details: str) -> dict[str, str]:
    """``/EREF/x/REMI/y`` → ``{"EREF": "x", "REMI": "y"}`` (first of each)."""
    parts = _SLASH_KEYS.split(details)
    fields: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        fields.setdefault(key, value.strip(" /"))
    return fields


def _ref(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.upper() in _NO_REF else text


def _clean(text: str) -> str:
    return " ".join(text.split())


def _unwrap(details: str) -> str:
    """``:86:`` text as one line. Banks wrap it at (or a few characters short of)
    the 65-character limit, mid-word: a line that long, cut between two letters or
    digits, continues on the next without a space; any other line break is one."""
    lines = details.split("\n")
    joined = lines[0]
    for previous, line in itertools.pairwise(lines):
        cut = len(previous) >= _FILLED and previous[-1:].isalnum() and line[:1].isalnum()
        joined += ("" if cut else " ") + line
    return _clean(joined)


def _balance(data: dict[str, Any], keys: tuple[str, ...], lineno: int) -> StatementBalance | None:
    for key in keys:
        balance = data.get(key)
        if balance is not None:
            return StatementBalance(
                datetime.date(balance.date.year, balance.date.month, balance.date.day),
                Decimal(balance.amount.amount),
                lineno,
            )
    return None


def _tag_lines(chunk: _Chunk, tag: str) -> list[int]:
    """The line numbers in the file of each field ``tag`` of the chunk, in order."""
    return [
        chunk.lineno + i for i, line in enumerate(chunk.text.split("\n")) if line.startswith(tag)
    ]


def _tag_line(chunk: _Chunk, tag: str) -> int:
    return next(iter(_tag_lines(chunk, tag)), chunk.lineno)


def _as_date(value: Any) -> datetime.date | None:
    if value is None:
        return None
    return datetime.date(value.year, value.month, value.day)


def _line(details: dict[str, Any], lineno: int) -> StatementLine:
    raw = _unwrap(details.get("transaction_details") or "")
    slash = _slash_fields(raw) if raw else {}
    eref = first_nonempty([details.get("end_to_end_reference"), slash.get("EREF")])
    references = tuple(
        ref
        for ref in (
            _ref(details.get("bank_reference")),
            _ref(details.get("customer_reference")),
            _ref(eref),
            _ref(details.get("additional_position_reference") or slash.get("MREF")),
            _ref(details.get("extra_details")),
        )
        if ref
    )
    purpose = " ".join(
        str(part) for part in (details.get("purpose"), details.get("additional_purpose")) if part
    )  # ?20-?29 and ?60-?63 of a structured :86:
    narration = first_nonempty(
        [
            purpose,
            slash.get("REMI"),
            details.get("posting_text"),
            None if slash else raw,
            details.get("extra_details"),
        ]
    )
    payee = first_nonempty(
        [
            details.get("applicant_name"),
            slash.get("NAME"),
            slash.get("BENM"),
            slash.get("ORDP"),
        ]
    )
    value_date = _as_date(details.get("date"))
    booking = _as_date(details.get("entry_date")) or value_date
    assert booking is not None and value_date is not None  # :61: always has a value date
    return StatementLine(
        lineno=lineno,
        booking_date=booking,
        value_date=value_date,
        amount=Decimal(details["amount"].amount),
        narration=_clean(narration or ""),
        payee=_clean(payee) if payee else None,
        # Only the bank's own reference identifies a line: customer references
        # and end-to-end ids repeat (Rabobank writes "EREF" in every :61:).
        ref=_ref(details.get("bank_reference")),
        references=references,
        code=details.get("id"),
    )


def _check_dates(chunk: _Chunk, path: str) -> None:
    """Every date of the balance and statement-line fields exists (YYMMDD)."""
    for offset, line in enumerate(chunk.text.split("\n")):
        match = _DATED_FIELD.match(line)
        if match is None:
            continue
        raw = match.group("date")
        try:
            datetime.datetime.strptime(raw, "%y%m%d")
        except ValueError:
            if match.group("tag") == ":61:" and raw[2:4] == "02" and raw[4:] in ("29", "30"):
                # German banks date interest on 30 February (the 30/360 day count);
                # the value date is read as the month's last day
                warnings.warn(
                    InputWarning(
                        f"{path}:{chunk.lineno + offset}: :61: value date {raw} "
                        "(30/360 day count) read as the last day of February"
                    ),
                    stacklevel=2,
                )
                continue
            raise ImportFailure(
                path,
                chunk.lineno + offset,
                f"{match.group('tag')} has a date that does not exist",
                value=raw,
                hint="dates are YYMMDD",
            ) from None


def _statement(chunk: _Chunk, path: str) -> Statement:
    _check_dates(chunk, path)
    parsed = mt940.models.Transactions(options=_OPTIONS)
    try:
        parsed.parse(chunk.text)
    except Exception as exc:  # the library signals malformed fields with many types
        value = exc.args[2] if len(exc.args) > 2 and isinstance(exc.args[2], str) else None
        first = value.split("\n")[0] if value else None
        offset = next(
            (i for i, line in enumerate(chunk.text.split("\n")) if first and first in line), 0
        )
        raise ImportFailure(
            path,
            chunk.lineno + offset,
            "a field does not follow the SWIFT MT940 layout"
            + ("" if value is not None else f": {exc}"),
            value=value,
            hint="the file is truncated or damaged; compare the field with the bank's MT940 spec",
        ) from None
    data = parsed.data
    account_id = data.get("account_identification")
    if not account_id:
        raise ImportFailure(
            path,
            chunk.lineno,
            "statement without :25: account identification",
            hint="the file is truncated or not an MT940 statement",
        )
    currency = parsed.currency
    lines = [t.data for t in parsed.transactions if "amount" in t.data]
    if currency is None and lines:
        currency = lines[0]["amount"].currency
    if not currency:
        raise ImportFailure(
            path,
            chunk.lineno,
            "statement without a currency (no :60a:, :62a: or :34F:)",
            hint="the file is truncated",
        )
    kind: Kind = (
        "intraday" if "date_time_indication" in data or "c_floor_limit" in data else "statement"
    )
    closing = _balance(
        data,
        ("final_closing_balance", "intermediate_closing_balance", "closing_balance"),
        _tag_line(chunk, ":62"),
    )
    if kind == "intraday":
        _check_report_end(chunk, data, lines, path)
    if kind == "statement" and closing is None:
        raise ImportFailure(
            path,
            chunk.lineno + chunk.text.rstrip("\n").count("\n"),
            f"statement {data.get('transaction_reference', '')} ends without a closing "
            "balance (:62F: or :62M:)",
            hint="the file is truncated; ask the bank to resend it",
        )
    opening = _balance(
        data,
        ("final_opening_balance", "intermediate_opening_balance", "opening_balance"),
        _tag_line(chunk, ":60"),
    )
    if kind == "statement" and opening is None:
        # mandatory (SWIFT MT940 field 60a): without it the opening would be derived
        # from the closing balance, and a lost line could never show
        raise ImportFailure(
            path,
            chunk.lineno,
            f"statement {data.get('transaction_reference', '')} has no opening balance "
            "(:60F: or :60M:)",
            hint="the statement is damaged; ask the bank to resend it",
        )
    return Statement(
        account_id=str(account_id).strip(),
        currency=currency,
        lineno=chunk.lineno,
        statement_id=str(data.get("transaction_reference", "")).strip(),
        kind=kind,
        opening=opening,
        closing=closing,
        lines=[
            _line(line, lineno)
            for line, lineno in zip(lines, _tag_lines(chunk, ":61:"), strict=False)
        ],
    )


def _check_report_end(
    chunk: _Chunk, data: dict[str, Any], lines: list[dict[str, Any]], path: str
) -> None:
    """An MT942 has no closing balance: its end ("-") and its :90D:/:90C: count and
    total of debits and credits are what show that no line is missing."""
    amounts = [Decimal(line["amount"].amount) for line in lines]
    for key, tag, name, mine in (
        ("sum_debit_entries", ":90D:", "debit", [-a for a in amounts if a < 0]),
        ("sum_credit_entries", ":90C:", "credit", [a for a in amounts if a >= 0]),
    ):
        stated = data.get(key)
        if stated is None:
            continue
        count, total = int(stated.number), abs(Decimal(stated.amount))
        if count != len(mine) or total != sum(mine, Decimal(0)):
            raise ImportFailure(
                path,
                _tag_line(chunk, tag),
                f"{tag} says {count} {name}(s) totalling {total}, but the report carries "
                f"{len(mine)} totalling {sum(mine, Decimal(0))}",
                hint="the file is truncated or a line is malformed; ask the bank to resend it",
            )
    last = chunk.lineno + chunk.text.rstrip("\n").count("\n")
    if not chunk.ended:
        raise ImportFailure(
            path,
            last,
            f"report {data.get('transaction_reference', '')} ends without its trailer "
            "('-' after the last field)",
            hint="the file is truncated; ask the bank to resend it",
        )


class _NotSimple(Exception):
    """The chunk has a field the fast path leaves to the ``mt-940`` library."""


@functools.lru_cache(maxsize=4096)  # a statement has few distinct days
def _simple_date(year: str, month: str, day: str) -> datetime.date:
    try:
        return datetime.date(2000 + int(year), int(month), int(day))
    except ValueError:
        raise _NotSimple from None


def _simple_balance(value: str, lineno: int) -> tuple[StatementBalance, str]:
    match = _SIMPLE_BALANCE.match(value)
    if match is None:
        raise _NotSimple
    mark, year, month, day, currency, number = match.groups()
    amount = Decimal(number.replace(",", "."))
    return (
        StatementBalance(
            _simple_date(year, month, day), -amount if mark == "D" else amount, lineno
        ),
        currency,
    )


def _simple_line(value: str, details: list[str] | None, lineno: int) -> StatementLine:
    match = _SIMPLE_LINE.match(value)
    if match is None:
        raise _NotSimple
    year, month, day, entry_month, entry_day, mark, number, code, customer, bank = match.groups()
    value_date = _simple_date(year, month, day)
    booking = value_date
    if entry_month is not None:
        booking = _simple_date(year, entry_month, entry_day)
        if value_date > booking and (value_date - booking).days >= _YEAR_BOUNDARY_DAYS:
            booking = _simple_date(str(int(year) + 1), entry_month, entry_day)
        elif booking > value_date and (booking - value_date).days >= _YEAR_BOUNDARY_DAYS:
            booking = _simple_date(str(int(year) - 1), entry_month, entry_day)
    amount = Decimal(number.replace(",", "."))
    fields: dict[str, Any] = {
        "date": value_date,
        "entry_date": booking,
        "amount": _SimpleAmount(-amount if mark == "D" else amount),
        "id": code,
        "customer_reference": customer,
        "bank_reference": bank,
    }
    if details is not None:
        text = "\n".join(details).strip()
        if len(text) > _DETAILS_MAX or _STRUCTURED.match("".join(text.splitlines())):
            raise _NotSimple
        fields["transaction_details"] = text
    return _line(fields, lineno)


class _SimpleAmount(NamedTuple):
    """What the line reads of mt940's ``Amount``."""

    amount: Decimal


def _simple_statement(chunk: _Chunk) -> Statement | None:
    """The statement read field by field, or None when it is not of the simple
    shape: the fields ``:20:`` ``:25:`` ``:28C:`` ``:60F/M:`` ``:61:`` ``:86:``
    ``:62F/M:`` ``:64:`` ``:65:`` only; ``:61:`` with ``C``/``D``, no funds code,
    a type code, references of letters, digits, spaces, dots and dashes, no
    supplementary details; ``:86:`` unstructured (no ``?20`` subfields). For
    that shape the result equals the ``mt-940`` library's
    (``tests/importers/test_bank_mt940_fast.py`` compares them on every sample
    and on generated statements); anything else goes to the library."""
    try:
        return _read_simple(chunk)
    except _NotSimple:
        return None


def _read_simple(chunk: _Chunk) -> Statement:
    fields: list[tuple[str, str, int, list[str]]] = []  # tag, value, line, continuation
    for offset, raw in enumerate(chunk.text.split("\n")):
        line = raw.rstrip()
        match = _SIMPLE_TAG.match(line)
        if match is not None:
            fields.append((match.group(1), match.group(2).strip(), chunk.lineno + offset, []))
        elif line.startswith(":") or line.strip() == "-" or not fields:
            raise _NotSimple
        elif line:
            if fields[-1][0] != "86":
                raise _NotSimple
            fields[-1][3].append(line)
        elif offset < chunk.text.rstrip().count("\n"):
            raise _NotSimple  # a blank line inside the statement
    while fields and fields[-1][0] in ("64", "65"):  # available balances: checked, not used
        _simple_balance(fields[-1][1], fields[-1][2])
        fields.pop()
    tags = [tag for tag, _, _, _ in fields]
    if len(tags) < 5 or tags[:3] != ["20", "25", "28C"] or tags[3] not in ("60F", "60M"):
        raise _NotSimple
    if tags[-1] not in ("62F", "62M"):
        raise _NotSimple
    reference, account_id, number = (value for _, value, _, _ in fields[:3])
    if len(reference) > 16 or len(account_id) > 35 or not _STATEMENT_NUMBER.match(number):
        raise _NotSimple
    if not account_id:
        raise _NotSimple
    opening, currency = _simple_balance(fields[3][1], fields[3][2])
    closing, closing_currency = _simple_balance(fields[-1][1], fields[-1][2])
    if closing_currency != currency:
        raise _NotSimple
    lines: list[StatementLine] = []
    body = fields[4:-1]
    at = 0
    while at < len(body):
        tag, value, lineno, _ = body[at]
        if tag != "61":
            raise _NotSimple
        details = None
        if at + 1 < len(body) and body[at + 1][0] == "86":
            _, first, _, more = body[at + 1]
            details = [first, *more]
            at += 1
        lines.append(_simple_line(value, details, lineno))
        at += 1
    return Statement(
        account_id=account_id,
        currency=currency,
        lineno=chunk.lineno,
        statement_id=reference,
        kind="statement",
        opening=opening,
        closing=closing,
        lines=lines,
    )


class Mt940Importer(BankImporter):
    """MT940 statements and MT942 interim reports."""

    format_name = "mt940"

    def identify(self, filepath: str) -> bool:
        # by content: banks name these files anything (.sta, .mt940x, .txt, none)
        text = head(filepath).decode("latin-1")
        return ":20:" in text and ":25:" in text and (":61:" in text or ":60" in text)

    @gc_paused()
    def read(self, filepath: str) -> list[Statement]:
        with open(filepath, "rb") as handle:
            text = decode(handle.read(), filepath)
        return [_simple_statement(chunk) or _statement(chunk, filepath) for chunk in _chunks(text)]
