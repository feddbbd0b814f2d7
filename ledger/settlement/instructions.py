"""Settlement instructions: a pending trade plus its standing settlement instructions.

:func:`instructions_for` pairs each trade not yet settled with the
``[[settlement.instructions]]`` of its counterparty for the security's market
(an instruction for ``market = "*"`` serves every market the counterparty has
no specific one for). The result, an :class:`Instruction`, is what the MT541/
MT543 writer (:mod:`ledger.settlement.mt541_mt543`) and the sese.023 writer
(:mod:`ledger.settlement.sese023`) format. A trade that cannot be instructed
gives a message naming what is missing, and no instruction.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger import meta as keys
from ledger.config import Config, StandingInstruction
from ledger.settlement.state import TradeState, trade_states

# SWIFT "x" character set (ISO 15022 references and narratives).
_SWIFT_X = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]*$")


@dataclass(frozen=True)
class Instruction:
    """One settlement instruction, against payment, from our side."""

    reference: str  # ISO 15022 :20C::SEME// and sese.023 TxId, at most 16 characters
    trade_id: str
    link: str
    receive: bool  # True: receive against payment (MT541); False: deliver (MT543)
    trade_date: datetime.date
    settle_date: datetime.date
    isin: str
    description: str
    quantity: Decimal
    amount: Decimal  # the settlement amount, positive
    currency: str
    sender_bic: str
    custodian_bic: str
    place_of_settlement: str
    agent_bic: str  # the counterparty's delivering (MT541) or receiving (MT543) agent
    agent_account: str | None
    safekeeping_account: str
    cash_account: str | None

    @property
    def message_type(self) -> str:
        return "541" if self.receive else "543"


def reference(trade_id: str) -> str:
    """The trade id when it is a valid 16x SWIFT reference, else a stable hash of it."""
    valid = (
        len(trade_id) <= 16
        and _SWIFT_X.match(trade_id) is not None
        and " " not in trade_id
        and "//" not in trade_id
        and not trade_id.startswith("/")
        and not trade_id.endswith("/")
    )
    return trade_id if valid else keys.stable_id("instruction", trade_id)


def _swift_text(text: str, width: int = 35) -> str:
    """``text`` in the SWIFT x character set, at most ``width`` characters."""
    return "".join(c if _SWIFT_X.match(c) else " " for c in text)[:width].strip()


def _standing(config: Config, counterparty: str, market: str) -> StandingInstruction | None:
    fallback = None
    for ssi in config.settlement.instructions:
        if ssi.counterparty != counterparty:
            continue
        if ssi.market == market:
            return ssi
        if ssi.market == "*" and fallback is None:
            fallback = ssi
    return fallback


def _securities(entries: Iterable[data.Directive]) -> dict[str, dict[str, Any]]:
    return {
        entry.currency: dict(entry.meta or {})
        for entry in entries
        if isinstance(entry, data.Commodity)
    }


def instructions_for(
    entries: list[data.Directive],
    config: Config,
    as_of: datetime.date,
    trade_date: datetime.date | None = None,
) -> tuple[list[Instruction], list[str]]:
    """Instructions for the trades not settled as of ``as_of`` (traded on ``trade_date``
    when given), and a message per trade that cannot be instructed."""
    sender, custodian = config.settlement.sender_bic, config.settlement.custodian_bic
    if sender is None or custodian is None:
        missing = [k for k, v in (("sender-bic", sender), ("custodian-bic", custodian)) if not v]
        return [], [
            f"backoffice.toml: [settlement] {' and '.join(missing)} not set; the "
            "instructions go from sender-bic (us) to custodian-bic (our custodian)"
        ]
    securities = _securities(entries)
    result: list[Instruction] = []
    problems: list[str] = []
    for state in trade_states(entries, config, as_of):
        if state.status == "settled" or (trade_date is not None and state.trade_date != trade_date):
            continue
        security = securities.get(state.security, {})
        market = keys.get_str(security, keys.MARKET) or ""
        ssi = _standing(config, state.counterparty, market)
        instruction = _instruction(state, ssi, market, security, (sender, custodian), problems)
        if instruction is not None:
            result.append(instruction)
    return result, problems


def _instruction(
    state: TradeState,
    ssi: StandingInstruction | None,
    market: str,
    security: dict[str, Any],
    bics: tuple[str, str],
    problems: list[str],
) -> Instruction | None:
    """The instruction from ``bics`` (sender, custodian), or None and a problem."""
    where = f"{state.meta.get('filename')}:{state.meta.get('lineno')}"
    if ssi is None:
        problems.append(
            f"{where}: trade {state.trade_id} ({state.counterparty}, market "
            f"{market or '(none)'}): no standing settlement instruction; add a "
            f'[[settlement.instructions]] with counterparty = "{state.counterparty}", '
            f'market = "{market or "*"}", place-of-settlement, agent-bic and '
            "safekeeping-account"
        )
        return None
    if not state.isin:
        problems.append(
            f"{where}: trade {state.trade_id} has no ISIN; add isin to the trade or to "
            f"the commodity {state.security}"
        )
        return None
    return Instruction(
        reference=reference(state.trade_id),
        trade_id=state.trade_id,
        link=state.link,
        receive=state.side == "buy",
        trade_date=state.trade_date,
        settle_date=state.settle_date,
        isin=state.isin,
        description=_swift_text(keys.get_str(security, keys.COMMODITY_NAME) or state.security),
        quantity=state.quantity,
        amount=abs(state.amount),
        currency=state.currency,
        sender_bic=bics[0],
        custodian_bic=bics[1],
        place_of_settlement=ssi.place_of_settlement,
        agent_bic=ssi.agent_bic,
        agent_account=ssi.agent_account,
        safekeeping_account=ssi.safekeeping_account,
        cash_account=ssi.cash_account,
    )
