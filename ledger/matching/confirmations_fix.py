"""Their side from the broker's FIX execution reports (a drop-copy log).

The log is read by the trade importer's reader (:mod:`importers.trades.fix`): fills
of one order on one day make one confirmation at the average price. The
ClOrdID (11) is the reference we share with the broker; the first ExecID (17)
identifies the confirmation. FIX gives no net amount, and a report without
Commission (12) leaves the commission uncompared.
"""

from __future__ import annotations

from pathlib import Path

from importers.trades.fix import FixImporter
from ledger.config import Config
from ledger.matching.model import TradeRecord


def read_fix(path: Path, config: Config, source: str) -> list[TradeRecord]:
    """Every order day in the FIX log ``path`` as a confirmation."""
    rows = FixImporter(config).read(str(path))
    return [
        TradeRecord(
            origin="theirs",
            ref=row.source_ref,
            reference=row.trade.trade_id,
            counterparty=row.trade.counterparty,
            isin=row.trade.isin,
            side=row.trade.side,
            trade_date=row.trade.trade_date,
            settle_date=row.trade.settle_date,
            quantity=row.trade.quantity,
            price=row.trade.price,
            gross=row.trade.gross,
            commission=row.trade.commission or None,
            currency=row.trade.currency,
            source=source,
            line=row.line,
        )
        for row in rows
    ]
