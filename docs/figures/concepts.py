"""Draw the four figures of docs/concepts.md into docs/img/ and print the numbers behind them.

Run from the repository root:  .venv/bin/python docs/figures/concepts.py

- concepts-censoring.png: a naive curve that counts unfinished cells as zeros
  against the pooled curve over complete cells (demo data).
- concepts-intervals.png: how the Wilson and NPS intervals narrow with n.
- concepts-adjusted.png: marginal vs activity-adjusted odds ratios of
  onboarding patterns (``success_paths`` on the demo data).
- concepts-leakage.png: the timeline of a backtest — learn before the
  cutoff, score at it, evaluate in the horizon — on a few demo accounts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from adoptmetrics import retention
from adoptmetrics._stats._intervals import nps_interval, wilson_interval
from adoptmetrics.datasets import SaaSData, load_demo
from adoptmetrics.onboarding import success_paths
from adoptmetrics.plotting import plot_retention_curve
from adoptmetrics.plotting._common import INCOMPLETE_COLOR, color

IMG = Path(__file__).resolve().parents[1] / "img"
EPOCH = "1970-01-01"  # matplotlib's default date epoch (dates.get_epoch())
SAVE: dict[str, Any] = {"dpi": 110, "metadata": {"Software": None}}


def _x(t: pd.Timestamp) -> float:
    """A timestamp as a matplotlib date number: days since matplotlib's epoch."""
    return float((t - pd.Timestamp(EPOCH)) / pd.Timedelta(days=1))


def _save(fig: Figure, name: str) -> None:
    fig.savefig(IMG / name, **SAVE)
    print(f"wrote docs/img/{name}")


def censoring(demo: SaaSData) -> None:
    """Naive (unfinished = 0) vs pooled retention curve, weekly, on the demo."""
    start = demo.accounts.set_index("account_id")["started_at"]
    cells = retention.cohort_retention(demo.events, start=start)
    pooled = retention.retention_curve(demo.events, start=start)
    # The naive table: every cohort in the denominator at every week, and
    # nothing retained where the week is not over yet (or has not come).
    sizes = cells.drop_duplicates("cohort")["cohort_size"].sum()
    done = cells[cells["complete"]].groupby("period")["n_retained"].sum()
    naive = (done / sizes).reindex(pooled["period"], fill_value=0.0)
    shown = pooled[pooled["period"] <= 65]
    naive = naive[naive.index <= 65]
    print("week  naive  pooled")
    for k in (4, 13, 26, 52):
        rate = shown.loc[shown["period"] == k, "retention_rate"].iloc[0]
        print(f"{k:>4}  {naive[k]:.3f}  {rate:.3f}")

    fig = Figure(figsize=(10.5, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    left.plot(
        shown["period"], shown["retention_rate"], color=color(0), label="pooled, complete cells"
    )
    left.plot(naive.index, naive.to_numpy(), color=color(3), ls="--", label="unfinished cells as 0")
    left.fill_between(
        naive.index,
        naive.to_numpy(),
        shown["retention_rate"].to_numpy(),
        color=INCOMPLETE_COLOR,
        alpha=0.6,
        label="the gap: weeks not yet lived",
    )
    left.set(
        xlabel="weeks since signup",
        ylabel="share of accounts active",
        title="Counting the unknown as 0 bends the curve down",
        ylim=(0, 1.02),
    )
    left.legend(frameon=False, loc="lower left")
    plot_retention_curve(shown, ax=right, label="pooled (95 % Wilson band)")
    chained = retention.retention_curve(demo.events, start=start, method="chained")
    chained = chained[chained["period"] <= 65]
    right.plot(chained["period"], chained["retention_rate"], color=color(2), lw=1, label="chained")
    right.set(
        title="Only what has been observed, with its uncertainty", xlabel="weeks since signup"
    )
    right.legend(frameon=False, loc="lower left")
    _save(fig, "concepts-censoring.png")


def intervals() -> None:
    """Interval width against sample size: a 40 % rate (Wilson) and an NPS of 10."""
    n = np.unique(np.round(np.geomspace(10, 5000, 60)).astype(int))
    fig = Figure(figsize=(10.5, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for i, rate in enumerate((0.4, 0.05)):
        lo, hi = wilson_interval(rate * n, n)
        left.fill_between(n, lo, hi, color=color(i), alpha=0.25, lw=0)
        left.plot(n, np.full(n.shape, rate), color=color(i), label=f"rate {rate:.0%} (Wilson)")
        if rate < 0.1:
            se = np.sqrt(rate * (1 - rate) / n)
            left.plot(n, rate - 1.96 * se, color=color(i), ls=":", label="textbook ±1.96·SE")
    left.axhline(0, color="black", lw=0.6)
    left.set(
        xscale="log",
        xlabel="accounts in the cohort (n)",
        ylabel="rate and 95 % interval",
        title="Proportions: Wilson stays inside [0, 1]",
    )
    left.legend(frameon=False)
    for i, method in enumerate(("wald", "adjusted_wald")):
        lo, hi = nps_interval(0.4 * n, 0.3 * n, n, method=method)
        right.plot(n, hi - lo, color=color(i), label=method.replace("_", " "))
    right.axhline(10, color="grey", ls="--", lw=0.8)
    right.text(12, 11, "±5 points", color="grey")
    right.set(
        xscale="log",
        yscale="log",
        xlabel="responses (n)",
        ylabel="width of the 95 % interval (points)",
        title="NPS of 10 (40 % promoters, 30 % detractors)",
    )
    right.legend(frameon=False)
    for target in (400, 1500):
        lo, hi = nps_interval(0.4 * target, 0.3 * target, target)
        print(f"NPS 10 from {target} responses: ±{float(hi - lo) / 2:.1f} points")
    _save(fig, "concepts-intervals.png")


def adjusted(demo: SaaSData) -> None:
    """Marginal vs activity-adjusted odds ratios of onboarding patterns (demo data)."""
    accounts = demo.accounts.set_index("account_id")
    won = accounts["onboarding_success"]
    start = accounts["started_at"]
    res = {
        name: success_paths(
            demo.events, won, start=start, window_days=14, adjust_for=adjust
        ).set_index("pattern")
        for name, adjust in (("marginal", None), ("adjusted", "activity"))
    }
    shown = [
        ("invite_teammate", "create_dashboard"),
        ("connect_integration",),
        ("create_dashboard", "invite_teammate"),
        ("view_tutorial",),
        ("import_data",),
        ("share_report",),
        ("view_help_center",),
        ("set_up_alert",),
    ]
    print("pattern                               marginal OR (q)   adjusted OR (q)  selected")
    for pat in shown:
        m, a = res["marginal"].loc[[pat]].iloc[0], res["adjusted"].loc[[pat]].iloc[0]
        print(
            f"{' → '.join(pat):<37} {m['odds_ratio']:.2f} ({m['q_value']:.3f})"
            f"      {a['odds_ratio']:.2f} ({a['q_value']:.3f})   {bool(a['selected'])}"
        )

    fig = Figure(figsize=(8.5, 4.4), layout="constrained")
    ax: Axes = fig.subplots()
    y = np.arange(len(shown))[::-1]
    for j, (name, marker) in enumerate((("marginal", "o"), ("adjusted", "s"))):
        rows = res[name].loc[shown]
        offset = 0.17 if j == 0 else -0.17
        ax.errorbar(
            rows["odds_ratio"],
            y + offset,
            xerr=[rows["odds_ratio"] - rows["ci_lower"], rows["ci_upper"] - rows["odds_ratio"]],
            fmt=marker,
            color=color(1 if j == 0 else 0),
            mfc="white" if j == 0 else color(0),
            capsize=3,
            label="marginal (adjust_for=None)" if j == 0 else 'adjusted (adjust_for="activity")',
        )
    selected = res["adjusted"].loc[shown]["selected"].astype(bool).tolist()
    labels = [
        " → ".join(p) + ("  ★" if sel else "") for p, sel in zip(shown, selected, strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.axvline(1, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_xticks([0.5, 1, 2, 4], ["0.5", "1", "2", "4"])
    ax.set_xticks([], minor=True)
    ax.set(
        xlabel="odds ratio of onboarding success (95 % interval);  ★ selected",
        title="Adjusting for activity removes what merely rides along with it",
        xlim=(0.5, 4.0),
    )
    ax.legend(frameon=False, loc="lower right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _save(fig, "concepts-adjusted.png")


def leakage(demo: SaaSData) -> None:
    """The backtest timeline, drawn on six demo accounts."""
    cutoff, horizon = pd.Timestamp("2025-03-01"), pd.Timedelta(days=60)
    end = cutoff + horizon
    acc = demo.accounts
    expanded_in = demo.expansions[
        (demo.expansions["timestamp"] > cutoff) & (demo.expansions["timestamp"] <= end)
    ]["account_id"]
    active = acc[(acc["started_at"] < cutoff - pd.Timedelta(days=180)) & acc["churned_at"].isna()]
    picks = list(active[active["account_id"].isin(expanded_in)]["account_id"].iloc[:3])
    picks += list(active[~active["account_id"].isin(expanded_in)]["account_id"].iloc[:3])
    window_start = cutoff - pd.Timedelta(days=180)

    fig = Figure(figsize=(10.5, 3.9), layout="constrained")
    ax: Axes = fig.subplots()
    ev = demo.events[demo.events["account_id"].isin(picks)]
    ev = ev[ev["timestamp"] >= window_start]
    ex = demo.expansions[demo.expansions["account_id"].isin(picks)]
    ex = ex[ex["timestamp"] >= window_start]
    for row, account in enumerate(picks):
        times = ev.loc[ev["account_id"] == account, "timestamp"]
        before = times[times <= cutoff]
        after = times[times > cutoff]
        ax.plot(before, np.full(len(before), row), "|", color=color(0), ms=9, alpha=0.5)
        ax.plot(after, np.full(len(after), row), "|", color=INCOMPLETE_COLOR, ms=9)
        for t in ex.loc[ex["account_id"] == account, "timestamp"]:
            inside = cutoff < t <= end
            ax.plot(t, row, "D", ms=8, color=color(3) if inside else INCOMPLETE_COLOR, mec="black")
    ax.axvspan(_x(window_start), _x(cutoff), color=color(0), alpha=0.07)
    ax.axvspan(_x(cutoff), _x(end), color=color(3), alpha=0.12)
    ax.axvline(_x(cutoff), color="black", lw=1.5)
    ax.axvline(_x(demo.as_of), color="black", lw=1, ls="--")
    top = len(picks) - 0.3
    ax.text(
        _x(window_start + pd.Timedelta(days=5)),
        top,
        "learn: features and past\nexpansions up to the cutoff",
    )
    ax.text(_x(cutoff + pd.Timedelta(days=3)), top, "evaluate:\nexpanded in\nthe horizon?")
    ax.text(_x(end + pd.Timedelta(days=5)), top, "not used\n(future of the horizon)", color="grey")
    label: dict[str, Any] = {
        "ha": "center",
        "va": "top",
        "bbox": {"fc": "white", "ec": "none", "pad": 1.5},
    }
    ax.text(_x(cutoff), -0.9, "cutoff\n(the scores' as_of)", **label)
    ax.text(_x(end), -0.9, "cutoff + horizon", **label)
    ax.text(_x(demo.as_of), -0.9, "as_of\n(latest data)", **label)
    ax.set_yticks(range(len(picks)), picks)
    ax.set_ylim(-2.4, len(picks) + 0.9)
    ax.set_xlim(_x(window_start), _x(demo.as_of + pd.Timedelta(days=10)))
    ax.set_title(
        "A backtest never lets the future in: events (|) and expansions (◆) of six accounts"
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _save(fig, "concepts-leakage.png")


def main() -> None:
    """Write every figure of docs/concepts.md."""
    IMG.mkdir(exist_ok=True)
    demo = load_demo()
    censoring(demo)
    intervals()
    leakage(demo)
    adjusted(demo)


if __name__ == "__main__":
    main()
