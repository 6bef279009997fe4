"""Draw the figures of docs/impact.md into docs/img/ and print the numbers quoted there.

Run with the project's environment:  python docs/figures/impact.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure

import adoptmetrics as am
from adoptmetrics.plotting import plot_balance, plot_impact, plot_impact_curves

IMG = Path(__file__).resolve().parents[1] / "img"


def _save(ax: object, name: str) -> None:
    ax.get_figure(root=True).savefig(  # type: ignore[attr-defined]
        IMG / name, dpi=110, metadata={"Software": None}
    )


def main() -> None:
    IMG.mkdir(exist_ok=True)
    data = am.load_demo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = am.campaign_impact(data.events, data.exposures, accounts=data.accounts)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(res.summary.round(3))
        print(res.placebo.round(3))
        print(res.balance.round(3))
    print("planted:", data.truth.get("impact"))
    ax = Figure(figsize=(7.0, 2.6), layout="constrained").subplots()
    _save(plot_impact(res, ax=ax), "impact-effects.png")
    targeted = str(res.summary.sort_values("effect", ascending=False)["campaign"].iloc[0])
    ax = Figure(figsize=(6.5, 3.0), layout="constrained").subplots()
    _save(plot_balance(res, campaign=targeted, ax=ax), "impact-balance.png")
    ax = Figure(figsize=(7.0, 3.4), layout="constrained").subplots()
    _save(plot_impact_curves(res, campaign=targeted, ax=ax), "impact-curves.png")


if __name__ == "__main__":
    main()
