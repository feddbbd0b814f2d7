"""What every importer shares: the one error type for bad input, reading a
document's first bytes and its text, provenance metadata and stable
generated references.

Provenance, so every entry can be traced to its document: every imported entry carries
``source`` (the document, relative to the books once archived), ``source-ref``
(the id the document gives the line, or one derived from a hash of the line)
and ``source-sha256`` (of the document's bytes). An importer writes ``source``
as the path it was given; the import pipeline rewrites it to the archived
path, so an importer used on its own (``bean-extract``) still says where each
entry came from.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from beancount.core import data
from beangulp.exceptions import Error as BeangulpError

from ledger import meta as keys
from ledger.meta import stable_id

GENERATED_REF_PREFIX = "gen-"

# An opening booked from an account's first statement (ledger.imports.opening for a
# bank statement's balance, importers.trades.ofx for a broker's position list).
OPENING_NARRATION = "Opening balance from the first statement"
OPENING_REF_SUFFIX = "/booked"


class InputWarning(UserWarning):
    """Bad input an importer was told to accept (``--lenient``): raised with
    :func:`warnings.warn`, so it reaches beangulp's tools as a warning and the
    import pipeline records it beside the file's summary."""

    @classmethod
    def accepted(cls, failure: ImportFailure, switch: str) -> InputWarning:
        location = failure.path if failure.where is None else f"{failure.path}:{failure.where}"
        return cls(f"{location}: {failure.problem} (accepted: {switch})")


class ImportFailure(BeangulpError):  # type: ignore[misc]  # beangulp is untyped
    """Bad input: the file, where in it (line or element), the value and a hint.

    A subclass of beangulp's ``Error``, so beangulp's own tools print it
    cleanly; anything else escaping an importer is a bug.
    """

    def __init__(
        self,
        path: str | Path,
        where: str | int | None,
        problem: str,
        *,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path)
        self.where = where
        self.problem = problem
        self.value = value
        self.hint = hint
        location = self.path if where is None else f"{self.path}:{where}"
        text = f"{location}: {problem}"
        if value is not None:
            text += f" (got {value!r})"
        if hint:
            text += f"; {hint}"
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.message)


HEAD_BYTES = 8192


def head(filepath: str, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of the file (empty when unreadable)."""
    try:
        with open(filepath, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def decode(
    raw: bytes,
    path: str,
    encodings: tuple[str, ...] = ("utf-8", "cp1252"),
    hint: str = "the file is damaged or in an encoding this importer does not read",
) -> str:
    """Text of ``raw``: the first encoding that decodes it, a UTF-8 BOM dropped."""
    for encoding in encodings:
        try:
            return raw.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            last = exc
    line = raw[: last.start].count(b"\n") + 1
    raise ImportFailure(
        path,
        line,
        f"bytes that are not {' or '.join(encodings)}",
        value=raw[last.start : last.start + 8],
        hint=hint,
    )


def provenance(source: str, ref: str, sha256: str) -> dict[str, str]:
    """The three provenance keys, in the order they are printed."""
    return {keys.SOURCE: source, keys.SOURCE_REF: ref, keys.SOURCE_SHA256: sha256}


def entry_meta(
    filename: str, lineno: int, source: str, ref: str, sha256: str, **extra: Any
) -> dict[str, Any]:
    """An entry's meta: where it was read (``filename``/``lineno``), its
    provenance, then ``extra`` keys (kebab-case names passed as a dict)."""
    meta: dict[str, Any] = data.new_metadata(filename, lineno)
    meta.update(provenance(source, ref, sha256))
    meta.update(extra)
    return meta


def generated_ref(*parts: str) -> str:
    """A reference for a line the document gives none: a hash of the line."""
    return GENERATED_REF_PREFIX + stable_id(*parts)


def unique_refs(refs: Sequence[str]) -> list[str]:
    """Make repeated references within one document distinct and stable.

    The second occurrence of ``R`` becomes ``R/2``, the third ``R/3``: banks
    repeat references such as ``NONREF`` or a batch id, and two identical fee
    lines on one day hash alike, yet each line must keep its own identity
    when the same document is imported again.
    """
    seen: Counter[str] = Counter()
    out = []
    for ref in refs:
        seen[ref] += 1
        out.append(ref if seen[ref] == 1 else f"{ref}/{seen[ref]}")
    return out


def first_nonempty(values: Iterable[str | None]) -> str | None:
    """The first value that is not None or blank, stripped."""
    for value in values:
        if value is not None and value.strip():
            return value.strip()
    return None


class UnknownStatementAccount(ImportFailure):
    """The statement's account id is not mapped in ``[[statement-accounts]]``.

    Carries the mapping to add, so the message can print the exact config
    lines and ``backoffice import --create-accounts`` can add them.
    """

    def __init__(
        self,
        path: str | Path,
        where: str | int | None,
        statement_id: str,
        account: str,
        currency: str | None,
        open_date: datetime.date,
        *,
        cash: bool = True,
    ) -> None:
        self.statement_id = statement_id
        self.cash = cash  # a cash account (a floor, watched by plugins.cash), not a card's
        self.account = account
        self.currency = currency
        self.open_date = open_date
        super().__init__(
            path,
            where,
            f"statement account {statement_id!r} is not in backoffice.toml",
            hint=(
                "add these lines to backoffice.toml:\n"
                + self.config_lines()
                + "and this to the chart of accounts:\n"
                + self.open_line()
                + "or run 'backoffice import --create-accounts', which adds both"
            ),
        )

    def config_lines(self) -> str:
        lines = ["[[statement-accounts]]", f"id = {_toml_str(self.statement_id)}"]
        lines.append(f"account = {_toml_str(self.account)}")
        if self.currency:
            lines.append(f"currency = {_toml_str(self.currency)}")
        return "\n".join(lines) + "\n"

    def open_line(self) -> str:
        currency = f"  {self.currency}" if self.currency else ""
        return f"{self.open_date.isoformat()} open {self.account}{currency}\n"


def _toml_str(value: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def broker_counterparty(broker_id: str) -> str:
    """The counterparty name made for an unmapped broker id, always the same for
    the same id: the domain's name without its suffix, each word capitalised
    (``fidelity.com`` -> ``Fidelity``, ``TIAA-CREF.ORG`` -> ``TIAA-CREF``), a name
    that is all digits prefixed with ``Broker``."""
    labels = [label for label in broker_id.strip().split(".") if label]
    if len(labels) > 1 and labels[-1].isalpha():
        labels = labels[:-1]
    host = labels[-1] if labels else ""
    if host.lower() == "www":
        host = ""
    words = [word for word in re.split(r"[^A-Za-z0-9-]+", host) if word.strip("-")]
    name = "".join(word[0].upper() + word[1:] for word in words).strip("-")
    if not name or name.isdigit() or not name[0].isalnum():
        name = "Broker" + "".join(ch for ch in name if ch.isalnum())
    return name[:48]


class UnknownBroker(ImportFailure):
    """The statement's broker id is not mapped to a counterparty.

    Carries the counterparty to make (a name derived from the id), so the message
    prints the exact config lines and ``backoffice import --create-accounts`` adds
    them: the broker's statement is its record of what settled, so its trades
    settle on S against the broker's cash account (``auto-settle``).
    """

    def __init__(
        self,
        path: str | Path,
        where: str | int | None,
        broker_id: str,
        currency: str,
        open_date: datetime.date,
        *,
        section: str,
        custody: str,
    ) -> None:
        self.broker_id = broker_id
        self.counterparty = broker_counterparty(broker_id)
        self.currency = currency
        self.open_date = open_date
        self.section = section  # the config table mapping the id: "trades.ofx.brokers"
        self.cash_account = f"{custody}:{self.counterparty}:Cash:{currency}"
        super().__init__(
            path,
            where,
            f"broker {broker_id!r} is not mapped to a counterparty",
            hint=(
                f'add "{broker_id}" = "<Counterparty>" under [{section}], for instance:\n'
                + self.mapping_line()
                + "\n"
                + self.counterparty_lines()
                + "or run 'backoffice import --create-accounts', which adds both and opens "
                "the accounts"
            ),
        )

    def mapping_line(self) -> str:
        return f"{_toml_str(self.broker_id)} = {_toml_str(self.counterparty)}\n"

    def counterparty_lines(self) -> str:
        return (
            f"[counterparties.{self.counterparty}]\n"
            f"name = {_toml_str(self.broker_id)}\n"
            "auto-settle = true\n"
            f"cash-account = {_toml_str(self.cash_account)}\n"
        )
