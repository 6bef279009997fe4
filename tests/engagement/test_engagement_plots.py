"""Engagement plots draw what they are given and refuse frames they cannot draw."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

import adoptmetrics as am
from adoptmetrics.plotting import (
    plot_adoption_curve,
    plot_feature_adoption,
    plot_feature_heatmap,
    plot_feature_retention,
    plot_lifecycle,
    plot_stickiness,
)


@pytest.fixture(scope="module")
def demo() -> am.SaaSData:
    return am.load_demo()


def test_lifecycle_bars_put_dormant_below_zero(demo: am.SaaSData) -> None:
    lc = am.lifecycle(demo.events, period="week")
    _, ax = plt.subplots()
    assert plot_lifecycle(lc, ax=ax) is ax
    heights = [p.get_height() for p in ax.patches if isinstance(p, Rectangle)]
    assert min(heights) == -lc["dormant"].max()
    plt.close("all")


def test_lifecycle_refuses_several_segments(demo: am.SaaSData) -> None:
    lc = am.lifecycle(demo.events, by="account_id", period="month")
    with pytest.raises(ValueError, match="several segments"):
        plot_lifecycle(lc)


def test_stickiness_bands_per_segment(demo: am.SaaSData) -> None:
    st = am.stickiness(demo.events)
    ax = plot_stickiness(st)
    assert len(ax.collections) >= 1
    plt.close("all")


def test_feature_heatmap_and_lines(demo: am.SaaSData) -> None:
    fa = am.feature_adoption(demo.events)
    ax = plot_feature_heatmap(fa, top=5)
    assert len(ax.get_yticklabels()) == 5
    ax = plot_feature_adoption(fa, features=["login", "create_report"])
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()][:2] == ["login", "create_report"]
    plt.close("all")


def test_adoption_curve_with_categories(demo: am.SaaSData) -> None:
    launch = demo.events["timestamp"].min() + (demo.events["timestamp"].max()
                                               - demo.events["timestamp"].min()) / 2  # fmt: skip
    curve = am.adoption_curve(demo.events, "share_report", launched_at=launch)
    cats = am.adopter_categories(demo.events, "share_report", launched_at=launch)
    ax = plot_adoption_curve(curve, categories=cats)
    assert ax.get_ylim() == (0.0, 1.0)
    plt.close("all")


def test_feature_retention_driver_chart(demo: am.SaaSData) -> None:
    fr = am.feature_retention(demo.events, features=["view_tutorial", "import_data", "search"])
    ax = plot_feature_retention(fr)
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    finite = fr.dropna(subset=["odds_ratio"])
    assert sorted(labels) == sorted(finite["feature"].tolist())
    with pytest.raises(ValueError, match="top"):
        plot_feature_retention(fr, top=0)
    plt.close("all")


def test_wrong_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="lifecycle"):
        plot_lifecycle(pd.DataFrame({"period": [1]}))
    with pytest.raises(TypeError, match="adoption_curve"):
        plot_adoption_curve(np.zeros(3))  # type: ignore[arg-type]
