"""Draw the figures of docs/expansion.md into docs/img/ and print the numbers quoted there.

Run with the project's environment:  python docs/figures/expansion.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure

import adoptmetrics as am
from adoptmetrics.expansion import backtest_expansion, trigger_lift
from adoptmetrics.plotting import plot_cumulative_gains, plot_trigger_lift

IMG = Path(__file__).resolve().parents[1] / "img"
NAMES = ["seat_limit_reached", "premium_feature_used", "export_pdf", "update_profile"]


def main() -> None:
    IMG.mkdir(exist_ok=True)
    data = am.datasets.simulate_saas(2000, seed=0)
    triggers = [am.Trigger(n, event=n) for n in NAMES]
    triggers.append(am.Trigger("usage surge", metric="usage_growth", threshold=1.5))
    lift = trigger_lift(
        data.events, triggers, expansions=data.expansions, horizon_days=60, accounts=data.accounts
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(lift.iloc[:, :14].round(3))
    ax = Figure(figsize=(7.0, 3.2), layout="constrained").subplots()
    plot_trigger_lift(lift, ax=ax)
    ax.get_figure(root=True).savefig(  # type: ignore[union-attr]
        IMG / "expansion-lift.png", dpi=110, metadata={"Software": None}
    )
    bt = backtest_expansion(
        data.events,
        triggers[:4],
        expansions=data.expansions,
        cutoff="2025-01-01",
        accounts=data.accounts,
    )
    print(bt.summary.round(3))
    print(bt.model.summary.round(3))
    ax = Figure(figsize=(5.5, 4.5), layout="constrained").subplots()
    plot_cumulative_gains(bt, ax=ax)
    ax.get_figure(root=True).savefig(  # type: ignore[union-attr]
        IMG / "expansion-gains.png", dpi=110, metadata={"Software": None}
    )


if __name__ == "__main__":
    main()
