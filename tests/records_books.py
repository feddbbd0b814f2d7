"""A small books of trades shared by the records tests: a settled buy, a cancelled
trade and its correction, a failed sale, a pending purchase and a custodian's holding."""

from __future__ import annotations

from tests.settlement_books import CONFIG, HEADER

TRADES = """
2026-11-02 * "Opening balance" "Positions at Custodia"
  Assets:Custody:Custodia:Securities   500 MSFT {400.00 USD}
  Assets:Custody:Custodia:Cash:USD  100000.00 USD
  Equity:Opening

2026-11-16 * "AlphaSec" "Buy 100 XYZ @ 60.00" ^trade-T1
  trade-id: "T1"
  trade-date: 2026-11-16
  settle-date: 2026-11-17
  isin: "US8522341036"
  side: "buy"
  counterparty: "AlphaSec"
  trade-time: "14:30:01"
  source: "documents/blotter.csv"
  source-ref: "T1"
  Assets:Custody:Custodia:Securities   100 XYZ {60.00 USD}
  Assets:Unsettled:AlphaSec         -6000.00 USD

2026-11-17 * "Custodia" "MT545 receive 100 XYZ" ^trade-T1
  source: "documents/mt545.txt"
  source-ref: "CUS-1"
  Assets:Unsettled:AlphaSec          6000.00 USD
  Assets:Custody:Custodia:Cash:USD  -6000.00 USD

2026-11-18 * "AlphaSec" "Buy 50 XYZ @ 61.25" ^trade-T2
  trade-id: "T2"
  trade-date: 2026-11-18
  settle-date: 2026-11-19
  side: "buy"
  source: "documents/blotter.csv"
  source-ref: "T2"
  Assets:Custody:Custodia:Securities    50 XYZ {61.25 USD}
  Assets:Unsettled:AlphaSec         -3062.50 USD

2026-11-18 * "AlphaSec" "Cancel T2" ^trade-T2
  cancels: "T2"
  source: "documents/blotter.csv"
  source-ref: "T2-CXL"
  Assets:Custody:Custodia:Securities   -50 XYZ {61.25 USD}
  Assets:Unsettled:AlphaSec          3062.50 USD

2026-11-18 * "AlphaSec" "Correct T2: buy 50 XYZ @ 61.30" ^trade-T3 ^trade-T2
  trade-id: "T3"
  trade-date: 2026-11-18
  settle-date: 2026-11-19
  side: "buy"
  source: "documents/blotter.csv"
  source-ref: "T3"
  Assets:Custody:Custodia:Securities    50 XYZ {61.30 USD}
  Assets:Unsettled:AlphaSec         -3065.00 USD

2026-11-19 * "Custodia" "MT545 receive 50 XYZ" ^trade-T3
  source: "documents/mt545.txt"
  source-ref: "CUS-2"
  Assets:Unsettled:AlphaSec          3065.00 USD
  Assets:Custody:Custodia:Cash:USD  -3065.00 USD

2026-11-19 * "AlphaSec" "Sell 200 MSFT @ 420.00" ^trade-T4
  trade-id: "T4"
  trade-date: 2026-11-19
  settle-date: 2026-11-20
  isin: "US5949181045"
  side: "sell"
  counterparty: "AlphaSec"
  source: "documents/blotter.csv"
  source-ref: "T4"
  Assets:Custody:Custodia:Securities  -200 MSFT {} @ 420.00 USD
  Assets:Unsettled:AlphaSec          84000.00 USD
  Income:Trading:Realized

2026-11-27 * "AlphaSec" "Buy 30 XYZ @ 62.00" ^trade-T5
  trade-id: "T5"
  trade-date: 2026-11-27
  settle-date: 2026-11-30
  side: "buy"
  source: "documents/blotter.csv"
  source-ref: "T5"
  Assets:Custody:Custodia:Securities    30 XYZ {62.00 USD}
  Assets:Unsettled:AlphaSec         -1860.00 USD

; Custodia's MT535 of 2026-11-26: MSFT still 500 there (the sale failed), 140 XYZ
; where the record has 150
2026-11-27 balance Assets:Custody:Custodia:Securities  500 MSFT
  source: "documents/mt535.txt"
  source-ref: "STMT-1126"
2026-11-27 balance Assets:Custody:Custodia:Securities  140 XYZ
  source: "documents/mt535.txt"
  source-ref: "STMT-1126"
"""


def records_books(policy: str = "settlement-date") -> dict[str, str]:
    """The files of the books: main.beancount and backoffice.toml."""
    return {
        "main.beancount": HEADER + TRADES,
        "backoffice.toml": CONFIG.format(policy=policy),
    }
