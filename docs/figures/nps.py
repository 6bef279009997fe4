"""Draw the figures of docs/nps.md into docs/img/ and print the numbers quoted there.

Run with the project's environment:  python docs/figures/nps.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import adoptmetrics as am
from adoptmetrics.nps import compare_nps, nps_quadrants, nps_score, nps_trend, quadrant_summary
from adoptmetrics.plotting import (
    plot_attribute_skew,
    plot_nps,
    plot_nps_quadrants,
    plot_nps_trend,
)
from adoptmetrics.segments import attribute_skew

IMG = Path(__file__).resolve().parents[1] / "img"


def _save(ax: Axes, name: str) -> None:
    ax.get_figure(root=True).savefig(  # type: ignore[union-attr]
        IMG / name, dpi=110, metadata={"Software": None}
    )


def main() -> None:
    IMG.mkdir(exist_ok=True)
    data = am.datasets.simulate_saas(2000, seed=0)
    responses = data.nps.merge(data.accounts[["account_id", "plan", "industry"]], on="account_id")
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)

    overall = nps_score(responses, per="account")
    print(overall.round(1))
    by_industry = nps_score(responses, by="industry", per="account")
    print(by_industry.round(1))
    industry = data.accounts.set_index("account_id")["industry"]
    same = nps_score(data.nps, by=industry, per="account")
    pd.testing.assert_frame_equal(same, by_industry)  # a Series by= gives the same table
    print(nps_score(responses, per="account", method="wald").round(1))
    ax = Figure(figsize=(7.0, 3.4), layout="constrained").subplots()
    plot_nps(by_industry, ax=ax, title="NPS by industry (one vote per account)")
    _save(ax, "nps-by-segment.png")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the first quarter has few responses
        trend = nps_trend(responses, period="quarter")
    print(trend.round(1))
    ax = Figure(figsize=(7.0, 3.4), layout="constrained").subplots()
    plot_nps_trend(trend, ax=ax)
    _save(ax, "nps-trend.png")

    t = responses["timestamp"]
    last = responses[t >= "2025-04-01"]
    previous = responses[(t >= "2025-01-01") & (t < "2025-04-01")]
    print(compare_nps(last, previous).round(3))
    print(compare_nps(last, previous, method="wald").round(3))

    quadrants = nps_quadrants(data.nps, data.events)
    print(quadrants.head().to_string())
    print(quadrant_summary(quadrants).drop(columns="recommended_action").round(3))
    print(nps_score(quadrants, by="usage_level", time_col=None).round(1))
    ax = Figure(figsize=(7.5, 4.2), layout="constrained").subplots()
    plot_nps_quadrants(quadrants, ax=ax)
    _save(ax, "nps-quadrants.png")

    category = quadrants.set_index("account_id")["category"]
    attrs = ["plan", "industry", "region", "seats"]
    skew = attribute_skew(data.accounts, category == "detractor", attributes=attrs)
    print(skew.round(4).to_string())
    ax = Figure(figsize=(7.0, 4.6), layout="constrained").subplots()
    plot_attribute_skew(skew, ax=ax, title="Who is over-represented among detractors?")
    _save(ax, "nps-skew.png")

    churned = data.accounts["churned_at"].notna()
    churn_skew = attribute_skew(data.accounts, churned, attributes=attrs)
    print(churn_skew.round(4).to_string())


if __name__ == "__main__":
    main()
