"""Draw the figures of docs/health.md into docs/img/ and print the numbers quoted there.

Run with the project's environment:  python docs/figures/health.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure

import adoptmetrics as am
from adoptmetrics.health import (
    DEFAULT_SCORECARD,
    account_metrics,
    backtest_health,
    fit_health_model,
    health_scores,
    lifecycle_stages,
    stage_transitions,
)
from adoptmetrics.plotting import plot_health_bands, plot_health_components, plot_stage_flow

IMG = Path(__file__).resolve().parents[1] / "img"
CUTOFF = "2025-01-01"


def _save(ax: object, name: str) -> None:
    ax.get_figure(root=True).savefig(  # type: ignore[attr-defined]
        IMG / name, dpi=110, metadata={"Software": None}
    )


def main() -> None:
    IMG.mkdir(exist_ok=True)
    demo = am.load_demo()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)

    metrics = account_metrics(demo.events, accounts=demo.accounts, nps=demo.nps)
    print(metrics.head().round(2))
    scores = health_scores(metrics)
    print(scores["band"].value_counts())
    red = scores[scores["band"] == "red"]
    worst = red.iloc[(red["score"] - 40).abs().argsort(kind="stable")].iloc[0]
    print(worst[["account_id", "score", "band", "reasons"]])

    hand = backtest_health(demo.events, demo.accounts, nps=demo.nps, cutoff=CUTOFF)
    print("default scorecard AUC", round(hand.auc, 3), "lift", round(hand.lift_red_vs_green, 2))
    print(hand.bands.round(3))
    ax = Figure(figsize=(6.5, 4.0), layout="constrained").subplots()
    plot_health_bands(hand, ax=ax)
    _save(ax, "health-bands.png")

    measures = [*DEFAULT_SCORECARD.columns, "newsletter_opens"]
    model = fit_health_model(
        demo.events, demo.accounts, nps=demo.nps, as_of=CUTOFF, measures=measures
    )
    print(model.summary.round(3))
    learned = backtest_health(
        demo.events, demo.accounts, nps=demo.nps, cutoff=CUTOFF, scorecard=model
    )
    print("learned AUC", round(learned.auc, 3), "lift", round(learned.lift_red_vs_green, 2))
    print(learned.bands.round(3))

    ax = Figure(figsize=(7.0, 3.6), layout="constrained").subplots()
    plot_health_components(scores, worst["account_id"], ax=ax)
    _save(ax, "health-components.png")

    stages = lifecycle_stages(demo.events, demo.accounts, nps=demo.nps)
    print(stages["stage"].value_counts())
    print(stages[stages["stage"] != "churned"].head(6))
    flow = stage_transitions(
        demo.events, demo.accounts, nps=demo.nps, start="2025-04-01", end=demo.as_of
    )
    print(flow.round(3))
    ax = Figure(figsize=(7.5, 5.0), layout="constrained").subplots()
    plot_stage_flow(flow, ax=ax)
    ax.set_title("Lifecycle stage flow, 2025-04-01 → 2025-07-01")
    _save(ax, "health-stage-flow.png")


if __name__ == "__main__":
    main()
