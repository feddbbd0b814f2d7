"""The pages' charts as inline SVG, drawn on the server.

- :func:`ladder_svg`: a cash ladder, one bar per business day (the closing
  balance) and a dashed line at the floor; days that close below the floor are
  drawn in the warning colour;
- :func:`bars_svg`: grouped bars per category (the fails' pay, receive and net
  per ageing bucket; the open breaks per age).

The y axis spans the values rounded out to "nice" ticks (1, 2, 2.5 or 5 times a
power of ten), each tick labelled: a balance moving from 5.9M to 4.7M fills the
chart rather than showing as two equal bars above 0. A ladder's floor is on the
axis when it lies within one span of the balances' range; a floor further off
is drawn at the axis' edge, labelled as beyond it. Bars rise from 0 when 0 is
on the axis, else from its bottom. No script, no network:
the chart is part of the page's HTML. Pixel positions are computed in Decimal
and rounded to a tenth, so the same data gives the same bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from markupsafe import Markup, escape

from ledger.fava_ext.page import format_amount as amount

WIDTH = 720
HEIGHT = 240
LEFT = 110  # room for the amounts on the y axis
RIGHT = 12
TOP = 16
BOTTOM = 28
BAR_SHARE = Decimal("0.7")  # of each slot; the rest is the gap
PIXEL = Decimal("0.1")
TICKS = 5  # about this many intervals on the y axis
NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class Bar:
    """One day of the ladder."""

    date: datetime.date
    closing: Decimal


@dataclass(frozen=True)
class Series:
    """One bar per category, drawn with the CSS class ``css``."""

    name: str
    css: str
    values: Sequence[Decimal]


def _px(value: Decimal) -> str:
    return str(value.quantize(PIXEL))


def ticks(low: Decimal, high: Decimal, count: int = TICKS, *, whole: bool = False) -> list[Decimal]:
    """Evenly spaced round values from at or below ``low`` to at or above ``high``
    (``whole``: whole numbers, for counts)."""
    if high <= low:
        high = low + 1
    rough = (high - low) / count
    power = Decimal(10) ** (rough.adjusted())
    step = next(n * power for n in NICE if n * power >= rough)
    if whole:
        step = max(step.to_integral_value(ROUND_CEILING), Decimal(1))
    first = (low / step).to_integral_value(ROUND_FLOOR) * step
    last = (high / step).to_integral_value(ROUND_CEILING) * step
    found = []
    value = first
    while value <= last:
        found.append(Decimal(f"{value:f}") if value else Decimal(0))
        value += step
    return found


class _Axis:
    """The y axis of a chart: its ticks, and value -> pixel."""

    def __init__(self, values: Sequence[Decimal], *, whole: bool = False) -> None:
        self.ticks = ticks(min(values), max(values), whole=whole)
        self.whole = whole
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.base = Decimal(0) if self.low <= 0 <= self.high else self.low

    def y(self, value: Decimal) -> Decimal:
        plot_h = Decimal(HEIGHT - TOP - BOTTOM)
        return TOP + (self.high - value) / (self.high - self.low) * plot_h

    def svg(self) -> list[str]:
        parts = []
        for tick in self.ticks:
            y = _px(self.y(tick))
            parts.append(
                f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
                f'<text class="tick" x="{LEFT - 6}" y="{_px(self.y(tick) + 4)}" '
                f'text-anchor="end" data-value="{tick}">{self.text(tick)}</text>'
            )
        base = _px(self.y(self.base))
        parts.append(
            f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>'
        )
        return parts

    def text(self, value: Decimal) -> str:
        return f"{value:,.0f}" if self.whole else amount(value)

    def bar(self, x: Decimal, width: Decimal, value: Decimal) -> str:
        top, bottom = sorted((self.y(value), self.y(self.base)))
        return f'x="{_px(x)}" y="{_px(top)}" width="{_px(width)}" height="{_px(bottom - top)}"'


def _open(css: str, label: str, data: str) -> list[str]:
    return [
        f'<svg class="{css}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" {data} aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]


def _label(x: Decimal, text: str) -> str:
    return (
        f'<text class="day-label" x="{_px(x)}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="middle">{escape(text)}</text>'
    )


def _ladder_range(values: Sequence[Decimal], floor: Decimal) -> tuple[list[Decimal], bool]:
    """The values the axis must span, and whether the floor is among them."""
    low, high = min(values, default=floor), max(values, default=floor)
    # A flat ladder still gets a readable axis: a span of 2% of its size at least.
    span = max(high - low, abs(high) / 50, Decimal(1))
    if low - span <= floor <= high + span:
        return [low, high, floor], True
    return [low - span / 10, high + span / 10], False


def ladder_svg(title: str, currency: str, bars: Sequence[Bar], floor: Decimal) -> Markup:
    """The SVG of one ladder (a currency's total or one account's) with its floor."""
    spanned, floor_on_axis = _ladder_range([bar.closing for bar in bars], floor)
    axis = _Axis(spanned)
    plot_w = Decimal(WIDTH - LEFT - RIGHT)
    slot = plot_w / max(len(bars), 1)
    label = f"{title}: closing balance per business day, floor {amount(floor)} {currency}"
    parts = _open("backoffice-ladder", label, f'data-currency="{escape(currency)}"')
    parts += axis.svg()
    for i, bar in enumerate(bars):
        x = LEFT + slot * i + slot * (1 - BAR_SHARE) / 2
        below = bar.closing < floor
        tip = f"{bar.date.isoformat()}: closing {amount(bar.closing)} {currency}"
        if below:
            tip += f", {amount(floor - bar.closing)} below the floor"
        parts.append(
            f'<rect class="day{" below-floor" if below else ""}" '
            f"{axis.bar(x, slot * BAR_SHARE, bar.closing)} "
            f'data-date="{bar.date.isoformat()}" data-closing="{bar.closing}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        parts.append(_label(x + slot * BAR_SHARE / 2, f"{bar.date:%m-%d}"))
    where = floor if floor_on_axis else min(max(floor, axis.low), axis.high)
    floor_text = f"floor {amount(floor)}"
    if not floor_on_axis:
        floor_text += " (below the axis)" if floor < axis.low else " (above the axis)"
    floor_y = _px(axis.y(where))
    parts.append(
        f'<line class="floor" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{floor_y}" y2="{floor_y}" '
        f'data-floor="{floor}"><title>{floor_text} {escape(currency)}</title></line>'
    )
    # Off the axis, the label goes above the plot, where no bar reaches.
    label_y = axis.y(where) - 4 if floor_on_axis else Decimal(TOP - 4)
    parts.append(
        f'<text class="floor-label" x="{WIDTH - RIGHT}" y="{_px(label_y)}" '
        f'text-anchor="end">{floor_text}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars_svg(
    title: str, categories: Sequence[str], series: Sequence[Series], *, whole: bool = False
) -> Markup:
    """Grouped bars: per category, one bar of each series, with a legend (``whole``:
    the values are counts)."""
    axis = _Axis([Decimal(0), *(v for s in series for v in s.values)], whole=whole)
    plot_w = Decimal(WIDTH - LEFT - RIGHT)
    slot = plot_w / max(len(categories), 1)
    width = slot * BAR_SHARE / max(len(series), 1)
    parts = _open("backoffice-bars", title, f'data-title="{escape(title)}"')
    parts += axis.svg()
    for i, category in enumerate(categories):
        left = LEFT + slot * i + slot * (1 - BAR_SHARE) / 2
        for j, one in enumerate(series):
            value = one.values[i]
            parts.append(
                f'<rect class="{escape(one.css)}" {axis.bar(left + width * j, width, value)} '
                f'data-category="{escape(category)}" data-series="{escape(one.name)}" '
                f'data-value="{value}"><title>{escape(category)}, {escape(one.name)}: '
                f"{axis.text(value)}</title></rect>"
            )
        parts.append(_label(left + slot * BAR_SHARE / 2, category))
    x = Decimal(LEFT + 8)
    for one in series:
        parts.append(
            f'<rect class="{escape(one.css)}" x="{_px(x)}" y="4" width="10" height="10"/>'
            f'<text class="legend" x="{_px(x + 14)}" y="13">{escape(one.name)}</text>'
        )
        x += 14 + 7 * len(one.name) + 16
    parts.append("</svg>")
    return Markup("".join(parts))
