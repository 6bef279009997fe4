"""Plots for expansion triggers: trigger lift with intervals, cumulative gains."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from adoptmetrics.plotting._common import color, get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from adoptmetrics.expansion import ExpansionBacktest

__all__ = ["plot_cumulative_gains", "plot_trigger_lift"]


def plot_trigger_lift(lift: pd.DataFrame, /, *, ax: Axes | None = None) -> Axes:
    """Lift of each trigger with its interval, on a log axis (1 = no effect).

    Parameters
    ----------
    lift : DataFrame
        The result of :func:`adoptmetrics.expansion.trigger_lift` (columns
        ``trigger``, ``lift``, ``ci_lower``, ``ci_upper``; ``q_value`` is used
        for the colour when present).
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        Triggers top to bottom by lift; filled markers where ``q_value`` < 0.05.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"trigger": ["seats", "pdf"], "lift": [4.0, 1.1],
    ...                   "ci_lower": [3.0, 0.9], "ci_upper": [5.0, 1.3]})
    >>> plot_trigger_lift(t).get_xlabel()
    'lift (expansion rate after firing ÷ otherwise)'
    """
    missing = {"trigger", "lift", "ci_lower", "ci_upper"} - set(lift.columns)
    if missing:
        raise ValueError(
            f"lift is missing columns {sorted(missing)}.\n"
            "Hint: pass the result of adoptmetrics.expansion.trigger_lift(...)."
        )
    ax = get_ax(ax, figsize=(7.0, 0.6 + 0.45 * max(len(lift), 2)))
    ok = lift[np.isfinite(lift["lift"].to_numpy(dtype=float))]
    ok = ok.sort_values("lift", ascending=True, kind="stable")
    y = np.arange(len(ok))
    est = ok["lift"].to_numpy(dtype=float)
    lo = ok["ci_lower"].to_numpy(dtype=float)
    hi = np.where(np.isfinite(ok["ci_upper"]), ok["ci_upper"], est * 10)
    sig = ok["q_value"].to_numpy(dtype=float) < 0.05 if "q_value" in ok.columns else lo > 1
    ax.hlines(y, lo, hi, color=color(0), linewidth=2)
    ax.scatter(est[sig], y[sig], color=color(0), zorder=3, label="q < 0.05")
    ax.scatter(
        est[~sig], y[~sig], facecolor="white", edgecolor=color(0), zorder=3, label="not significant"
    )
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    from matplotlib.ticker import FormatStrFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(FormatStrFormatter("%g"))
    ax.set_yticks(y, list(ok["trigger"].astype(str)))
    ax.set_xlabel("lift (expansion rate after firing ÷ otherwise)")
    ax.set_title("Which triggers precede expansion")
    if len(ok):
        ax.legend(loc="lower right", frameon=False)
    return ax


def plot_cumulative_gains(backtest: ExpansionBacktest, /, *, ax: Axes | None = None) -> Axes:
    """Cumulative gains of a backtest: share of expansions found vs share of accounts called.

    Parameters
    ----------
    backtest : ExpansionBacktest
        The result of :func:`adoptmetrics.expansion.backtest_expansion`.
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        The model's curve (accounts called in score order; within a tie of
        scores, the expected share found), chance (the diagonal) and the best
        possible curve; the top decile is marked.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> demo = am.load_demo()
    >>> triggers = [am.Trigger("seat limit", event="seat_limit_reached")]
    >>> bt = am.backtest_expansion(demo.events, triggers, expansions=demo.expansions,
    ...                            cutoff="2025-01-01", accounts=demo.accounts)
    >>> plot_cumulative_gains(bt).get_ylabel()
    'share of expansions found'
    """
    scores = getattr(backtest, "scores", None)
    if not isinstance(scores, pd.DataFrame) or "expanded" not in scores.columns:
        raise TypeError(
            "plot_cumulative_gains needs an ExpansionBacktest.\n"
            "Hint: pass the result of adoptmetrics.expansion.backtest_expansion(...)."
        )
    from adoptmetrics._stats._ranking import expected_cumulative_hits

    ax = get_ax(ax, figsize=(5.5, 4.5))
    y = scores["expanded"].to_numpy(dtype=float)
    n, hits = len(y), max(float(y.sum()), 1.0)
    x = np.r_[0, np.arange(1, n + 1) / n]
    # Accounts with the same score are called in a random order: the curve is its
    # expectation (straight across a tie), never an order by id.
    found = expected_cumulative_hits(scores["score"].to_numpy(dtype=float), y)
    ax.plot(x, found / hits, color=color(0), label="scores")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="chance")
    best = np.minimum(np.arange(n + 1), hits) / hits
    ax.plot(x, best, color=color(2), linewidth=1, label="perfect")
    ax.axvline(0.1, color=color(1), linewidth=1, linestyle=":")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("share of accounts called (highest score first)")
    ax.set_ylabel("share of expansions found")
    ax.set_title(
        f"Backtest at {backtest.cutoff:%Y-%m-%d}: AUC {backtest.auc:.2f}, "
        f"top-decile lift {backtest.lift_top_decile:.1f}"
    )
    ax.legend(loc="lower right", frameon=False)
    return ax
