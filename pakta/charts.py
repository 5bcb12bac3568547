"""Small charts drawn on the server as SVG: no chart library, readable when printed."""

from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    line: float | None = None  # 0..100, drawn as the cumulative-rate line


def bars_with_line(
    bars: list[Bar],
    *,
    title: str,
    value_label: str,
    line_label: str,
    width: int = 720,
    height: int = 260,
) -> Markup:
    """Bars (counts, left axis) with an optional line (percent, right axis)."""
    left, right, top, bottom = 44, 44, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([bar.value for bar in bars] + [1])
    step = plot_w / max(len(bars), 1)
    bar_w = max(step * 0.7, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#888" stroke-width="1"/>',
    ]
    for fraction in (0.5, 1.0):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{round(peak * fraction)}</text>"
            f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" font-size="11">'
            f"{round(100 * fraction)}%</text>"
        )
    label_every = max(1, round(len(bars) / 12))
    points = []
    for index, bar in enumerate(bars):
        x = left + index * step + (step - bar_w) / 2
        h = plot_h * bar.value / peak
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="#0b5d4b"><title>{escape(bar.label)}: {bar.value}'
            "</title></rect>"
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'font-size="11">{escape(bar.label)}</text>'
            )
        if bar.line is not None:
            y = top + plot_h * (1 - min(bar.line, 100) / 100)
            points.append(f"{x + bar_w / 2:.1f},{y:.1f}")
    if points:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#c0392b" '
            'stroke-width="2.5"/>'
        )
    legend_y = height - 6
    parts.append(
        f'<rect x="{left}" y="{legend_y - 10}" width="12" height="10" fill="#0b5d4b"/>'
        f'<text x="{left + 16}" y="{legend_y}" font-size="11">{escape(value_label)}</text>'
    )
    if points:
        parts.append(
            f'<line x1="{left + 190}" y1="{legend_y - 5}" x2="{left + 208}" y2="{legend_y - 5}" '
            'stroke="#c0392b" stroke-width="2.5"/>'
            f'<text x="{left + 212}" y="{legend_y}" font-size="11">{escape(line_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above went through escape())
