"""No entry twice, where two statement lines alike are still two lines.

Beancount's ``beancount.plugins.noduplicates`` hashes every entry without its
metadata and reports any two equal hashes as a duplicate. A bank statement can
hold two lines equal in everything but their bank reference: two returns of
50.05 EUR on one day are two returns. Their entries differ only in
``source-ref`` (the document's id for the line), which that plugin does not see,
so a valid statement made the books fail ``check``.

This plugin is that check with one difference: entries that carry a
``source-ref`` are equal only when their document (``source``) and their
``source-ref`` are equal too. An entry typed twice by hand, or imported twice
with the same reference, is still a duplicate; prices may repeat, as in
Beancount's. The plugin never raises and never changes its input entries.
"""

from __future__ import annotations

from typing import Any

from beancount.core import compare, data

from ledger import meta as keys

__plugins__ = ("validate_no_duplicates",)


def validate_no_duplicates(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[compare.CompareError]]:
    """``entries`` unchanged, and an error for each entry equal to an earlier one."""
    seen: dict[tuple[str, object, object], data.Directive] = {}
    errors = []
    for entry in entries:
        meta = entry.meta or {}
        ref = meta.get(keys.SOURCE_REF)
        source = meta.get(keys.SOURCE) if ref is not None else None
        key = (compare.hash_entry(entry, exclude_meta=True), source, ref)
        other = seen.get(key)
        if other is not None and not isinstance(entry, data.Price):
            errors.append(
                compare.CompareError(entry.meta, f"Duplicate entry: {entry} == {other}", entry)
            )
        seen[key] = entry
    return entries, errors
