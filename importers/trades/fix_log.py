"""FIX drop-copy logs: the lines of a log, as validated messages (tag -> value).

A log line is whatever a FIX engine writes (QuickFIX:
``20261124-14:30:01.123 : 8=FIX.4.4^A9=...^A10=123^A``); the message starts
at ``8=FIX`` and its fields are separated by SOH (``\\x01``) or ``|``. Lines
without a message (engine events, blank lines) are skipped. BodyLength (9)
and CheckSum (10) are verified as on the wire, the separator counted as SOH;
a mismatch is an error naming the line and the ExecID; with ``lenient`` (for
logs known to have been edited by hand: ``backoffice import --lenient`` or
``[trades.fix] lenient``) it is an :class:`~importers.common.InputWarning`.

The message text is split by hand (``bytes.split``): simplefix's parser is too
slow for the target of a million execution reports in 30 s
(docs/performance.md); simplefix names the tags. :mod:`importers.trades.fix`
turns the execution reports into trades.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import simplefix

from importers.common import ImportFailure, InputWarning

SOH = b"\x01"
_split_pair = operator.methodcaller("split", b"=", 1)
BEGIN = b"8=FIX"
CHECKSUM_FIELD = b"10="


@dataclass(frozen=True)
class Message:
    """One FIX message of the log: its line and its fields, tag -> value."""

    line: int
    fields: dict[bytes, bytes]


def messages(lines: Iterable[bytes], filename: str, lenient: bool) -> Iterator[Message]:
    """The messages of the log ``lines``, each checked (BodyLength, CheckSum)."""
    for number, raw in enumerate(lines, start=1):
        start = raw.find(BEGIN)
        if start < 0:
            continue
        text = raw[start:].rstrip(b"\r\n")
        separator = SOH if SOH in text else b"|"
        end = text.rfind(separator + CHECKSUM_FIELD)
        if end < 0:
            raise ImportFailure(
                filename,
                number,
                "FIX message has no CheckSum (10) field: the line is cut off",
                value=text[:60].decode("latin-1"),
                hint="a message ends with 10=NNN followed by the separator",
            )
        body_end = end + 1
        tail = text[body_end:].rstrip(separator)
        pairs = text[:end].split(separator)
        try:
            # Reversed, so the first occurrence of a tag wins (a repeated tag
            # belongs to a group or embedded data, never to the header).
            fields = dict(map(_split_pair, reversed(pairs)))
        except ValueError:
            fields = {}
        if not b"".join(fields).isdigit():
            bad = next(p for p in pairs if not p.partition(b"=")[0].isdigit() or b"=" not in p)
            raise ImportFailure(
                filename,
                number,
                "FIX field is not TAG=VALUE",
                value=bad.decode("latin-1"),
                hint="fields are separated by SOH or '|'",
            )
        try:
            _validate(text, body_end, tail, fields, separator, filename, number)
        except ImportFailure as failure:
            if not lenient:
                raise
            warnings.warn(InputWarning.accepted(failure, "--lenient"), stacklevel=1)
        yield Message(number, fields)


def _validate(
    text: bytes,
    body_end: int,
    tail: bytes,
    fields: dict[bytes, bytes],
    separator: bytes,
    filename: str,
    line: int,
) -> None:
    exec_id = fields.get(simplefix.TAG_EXECID, b"?").decode("latin-1")
    msg_type = fields.get(simplefix.TAG_MSGTYPE, b"?").decode("latin-1")
    what = f"FIX message 35={msg_type} (ExecID {exec_id})"
    hint = "the log was changed after it was written; use --lenient for a log edited by hand"
    body_start = text.find(separator, text.find(b"9=")) + 1
    length = body_end - body_start
    declared = fields.get(simplefix.TAG_BODYLENGTH)
    if declared is None or not declared.isdigit() or int(declared) != length:
        raise ImportFailure(
            filename,
            line,
            f"{what}: BodyLength (9) is {declared.decode('latin-1') if declared else 'missing'} "
            f"but the body has {length} bytes",
            hint=hint,
        )
    total = sum(text[:body_end]) + text[:body_end].count(separator) * (1 - separator[0])
    expected = f"{total % 256:03d}".encode()
    if tail != CHECKSUM_FIELD + expected:
        raise ImportFailure(
            filename,
            line,
            f"{what}: CheckSum (10) is {tail[3:].decode('latin-1')!r} "
            f"but the bytes sum to {expected.decode()}",
            hint=hint,
        )
