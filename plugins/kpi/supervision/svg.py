"""A chart as an SVG image, for documents: the PDF cannot run the portal's chart script, so the report draws
the same :class:`core.charts.Chart` as bars or a line, with its table printed beside it."""
from __future__ import annotations

import base64
from decimal import Decimal
from xml.sax.saxutils import escape

from core.charts import Chart, ChartKind

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 48, 56, 16
COLOURS = ("#3b6ea5", "#d08c2f", "#5b9f5b")


def svg(chart: Chart, font_family: str) -> str:
    """The chart's first series as an SVG document: bars (a line for a LINE chart), labelled below."""
    values = [Decimal(value) for value in chart.series[0].values] if chart.series else []
    most = max(values, default=Decimal(0)) or Decimal(1)
    plot_width, plot_height = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_width / max(len(values), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'font-family="{escape(font_family)}" font-size="9">',
             f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{WIDTH - 8}" y2="{TOP + plot_height}" stroke="#888"/>',
             f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(str(most))}</text>']
    points = []
    for index, (category, value) in enumerate(zip(chart.categories, values, strict=True)):
        height = float(value / most) * plot_height
        x = LEFT + index * step
        y = TOP + plot_height - height
        if chart.kind == ChartKind.LINE:
            points.append(f"{x + step / 2:.1f},{y:.1f}")
        else:
            parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
                         f'height="{height:.1f}" fill="{COLOURS[0]}"/>')
        parts.append(f'<text x="{x + step / 2:.1f}" y="{TOP + plot_height + 12}" text-anchor="end" '
                     f'transform="rotate(-35 {x + step / 2:.1f} {TOP + plot_height + 12})">'
                     f'{escape(category[:18])}</text>')
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def data_uri(chart: Chart, font_family: str) -> str:
    """The chart as an ``<img>``'s source, embedded in the document."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg(chart, font_family).encode()).decode("ascii")
