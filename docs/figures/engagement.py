"""Draw the figures of docs/engagement.md into docs/img/ (and print the numbers quoted there).

Run with the project's environment:  python docs/figures/engagement.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure

from adoptmetrics import engagement
from adoptmetrics.datasets import load_demo
from adoptmetrics.plotting import (
    plot_adoption_curve,
    plot_feature_adoption,
    plot_feature_heatmap,
    plot_feature_retention,
    plot_lifecycle,
    plot_stickiness,
)

IMG = Path(__file__).resolve().parents[1] / "img"
FEATURES = ["create_report", "export_csv", "search", "share_report", "create_dashboard",
            "schedule_report", "bulk_edit", "ai_assistant"]  # fmt: skip


def _save(fig: Figure, name: str) -> None:
    out = IMG / name
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out}")


def main() -> None:
    IMG.mkdir(exist_ok=True)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 20)
    data = load_demo()
    ev = data.events
    truth = data.truth["engagement"]
    print(truth)

    daily = engagement.active_counts(ev, period="day", level="user")
    print(daily.tail(5).to_string())
    st = engagement.stickiness(ev, short="day", long="month", level="user")
    print(st.tail(4).round(3).to_string())
    plan = data.accounts.set_index("account_id")["plan"]
    st_plan = engagement.stickiness(ev, level="user", by=plan)
    print(st_plan[st_plan["complete"]].groupby("plan").tail(1).round(3).to_string())
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    plot_stickiness(st_plan, ax=fig.subplots(), title="DAU/MAU by plan (95 % bands)")
    _save(fig, "engagement-stickiness.png")

    hist = engagement.active_days_distribution(ev, period="month", level="user")
    may = hist[hist["period"] == "2025-05-01"]
    print(may.head(6).round(3).to_string())

    lc = engagement.lifecycle(ev, period="week").tail(26)
    print(lc.tail(6).round(2).to_string())
    fig = Figure(figsize=(8.5, 4.0), layout="constrained")
    plot_lifecycle(lc, ax=fig.subplots(), title="Weekly lifecycle of accounts, last 26 weeks")
    _save(fig, "engagement-lifecycle.png")

    fa = engagement.feature_adoption(ev, features=FEATURES, period="month")
    print(fa[fa["period"] == "2025-05-01"].round(3).to_string())
    fig = Figure(figsize=(8.5, 4.2), layout="constrained")
    plot_feature_heatmap(fa, ax=fig.subplots())
    _save(fig, "engagement-adoption-heatmap.png")
    fig = Figure(figsize=(7.5, 4.0), layout="constrained")
    plot_feature_adoption(fa, features=["ai_assistant", "schedule_report", "bulk_edit"],
                          ax=fig.subplots())  # fmt: skip
    _save(fig, "engagement-adoption-lines.png")

    launch = truth["launched_at"]
    cats = engagement.adopter_categories(ev, truth["launched_feature"], launched_at=launch)
    print(cats.head(8).to_string())
    print(cats["category"].value_counts(sort=False).to_string())
    curve = engagement.adoption_curve(ev, truth["launched_feature"], launched_at=launch)
    print(curve.iloc[[0, 7, 30, 90]].round(3).to_string())
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    plot_adoption_curve(curve, categories=cats, ax=fig.subplots(),
                        title=f"{truth['launched_feature']} after its launch")  # fmt: skip
    _save(fig, "engagement-adoption-curve.png")

    drivers = engagement.feature_retention(ev, features=FEATURES)
    cols = ["feature", "n_used", "retention_used", "retention_not_used", "odds_ratio",
            "ci_lower", "ci_upper", "q_value", "ppv", "sensitivity"]  # fmt: skip
    print(drivers[cols].round(3).to_string())
    fig = Figure(figsize=(7.5, 3.8), layout="constrained")
    plot_feature_retention(drivers, ax=fig.subplots())
    _save(fig, "engagement-drivers.png")


if __name__ == "__main__":
    main()
