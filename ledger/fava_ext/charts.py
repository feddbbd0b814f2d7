"""The cash ladder as an inline SVG bar chart, drawn on the server.

One bar per business day (the closing balance), a dashed line at the floor;
days that close below the floor are drawn in the warning colour. No script, no
network: the chart is part of the page's HTML. Pixel positions are computed in
Decimal and rounded to a tenth, so the same ladder gives the same bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from ledger.fava_ext.page import format_amount as amount

WIDTH = 720
HEIGHT = 240
LEFT = 110  # room for the amounts on the y axis
RIGHT = 12
TOP = 16
BOTTOM = 28
BAR_SHARE = Decimal("0.7")  # of each day's slot; the rest is the gap
PIXEL = Decimal("0.1")


@dataclass(frozen=True)
class Bar:
    """One day of the ladder."""

    date: datetime.date
    closing: Decimal


def _px(value: Decimal) -> str:
    return str(value.quantize(PIXEL))


def ladder_svg(currency: str, bars: Sequence[Bar], floor: Decimal) -> Markup:
    """The SVG of one currency's ladder with its floor."""
    values = [bar.closing for bar in bars]
    low = min([floor, Decimal(0), *values])
    high = max([floor, Decimal(0), *values])
    if high == low:
        high = low + 1
    plot_h = Decimal(HEIGHT - TOP - BOTTOM)
    plot_w = Decimal(WIDTH - LEFT - RIGHT)

    def y(value: Decimal) -> Decimal:
        return TOP + (high - value) / (high - low) * plot_h

    slot = plot_w / max(len(bars), 1)
    label = f"{currency}: closing balance per business day, floor {amount(floor)} {currency}"
    parts = [
        f'<svg class="backoffice-ladder" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" data-currency="{escape(currency)}" '
        f'aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for tick in sorted({high, Decimal(0), low}):
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{_px(y(tick) + 4)}" text-anchor="end">'
            f"{amount(tick)}</text>"
        )
    zero = y(Decimal(0))
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_px(zero)}" y2="{_px(zero)}"/>'
    )
    for i, bar in enumerate(bars):
        x = LEFT + slot * i + slot * (1 - BAR_SHARE) / 2
        top, bottom = sorted((y(bar.closing), zero))
        below = bar.closing < floor
        tip = f"{bar.date.isoformat()}: closing {amount(bar.closing)} {currency}"
        if below:
            tip += f", {amount(floor - bar.closing)} below the floor"
        parts.append(
            f'<rect class="day{" below-floor" if below else ""}" x="{_px(x)}" y="{_px(top)}" '
            f'width="{_px(slot * BAR_SHARE)}" height="{_px(bottom - top)}" '
            f'data-date="{bar.date.isoformat()}" data-closing="{bar.closing}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        parts.append(
            f'<text class="day-label" x="{_px(x + slot * BAR_SHARE / 2)}" '
            f'y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{bar.date:%m-%d}</text>'
        )
    floor_y = _px(y(floor))
    parts.append(
        f'<line class="floor" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{floor_y}" y2="{floor_y}" '
        f'data-floor="{floor}"><title>floor {amount(floor)} {escape(currency)}</title></line>'
    )
    parts.append(
        f'<text class="floor-label" x="{WIDTH - RIGHT}" y="{_px(y(floor) - 4)}" '
        f'text-anchor="end">floor {amount(floor)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
