"""FIX messages for tests, demo files and the benchmark, encoded by simplefix
(which computes BodyLength and CheckSum), so the reader is checked against an
independent encoder."""

from __future__ import annotations

import simplefix


def encode(
    fields: list[tuple[int, str]], *, version: str = "FIX.4.4", separator: bytes = b"\x01"
) -> bytes:
    """A message with header 8/9, the given fields in order, and 10."""
    message = simplefix.FixMessage()
    message.append_pair(8, version, header=True)
    for tag, value in fields:
        message.append_pair(tag, value)
    encoded: bytes = message.encode()
    return encoded.replace(b"\x01", separator) if separator != b"\x01" else encoded


def execution_report(
    *,
    exec_id: str,
    exec_type: str,
    order_id: str = "BM-77001",
    cl_ord_id: str = "GA-20261125-001",
    sender: str = "BETAMKTS",
    seq: int = 2,
    time: str = "20261125-09:30:00.000",
    last_qty: str = "0",
    last_px: str = "0",
    symbol: str = "SAP",
    isin: str = "DE0007164600",
    side: str = "1",
    currency: str = "EUR",
    trade_date: str = "20261125",
    settle_date: str = "20261127",
    exec_ref_id: str | None = None,
    commission: str | None = None,
    ord_status: str = "1",
    cum_qty: str | None = None,
    avg_px: str | None = None,
) -> list[tuple[int, str]]:
    """The fields of a 35=8 execution report (FIX 4.4 tags)."""
    fields = [
        (35, "8"),
        (49, sender),
        (56, "GAI-DROPCOPY"),
        (34, str(seq)),
        (52, time),
        (37, order_id),
        (11, cl_ord_id),
        (17, exec_id),
        (150, exec_type),
        (39, ord_status),
        (55, symbol),
        (48, isin),
        (22, "4"),
        (207, "XETR"),
        (54, side),
        (32, last_qty),
        (31, last_px),
        (15, currency),
        (75, trade_date),
        (64, settle_date),
        (60, time),
    ]
    if exec_ref_id is not None:
        fields.append((19, exec_ref_id))
    if commission is not None:
        fields += [(12, commission), (13, "3")]
    if cum_qty is not None and avg_px is not None:
        fields += [(14, cum_qty), (6, avg_px)]
    return fields
