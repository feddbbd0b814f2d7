"""The importers the books use, built from their config.

Order matters: the import pipeline extracts files in the order of the
importer that identified them, and each importer sees the entries extracted
before it as ``existing``. Trade files therefore come before the bank and
custody statements that settle them, so a statement line can find the trade
its reference names even when both arrive in one batch.

Importers hold their config and nothing else: no state learned from one
file reaches the next, so the same file always gives the same entries.
"""

from __future__ import annotations

from beangulp import Importer

from importers.bank.camt import CamtImporter
from importers.bank.csv import CsvImporter
from importers.bank.mt940 import Mt940Importer
from importers.bank.ofx import OfxImporter
from importers.custody.corporate_actions import CorporateActionImporter
from importers.custody.csv import CustodyCsvImporter
from importers.custody.fx_rates import FxRatesImporter
from importers.custody.mt535 import Mt535Importer
from importers.custody.mt536 import Mt536Importer
from importers.custody.prices_csv import PriceCsvImporter
from importers.custody.settlement_confirmations import SettlementConfirmationImporter
from importers.trades.blotter import BlotterImporter
from importers.trades.fix import FixImporter
from importers.trades.ofx import BrokerOfxImporter
from ledger.config import Config


def importers_for(config: Config) -> list[Importer]:
    """Every importer: trades first, then custody, the price files, the bank statements."""
    trades: list[Importer] = [
        BlotterImporter(config),
        FixImporter(config),
        BrokerOfxImporter(config),
    ]
    custody: list[Importer] = [
        SettlementConfirmationImporter(config),
        Mt536Importer(config),
        CorporateActionImporter(config),
        # statements of holdings after every movement of the batch (a split's included)
        Mt535Importer(config),
        CustodyCsvImporter(config),
    ]
    prices: list[Importer] = [PriceCsvImporter(config, name) for name in sorted(config.prices.csv)]
    prices.append(FxRatesImporter(config))
    return [*trades, *custody, *prices, *bank_importers(config)]


def bank_importers(config: Config) -> list[Importer]:
    """MT940/MT942, camt.05x, OFX/QFX, then each configured bank CSV format."""
    fixed: list[Importer] = [Mt940Importer(config), CamtImporter(config), OfxImporter(config)]
    return fixed + [CsvImporter(config, name) for name in sorted(config.imports.csv)]
