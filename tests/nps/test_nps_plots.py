"""Smoke and content tests of the NPS plots (Agg backend, see conftest)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from adoptmetrics.nps import nps_quadrants, nps_score, nps_trend
from adoptmetrics.plotting import plot_attribute_skew, plot_nps, plot_nps_quadrants, plot_nps_trend
from adoptmetrics.plotting._nps import _QUADRANT_COLORS
from adoptmetrics.segments import attribute_skew

pytestmark = pytest.mark.filterwarnings("ignore:fewer than 30:UserWarning")


def _responses() -> pd.DataFrame:
    n = 60
    return pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="5D"),
            "score": np.tile([10, 9, 3, 8, 6, 10], n // 6),
            "plan": np.tile(["pro", "basic", "enterprise"], n // 3),
        }
    )


def test_plot_nps_draws_one_point_per_segment() -> None:
    scores = nps_score(_responses(), by="plan")
    ax = plot_nps(scores)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == ["basic", "enterprise", "pro"]
    assert ax.get_xlim() == (-100, 100)
    plt.close("all")


def test_plot_nps_trend_with_and_without_groups() -> None:
    ax = plot_nps_trend(nps_trend(_responses()))
    assert len(ax.lines) == 2  # the series and the zero line
    ax = plot_nps_trend(nps_trend(_responses(), by="plan"))
    legend = ax.get_legend()
    assert legend is not None
    assert len(legend.get_texts()) == 3
    plt.close("all")


def test_plot_quadrants_draws_threshold_and_every_point() -> None:
    r = _responses()
    usage = pd.Series(np.arange(60, dtype=float), index=r["account_id"])
    q = nps_quadrants(r, usage)
    ax = plot_nps_quadrants(q)
    points = [line for line in ax.lines if line.get_linestyle() == "None"]
    assert len(points) == len(_QUADRANT_COLORS)  # one marker series per quadrant
    assert sum(np.asarray(line.get_xdata()).size for line in points) == len(q)
    xs = [np.asarray(line.get_xdata(), dtype=float) for line in ax.lines if line not in points]
    vertical = [float(x[0]) for x in xs if x[0] == x[-1]]
    # usage 0..59 split at the median 29.5: the line sits between 29 (low) and 30 (high)
    assert 29.5 in vertical
    plt.close("all")


def test_plot_attribute_skew_colours_significant_values() -> None:
    acc = pd.DataFrame({"account_id": range(200), "plan": ["a"] * 50 + ["b"] * 150})
    skew = attribute_skew(acc, acc.index < 50, attributes=["plan"])
    ax = plot_attribute_skew(skew, top=5)
    assert len(ax.patches) == 2
    # both values are significant (a: all 50 in the group, b: none), so no bar is the
    # grey #bdbdbd of non-significant values
    grey = to_rgba("#bdbdbd")
    assert all(p.get_facecolor() != grey for p in ax.patches)
    plt.close("all")


def test_plots_refuse_other_frames() -> None:
    for fn in (plot_nps, plot_nps_trend, plot_nps_quadrants, plot_attribute_skew):
        with pytest.raises(TypeError, match="Hint:"):
            fn(pd.DataFrame({"x": [1]}))
