"""Classifying statement lines, and the ``[imports]`` config that drives it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from importers.bank.rules import Counterpart, classify, trade_clearing
from importers.bank.statement import StatementLine
from ledger.books import load_string
from ledger.config import Config, ConfigError, parse_config

BANK = "Assets:Bank:FirstHarbor:USD"
RULES = """
[[imports.rules]]
narration = "transfer to custody"
statement-account = "Assets:Bank:FirstHarbor:USD"
account = "Assets:Custody:Custodia:Cash:USD"

[[imports.rules]]
narration = "fee"
direction = "out"
account = "Expenses:Fees:Bank"

[[imports.rules]]
code = "^NINT$"
account = "Income:Interest"

[[imports.rules]]
payee = "acme"
reference = "^INV-"
account = "Income:Sales"
"""


def line(narration: str, amount: str, **fields: object) -> StatementLine:
    return StatementLine(
        lineno=1,
        booking_date=datetime.date(2026, 11, 2),
        amount=Decimal(amount),
        narration=narration,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def config() -> Config:
    return parse_config(RULES, Path("backoffice.toml"))


@pytest.mark.parametrize(
    ("statement_line", "account", "expected"),
    [
        (
            line("TRANSFER TO CUSTODY", "-100"),
            BANK,
            Counterpart("Assets:Custody:Custodia:Cash:USD"),
        ),
        # statement-account limits the rule to its account
        (
            line("TRANSFER TO CUSTODY", "-100"),
            "Assets:Bank:Rheinbank:EUR",
            Counterpart("Assets:Suspense", "!"),
        ),
        (line("Wire fee", "-25"), BANK, Counterpart("Expenses:Fees:Bank")),
        # direction: a fee refund is money in, no rule takes it
        (line("Wire fee refund", "25"), BANK, Counterpart("Assets:Suspense", "!")),
        (line("Credit", "3.10", code="NINT"), BANK, Counterpart("Income:Interest")),
        # every pattern of a rule must match
        (
            line("Payment", "500", payee="ACME Corp", references=("INV-7",)),
            BANK,
            Counterpart("Income:Sales"),
        ),
        (
            line("Payment", "500", payee="ACME Corp", references=("PO-7",)),
            BANK,
            Counterpart("Assets:Suspense", "!"),
        ),
    ],
)
def test_first_matching_rule_else_suspense(
    config: Config, statement_line: StatementLine, account: str, expected: Counterpart
) -> None:
    assert classify(statement_line, account, config, {}) == expected


def test_a_trade_id_wins_over_the_rules(config: Config) -> None:
    books = load_string(
        """
        2026-01-01 open Assets:Custody:Custodia:Securities
        2026-01-01 open Assets:Unsettled:AlphaSec
        2026-01-01 commodity XYZ
        2026-11-24 * "AlphaSec" "Buy 1000 XYZ"
          trade-id: "GA-20261124-001"
          Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
          Assets:Unsettled:AlphaSec       -61250.00 USD
        """
    )
    trades = trade_clearing(books.entries, "Assets:Unsettled")
    assert trades == {"GA-20261124-001": "Assets:Unsettled:AlphaSec"}
    paying = line("Wire fee DVP GA-20261124-001", "-61250.00")
    assert classify(paying, BANK, config, trades) == Counterpart(
        "Assets:Unsettled:AlphaSec", link="trade-GA-20261124-001", trade_id="GA-20261124-001"
    )
    by_reference = line("DVP", "-61250.00", references=("/EREF/GA-20261124-001",))
    assert classify(by_reference, BANK, config, trades).link == "trade-GA-20261124-001"
    # a longer token that merely contains the id is not the trade
    assert classify(line("X GA-20261124-0012", "-1"), BANK, config, trades).flag == "!"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[[imports.rules]]\naccount = "Expenses:Fees:Bank"\n',
            "imports.rules[0]: Value error, a rule needs at least one of payee, narration, "
            "reference, code",
        ),
        (
            '[[imports.rules]]\nnarration = "(fee"\naccount = "Expenses:Fees:Bank"\n',
            "imports.rules[0].narration: Value error, '(fee' is not a regular expression",
        ),
        (
            '[[imports.rules]]\nnarration = "fee"\naccount = "Fees"\n',
            "imports.rules[0].account: Value error, 'Fees' is not a Beancount account name",
        ),
        (
            '[imports.csv.x]\nfilename = "*.csv"\naccount-id = "1"\ncurrency = "EUR"\n'
            'date = "D"\namount = "A"\ndebit = "S"\ncredit = "H"\n',
            "imports.csv.x: Value error, give either 'amount', or both 'debit' and 'credit'",
        ),
        (
            '[imports.csv.x]\nfilename = "*.csv"\naccount-id = "1"\ncurrency = "EUR"\n'
            'date = "D"\namount = "A"\nencoding = "klingon"\n',
            "imports.csv.x.encoding: Value error, 'klingon' is not an encoding Python knows",
        ),
        (
            '[imports.csv.x]\nfilename = "*.csv"\naccount-id = "1"\ncurrency = "EUR"\n'
            'date = "D"\namount = "A"\ndate-format = "%d.%m"\n',
            "imports.csv.x.date-format: Value error, '%d.%m' does not name a full date",
        ),
    ],
)
def test_invalid_imports_config_names_the_key(toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(toml, Path("backoffice.toml"))
    assert message in str(error.value)
