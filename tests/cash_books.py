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
