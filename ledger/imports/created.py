"""What ``import --create-accounts`` adds for a broker the config does not map.

An investment statement names its broker by an id (OFX ``<BROKERID>``); an
unmapped id is an :class:`~importers.common.UnknownBroker` carrying the
counterparty to make. This module extends the config with it (the mapping
and a ``[counterparties.<Name>]`` table), opens its clearing and cash accounts
and writes the lines into ``backoffice.toml``::

    [counterparties.Fidelity]
    name = "fidelity.com"
    auto-settle = true
    cash-account = "Assets:Custody:Fidelity:Cash:USD"

    [trades.ofx.brokers]
    "fidelity.com" = "Fidelity"

The broker's statement is its own record of what settled, so the trades
settle on S against its cash account. That account is opened with
``cash-floor: "none"``, out of the cash checks: the statement's cash lines
(``<INVBANKTRAN>``) are not booked from it, so its balance says nothing until
the firm books the broker's cash and sets a floor.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from beancount.core import data

from importers.common import ImportFailure, UnknownBroker
from importers.trades.settle_dates import UnknownCycle
from ledger.config import Config, ConfigError, CounterpartyConfig, SettlementCycle, parse_config
from ledger.meta import CASH_FLOOR, NO_CASH_FLOOR


def distinct_brokers(failures: Sequence[BaseException]) -> list[UnknownBroker]:
    """One failure per broker id, in the order met."""
    seen: dict[str, UnknownBroker] = {}
    for failure in failures:
        if isinstance(failure, UnknownBroker):
            seen.setdefault(failure.broker_id, failure)
    return list(seen.values())


def with_brokers(config: Config, brokers: Sequence[UnknownBroker]) -> Config:
    """``config`` with each broker mapped to its counterparty (an existing
    counterparty of the same name is the same firm and is kept as it is)."""
    if not brokers:
        return config
    mapped = dict(config.trades.ofx.brokers)
    counterparties = dict(config.counterparties)
    for broker in brokers:
        mapped[broker.broker_id] = broker.counterparty
        counterparties.setdefault(
            broker.counterparty,
            CounterpartyConfig(
                name=broker.broker_id, auto_settle=True, cash_account=broker.cash_account
            ),
        )
    ofx = config.trades.ofx.model_copy(update={"brokers": mapped})
    trades = config.trades.model_copy(update={"ofx": ofx})
    return config.model_copy(update={"trades": trades, "counterparties": counterparties})


def distinct_cycles(failures: Sequence[BaseException]) -> list[UnknownCycle]:
    """One failure per market and asset class no settlement cycle covers, in the order met."""
    seen: dict[tuple[str, str], UnknownCycle] = {}
    for failure in failures:
        if isinstance(failure, UnknownCycle):
            seen.setdefault((failure.market, failure.asset_class), failure)
    return list(seen.values())


def with_cycles(config: Config, cycles: Sequence[UnknownCycle]) -> Config:
    """``config`` with a ``[[settlement.cycles]]`` rule for each market and asset class
    that a broker's statement settled and no rule covered (``--create-accounts``)."""
    if not cycles:
        return config
    added = [
        SettlementCycle.model_validate(
            {"markets": [c.market], "asset-classes": [c.asset_class], "days": c.days}
        )
        for c in cycles
    ]
    settlement = config.settlement.model_copy(
        update={"cycles": [*config.settlement.cycles, *added]}
    )
    return config.model_copy(update={"settlement": settlement})


def broker_opens(
    brokers: Sequence[UnknownBroker], config: Config, opened: set[str]
) -> list[data.Open]:
    """The clearing and cash accounts of each new counterparty the books do not open,
    dated on its statement's first day."""
    opens: dict[str, data.Open] = {}
    for broker in brokers:
        if broker.counterparty in config.counterparties:
            continue
        clearing = config.unsettled_account(broker.counterparty)
        for account, currencies in ((clearing, []), (broker.cash_account, [broker.currency])):
            if account in opened or account in opens:
                continue
            meta = data.new_metadata(broker.path, 0)
            if currencies:
                meta[CASH_FLOOR] = NO_CASH_FLOOR
            opens[account] = data.Open(meta, broker.open_date, account, currencies, None)
    return sorted(opens.values(), key=lambda entry: (entry.date, entry.account))


_BROKERS_TABLE = re.compile(r"^\[\s*trades\.ofx\.brokers\s*\][^\n]*\n", re.M)


def config_text(
    text: str,
    statement_lines: Sequence[str],
    brokers: Sequence[UnknownBroker],
    path: Path,
    cycles: Sequence[UnknownCycle] = (),
) -> str:
    """``backoffice.toml``'s ``text`` with the new statement accounts, settlement cycles
    and brokers;
    checked to read back as the config with them, else an error that prints the
    lines to add by hand (a layout this edit cannot extend)."""
    before = parse_config(text, path)
    known = set(before.counterparties)
    out = text if not text or text.endswith("\n") else text + "\n"
    out += "".join("\n" + lines for lines in statement_lines)
    out += "".join("\n" + cycle.config_lines() for cycle in cycles)
    tables = "".join(
        "\n" + broker.counterparty_lines() for broker in brokers if broker.counterparty not in known
    )
    out += tables
    mappings = "".join(broker.mapping_line() for broker in brokers)
    if mappings:
        table = _BROKERS_TABLE.search(out)
        if table is not None:
            out = out[: table.end()] + mappings + out[table.end() :]
        else:
            out += "\n[trades.ofx.brokers]\n" + mappings
    try:
        after = parse_config(out, path)
        tomllib.loads(out)
    except ConfigError:
        after = None
    if after is None or after != with_brokers(
        with_cycles(_with_statements(before, after), cycles), brokers
    ):
        raise ImportFailure(
            path,
            None,
            "cannot add the new brokers to backoffice.toml (its [trades.ofx] table is "
            "written in a form this edit does not extend)",
            hint="add these lines by hand, then import again:\n"
            + "".join(cycle.config_lines() for cycle in cycles)
            + tables
            + mappings,
        )
    return out


def _with_statements(before: Config, after: Config) -> Config:
    """``before`` with the statement accounts ``after`` holds (those are appended)."""
    return before.model_copy(update={"statement_accounts": after.statement_accounts})
