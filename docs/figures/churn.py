"""Draw the figures of docs/churn.md into docs/img/ (and print the numbers quoted there).

Run with the project's environment:  python docs/figures/churn.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure

from adoptmetrics import churn
from adoptmetrics.datasets import load_demo
from adoptmetrics.plotting import plot_churn_curve, plot_hazard_ratios

IMG = Path(__file__).resolve().parents[1] / "img"
COVARIATES = ["plan", "industry", "onboarding_success", "region"]
REFERENCE = {"plan": "basic", "industry": "software"}


def _save(fig: Figure, name: str) -> None:
    out = IMG / name
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out}")


def main() -> None:
    IMG.mkdir(exist_ok=True)
    pd.set_option("display.width", 120)
    data = load_demo()
    acc = data.accounts

    curve = churn.churn_curve(acc, by="plan")
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    plot_churn_curve(curve, ax=fig.subplots(), max_days=500)
    _save(fig, "churn-curves.png")
    print(churn.median_lifetime(acc, by="plan").round(1).to_string())
    print(churn.compare_churn(acc, by="plan").to_string())

    model = churn.fit_churn_model(acc, covariates=COVARIATES, reference=REFERENCE)
    print(model.summary.round(3).to_string())
    print("concordance", round(model.concordance, 3), "tail shape", round(model.tail_shape, 2))
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    plot_hazard_ratios(model, ax=fig.subplots())
    _save(fig, "churn-hazard-ratios.png")

    risk = churn.churn_risk(model, acc, horizon_days=90)
    print(risk.head(5).to_string())
    print(churn.lifetime_value(acc, by="plan", horizon_months=18).round(1).to_string())
    print(churn.restricted_mean_lifetime(acc, horizon_days=365, by="plan").round(1).to_string())
    lapses = churn.lapse_table(data.events, inactive_days=30)
    print(churn.median_lifetime(lapses).round(1).to_string())
    regular = churn.fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    print(regular.summary.round(3).to_string())
    print(regular.project(12).round(3).to_string())


if __name__ == "__main__":
    main()
