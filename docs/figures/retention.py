"""Draw the figures of docs/retention.md into docs/img/ (and print the numbers quoted there).

Run with the project's environment:  python docs/figures/retention.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure

from adoptmetrics import retention
from adoptmetrics.datasets import load_demo
from adoptmetrics.plotting import (
    plot_mrr_bridge,
    plot_retention_curve,
    plot_retention_heatmap,
    plot_retention_trend,
)

IMG = Path(__file__).resolve().parents[1] / "img"
# Mid-June: the June cells have started but are not over, so they show as incomplete.
AS_OF = pd.Timestamp("2025-06-18")


def _save(fig: Figure, name: str) -> None:
    out = IMG / name
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out}")


def main() -> None:
    IMG.mkdir(exist_ok=True)
    pd.set_option("display.width", 140)
    data = load_demo()
    accounts = data.accounts

    cells = retention.cohort_retention(data.events, period="month", accounts=accounts, as_of=AS_OF)
    fig = Figure(figsize=(9.0, 5.2), layout="constrained")
    plot_retention_heatmap(cells, ax=fig.subplots())
    _save(fig, "retention-heatmap.png")
    print(cells[~cells["complete"]].head(3).to_string())

    by_plan = retention.retention_curve(
        data.events, period="week", accounts=accounts, by="plan", as_of=AS_OF
    )
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.subplots()
    plot_retention_curve(by_plan[by_plan["period"] <= 40], ax=ax)
    ax.set_title("Weekly retention by plan (pooled, 95 % Wilson bands)")
    _save(fig, "retention-curves.png")
    print(by_plan[by_plan["period"].isin([4, 12, 26])].to_string())

    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.subplots()
    for method in ("pooled", "chained"):
        curve = retention.retention_curve(
            data.events,
            period="week",
            mode="on_or_after",
            method=method,
            accounts=accounts,
            as_of=AS_OF,
        )
        plot_retention_curve(curve, ax=ax, label=method)
        print(method, curve.tail(3).to_string())
    ax.set_title("Unbounded (on_or_after) weekly retention: pooled vs chained")
    _save(fig, "retention-pooled-vs-chained.png")

    improved = data.truth["retention"]["improved_from"]
    trend = retention.retention_trend(
        data.events, at=4, period="week", accounts=accounts, as_of=AS_OF
    )
    trend = trend.assign(
        cohorts=(trend["cohort"] >= improved).map({True: "after", False: "before"})
    )
    monthly = (
        trend.groupby(trend["cohort"].dt.to_period("M"))[["cohort_size", "n_retained"]]
        .sum()
        .assign(rate=lambda f: f["n_retained"] / f["cohort_size"])
    )
    print(monthly.to_string())
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    ax = fig.subplots()
    plot_retention_trend(trend.drop(columns="cohorts"), ax=ax)
    ax.axvline(improved, color="#555555", linestyle=":", linewidth=1)
    ax.text(improved, 0.05, " planted improvement", fontsize=8, color="#555555")
    ax.set_title("Week-4 retention of each weekly cohort")
    _save(fig, "retention-trend.png")

    rev = retention.revenue_retention(data.mrr, as_of=AS_OF)
    print(rev[rev["period"] == 6].head(4).to_string())

    # The MRR bridge of the last twelve complete months (June 2025 is not over at AS_OF).
    mrr = data.mrr[data.mrr["month"] < "2025-06-01"]
    bridge = retention.mrr_bridge(mrr)
    bridge = bridge[bridge["month"] >= "2024-06-01"].reset_index(drop=True)
    print(bridge.tail(4).to_string())
    fig = Figure(figsize=(9.0, 4.8), layout="constrained")
    plot_mrr_bridge(bridge, ax=fig.subplots())
    _save(fig, "retention-mrr-bridge.png")


if __name__ == "__main__":
    main()
