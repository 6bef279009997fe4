"""The health report section and the health plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from adoptmetrics.datasets import SaaSData, simulate_saas
from adoptmetrics.health import (
    account_metrics,
    backtest_health,
    health_scores,
    stage_transitions,
)
from adoptmetrics.plotting import plot_health_bands, plot_health_components, plot_stage_flow
from adoptmetrics.report import ReportData, Section, build_report
from adoptmetrics.report._health import section


@pytest.fixture(scope="module")
def raw() -> SaaSData:
    return simulate_saas(400, seed=4)


@pytest.fixture(scope="module")
def data(raw: SaaSData) -> ReportData:
    d = raw
    return ReportData.from_frames(d.events, d.accounts, nps=d.nps, mrr=d.mrr, as_of=d.as_of)


def test_health_section_has_bands_moves_stages_and_bridge(data: ReportData) -> None:
    s = section(data)
    assert isinstance(s, Section)
    assert s.id == "health"
    text = "".join(s.body)
    assert "Backtest: bands on" in text
    assert "Moved to red in the last 30 days" in text
    assert "Lifecycle stages" in text
    assert "MRR bridge, last 12 months" in text
    assert len(s.figures) == 3  # bands, stage flow, MRR bridge
    labels = [m.label for m in s.metrics]
    assert labels[:2] == ["Accounts in the red band", "Churn, red vs green band"]
    assert any(label.startswith("Quick ratio") for label in labels)


def test_health_section_without_mrr_or_history(data: ReportData) -> None:
    no_mrr = ReportData.from_frames(data.events, data.accounts, as_of=data.as_of)
    s = section(no_mrr)
    assert s is not None
    assert "MRR bridge" not in "".join(s.body)
    # too little history for a 90-day backtest: said in a caveat, not an error
    short = ReportData.from_frames(
        data.events, data.accounts, as_of=data.events["timestamp"].min() + pd.Timedelta(days=40)
    )
    s = section(short)
    assert s is not None
    assert any("No backtest" in c for c in s.caveats)


def test_health_section_in_the_report(data: ReportData) -> None:
    page = build_report(data, sections=["health"])
    assert 'id="health"' in page
    assert "error" not in page.split('id="health"', 1)[1][:400].lower()


def test_plots_return_their_axes(raw: SaaSData) -> None:
    d = raw
    bt = backtest_health(d.events, d.accounts, cutoff="2025-01-01")
    _, ax = plt.subplots()
    assert plot_health_bands(bt, ax=ax) is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == ["red", "yellow", "green"]
    scores = health_scores(account_metrics(d.events, accounts=d.accounts))
    _, ax = plt.subplots()
    acc = scores["account_id"].iloc[0]
    assert plot_health_components(scores, acc, ax=ax) is ax
    assert len(ax.patches) == 7  # one bar per default measure
    flow = stage_transitions(
        d.events,
        d.accounts,
        start="2025-03-01",
        end="2025-06-01",
    )
    _, ax = plt.subplots()
    assert plot_stage_flow(flow, ax=ax) is ax
    plt.close("all")


def test_plot_bad_inputs() -> None:
    with pytest.raises(ValueError, match="missing columns"):
        plot_health_bands(pd.DataFrame({"band": ["red"]}))
    with pytest.raises(TypeError, match="HealthBacktest"):
        plot_health_bands([1, 2])
    with pytest.raises(ValueError, match="not in scores"):
        plot_health_components(pd.DataFrame({"account_id": ["a"], "score": [1.0]}), "zz")
    with pytest.raises(ValueError, match="missing columns"):
        plot_stage_flow(pd.DataFrame({"from_stage": ["a"]}))
    plt.close("all")
