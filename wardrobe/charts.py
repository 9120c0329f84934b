"""Small charts drawn on the server as SVG: no JavaScript, readable on a phone (the SVG
scales to its box; its text is sized for a 360-unit-wide phone column). Each function
returns safe markup with the numbers as text and a <title> per bar for a tooltip.

    bar_chart: one labelled row per entry (label and value above a bar), for categories,
               colours (the bar in the items' own shades), seasons, grades, worn items
    column_chart: columns over time (months, weeks), with a few axis labels
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

WIDTH = 360
ROW = 34
BAR = 11
ACCENT = "#3b5bdb"
MUTED = "#c5cad3"


@dataclass
class Bar:
    label: str
    value: float
    text: str = ""  # the value as shown (defaults to the value in the locale's grouping)
    color: str = ACCENT
    segments: list[tuple[float, str]] = field(default_factory=list)  # (weight, colour): a bar in parts
    title: str = ""
    heading: bool = False  # a group's row: bold, above its members
    indent: bool = False


@dataclass
class Column:
    value: float
    title: str  # the tooltip: "March 2026: 12"
    axis: str = ""  # a label under the column (most are left empty)


def number(value, decimals: int = 0) -> str:
    """A number in the active locale's grouping ("1,234")."""
    if decimals == 0:
        value = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def won(amount) -> str:
    """Won, rounded half up as the item page's floatformat does: ₩12,000, or 12,000원 in Korean."""
    if amount is None:
        return "—"
    text = number(amount)
    return f"{text}원" if (get_language() or "").startswith("ko") else f"₩{text}"


def _svg(height: float, label: str, body: str) -> SafeString:
    label = escape(label)
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:g}" width="100%" role="img" aria-label="{label}" '
        f'preserveAspectRatio="xMinYMin meet"><title>{label}</title>{body}</svg>')


def bar_chart(bars: list[Bar], *, label: str, max_value: float | None = None) -> SafeString:
    """Rows of label, value and bar; bars scaled to `max_value` (default: the largest)."""
    if not bars:
        return mark_safe("")
    top = max_value if max_value is not None else max((bar.value for bar in bars), default=0)
    parts = []
    for index, bar in enumerate(bars):
        y = index * ROW
        x = 12 if bar.indent else 0
        span = WIDTH - x
        length = span * (float(bar.value) / float(top)) if top else 0
        text = escape(bar.text or number(bar.value))
        name = escape(bar.label)
        title = escape(bar.title) if bar.title else f"{name}: {text}"
        bar_y = y + 19
        parts.append(f'<g class="bar{" heading" if bar.heading else ""}"><title>{title}</title>'
                     f'<text x="{x}" y="{y + 14}" class="bar-label">{name}</text>'
                     f'<text x="{WIDTH}" y="{y + 14}" class="bar-value" text-anchor="end">{text}</text>'
                     f'<rect x="{x}" y="{bar_y}" width="{span:.2f}" height="{BAR}" rx="2" class="track"/>')
        if bar.segments and length > 0:
            total = sum(weight for weight, _ in bar.segments) or 1
            start = x
            for weight, color in bar.segments:
                width = length * weight / total
                parts.append(f'<rect x="{start:.2f}" y="{bar_y}" width="{width:.2f}" height="{BAR}" '
                             f'fill="{escape(color)}"/>')
                start += width
            parts.append(f'<rect x="{x}" y="{bar_y}" width="{length:.2f}" height="{BAR}" class="outline"/>')
        elif length > 0:
            parts.append(f'<rect x="{x}" y="{bar_y}" width="{length:.2f}" height="{BAR}" rx="2" '
                         f'fill="{escape(bar.color)}"/>')
        parts.append("</g>")
    return _svg(len(bars) * ROW, label, "".join(parts))


def column_chart(columns: list[Column], *, label: str, color: str = ACCENT) -> SafeString:
    """Columns left to right (oldest first), the largest value marked on the left."""
    if not columns:
        return mark_safe("")
    height, plot_top, plot_bottom = 150, 18, 122
    top = max(column.value for column in columns)
    step = WIDTH / len(columns)
    gap = min(2.0, step * 0.2)
    fill = escape(color)
    parts = [f'<text x="0" y="11" class="axis">{escape(number(top))}</text>',
             f'<line x1="0" x2="{WIDTH}" y1="{plot_bottom}" y2="{plot_bottom}" class="baseline"/>',
             f'<line x1="0" x2="{WIDTH}" y1="{plot_top}" y2="{plot_top}" class="gridline"/>']
    for index, column in enumerate(columns):
        x = index * step
        size = (plot_bottom - plot_top) * (column.value / top) if top else 0
        parts.append(f'<g class="column"><title>{escape(column.title)}</title>'
                     f'<rect x="{x + gap / 2:.2f}" y="{plot_bottom - size:.2f}" width="{step - gap:.2f}" '
                     f'height="{size:.2f}" fill="{fill}"/>'
                     f'<rect x="{x:.2f}" y="{plot_top}" width="{step:.2f}" height="{plot_bottom - plot_top}" '
                     f'class="hit"/></g>')
        if column.axis:
            parts.append(f'<text x="{x:.2f}" y="{plot_bottom + 16}" class="axis">{escape(column.axis)}</text>')
    return _svg(height, label, "".join(parts))


def legend(entries: list[tuple[str, str]]) -> SafeString:
    """(colour, label) swatches under a chart whose bars are in parts."""
    return format_html('<ul class="chart-legend">{}</ul>', format_html_join(
        "", '<li><i style="background:{}"></i>{}</li>', entries))
