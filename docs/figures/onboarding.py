"""Draw the figures of docs/onboarding.md into docs/img/ (and print the numbers quoted there).

Run with the project's environment:  python docs/figures/onboarding.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure

from adoptmetrics import onboarding
from adoptmetrics.datasets import load_demo
from adoptmetrics.plotting import plot_onboarding_funnel, plot_success_paths, plot_time_to_value

IMG = Path(__file__).resolve().parents[1] / "img"
MILESTONES = ["create_project", "invite_teammate", "create_dashboard"]


def _save(fig: Figure, name: str) -> None:
    out = IMG / name
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out}")


def main() -> None:
    IMG.mkdir(exist_ok=True)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 20)
    data = load_demo()
    ev, acc = data.events, data.accounts
    won = acc.set_index("account_id")["onboarding_success"]
    print(data.truth["onboarding"])

    status = onboarding.milestone_status(ev, MILESTONES, window_days=14, accounts=acc)
    print(status.head(6).to_string())
    print(status.drop_duplicates("account_id")["status"].value_counts().to_string())

    funnel = onboarding.onboarding_funnel(ev, MILESTONES, window_days=14, accounts=acc)
    print(funnel.round(3).to_string())
    by_plan = onboarding.onboarding_funnel(ev, MILESTONES, window_days=14, accounts=acc, by="plan")
    print(by_plan.round(3).to_string())
    fig = Figure(figsize=(8.0, 2.9), layout="constrained")
    plot_onboarding_funnel(funnel, ax=fig.subplots())
    _save(fig, "onboarding-funnel.png")

    curve = onboarding.time_to_value(ev, MILESTONES, window_days=14, accounts=acc)
    print(curve.round(3).to_string())
    fig = Figure(figsize=(7.5, 4.4), layout="constrained")
    plot_time_to_value(curve, ax=fig.subplots())
    _save(fig, "onboarding-time-to-value.png")

    paths = onboarding.success_paths(ev, won, window_days=14, accounts=acc, max_length=3)
    cols = ["pattern", "n_success", "n_failure", "odds_ratio", "ci_lower", "ci_upper"]
    print(paths.head(8)[[*cols, "q_value", "selected"]].round(3).to_string())
    fig = Figure(figsize=(8.0, 6.0), layout="constrained")
    plot_success_paths(paths, ax=fig.subplots(), top=12)
    _save(fig, "onboarding-drivers.png")

    marginal = onboarding.success_paths(
        ev, won, window_days=14, accounts=acc, max_length=3, adjust_for=None
    )
    print(marginal.head(8)[[*cols, "selected"]].round(3).to_string())
    pick = marginal["pattern"].isin(
        [("view_tutorial",), ("view_help_center",), ("create_dashboard", "invite_teammate")]
    )
    print("decoys, marginal:\n", marginal.loc[pick, [*cols, "q_value"]].round(3).to_string())
    pick = paths["pattern"].isin(
        [("view_tutorial",), ("view_help_center",), ("create_dashboard", "invite_teammate")]
    )
    print("decoys, adjusted:\n", paths.loc[pick, [*cols, "q_value"]].round(3).to_string())
    frequent = paths.assign(n=paths["n_success"] + paths["n_failure"]).nlargest(10, "n")
    print("most frequent:\n", frequent[["pattern", "n"]].to_string())
    print(onboarding.golden_path(ev, won, window_days=14, accounts=acc, max_length=3).to_string())
    honest = onboarding.success_paths(
        ev, won, window_days=14, accounts=acc, max_length=3, selection_split=0.5, seed=0
    )
    print("split:\n", honest.head(3)[[*cols, "q_value", "selected"]].round(3).to_string())


if __name__ == "__main__":
    main()
