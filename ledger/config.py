"""``backoffice.toml``: pydantic models validated at load.

Every key is written in kebab-case in the file (``auto-settle``). An invalid
file raises :class:`ConfigError` whose message names the file, the line where
the key sits (when it can be found), the dotted key, the value and what was
expected; the CLI prints it and exits 2.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from ledger.cash.config import CashConfig
from ledger.close.config import CloseConfig
from ledger.config_base import _check_account, _kebab, _Model
from ledger.corporate_actions_config import CorporateActionsConfig
from ledger.documents import OutsideBooks, inside_books
from ledger.imports.config import ImportsConfig
from ledger.matching.config import MatchingConfig
from ledger.meta import ASSET_CLASSES
from ledger.prices_config import PricesConfig
from ledger.trades_config import TradesConfig

CONFIG_NAME = "backoffice.toml"


class FirmConfig(_Model):
    """Who the books belong to."""

    name: str = "Backoffice"
    base_currency: str = Field(default="USD", pattern=r"^[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]$")


class ValuationConfig(_Model):
    """``backoffice valuation``: how old a price may be before it is listed as stale."""

    stale_after_days: int = Field(default=4, ge=0, le=366)
    # Accounts (or their parents) whose balances are cash, besides those opened with
    # `cash-floor` and the counterparties' cash accounts.
    cash_accounts: tuple[str, ...] = ("Assets:Bank",)

    @field_validator("cash_accounts")
    @classmethod
    def _cash_accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for account in value:
            _check_account(account)
        return value


class ReconConfig(_Model):
    """``backoffice recon`` and the Reconciliation page: how old an account's latest
    statement may be before it is flagged stale."""

    stale_after_days: int = Field(default=7, ge=0, le=366)


class AccountsConfig(_Model):
    """The account names the code uses; the defaults are the demo chart's conventions."""

    suspense: str = "Assets:Suspense"
    unsettled: str = "Assets:Unsettled"
    realized: str = "Income:Trading:Realized"
    dividends: str = "Income:Dividends"
    interest: str = "Income:Interest"
    commissions: str = "Expenses:Commissions"
    fees: str = "Expenses:Fees"
    opening: str = "Equity:Opening"

    @field_validator("*")
    @classmethod
    def _accounts(cls, value: str) -> str:
        return _check_account(value)


_MIC_RE = r"^([A-Z0-9]{4}|\*)$"
_BIC_RE = r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$"


def _check_calendars(names: list[str]) -> list[str]:
    # lazy: the holidays library loads only for a config that names calendars
    from ledger.calendars import calendar_set

    return list(calendar_set(names))


class SettlementCycle(_Model):
    """A settlement cycle: trades on ``markets`` in ``asset-classes`` dated ``from``
    to ``until`` (trade dates, inclusive) settle ``days`` business days after T.
    Cycles in the config win over the built-in ones (ledger/settlement/cycles.py)."""

    markets: list[Annotated[str, Field(pattern=_MIC_RE)]] = Field(min_length=1)
    asset_classes: list[str] = Field(min_length=1)
    days: int = Field(ge=0, le=30)
    from_: datetime.date | None = Field(default=None, alias="from")
    until: datetime.date | None = None
    calendars: list[str] = []

    @field_validator("asset_classes")
    @classmethod
    def _classes(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in ASSET_CLASSES and v != "*"]
        if unknown:
            raise ValueError(f"unknown asset class {unknown}; expected one of {ASSET_CLASSES}")
        return value

    @field_validator("calendars")
    @classmethod
    def _calendars(cls, value: list[str]) -> list[str]:
        return _check_calendars(value) if value else value


class StandingInstruction(_Model):
    """Standing settlement instructions for a counterparty on a market (``*``: any).

    Feed MT541/MT543 sequence E (ISO 15022 ``:95P::PSET``, ``:95P::DEAG``/``REAG``,
    ``:97A::SAFE``, ``:97A::CASH``) and sese.023 ``SttlmParams``/``DlvrgSttlmPties``/
    ``RcvgSttlmPties``."""

    counterparty: str = Field(min_length=1)
    market: str = Field(default="*", pattern=_MIC_RE)
    place_of_settlement: str = Field(pattern=_BIC_RE)
    agent_bic: str = Field(pattern=_BIC_RE)
    agent_account: str | None = Field(default=None, pattern=r"^[\w/-]{1,35}$")
    safekeeping_account: str = Field(pattern=r"^[\w/-]{1,35}$")
    cash_account: str | None = Field(default=None, pattern=r"^[\w/-]{1,35}$")


class SettlementConfig(_Model):
    """Settlement-date accounting (plugins.settlement) and settlement instructions."""

    # "contractual" is "settlement-date" (contractual settlement date accounting);
    # "actual": a trade takes effect when its settlement is booked.
    policy: Literal["settlement-date", "contractual", "actual", "trade-date"] = "settlement-date"
    fail_warning_days: int = Field(default=3, ge=0)
    # A sale of more than is held: an import error, or with this, a short position.
    allow_short: bool = False
    cycles: list[SettlementCycle] = []
    market_calendars: dict[str, list[str]] = {}
    currency_calendars: dict[str, list[str]] = {}
    sender_bic: str | None = Field(default=None, pattern=_BIC_RE)
    custodian_bic: str | None = Field(default=None, pattern=_BIC_RE)
    instructions: list[StandingInstruction] = []

    @property
    def on_settlement(self) -> bool:
        """Whether trades take effect on a settlement date (contractual or actual)."""
        return self.policy != "trade-date"

    @property
    def actual(self) -> bool:
        """Whether trades take effect when their settlement arrives (actual)."""
        return self.policy == "actual"

    @field_validator("market_calendars", "currency_calendars")
    @classmethod
    def _calendar_maps(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {key: _check_calendars(names) for key, names in value.items()}


class CounterpartyConfig(_Model):
    """A broker or clearing counterparty."""

    name: str | None = None
    auto_settle: bool = False
    cash_account: str | None = None

    @field_validator("cash_account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        return None if value is None else _check_account(value)


class StatementAccount(_Model):
    """Maps the identifier a statement carries (IBAN, account number,
    safekeeping account) to a ledger account."""

    id: str = Field(min_length=1)
    account: str
    currency: str | None = None

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        return _check_account(value)


class Config(_Model):
    """The whole ``backoffice.toml``."""

    firm: FirmConfig = FirmConfig()
    as_of: datetime.date | None = None
    documents: str = "documents"
    accounts: AccountsConfig = AccountsConfig()
    settlement: SettlementConfig = SettlementConfig()
    counterparties: dict[str, CounterpartyConfig] = {}
    statement_accounts: list[StatementAccount] = []
    imports: ImportsConfig = ImportsConfig()
    matching: MatchingConfig = MatchingConfig()
    trades: TradesConfig = TradesConfig()
    cash: CashConfig = CashConfig()
    close: CloseConfig = CloseConfig()
    valuation: ValuationConfig = ValuationConfig()
    recon: ReconConfig = ReconConfig()
    prices: PricesConfig = PricesConfig()
    corporate_actions: CorporateActionsConfig = CorporateActionsConfig()

    def unsettled_account(self, counterparty: str) -> str:
        return f"{self.accounts.unsettled}:{counterparty}"


class ConfigError(Exception):
    """The config file cannot be read or does not validate."""


def _find_line(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best effort: the line of the last string key of ``loc`` in the file."""
    keys = [part for part in loc if isinstance(part, str)]
    for key in reversed(keys):
        pattern = re.compile(
            rf"^\s*(\[+\s*)?([\w.-]+\.)?\"?{re.escape(_kebab(key))}\"?\s*(=|\]|\.)", re.M
        )
        match = pattern.search(text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _kebab(part)
    return out or "(top level)"


def parse_config(text: str, path: Path) -> Config:
    """Validate the TOML ``text`` read from ``path``."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            line = _find_line(text, loc)
            where = f"{path}:{line}" if line else str(path)
            value = error.get("input")
            shown = "" if isinstance(value, dict) else f" (got {value!r})"
            hint = ""
            if error["type"] == "extra_forbidden":
                hint = "; remove it or check its spelling (keys are kebab-case)"
            lines.append(f"{where}: {_format_loc(loc)}: {error['msg']}{shown}{hint}")
        raise ConfigError("\n".join(lines)) from None


def load_config(books_file: Path, *, required: bool = False) -> Config:
    """The config beside the books' main file; defaults when there is none, unless
    ``required`` (the CLI): then a missing or empty file is a :class:`ConfigError`.
    Paths it names must stay inside the books directory."""
    path = books_file.parent / CONFIG_NAME
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: no such file; {_NO_CONFIG_HINT}")
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    config = parse_config(text, path)
    if required and not tomllib.loads(text):
        raise ConfigError(f"{path}: the file is empty; {_NO_CONFIG_HINT}")
    try:
        inside_books(books_file.parent, config.documents, "documents")
    except OutsideBooks as exc:
        line = _find_line(text, ("documents",))
        raise ConfigError(f"{path}:{line}: {exc}" if line else f"{path}: {exc}") from None
    return config


_NO_CONFIG_HINT = (
    "every Backoffice command reads the books' settings from it: create books with "
    "'backoffice init DIR', or add at least a [firm] table (name, base-currency)"
)
