"""Tests for the retention plots (rendering smoke tests and what they draw)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from adoptmetrics.plotting import (
    plot_mrr_bridge,
    plot_retention_curve,
    plot_retention_heatmap,
    plot_retention_trend,
)
from adoptmetrics.plotting._common import INCOMPLETE_COLOR
from adoptmetrics.retention import (
    cohort_retention,
    mrr_bridge,
    retention_curve,
    retention_trend,
)

EVENTS = pd.DataFrame(
    {
        "account_id": ["a", "b", "a", "c", "a", "c", "b"],
        "event": "login",
        "timestamp": pd.to_datetime(
            [
                "2024-01-01",
                "2024-01-02",
                "2024-01-09",
                "2024-01-09",
                "2024-01-16",
                "2024-01-23",
                "2024-01-24",
            ]
        ),
    }
)
PLAN = {"a": "pro", "b": "basic", "c": "pro"}


def _ax() -> Axes:
    ax: Axes = Figure().subplots()
    return ax


def test_heatmap_marks_incomplete_cells() -> None:
    cells = cohort_retention(EVENTS, as_of="2024-01-25")
    ax = plot_retention_heatmap(cells, ax=_ax())
    n_incomplete = int((~cells["complete"]).sum())
    hatched = [p for p in ax.patches if p.get_hatch() == "///"]
    assert n_incomplete > 0
    assert len(hatched) == n_incomplete
    assert {to_hex(p.get_facecolor()) for p in hatched} == {INCOMPLETE_COLOR}
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == len(cells)  # every cell annotated, incomplete ones too


def test_heatmap_refuses_segments_and_other_frames() -> None:
    with pytest.raises(ValueError, match="segment"):
        plot_retention_heatmap(cohort_retention(EVENTS, by=PLAN), ax=_ax())
    with pytest.raises(TypeError, match="cohort_retention"):
        plot_retention_heatmap(pd.DataFrame({"x": [1]}), ax=_ax())


def test_curves_one_line_and_band_per_segment() -> None:
    curve = retention_curve(EVENTS, by=PLAN, as_of="2024-01-29")
    ax = plot_retention_curve(curve, ax=_ax())
    assert len(ax.get_lines()) == 2
    assert len(ax.collections) == 2  # one interval band each
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["basic", "pro"]
    chained = retention_curve(EVENTS, as_of="2024-01-29", method="chained")
    plot_retention_curve(chained, ax=ax, label="chained")
    assert len(ax.get_lines()) == 3


def test_trend_plot() -> None:
    trend = retention_trend(EVENTS, at=1, as_of="2024-01-29", by=PLAN)
    ax = plot_retention_trend(trend, ax=_ax())
    assert ax.get_ylabel() == "period-1 retention"
    assert len(ax.containers) == trend["segment"].nunique()  # one errorbar series per segment
    with pytest.raises(TypeError, match="retention_trend"):
        plot_retention_trend(pd.DataFrame(), ax=_ax())


MRR = pd.DataFrame(
    {
        "account_id": ["a", "a", "a", "b", "b", "c"],
        "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"] * 2),
        "mrr": [100.0, 150.0, 120.0, 80.0, 0.0, 40.0],
    }
)


def test_mrr_bridge_waterfall_and_quick_ratio() -> None:
    bridge = mrr_bridge(MRR)
    ax = plot_mrr_bridge(bridge, ax=_ax())
    # Five movement kinds, one bar per month each.
    assert len(ax.patches) == 5 * len(bridge)
    # Gains stack up from the starting MRR; losses hang from the top down to the ending.
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    feb = [p for p in bars if abs(p.get_x() + p.get_width() / 2 - 1) < 0.5]
    tops = max(p.get_y() + p.get_height() for p in feb)
    bottoms = min(p.get_y() for p in feb)
    row = bridge.iloc[1]
    assert tops == pytest.approx(row["starting_mrr"] + row["new_mrr"] + row["expansion_mrr"])
    assert bottoms == pytest.approx(row["ending_mrr"])
    twin = [a for a in ax.figure.axes if a is not ax]
    assert len(twin) == 1
    assert twin[0].get_ylabel() == "quick ratio"
    quick = np.asarray(twin[0].get_lines()[0].get_ydata(), dtype=float)
    assert np.isnan(quick[0])  # the first month lost nothing
    np.testing.assert_allclose(quick[1:], bridge["quick_ratio"].iloc[1:])
    legend = ax.get_legend()
    assert legend is not None
    labels = {t.get_text() for t in legend.get_texts()}
    assert labels == {"new", "expansion", "reactivation", "contraction", "churned"} | {
        "ending MRR",
        "quick ratio",
    }


def test_mrr_bridge_plot_sums_segments_and_refuses_other_frames() -> None:
    by = mrr_bridge(MRR, by={"a": "x", "b": "y", "c": "y"})
    ax = plot_mrr_bridge(by, ax=_ax())
    assert len(ax.patches) == 5 * by["month"].nunique()
    with pytest.raises(TypeError, match="mrr_bridge"):
        plot_mrr_bridge(pd.DataFrame({"month": []}), ax=_ax())
