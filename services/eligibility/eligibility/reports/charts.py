"""The board report's charts, drawn by matplotlib's Agg backend as PNG images."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from eligibility.reports.schemas import FigureRow, TrendPoint

BANDS = (
    ("satisfactory", "Satisfactory (<5%)", "#4c9a2a"),
    ("at_risk", "At risk (5-10%)", "#e3b505"),
    ("moderate_chronic", "Moderate chronic (10-20%)", "#e07a1f"),
    ("severe_chronic", "Severe chronic (20%+)", "#b3261e"),
)
DPI = 150


def trend_chart(months: Sequence[TrendPoint]) -> bytes:
    """The district's average attendance rate and chronic absence share at each month's end."""
    figure = Figure(figsize=(7.5, 2.8), layout="constrained")
    rate_axes = figure.subplots()
    labels = [point.month for point in months]
    rates = [_percent(point.total.average_attendance_rate) for point in months]
    chronic = [_percent(point.total.chronic()) for point in months]
    rate_axes.plot(labels, rates, marker="o", color="#1f5f99", label="Average attendance rate")
    rate_axes.set_ylabel("Attendance rate (%)", color="#1f5f99")
    if shown := [rate for rate in rates if not math.isnan(rate)]:
        rate_axes.set_ylim(max(0.0, min(shown) - 2), 100)  # a narrow scale would make a small change look large
    chronic_axes = rate_axes.twinx()
    chronic_axes.plot(labels, chronic, marker="s", color="#b3261e", label="Chronically absent (10%+)")
    chronic_axes.set_ylabel("Chronically absent (%)", color="#b3261e")
    chronic_axes.set_ylim(bottom=0)
    rate_axes.tick_params(axis="x", labelsize=7, labelrotation=45)
    figure.legend(loc="outside upper center", ncols=2, fontsize=7, frameon=False)
    return _png(figure)


def bands_chart(rows: Sequence[tuple[str, FigureRow]]) -> bytes:
    """A bar per labelled row, split into the four bands; a withheld row shows the word instead."""
    figure = Figure(figsize=(7.5, 1.2 + 0.32 * len(rows)), layout="constrained")
    axes = figure.subplots()
    places = range(len(rows) - 1, -1, -1)  # the first row on top
    left = [0.0] * len(rows)
    for field, name, colour in BANDS:
        widths = [_percent(getattr(row, field)) for _, row in rows]
        widths = [0.0 if math.isnan(width) else width for width in widths]
        axes.barh(places, widths, left=left, color=colour, label=name, height=0.6)
        left = [start + width for start, width in zip(left, widths, strict=True)]
    for place, (_, row) in zip(places, rows, strict=True):
        if row.suppressed:
            axes.text(1, place, "withheld", va="center", fontsize=7, color="#555555")
    axes.set_yticks(places, [label for label, _ in rows])
    axes.set_xlim(0, 100)
    axes.set_xlabel("Share of students counted (%)")
    axes.tick_params(axis="y", labelsize=7)
    figure.legend(loc="outside upper center", ncols=4, fontsize=6.5, frameon=False)
    return _png(figure)


def _percent(value: float | None) -> float:
    return math.nan if value is None else 100 * value


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
