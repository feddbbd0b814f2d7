"""plugins.noduplicates: Beancount's duplicate check, with two equal statement lines
told apart by their source-ref."""

from __future__ import annotations

import textwrap

from beancount import loader

PLUGIN = 'plugin "plugins.noduplicates"\n'
BOOKS = """
2026-01-01 open Assets:Bank:EUR EUR
2026-01-01 open Income:Returns EUR
"""
RETURN = """
2026-11-03 * "Return" "SEPA return"
  source: "documents/Assets/Bank/EUR/2026-11-03.statement.sta"
  source-ref: "{ref}"
  Assets:Bank:EUR    50.05 EUR
  Income:Returns    -50.05 EUR
"""
TYPED = """
2026-11-03 * "Return" "SEPA return"
  Assets:Bank:EUR    50.05 EUR
  Income:Returns    -50.05 EUR
"""


def errors(text: str, plugin: str = PLUGIN) -> list[str]:
    _, found, _ = loader.load_string(plugin + textwrap.dedent(BOOKS) + text)
    return [error.message.split(":")[0] for error in found]


def test_two_equal_lines_of_a_statement_are_two_lines() -> None:
    text = RETURN.format(ref="NONREF-1") + RETURN.format(ref="NONREF-2")
    assert errors(text) == []
    # Beancount's own plugin, which compares entries without their metadata, does not
    # tell them apart: the reason this plugin exists.
    assert errors(text, 'plugin "beancount.plugins.noduplicates"\n') == ["Duplicate entry"]


def test_a_line_imported_twice_or_typed_twice_is_a_duplicate() -> None:
    assert errors(RETURN.format(ref="NONREF-1") * 2) == ["Duplicate entry"]
    assert errors(TYPED * 2) == ["Duplicate entry"]


def test_prices_may_repeat_and_the_entries_are_unchanged() -> None:
    price = "2026-11-03 price EUR 1.05 USD\n"
    text = RETURN.format(ref="NONREF-1") + price + price
    entries, found, _ = loader.load_string(PLUGIN + textwrap.dedent(BOOKS) + text)
    plain, _, _ = loader.load_string("\n" + textwrap.dedent(BOOKS) + text)  # same lines
    assert found == []
    assert entries == plain
