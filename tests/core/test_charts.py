"""The chart macro: a table and the chart's JSON from one structure, showing the same numbers."""
from __future__ import annotations

import html as markup
import json
import re
from decimal import Decimal

import pytest
from flask import render_template_string

from core.charts import ChartKind, Series, chart
from core.charts import Chart

ROWS = [("华东", [3, Decimal("1250.50")]), ("华南", [0, Decimal("0.00")]), ("North <&>", [12, Decimal("99.99")])]


def render(app, value: Chart) -> str:
    with app.test_request_context():
        return render_template_string('{% from "macros.html" import chart %}{{ chart(c) }}', c=value)


def parse(html: str, key: str) -> tuple[dict, list[list[str]], list[str]]:
    """The chart's JSON, the table's body rows (category first) and its header, as a reader finds them."""
    data = json.loads(re.search(rf'<script type="application/json" id="chart-{key}-data">(.*?)</script>',
                                html, re.S).group(1))
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    rows = [[markup.unescape(cell.strip()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    header = [cell.strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", re.search(r"<thead>(.*?)</thead>",
                                                                                   html, re.S).group(1))]
    return data, rows, header


def test_the_table_shows_the_numbers_the_chart_is_drawn_from(app):
    html = render(app, chart("regions", ChartKind.BAR, "按区域", "区域", ROWS, ["订单数", "金额"]))

    data, rows, header = parse(html, "regions")

    assert header == ["区域", "订单数", "金额"]
    assert data["kind"] == "bar" and data["title"] == "按区域"
    assert rows == [[category, *map(str, values)] for category, values in ROWS]
    assert "<td class=\"num\">1250.50</td>" in html and "North &lt;&amp;&gt;" in html  # escaped as typed
    # Every cell of the table is the chart's value for that category and series, digit for digit.
    for index, row in enumerate(rows):
        assert data["categories"][index] == ROWS[index][0]
        assert [series["values"][index] for series in data["series"]] == row[1:]
    assert [series["name"] for series in data["series"]] == ["订单数", "金额"]
    assert 'data-chart="chart-regions-data"' in html and 'role="img" aria-label="按区域"' in html
    assert "</script>" not in html.split('id="chart-regions-data">', 1)[1].split("</script>", 1)[0]


def test_a_chart_without_data_says_so_and_draws_nothing(app):
    html = render(app, chart("empty", ChartKind.LINE, "Orders", "Day", [], ["Submitted"]))
    assert "Nothing to show for this period." in html
    assert "data-chart" not in html and "<table" not in html


def test_a_series_must_have_a_value_per_category():
    with pytest.raises(ValueError, match="has 1 values for 2 categories"):
        Chart("broken", ChartKind.PIE, "t", "c", ("a", "b"), (Series("s", (1,)),))
