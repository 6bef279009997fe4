"""Smoke and content tests for the churn plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from adoptmetrics import churn, plotting


def _accounts(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    plan = rng.choice(["basic", "pro"], n)
    life = pd.to_timedelta(rng.exponential(np.where(plan == "pro", 400, 200)).astype(int), "D")
    return pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "started_at": start,
            "churned_at": start + life,
            "plan": plan,
            "seats": rng.integers(1, 50, n),
        }
    )


def test_plot_churn_curve_draws_groups_bands_and_at_risk() -> None:
    acc = _accounts()
    curve = churn.churn_curve(acc, by="plan", as_of="2025-01-01")
    ax = plotting.plot_churn_curve(curve)
    legend = ax.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert any(lbl.startswith("basic") for lbl in labels)
    assert len(ax.collections) >= 2  # one band per group
    texts = [t.get_text() for t in ax.texts]
    assert "at risk" in texts
    # The at-risk count at tick 0 is the group's size.
    n_basic = int((acc["plan"] == "basic").sum())
    assert str(n_basic) in texts
    plt.close("all")


def test_plot_churn_curve_segments_from_series_and_columns() -> None:
    # by= a Series: its name labels the curves; several columns are joined with " | ".
    acc = _accounts()
    tier = acc.set_index("account_id")["plan"].rename("tier")
    ax = plotting.plot_churn_curve(churn.churn_curve(acc, by=tier, as_of="2025-01-01"))
    legend = ax.get_legend()
    assert legend is not None
    assert any(t.get_text().startswith("pro (n=") for t in legend.get_texts())
    acc["big"] = acc["seats"] > 25
    ax = plotting.plot_churn_curve(churn.churn_curve(acc, by=["plan", "big"], as_of="2025-01-01"))
    legend = ax.get_legend()
    assert legend is not None
    assert any(t.get_text().startswith("basic | True") for t in legend.get_texts())
    # Without by: one curve, no legend.
    ax = plotting.plot_churn_curve(churn.churn_curve(acc, as_of="2025-01-01"))
    assert ax.get_legend() is None
    plt.close("all")


def test_plot_hazard_ratios_from_model() -> None:
    model = churn.fit_churn_model(_accounts(), covariates=["plan", "seats"], as_of="2025-01-01")
    ax = plotting.plot_hazard_ratios(model)
    assert ax.get_xscale() == "log"
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert set(ticks) == {"plan=pro", "seats"}
    plt.close("all")


def test_plots_refuse_other_frames() -> None:
    with pytest.raises(TypeError, match="churn_curve"):
        plotting.plot_churn_curve(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="ChurnModel"):
        plotting.plot_hazard_ratios(pd.DataFrame({"x": [1]}))
