"""backoffice.toml validation: every error names file, line, key, value and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.config import Config, ConfigError, parse_config

PATH = Path("books/backoffice.toml")


def test_defaults_follow_design() -> None:
    config = parse_config("", PATH)
    assert config == Config()
    assert config.settlement.policy == "settlement-date"
    assert config.unsettled_account("AlphaSec") == "Assets:Unsettled:AlphaSec"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[settlement]\npolicy = "weekly"\n',
            "books/backoffice.toml:2: settlement.policy: Input should be "
            "'settlement-date', 'contractual', 'actual' or 'trade-date' (got 'weekly')",
        ),
        (
            "[settlement]\nfail-warning-days = -1\n",
            "books/backoffice.toml:2: settlement.fail-warning-days: "
            "Input should be greater than or equal to 0 (got -1)",
        ),
        (
            '[firm]\nname = "X"\nbase-curency = "USD"\n',
            "books/backoffice.toml:3: firm.base-curency: Extra inputs are not permitted "
            "(got 'USD'); remove it or check its spelling (keys are kebab-case)",
        ),
        (
            '[[statement-accounts]]\nid = "X1"\naccount = "Bank:Main"\n',
            "books/backoffice.toml:3: statement-accounts[0].account: Value error, "
            "'Bank:Main' is not a Beancount account name",
        ),
    ],
)
def test_invalid_values_name_key_and_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, PATH)
    assert str(info.value).startswith(expected)


def test_not_toml() -> None:
    with pytest.raises(ConfigError, match=r"books/backoffice.toml: not valid TOML"):
        parse_config("policy = = 1", PATH)
