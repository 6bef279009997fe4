"""Onboarding plots: milestone funnel, time-to-value curve, success-path driver chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from adoptmetrics.plotting._common import color, get_ax, log_ratio_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_onboarding_funnel", "plot_success_paths", "plot_time_to_value"]

_NEUTRAL = "#9a9a9a"


def _require(frame: object, columns: set[str], producer: str, call: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or not columns <= set(frame.columns):
        raise TypeError(
            f"expected the DataFrame returned by {producer}.\n"
            f"Hint: call onboarding.{call} and pass its result."
        )
    return frame


def _pattern_label(pattern: object) -> str:
    """``("a", "b")`` → ``"a → b"``; anything else as text."""
    if isinstance(pattern, tuple | list):
        return " → ".join(str(p) for p in pattern)
    return str(pattern)


def plot_onboarding_funnel(
    funnel: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Horizontal funnel of the accounts reaching each onboarding step.

    One bar per step (first step on top) with the number of accounts that
    reached it, and beside it the conversion from the previous step with its
    Wilson interval and the conversion from the first step. The error bar on
    each bar is that interval in accounts (previous step's count × the
    interval of the conversion), so a step whose drop is within noise shows
    it.

    Parameters
    ----------
    funnel : DataFrame
        The result of :func:`adoptmetrics.onboarding.onboarding_funnel`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Axes title; a default one when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.onboarding import onboarding_funnel
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "b", "c"],
    ...     "event": ["signup", "invite", "invite", "signup", "signup"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01",
    ...                                  "2024-01-02", "2024-01-01"])})
    >>> f = onboarding_funnel(ev, ["signup", "invite"], window_days=7, as_of="2024-02-01")
    >>> ax = plot_onboarding_funnel(f)
    >>> len(ax.patches), ax.get_xlabel()
    (2, 'accounts')
    """
    required = {
        "step",
        "name",
        "n_accounts",
        "conversion_from_previous",
        "conversion_from_first",
        "ci_lower",
        "ci_upper",
    }
    frame = _require(funnel, required, "onboarding_funnel", "onboarding_funnel(events, steps)")
    frame = frame.sort_values("step")
    ax = get_ax(ax, figsize=(7.5, 0.55 * max(len(frame), 3) + 1.2))
    n = frame["n_accounts"].to_numpy(dtype=float)
    conv = frame["conversion_from_previous"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Denominator of each conversion: the previous step's count (all accounts for step 1).
        prev = np.where(conv > 0, n / conv, np.nan)
    if len(prev) > 1:
        prev[1:] = np.where(np.isnan(prev[1:]), n[:-1], prev[1:])
    lo = prev * frame["ci_lower"].to_numpy(dtype=float)
    hi = prev * frame["ci_upper"].to_numpy(dtype=float)
    y = np.arange(len(frame))[::-1]
    ax.barh(y, n, color=color(0), alpha=0.85, height=0.6)
    err = np.vstack([np.clip(n - lo, 0, None), np.clip(hi - n, 0, None)])
    ax.errorbar(n, y, xerr=np.nan_to_num(err), fmt="none", ecolor="#333333", capsize=3, lw=1)
    first = frame["conversion_from_first"].to_numpy(dtype=float)
    lower = frame["ci_lower"].to_numpy(dtype=float)
    upper = frame["ci_upper"].to_numpy(dtype=float)
    top = float(np.nanmax(np.concatenate([n, hi, [1.0]])))
    for i, yi in enumerate(y):
        label = f"{int(n[i]):,}  ·  {conv[i]:.0%} of previous [{lower[i]:.0%}–{upper[i]:.0%}]"
        if i > 0:
            label += f"  ·  {first[i]:.0%} of step 1"
        ax.annotate(
            label,
            (max(float(hi[i]) if np.isfinite(hi[i]) else 0.0, float(n[i])), yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y[::-1], [str(v) for v in frame["name"]][::-1], fontsize=9)
    ax.set_xlim(0, top * 1.75)
    ax.set_xlabel("accounts")
    ax.set_title(title or "Onboarding funnel (steps in order, inside the window)")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_time_to_value(
    curve: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    band: bool = True,
    title: str | None = None,
) -> Axes:
    """Kaplan–Meier curve of the share of accounts onboarded, by days since start.

    A rising step line (``onboarded_rate``) with its pointwise interval
    shaded and censoring (accounts still inside their window, or whose
    window closed) marked with small ticks. A dotted line marks the median
    time to value when the curve reaches one half.

    Parameters
    ----------
    curve : DataFrame
        The result of :func:`adoptmetrics.onboarding.time_to_value`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    band : bool
        Shade the pointwise interval.
    title : str, optional
        Axes title; a default one when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.onboarding import time_to_value
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "c", "c"],
    ...     "event": ["signup", "invite", "signup", "signup", "invite"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-01",
    ...                                  "2024-01-01", "2024-01-06"])})
    >>> ax = plot_time_to_value(time_to_value(ev, ["invite"], window_days=10, as_of="2024-03-01"))
    >>> ax.get_ylabel()
    'share of accounts onboarded'
    """
    required = {"time", "n_at_risk", "n_onboarded", "onboarded_rate", "ci_lower", "ci_upper"}
    frame = _require(curve, required, "time_to_value", "time_to_value(events, milestones)")
    frame = frame.sort_values("time")
    ax = get_ax(ax, figsize=(7.5, 4.5))
    t = np.concatenate([[0.0], frame["time"].to_numpy(dtype=float)])
    rate = np.concatenate([[0.0], frame["onboarded_rate"].to_numpy(dtype=float)])
    n0 = int(frame["n_at_risk"].max()) if len(frame) else 0
    ax.step(t, rate, where="post", color=color(0), label=f"onboarded (n={n0:,})")
    if band:
        lo = np.concatenate([[0.0], frame["ci_lower"].to_numpy(dtype=float)])
        hi = np.concatenate([[0.0], frame["ci_upper"].to_numpy(dtype=float)])
        ax.fill_between(t, lo, hi, step="post", color=color(0), alpha=0.2, linewidth=0)
    if "n_censored" in frame.columns:
        cens = frame[(frame["n_censored"] > 0) & (frame["n_onboarded"] == 0)]
        ax.plot(cens["time"], cens["onboarded_rate"], "|", color=color(0), markersize=6)
    reached = frame[frame["onboarded_rate"] >= 0.5]
    if len(reached):
        median = float(reached["time"].iloc[0])
        ax.axvline(median, color="#555555", linestyle=":", linewidth=1)
        ax.annotate(
            f"median {median:g} days",
            (median, 0.5),
            xytext=(4, -12),
            textcoords="offset points",
            fontsize=8,
            color="#555555",
        )
    if len(frame):
        final = float(frame["onboarded_rate"].iloc[-1])
        ax.annotate(
            f"{final:.0%}",
            (float(t[-1]), final),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color=color(0),
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("days since start")
    ax.set_ylabel("share of accounts onboarded")
    ax.set_title(title or "Time to value (Kaplan–Meier) with pointwise intervals")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def plot_success_paths(
    paths: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    top: int = 12,
    title: str | None = None,
) -> Axes:
    """Driver chart: odds ratios of onboarding success with intervals (log scale).

    Shows every ``selected`` pattern (filled, coloured) and, after them, the
    strongest other candidates by ``p_value`` (hollow, grey) up to ``top``
    rows, so you can see which hitch-hikers — supersets, reversed orders,
    actions of busy accounts — the selection rejected. The dashed line at 1
    is "no association".

    Parameters
    ----------
    paths : DataFrame
        The result of :func:`adoptmetrics.onboarding.success_paths`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    top : int
        Number of rows to draw (selected patterns are always drawn).
    title : str, optional
        Axes title; a default one when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"pattern": [("invite", "report"), ("report", "invite")],
    ...     "odds_ratio": [3.1, 1.2], "ci_lower": [2.0, 0.8], "ci_upper": [4.8, 1.8],
    ...     "p_value": [1e-6, 0.4], "selected": [True, False]})
    >>> ax = plot_success_paths(paths)
    >>> ax.get_xscale(), [t.get_text() for t in ax.get_yticklabels()]
    ('log', ['report → invite', 'invite → report'])
    """
    required = {"pattern", "odds_ratio", "ci_lower", "ci_upper", "p_value", "selected"}
    frame = _require(paths, required, "success_paths", "success_paths(events, outcome)")
    if not isinstance(top, int | np.integer) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}.\nHint: e.g. top=12.")
    frame = frame.replace([np.inf, -np.inf], np.nan).dropna(subset=["odds_ratio"])
    frame = frame[frame["odds_ratio"] > 0]
    chosen = frame[frame["selected"].astype(bool)]
    others = frame[~frame["selected"].astype(bool)].sort_values("p_value", kind="stable")
    frame = pd.concat([chosen, others.head(max(top - len(chosen), 0))])
    ax = get_ax(ax, figsize=(7.5, 0.4 * max(len(frame), 3) + 1.3))
    y = np.arange(len(frame))[::-1]
    ratio = frame["odds_ratio"].to_numpy(dtype=float)
    lo = frame["ci_lower"].to_numpy(dtype=float)
    hi = frame["ci_upper"].to_numpy(dtype=float)
    sel = frame["selected"].to_numpy(dtype=bool)
    colours = [
        (color(2) if r >= 1 else color(3)) if s else _NEUTRAL
        for s, r in zip(sel.tolist(), ratio.tolist(), strict=True)
    ]
    ax.hlines(y, lo, hi, colors=colours, linewidth=2)
    if sel.any():
        ax.scatter(
            ratio[sel],
            y[sel],
            c=[c for c, s in zip(colours, sel, strict=True) if s],
            s=40,
            zorder=3,
            label="selected (forward selection)",
        )
    if (~sel).any():
        ax.scatter(
            ratio[~sel],
            y[~sel],
            facecolors="white",
            edgecolors=_NEUTRAL,
            s=30,
            zorder=3,
            label="candidate, not selected",
        )
    log_ratio_axis(ax, lo, hi)
    labels = [_pattern_label(p) for p in frame["pattern"]]
    # Ticks bottom to top, so get_yticklabels() lists them in axis order.
    ax.set_yticks(y[::-1], labels[::-1], fontsize=8)
    for tick, s in zip(ax.get_yticklabels(), sel[::-1].tolist(), strict=True):
        tick.set_fontweight("bold" if s else "normal")
    for yi, r, lower, upper in zip(y, ratio, lo, hi, strict=True):
        ax.annotate(
            f"{r:.2f} [{lower:.2f}, {upper:.2f}]",
            (1.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    ax.set_xlabel("odds ratio of onboarding success (log scale; > 1 more likely)")
    ax.set_title(title or "Onboarding drivers: odds ratios with intervals")
    ax.grid(axis="x", alpha=0.3, which="both")
    if len(frame):
        # An empty slot under the last row keeps the legend clear of the intervals.
        ax.set_ylim(-1.3, len(frame) - 0.5)
        ax.legend(loc="lower right", fontsize=7, frameon=False, ncol=2)
    return ax
