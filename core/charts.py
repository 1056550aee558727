"""Charts drawn from the data of the table beside them: one structure, two renderings.

A view builds a :class:`Chart` (categories, one or more series of numbers); the
``chart`` macro in ``templates/macros.html`` renders it as an HTML table, which
is the accessible fallback and what a reader copies or exports, and as a JSON
script tag from the same structure, from which ``static/ordo-charts.js`` draws
the Apache ECharts chart. The numbers travel as strings so that the chart and
the table show the same digits; the page never asks the database twice.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


class ChartKind(enum.StrEnum):
    BAR = "bar"
    LINE = "line"
    PIE = "pie"  # its first series only, one slice per category
    # Each category a bar from its first series' value to its second's, across a line at zero:
    # tasks from their start to their end, against a deadline at zero.
    RANGE = "range"


Number = int | Decimal


@dataclass(frozen=True)
class Series:
    """One row of numbers, a value per category, named in the reader's language."""

    name: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class Chart:
    """A chart and its table: ``categories`` down the table's rows, one column per series."""

    key: str  # unique on the page: the figure's id is "chart-<key>"
    kind: ChartKind
    title: str
    category_title: str  # the heading of the table's first column
    categories: tuple[str, ...]
    series: tuple[Series, ...]

    def __post_init__(self) -> None:
        if self.kind == ChartKind.RANGE and len(self.series) != 2:
            raise ValueError(f"chart {self.key!r}: a range chart has two series, from and to")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(f"chart {self.key!r}: series {series.name!r} has {len(series.values)} values "
                                 f"for {len(self.categories)} categories")

    @property
    def rows(self) -> list[tuple[str, tuple[str, ...]]]:
        """The table's rows: each category with its value in every series, as the table prints them."""
        return [(category, tuple(str(series.values[index]) for series in self.series))
                for index, category in enumerate(self.categories)]

    @property
    def is_empty(self) -> bool:
        return not self.categories

    def data(self) -> dict[str, object]:
        """What the script draws: the same values as the table, as the same strings."""
        return {
            "kind": self.kind.value,
            "title": self.title,
            "categories": list(self.categories),
            "series": [{"name": series.name, "values": [str(value) for value in series.values]}
                       for series in self.series],
        }


def chart(key: str, kind: ChartKind, title: str, category_title: str,
          rows: Sequence[tuple[str, Sequence[Number]]], series_names: Sequence[str]) -> Chart:
    """A chart from table rows (a category and its values, one per series), the shape views hold."""
    categories = tuple(str(category) for category, _values in rows)
    series = tuple(Series(str(name), tuple(values[index] for _category, values in rows))
                   for index, name in enumerate(series_names))
    return Chart(key, kind, title, str(category_title), categories, series)
