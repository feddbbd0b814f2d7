"""The chart, securities and config shared by the settlement tests."""

from __future__ import annotations

HEADER = """
option "operating_currency" "USD"
option "booking_method" "FIFO"
plugin "plugins.settlement"

2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"
2026-01-01 open Assets:Custody:Custodia:Cash:USD USD
  cash-floor: "-1000000 USD"
2026-01-01 open Assets:Custody:Custodia:Cash:EUR EUR
  cash-floor: "-1000000 EUR"
2026-01-01 open Assets:Unsettled:AlphaSec
2026-01-01 open Assets:Unsettled:BetaMarkets
2026-01-01 open Expenses:Commissions
2026-01-01 open Income:Trading:Realized
2026-01-01 open Equity:Opening

2026-01-01 commodity XYZ
  isin: "US8522341036"
  asset-class: "equity"
  market: "XNYS"
2026-01-01 commodity AAPL
  isin: "US0378331005"
  asset-class: "equity"
  market: "XNAS"
2026-01-01 commodity MSFT
  isin: "US5949181045"
  asset-class: "equity"
  market: "XNAS"
2026-01-01 commodity TKY
  asset-class: "equity"
  market: "XTKS"
2026-01-01 commodity SAP
  isin: "DE0007164600"
  asset-class: "equity"
  market: "XETR"
"""

CONFIG = """
as-of = 2026-11-27

[settlement]
policy = "{policy}"
fail-warning-days = 3

[counterparties.AlphaSec]
name = "Alpha Securities LLC"
cash-account = "Assets:Custody:Custodia:Cash:USD"

[counterparties.BetaMarkets]
name = "Beta Markets GmbH"
auto-settle = true
cash-account = "Assets:Custody:Custodia:Cash:EUR"
"""
