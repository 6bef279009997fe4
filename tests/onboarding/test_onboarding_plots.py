"""Smoke and content tests for the onboarding plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from adoptmetrics import onboarding, plotting


def _events(n: int = 120) -> pd.DataFrame:
    """Each account signs up, then half invite a teammate, a third of those create a report."""
    ids = np.array([f"a{i:03d}" for i in range(n)])
    t0 = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 20, unit="D")
    rows = [pd.DataFrame({"account_id": ids, "event": "signup", "timestamp": t0})]
    invite = np.arange(n) % 2 == 0
    rows.append(
        pd.DataFrame(
            {
                "account_id": ids[invite],
                "event": "invite",
                "timestamp": t0[invite] + pd.to_timedelta(np.arange(n)[invite] % 6 + 1, "D"),
            }
        )
    )
    report = invite & (np.arange(n) % 3 == 0)
    rows.append(
        pd.DataFrame(
            {
                "account_id": ids[report],
                "event": "report",
                "timestamp": t0[report] + pd.Timedelta(days=8),
            }
        )
    )
    return pd.concat(rows, ignore_index=True)


def test_plot_onboarding_funnel_draws_one_bar_per_step() -> None:
    f = onboarding.onboarding_funnel(
        _events(), ["signup", "invite", "report"], window_days=14, as_of="2024-03-01"
    )
    ax = plotting.plot_onboarding_funnel(f)
    assert isinstance(ax, Axes)
    assert len(ax.patches) == 3
    # Bar lengths are the counts (first step on top, i.e. the largest y).
    widths = sorted(((p.get_y(), p.get_width()) for p in ax.patches), reverse=True)  # type: ignore[attr-defined]
    assert [w for _, w in widths] == f["n_accounts"].astype(float).tolist()
    texts = [t.get_text() for t in ax.texts]
    # 120 accounts, 60 invited (50 %), 20 reports: hand-counted from _events.
    assert texts[0].startswith("120")
    assert "50% of previous" in texts[1]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[::-1] == ["signup", "invite", "report"]  # bottom to top
    plt.close("all")


def test_plot_time_to_value_draws_curve_band_and_median() -> None:
    curve = onboarding.time_to_value(_events(), ["invite"], window_days=14, as_of="2024-03-01")
    ax = plotting.plot_time_to_value(curve)
    assert ax.get_ylabel() == "share of accounts onboarded"
    assert len(ax.collections) == 1  # the band
    # The step line starts at (0, 0) and ends at the final rate (0.5: half invite).
    x, y = ax.lines[0].get_data()
    assert (np.asarray(x)[0], np.asarray(y)[0]) == (0.0, 0.0)
    assert np.asarray(y)[-1] == pytest.approx(0.5)
    assert any(t.get_text().startswith("median") for t in ax.texts)
    ax2 = plotting.plot_time_to_value(curve, band=False)
    assert len(ax2.collections) == 0
    plt.close("all")


def _paths() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pattern": [("a", "b"), ("c",), ("b", "a"), ("x", "a", "b"), ("d",)],
            "odds_ratio": [3.0, 0.5, 1.1, 2.9, np.inf],
            "ci_lower": [2.0, 0.3, 0.8, 1.9, np.nan],
            "ci_upper": [4.5, 0.8, 1.5, 4.4, np.nan],
            "p_value": [1e-8, 1e-4, 0.5, 1e-7, 0.9],
            "selected": [True, True, False, False, False],
        }
    )


def test_plot_success_paths_highlights_selected_on_log_scale() -> None:
    ax = plotting.plot_success_paths(_paths())
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # Selected first (top), then by p-value; the infinite odds ratio is dropped.
    assert labels[::-1] == ["a → b", "c", "x → a → b", "b → a"]
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert sorted(bold) == ["a → b", "c"]
    assert len(ax.collections) == 3  # interval lines, selected points, other points
    legend = ax.get_legend()
    assert legend is not None
    assert len(legend.get_texts()) == 2
    top2 = plotting.plot_success_paths(_paths(), top=2)
    assert len(top2.get_yticklabels()) == 2
    plt.close("all")


def test_plot_success_paths_from_success_paths() -> None:
    ev = _events()
    # Noisy outcome (invite XOR every fifth account), so no pattern separates it.
    i = np.arange(120)
    won = pd.Series((i % 2 == 0) ^ (i % 5 == 0), index=[f"a{i:03d}" for i in range(120)])
    paths = onboarding.success_paths(
        ev, won, window_days=14, max_length=2, adjust_for=None, as_of="2024-06-01"
    )
    ax = plotting.plot_success_paths(paths)
    assert len(ax.get_yticklabels()) == min(len(paths.dropna(subset=["odds_ratio"])), 12)
    plt.close("all")


def test_plots_refuse_other_frames() -> None:
    with pytest.raises(TypeError, match="onboarding_funnel"):
        plotting.plot_onboarding_funnel(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="time_to_value"):
        plotting.plot_time_to_value(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="success_paths"):
        plotting.plot_success_paths(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="Hint"):
        plotting.plot_success_paths(_paths(), top=0)
