"""Field-by-field comparison of a pair under the tolerance rules.

Each compared field gets a :class:`FieldResult`: both values, the difference
(theirs minus ours; days for the settle date) and whether it is within the
field's rule. The pair's status follows: ``matched`` when every field agrees
exactly, ``matched-within-tolerance`` when some differ within their rules,
``mismatched`` when any is outside. A field either side leaves out is not
compared; the currency is always compared exactly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from ledger.matching.config import FIELDS, ToleranceRule, Tolerances
from ledger.matching.model import TradeRecord

MATCHED = "matched"
WITHIN = "matched-within-tolerance"
MISMATCHED = "mismatched"
UNMATCHED_OURS = "unmatched-ours"
UNMATCHED_THEIRS = "unmatched-theirs"
STATUSES = (MATCHED, WITHIN, MISMATCHED, UNMATCHED_OURS, UNMATCHED_THEIRS)


@dataclass(frozen=True)
class FieldResult:
    field: str
    ours: Decimal | datetime.date | str
    theirs: Decimal | datetime.date | str
    difference: Decimal | None
    rule: str
    within: bool


def within(rule: ToleranceRule, ours: Decimal, difference: Decimal) -> bool:
    """Whether ``difference`` from ``ours`` is allowed by ``rule``."""
    if rule.rule == "exact":
        return difference == 0
    if rule.rule == "absolute":
        return abs(difference) <= rule.value
    return abs(difference) * 100 <= abs(ours) * rule.value


def describe(rule: ToleranceRule) -> str:
    if rule.rule == "exact":
        return "exact"
    if rule.rule == "absolute":
        return f"absolute {rule.value}"
    return f"percent {rule.value}"


def compare(ours: TradeRecord, theirs: TradeRecord, tolerances: Tolerances) -> list[FieldResult]:
    """The fields that differ (within tolerance or not), in config order."""
    results = []
    if ours.currency and theirs.currency and ours.currency != theirs.currency:
        results.append(
            FieldResult("currency", ours.currency, theirs.currency, None, "exact", False)
        )
    for field in FIELDS:
        mine, other = ours.value(field), theirs.value(field)
        if mine is None or other is None:
            continue
        if isinstance(mine, datetime.date) and isinstance(other, datetime.date):
            difference = Decimal((other - mine).days)
            base = Decimal(0)
        elif isinstance(mine, Decimal) and isinstance(other, Decimal):
            difference = other - mine
            base = mine
        else:
            continue
        if difference == 0:
            continue
        rule = tolerances.rule(field)
        results.append(
            FieldResult(
                field, mine, other, difference, describe(rule), within(rule, base, difference)
            )
        )
    return results


def status(differences: list[FieldResult]) -> str:
    if not differences:
        return MATCHED
    if all(result.within for result in differences):
        return WITHIN
    return MISMATCHED
