"""One ISO 15022 (SWIFT MT category 5) reader shared by MT535, MT536, MT544-547,
MT564 and MT566.

A file holds one or more messages, each in the FIN envelope::

    {1:F01CUSTUS33AXXX0000000000}{2:O5451200261125ALPHUS33XXXX00000000002611251200N}
    {3:{108:REF}}{4:
    :16R:GENL
    :20C::SEME//CUS-545-0001
    :23G:NEWM
    :16S:GENL
    ...
    -}{5:{CHK:...}}

FinTS/HBCI banks deliver MT535/MT536 without the envelope: the text of block 4
alone, from ``:16R:GENL``, without ``{1:}{2:}{4:`` and ``-}`` (messages may be
separated by a line ``-``), and specifications print examples as block 4 alone
(``{4:`` … ``-}``). Such a text is read too; its message type comes from
its content: transactions (``:16R:TRAN``) or a statement period (``:69A::STAT``)
make an MT536, holdings (``:16R:FIN``) or a statement date an MT535, a
corporate action event (``:22F::CAEV//``) an MT566 with a confirmation
(``:16R:CACONF``), else an MT564.

Block 4 is read into a tree of :class:`Sequence` (``:16R:NAME`` opens a
sequence, ``:16S:NAME`` closes it) holding :class:`Field` values. A field is
``:TAG:content``; a generic field's content is ``:QUAL/ISSUER/value`` (ISO
15022 "qualifier", the issuer is empty for SWIFT codes: ``:QUAL//value``).
Continuation lines (35B descriptions, 70E narratives) belong to the field above.

The field-format helpers below cite the SWIFT User Handbook, Category 5,
"Standards MT General Field Definitions": decimals use a comma (``1000,``),
dates are ``YYYYMMDD`` (98A), amounts are ``[N]CCY`` + decimal (19A),
quantities are ``UNIT|FAMT|AMOR/`` + decimal (36B, 93B), prices are
``PRCT|YIEL/`` + decimal (90A) or ``ACTU/CCY`` + decimal (90B).

Every problem raises :class:`ImportFailure` naming the file, the line, the
message type and its reference (``:20C::SEME//``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from importers.common import ImportFailure

_BLOCK_RE = re.compile(r"\{([1-5]):")
_FIELD_RE = re.compile(r"^:(\d\d[A-Z]?):(.*)$")
_GENERIC_RE = re.compile(r"^:([A-Z0-9]{4})/([A-Za-z0-9]{0,8})/(.*)$", re.S)
_DECIMAL_RE = re.compile(r"^\d{1,15},\d*$")
_BLOCK2_RE = re.compile(r"^[IO](\d{3})")


@dataclass(frozen=True)
class Field:
    """One field of block 4: ``:98A::SETT//20261125`` is tag ``98A``,
    qualifier ``SETT``, issuer ``""``, value ``20261125``."""

    tag: str
    qualifier: str | None
    issuer: str | None
    value: str
    line: int


@dataclass
class Sequence:
    """A ``:16R:``/``:16S:`` sequence (the root of block 4 has name ``""``)."""

    name: str
    line: int
    fields: list[Field] = field(default_factory=list)
    children: list[Sequence] = field(default_factory=list)

    def get(self, tag: str, qualifier: str | None = None) -> Field | None:
        """The first field with ``tag`` (a tag letter may be omitted: ``98``
        matches ``98A`` and ``98C``) and ``qualifier``, in this sequence only."""
        for item in self.fields:
            if _tag_matches(item.tag, tag) and (qualifier is None or item.qualifier == qualifier):
                return item
        return None

    def all(self, tag: str, qualifier: str | None = None) -> list[Field]:
        return [
            item
            for item in self.fields
            if _tag_matches(item.tag, tag) and (qualifier is None or item.qualifier == qualifier)
        ]

    def sequences(self, name: str) -> list[Sequence]:
        """The direct sub-sequences called ``name``."""
        return [child for child in self.children if child.name == name]

    def walk(self, name: str) -> Iterator[Sequence]:
        """Every sequence called ``name`` at any depth, in document order."""
        for child in self.children:
            if child.name == name:
                yield child
            yield from child.walk(name)


def _tag_matches(actual: str, wanted: str) -> bool:
    return actual == wanted or (len(wanted) == 2 and actual[:2] == wanted)


@dataclass(frozen=True)
class Message:
    """One FIN message: its type (``"545"``), the sender's BIC, the line
    where it starts, and block 4 as a sequence tree."""

    filename: str
    message_type: str
    sender: str
    line: int
    body: Sequence

    @property
    def reference(self) -> str:
        """The sender's reference, ``:20C::SEME//`` of sequence GENL."""
        genl = self.body.sequences("GENL")
        seme = genl[0].get("20C", "SEME") if genl else None
        return seme.value if seme else "(no SEME)"

    def error(self, line: int | None, message: str) -> ImportFailure:
        """An error naming this message: ``file:line: MT545 SEME REF: message``."""
        return ImportFailure(
            self.filename, line, f"MT{self.message_type} {self.reference}: {message}"
        )

    def require(self, sequence: Sequence, tag: str, qualifier: str | None = None) -> Field:
        """The field, or an error naming the sequence that lacks it."""
        found = sequence.get(tag, qualifier)
        if found is None:
            what = f":{tag}::{qualifier}//" if qualifier else f":{tag}:"
            where = sequence.name or "block 4"
            raise self.error(
                sequence.line, f"sequence {where} has no {what} field; the message is incomplete"
            )
        return found

    def sequence(self, parent: Sequence, name: str) -> Sequence:
        """The one mandatory sub-sequence ``name`` of ``parent``."""
        found = parent.sequences(name)
        if not found:
            where = parent.name or "block 4"
            raise self.error(parent.line, f"sequence {where} has no :16R:{name} sequence")
        return found[0]

    # Field formats (SWIFT Category 5 general field definitions).

    def decimal(self, item: Field, text: str) -> Decimal:
        """An ISO 15022 decimal: digits, a mandatory comma, optional decimals."""
        if not _DECIMAL_RE.match(text):
            raise self.error(
                item.line,
                f":{item.tag}: value {text!r} is not an ISO 15022 decimal "
                "(digits with a decimal comma, e.g. 1000, or 61,25)",
            )
        return Decimal(text.replace(",", "."))

    def date(self, item: Field) -> datetime.date:
        """98A ``YYYYMMDD`` or 98C ``YYYYMMDDHHMMSS`` (the date part)."""
        text = item.value[:8]
        try:
            if not text.isdigit() or len(text) != 8:
                raise ValueError(text)
            return datetime.datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            raise self.error(
                item.line, f":{item.tag}::{item.qualifier}: {item.value!r} is not a date YYYYMMDD"
            ) from None

    def quantity(self, item: Field) -> tuple[str, Decimal]:
        """36B/93B ``UNIT|FAMT|AMOR/[N]quantity`` → (type, signed quantity)."""
        kind, sep, rest = item.value.partition("/")
        if not sep or kind not in ("UNIT", "FAMT", "AMOR"):
            raise self.error(
                item.line,
                f":{item.tag}::{item.qualifier}: {item.value!r} is not a quantity "
                "(UNIT/, FAMT/ or AMOR/ followed by a decimal)",
            )
        sign = Decimal(1)
        if rest.startswith("N"):
            sign, rest = Decimal(-1), rest[1:]
        return kind, sign * self.decimal(item, rest)

    def amount(self, item: Field) -> tuple[str, Decimal]:
        """19A ``[N]CCYamount`` → (currency, signed amount)."""
        text = item.value
        sign = Decimal(1)
        if text.startswith("N"):
            sign, text = Decimal(-1), text[1:]
        currency, number = text[:3], text[3:]
        if not re.match(r"^[A-Z]{3}$", currency):
            raise self.error(
                item.line,
                f":{item.tag}::{item.qualifier}: {item.value!r} has no currency code; "
                "expected [N]CCY followed by a decimal, e.g. USD61275,",
            )
        return currency, sign * self.decimal(item, number)

    def price(self, item: Field) -> tuple[str | None, Decimal]:
        """90A ``PRCT|YIEL/rate`` or 90B ``ACTU/CCYprice`` → (currency or None, price)."""
        kind, _, rest = item.value.partition("/")
        if item.tag == "90B":
            if kind != "ACTU" or not re.match(r"^[A-Z]{3}", rest):
                raise self.error(
                    item.line, f":90B::{item.qualifier}: {item.value!r} is not ACTU/CCYprice"
                )
            return rest[:3], self.decimal(item, rest[3:])
        return None, self.decimal(item, rest)

    def isin(self, item: Field) -> str | None:
        """35B ``ISIN XX0000000000`` (first line) → the ISIN, or None for
        a security identified only by description or a local code."""
        first = item.value.split("\n", 1)[0]
        if first.startswith("ISIN "):
            return first[5:].strip()
        return None

    def description(self, item: Field) -> str:
        """35B: the description lines after the identifier."""
        lines = item.value.split("\n")
        rest = lines[1:] if lines[0].startswith(("ISIN ", "/")) else lines
        return " ".join(line.strip() for line in rest if line.strip())


def parse(text: str, filename: str) -> list[Message]:
    """Every message of ``text``; raises :class:`ImportFailure` on the first problem."""
    messages = []
    pos = 0
    length = len(text)
    while True:
        # whitespace, SWIFT's SOH/ETX, a byte order mark (as latin-1 or decoded)
        while pos < length and text[pos] in " \t\r\n\x03\x01\ufeff\xef\xbb\xbf":
            pos += 1
        if pos >= length:
            break
        line = text.count("\n", 0, pos) + 1
        if text.startswith(BARE_START, pos):
            messages.append(_parse_bare(text, pos, line, filename))
            pos = messages[-1].end
            continue
        if text[pos] != "{":
            raise ImportFailure(
                filename,
                line,
                f"expected a SWIFT block '{{1:' or '{{2:', found {text[pos : pos + 20]!r}; "
                "is this an ISO 15022 (MT5xx) file?",
            )
        messages.append(_parse_message(text, pos, line, filename))
        pos = messages[-1].end
    if not messages:
        raise ImportFailure(filename, None, "no SWIFT message in the file (it is empty)")
    return [m.message for m in messages]


@dataclass(frozen=True)
class _Parsed:
    message: Message
    end: int


def _parse_message(text: str, pos: int, line: int, filename: str) -> _Parsed:
    header_sender = ""
    message_type = ""
    while True:
        match = _BLOCK_RE.match(text, pos)
        block_line = text.count("\n", 0, pos) + 1
        if not match:
            raise ImportFailure(
                filename, block_line, f"expected a block '{{n:', found {text[pos : pos + 20]!r}"
            )
        number = match.group(1)
        if number == "4":
            if not message_type and not header_sender:
                # Block 4 alone in its braces, as message specifications print their
                # examples: the type comes from the content, as without an envelope.
                message_type = bare_message_type(text[match.end() : match.end() + (1 << 16)]) or ""
            if not message_type:
                raise ImportFailure(
                    filename,
                    line,
                    "message has no application header {2:...}; the message type is unknown",
                )
            body, end = _parse_block4(text, match.end(), filename, message_type)
            pos = end
            # Trailer blocks {5:...} and user blocks after block 4.
            while pos < len(text) and text.startswith("{5:", pos):
                pos = _skip_block(text, pos, filename)
            message = Message(filename, message_type, header_sender, line, body)
            return _Parsed(message, pos)
        end = _skip_block(text, pos, filename)
        content = text[match.end() : end - 1]
        if number == "1" and len(content) >= 15:
            header_sender = content[3:11]
        elif number == "2":
            kind = _BLOCK2_RE.match(content)
            if not kind:
                raise ImportFailure(
                    filename,
                    block_line,
                    f"application header {{2:{content}}} does not start with I or O and "
                    "a 3-digit message type",
                )
            message_type = kind.group(1)
            if content.startswith("O") and len(content) >= 24:
                # Output header: type, input time, MIR (date + sender LT address).
                header_sender = content[14:22]
        pos = end


def _skip_block(text: str, pos: int, filename: str) -> int:
    """The position after the block starting at ``pos`` (nested braces allowed)."""
    depth = 0
    for index in range(pos, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    raise ImportFailure(
        filename, text.count("\n", 0, pos) + 1, "block is not closed with '}'; the file is cut off"
    )


BARE_START = ":16R:GENL"
_BARE_END_RE = re.compile(r"^-[ \t\r]*$", re.M)


def bare_message_type(text: str) -> str | None:
    """The type of an MT535/MT536/MT564/MT566 text without its envelope (from
    ``:16R:GENL``), told by its content; None when it names none of them.

    A corporate action message names its event (``:22F::CAEV//``); a confirmation
    has the sequence CACONF, a notification does not."""
    if re.search(r"^:22F::CAEV//", text, re.M):
        return "566" if re.search(r"^:16R:CACONF\b", text, re.M) else "564"
    if re.search(r"^:16R:TRAN\b|^:69[AB]::STAT/", text, re.M):
        return "536"
    if re.search(r"^:16R:FIN\b|^:98[AC]::STAT/", text, re.M):
        return "535"
    return None


def _parse_bare(text: str, pos: int, line: int, filename: str) -> _Parsed:
    """One message of block 4's text alone, up to a line ``-`` or the end."""
    found = _BARE_END_RE.search(text, pos)
    end = found.start() if found else len(text)
    message_type = bare_message_type(text[pos:end])
    if message_type is None:
        raise ImportFailure(
            filename,
            line,
            "SWIFT sequences without an envelope, but neither holdings (:16R:FIN), "
            "transactions (:16R:TRAN) nor a corporate action event (:22F::CAEV//): "
            "not an MT535, MT536, MT564 or MT566",
        )
    body = _parse_fields(text, pos, end, filename, message_type)
    message = Message(filename, message_type, "", line, body)
    return _Parsed(message, found.end() if found else end)


def _parse_block4(text: str, pos: int, filename: str, message_type: str) -> tuple[Sequence, int]:
    end = _find_block4_end(text, pos, filename, message_type)
    root = _parse_fields(text, pos, end, filename, message_type)
    close = text.index("}", end) + 1
    return root, close


def _parse_fields(text: str, pos: int, end: int, filename: str, message_type: str) -> Sequence:
    """The fields of block 4 between ``pos`` and ``end``, as a tree of sequences."""
    first_line = text.count("\n", 0, pos) + 1
    root = Sequence("", first_line)
    stack = [root]
    pending: list[tuple[str, int, list[str]]] = []

    def flush() -> None:
        for tag, line, parts in pending:
            _add_field(stack, tag, line, "\n".join(parts), filename, message_type)
        pending.clear()

    for offset, raw in enumerate(text[pos:end].split("\n")):
        line = first_line + offset
        content = raw.rstrip("\r")
        if not content.strip():
            continue
        match = _FIELD_RE.match(content)
        if match:
            flush()
            pending.append((match.group(1), line, [match.group(2)]))
        elif pending:
            pending[-1][2].append(content)
        else:
            raise ImportFailure(
                filename,
                line,
                f"MT{message_type}: {content[:40]!r} is not a field; "
                "block 4 lines start with :TAG: (e.g. :16R:GENL)",
            )
    flush()
    if len(stack) > 1:
        open_seq = stack[-1]
        raise ImportFailure(
            filename,
            open_seq.line,
            f"MT{message_type}: sequence :16R:{open_seq.name} is never closed with "
            f":16S:{open_seq.name}: the message is cut off",
        )
    return root


def _find_block4_end(text: str, pos: int, filename: str, message_type: str) -> int:
    """The position of the ``-`` that ends block 4 (``\\n-}``)."""
    match = re.compile(r"\r?\n-\}").search(text, pos)
    if match is None:
        raise ImportFailure(
            filename,
            text.count("\n", 0, pos) + 1,
            f"MT{message_type}: block 4 does not end with a line '-}}'; the file is cut off",
        )
    return match.start()


def _add_field(
    stack: list[Sequence], tag: str, line: int, content: str, filename: str, message_type: str
) -> None:
    if tag == "16R":
        child = Sequence(content.strip(), line)
        stack[-1].children.append(child)
        stack.append(child)
        return
    if tag == "16S":
        name = content.strip()
        if len(stack) == 1 or stack[-1].name != name:
            opened = (
                f"the open sequence is {stack[-1].name} (line {stack[-1].line})"
                if len(stack) > 1
                else "no sequence is open"
            )
            raise ImportFailure(
                filename, line, f"MT{message_type}: :16S:{name} closes nothing: {opened}"
            )
        stack.pop()
        return
    generic = _GENERIC_RE.match(content) if content.startswith(":") else None
    if generic:
        item = Field(tag, generic.group(1), generic.group(2), generic.group(3), line)
    else:
        item = Field(tag, None, None, content, line)
    stack[-1].fields.append(item)


def message_types(filepath: str) -> set[str]:
    """The message types named by the file's application headers ``{2:I545``/
    ``{2:O545`` (a cheap look at the first 64 KiB for ``identify``)."""
    try:
        with open(filepath, "rb") as handle:
            head = handle.read(1 << 16).decode("latin-1")
    except OSError:
        return set()
    if head.lstrip(" \t\r\n\ufeff\xef\xbb\xbf").startswith((BARE_START, "{4:")):
        bare = bare_message_type(head)
        return {bare} if bare else set()
    return {match.group(1) for match in re.finditer(r"\{2:[IO](\d{3})", head)}
