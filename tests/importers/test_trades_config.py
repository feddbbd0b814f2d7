"""The ``[trades]`` table refuses names that cannot be account components and
date formats that do not read back a date, naming the key at fault."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ledger.trades_config import TradesConfig


@pytest.mark.parametrize(
    ("table", "loc", "value"),
    [
        ({"bics": {"CUSTDEFFXXX": "beta markets"}}, ("bics", "CUSTDEFFXXX"), "beta markets"),
        (
            {"fix": {"counterparties": {"ALPHA": "-Alpha"}}},
            ("fix", "counterparties", "ALPHA"),
            "-Alpha",
        ),
        ({"ofx": {"brokers": {"alpha.com": "alpha"}}}, ("ofx", "brokers", "alpha.com"), "alpha"),
        ({"ofx": {"fee-kind": "sec fee"}}, ("ofx", "fee-kind"), "sec fee"),
        (
            {"blotter": {"columns": {"fees": {"sec fee": "fee"}}}},
            ("blotter", "columns", "fees", "sec fee", "[key]"),
            "sec fee",
        ),
    ],
)
def test_a_name_that_is_no_account_component_is_refused(
    table: dict[str, Any], loc: tuple[str, ...], value: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        TradesConfig.model_validate(table)
    assert [(error["loc"], error["msg"]) for error in caught.value.errors()] == [
        (
            loc,
            f"Value error, {value!r} cannot be an account component "
            "(Assets:Unsettled:<Counterparty>): start with a capital letter or digit, "
            "then letters, digits, - or _",
        )
    ]


@pytest.mark.parametrize("table", ["blotter", "custody-csv"])
def test_a_date_format_without_a_full_date_is_refused(table: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TradesConfig.model_validate({table: {"date-format": "%d.%m"}})
    assert [(error["loc"], error["msg"]) for error in caught.value.errors()] == [
        (
            (table, "date-format"),
            "Value error, '%d.%m' does not name a full date (day, month and year)",
        )
    ]


def test_names_that_are_account_components_are_kept() -> None:
    config = TradesConfig.model_validate(
        {"bics": {"ALPHUS33": "AlphaSec"}, "ofx": {"fee-kind": "SEC-Fee"}}
    )
    assert (config.bics, config.ofx.fee_kind) == ({"ALPHUS33": "AlphaSec"}, "SEC-Fee")
