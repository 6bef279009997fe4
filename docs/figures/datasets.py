"""Figures for docs/datasets.md: weekly active accounts (with the launch and the
campaigns marked) and the event mix of the demo.

Run from the repository root: ``.venv/bin/python docs/figures/datasets.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from adoptmetrics.datasets import load_demo
from adoptmetrics.plotting._common import color

OUT = Path(__file__).resolve().parents[1] / "img"


def main() -> None:
    """Write ``docs/img/datasets-overview.png``."""
    demo = load_demo()
    ev = demo.events
    week = ev["timestamp"].dt.to_period("W").dt.start_time
    active = ev.assign(week=week).groupby("week")["account_id"].nunique()
    active = active[active.index + (active.index[1] - active.index[0]) <= demo.as_of]
    mix = ev["event"].astype(str).value_counts(normalize=True).sort_values()

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    left.plot(active.index, active.to_numpy(), color=color(0))
    left.axvline(demo.truth["retention"]["improved_from"], color=color(3), ls="--", lw=1)
    left.text(
        demo.truth["retention"]["improved_from"], 5, " better cohorts from here", color=color(3)
    )
    launch = demo.truth["engagement"]["launched_at"]
    left.axvline(launch, color=color(2), ls=":", lw=1)
    left.text(
        launch, active.max() * 0.55, "ai_assistant launch ", color=color(2), rotation=90, ha="right"
    )
    for k, (name, xp) in enumerate(demo.exposures.groupby("campaign")):
        left.axvspan(xp["exposed_at"].min(), xp["exposed_at"].max(), color=color(4 + k), alpha=0.15)
        left.text(xp["exposed_at"].min(), active.max() * 0.12, f" {name}", fontsize=8, rotation=90)
    locator = mdates.AutoDateLocator(maxticks=7)  # type: ignore[no-untyped-call]
    left.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
    left.xaxis.set_major_formatter(formatter)
    left.set_title("Weekly active accounts (demo data)")
    left.set_ylabel("accounts with any event")
    right.barh(mix.index, mix.to_numpy() * 100, color=color(1))
    right.set_title("Event mix")
    right.set_xlabel("% of events")
    right.tick_params(axis="y", labelsize=8)
    OUT.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT / "datasets-overview.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
