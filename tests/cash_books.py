"""The chart, securities and config shared by the cash tests."""

from __future__ import annotations

HEADER = """
option "operating_currency" "USD"
option "booking_method" "FIFO"
plugin "plugins.settlement"
plugin "plugins.cash"

2026-01-01 commodity XYZ
  isin: "US8522341036"
  asset-class: "equity"
  market: "XNYS"
2026-01-01 commodity SAP
  isin: "DE0007164600"
  asset-class: "equity"
  market: "XETR"

2026-01-01 open Assets:Bank:FirstHarbor:USD USD
  cash-floor: "-500000 USD"
2026-01-01 open Assets:Bank:Rheinbank:EUR EUR
  cash-floor: "0 EUR"
2026-01-01 open Assets:Custody:Custodia:Cash:USD USD
  cash-floor: "0 USD"
2026-01-01 open Assets:Custody:Custodia:Cash:EUR EUR
  cash-floor: "0 EUR"
2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"
2026-01-01 open Assets:Unsettled:AlphaSec
2026-01-01 open Assets:Unsettled:BetaMarkets
2026-01-01 open Expenses:Fees:Bank
2026-01-01 open Equity:Opening
"""

CONFIG = """
as-of = {as_of}

[counterparties.AlphaSec]
name = "Alpha Securities LLC"
cash-account = "Assets:Custody:Custodia:Cash:USD"

[counterparties.BetaMarkets]
name = "Beta Markets GmbH"
auto-settle = true
cash-account = "Assets:Custody:Custodia:Cash:EUR"
{extra}
"""


def config(as_of: str, extra: str = "") -> str:
    return CONFIG.format(as_of=as_of, extra=extra)


def buy_xyz(trade_date: str, settle_date: str) -> str:
    """Trade T1: AlphaSec buys 1,000 XYZ at 61.25 USD (61,250.00 USD to pay on S)."""
    return f"""
{trade_date} * "AlphaSec" "Buy 1000 XYZ" ^trade-T1
  trade-id: "T1"
  trade-date: {trade_date}
  settle-date: {settle_date}
  side: "buy"
  Assets:Custody:Custodia:Securities   1000 XYZ {{61.25 USD}}
  Assets:Unsettled:AlphaSec          -61250.00 USD
"""


def settle_t1(day: str) -> str:
    """The custodian's MT545 settling T1 from the custody cash account."""
    return f"""
{day} * "Custodia" "MT545 settlement of T1" ^trade-T1
  Assets:Unsettled:AlphaSec            61250.00 USD
  Assets:Custody:Custodia:Cash:USD    -61250.00 USD
"""
