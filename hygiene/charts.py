"""Trend charts drawn on the server as inline SVG (no JavaScript chart library, no CDN)."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ["#0d6efd", "#f59f00", "#20c997", "#6f42c1"]
FLAG_COLOR = "#dc3545"


def _nice_max(value):
    if value <= 0:
        return Decimal(1)
    value = Decimal(value)
    exp = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = Decimal(str(step)) * exp
        if top >= value:
            return top
    return value


def _fmt(value):
    value = Decimal(value)
    if value >= 10000:
        return f"{value / 1000:.0f}k"
    if value == value.to_integral():
        return f"{value:.0f}"
    return f"{value:.1f}"


def bar_chart(categories, series, *, title="", unit="", reference=None, reference_label="", height=260):
    """Grouped bar chart.

    categories: x labels; series: [(name, [value or None, ...], [flagged bool, ...] or None)];
    reference: an optional horizontal dashed line (e.g. the three-month average).
    """
    width = 720
    left, right, top, bottom = 56, 16, 36, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _n, vals, _f in series for v in vals if v is not None]
    top_value = _nice_max(max([*values, reference or 0, 0]))
    n = max(len(categories), 1)
    group_w = plot_w / n
    bar_w = max(min(group_w * 0.8 / max(len(series), 1), 48), 4)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="trend-chart" '
        f'role="img" aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]
    if title:
        parts.append(
            f'<text x="{left}" y="20" font-size="14" font-weight="600" fill="#212529">{escape(title)}</text>'
        )
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e9ecef"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#6c757d">'
            f"{_fmt(value)}</text>"
        )
    if unit:
        parts.append(
            f'<text x="{left - 6}" y="{top - 10}" font-size="11" text-anchor="end" fill="#6c757d">'
            f"{escape(unit)}</text>"
        )
    for ci, label in enumerate(categories):
        gx = left + group_w * ci
        offset = (group_w - bar_w * len(series)) / 2
        for si, (name, vals, flags) in enumerate(series):
            value = vals[ci] if ci < len(vals) else None
            if value is None:
                continue
            h = float(Decimal(value) / top_value) * plot_h if top_value else 0
            x = gx + offset + bar_w * si
            y = top + plot_h - h
            flagged = bool(flags and ci < len(flags) and flags[ci])
            color = FLAG_COLOR if flagged else PALETTE[si % len(PALETTE)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{color}" rx="2">'
                f"<title>{escape(label)} {escape(name)}: {_fmt(value)} {escape(unit)}</title></rect>"
            )
            if len(series) == 1:
                parts.append(
                    f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 4:.1f}" font-size="10" '
                    'text-anchor="middle" '
                    f'fill="{color}">{_fmt(value)}</text>'
                )
        parts.append(
            f'<text x="{gx + group_w / 2:.1f}" y="{top + plot_h + 16}" font-size="11" '
            'text-anchor="middle" '
            f'fill="#495057">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#adb5bd"/>'
    )
    if reference:
        y = top + plot_h - float(Decimal(reference) / top_value) * plot_h
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#6c757d" '
            f'stroke-dasharray="6 4"/>'
        )
    # legend
    lx = left
    ly = height - 10
    legend = [(name, PALETTE[i % len(PALETTE)]) for i, (name, _v, _f) in enumerate(series)]
    if any(f and any(f) for _n, _v, f in series):
        legend.append(("用量异常", FLAG_COLOR))
    for name, color in legend:
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{lx + 14}" y="{ly}" font-size="11" fill="#495057">{escape(name)}</text>')
        lx += 28 + 13 * len(str(name))
    if reference:
        text = f"{reference_label} {_fmt(reference)}"
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="#6c757d" '
            'stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{lx + 22}" y="{ly}" font-size="11" fill="#495057">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
