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


# Booking splits the sale's ``-900 XYZ {}`` into one posting per lot it reduces (600, 300).
SALE_ACROSS_LOTS = """
2026-11-02 * "Opening"
  Assets:Custody:Custodia:Securities  600 XYZ {60.00 USD}
  Assets:Custody:Custodia:Securities  300 XYZ {61.00 USD}
  Equity:Opening

2026-11-25 * "AlphaSec" "Sell 900 XYZ" ^trade-S1
  trade-id: "S1"
  trade-date: 2026-11-25
  settle-date: 2026-11-26
  side: "sell"
  counterparty: "AlphaSec"
  Assets:Custody:Custodia:Securities  -900 XYZ {} @ 62.00 USD
  Assets:Unsettled:AlphaSec  55800.00 USD
  Income:Trading:Realized
"""
