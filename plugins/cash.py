"""Cash sufficiency: no cash account ends a value date below its ``cash-floor``.

For every cash account (:mod:`ledger.cash.positions`) and currency, the
end-of-day balance on each value date — the settlements still to come of
pending and failed trades included — must stay at or above the floor
(:mod:`ledger.cash.sufficiency`). With ``[cash] intraday = true`` the balance
is checked after each entry instead. The books, as-of 2026-11-24::

    plugin "plugins.settlement"
    plugin "plugins.cash"

    2026-01-01 open Assets:Custody:Custodia:Cash:USD  USD
      cash-floor: "0 USD"

    2026-11-20 * "Opening" ""
      Assets:Custody:Custodia:Cash:USD      50000.00 USD
      Equity:Opening

    2026-11-24 * "AlphaSec" "Buy 1000 XYZ" ^trade-T100
      trade-id: "T100"
      trade-date: 2026-11-24
      settle-date: 2026-11-25
      side: "buy"
      Assets:Custody:Custodia:Securities   1000 XYZ {61.25 USD}
      Assets:Unsettled:AlphaSec         -61250.00 USD

leave the entries as they are and give one error, on the trade, whose
settlement (on the custody account, the counterparty's ``cash-account``) is
still to come::

    cash floor breached: Assets:Custody:Custodia:Cash:USD closes 2026-11-25 at
    -11,250.00 USD (...), below its cash-floor of 0 USD, short by 11,250.00 USD;
    outflows that day: -61,250.00 USD projected settlement of trade-T100 (...)

It must run after ``plugins.settlement``, whose re-dated trades and generated
settlements it reads: listed before it, the check does not run and the plugin
gives a configuration error that says so. The plugin never raises and never
changes its input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.cash.positions import cash_book
from ledger.cash.sufficiency import breach_errors, floor_breaches
from ledger.config import CONFIG_NAME, Config
from ledger.errors import BooksError
from ledger.plugin_env import line_of, plugin_line, plugin_settings

__plugins__ = ("cash",)

CASH_PLUGIN = "plugins.cash"
SETTLEMENT_PLUGIN = "plugins.settlement"


def plugin_order_error(options_map: Mapping[str, Any]) -> BooksError | None:
    """The configuration error when ``plugins.cash`` is listed before ``plugins.settlement``."""
    names = [name for name, _ in options_map.get("plugin") or ()]
    if CASH_PLUGIN not in names or SETTLEMENT_PLUGIN not in names:
        return None
    if names.index(CASH_PLUGIN) > names.index(SETTLEMENT_PLUGIN):
        return None
    filename = str(options_map.get("filename") or "<string>")
    line = plugin_line(filename, CASH_PLUGIN)
    return BooksError(
        data.new_metadata(filename, line),
        f'configuration error: plugin "{CASH_PLUGIN}" is listed before plugin '
        f'"{SETTLEMENT_PLUGIN}"; the cash check reads the trades as the settlement plugin '
        "re-dates them and the settlements it generates, so it must run after it: move "
        f'the line plugin "{CASH_PLUGIN}" below plugin "{SETTLEMENT_PLUGIN}". '
        "The cash check did not run.",
        None,
    )


def _unopened_floors(config: Config, cash_accounts: set[str], filename: str) -> list[BooksError]:
    """``[cash.floors]`` accounts that the books never open."""
    path = Path(filename).parent / CONFIG_NAME
    errors = []
    for account in sorted(set(config.cash.floors) - cash_accounts):
        line = line_of(path, rf'^\s*"{re.escape(account)}"\s*=')
        errors.append(
            BooksError(
                data.new_metadata(str(path), line),
                f"cash.floors names {account}, which the books never open; add "
                f"'YYYY-MM-DD open {account}' to the chart of accounts or fix the name",
                None,
            )
        )
    return errors


def cash(
    entries: list[data.Directive], options_map: dict[str, Any], *_: Any
) -> tuple[list[data.Directive], list[BooksError]]:
    """The plugin: ``(entries, errors)``; the entries pass through unchanged."""
    order = plugin_order_error(options_map)
    if order is not None:
        return entries, [order]
    filename = options_map.get("filename") or "<string>"
    settings = plugin_settings(options_map, "plugins.cash")
    if isinstance(settings, BooksError):
        return entries, [settings]
    config, as_of = settings
    book = cash_book(entries, config, as_of)
    breaches = floor_breaches(book, intraday=config.cash.intraday)
    errors = [*book.errors, *breach_errors(breaches, entries)]
    errors.extend(_unopened_floors(config, set(book.accounts), filename))
    return entries, errors
