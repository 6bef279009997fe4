"""Plots of campaign and release impact: effects, balance, outcome curves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from adoptmetrics.plotting._common import color, get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from adoptmetrics.impact import ImpactResult

_UNITS = {
    "active": "share active in the window",
    "retained": "share retained",
    "active_days": "active days (difference in differences)",
}


def _outcome_label(result: ImpactResult) -> str:
    return _UNITS.get(result.outcome, f"share doing {result.outcome!r}")


def _one_campaign(result: ImpactResult, campaign: str | None) -> str:
    names = result.summary["campaign"].astype(str).tolist()
    if campaign is None:
        if not names:
            raise ValueError("the result has no campaign.")
        return names[0]
    if campaign not in names:
        raise ValueError(f"campaign {campaign!r} is not in the result.\nHint: one of {names}.")
    return campaign


def plot_impact(result: ImpactResult, /, *, ax: Axes | None = None) -> Axes:
    """Effect of each campaign with its interval, beside the naive comparison.

    Parameters
    ----------
    result : ImpactResult
        The result of :func:`adoptmetrics.impact.campaign_impact` or
        :func:`~adoptmetrics.impact.release_impact`.
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        One row per campaign: the matched effect (dot and interval) and the
        naive exposed-vs-unexposed difference (hollow diamond).

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.load_demo()
    >>> res = am.campaign_impact(data.events, data.exposures, accounts=data.accounts)
    >>> plot_impact(res).get_title()
    'Effect of each program: matched vs naive'
    """
    s = result.summary
    ax = get_ax(ax, figsize=(7.0, 0.9 + 0.55 * max(len(s), 2)))
    y = np.arange(len(s))[::-1]
    eff = s["effect"].to_numpy(dtype=float)
    lo = s["ci_lower"].to_numpy(dtype=float)
    hi = s["ci_upper"].to_numpy(dtype=float)
    ok = np.isfinite(eff)
    ax.hlines(y[ok], lo[ok], hi[ok], color=color(0), linewidth=2.5)
    ax.scatter(eff[ok], y[ok], color=color(0), zorder=3, label="matched effect (95% interval)")
    naive = s["naive_effect"].to_numpy(dtype=float)
    ax.scatter(naive, y, marker="D", facecolor="white", edgecolor=color(1), zorder=3, label="naive")
    ax.axvline(0.0, color="#333333", linestyle="--", linewidth=1)
    ax.set_yticks(y, s["campaign"].astype(str).tolist())
    ax.set_xlabel(f"effect on {_outcome_label(result)}")
    ax.set_title("Effect of each program: matched vs naive")
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def plot_balance(
    result: ImpactResult, /, *, campaign: str | None = None, ax: Axes | None = None
) -> Axes:
    """Love plot: standardised mean differences before and after matching.

    Parameters
    ----------
    result : ImpactResult
        An impact result.
    campaign : str, optional
        Which campaign; default the first.
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        One row per matching variable; the band marks |SMD| < 0.1.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.load_demo()
    >>> res = am.campaign_impact(data.events, data.exposures, accounts=data.accounts)
    >>> plot_balance(res).get_xlabel()
    'standardised mean difference (exposed − controls)'
    """
    name = _one_campaign(result, campaign)
    b = result.balance[result.balance["campaign"].astype(str) == name]
    ax = get_ax(ax, figsize=(6.5, 0.9 + 0.4 * max(len(b), 2)))
    y = np.arange(len(b))[::-1]
    ax.axvspan(-0.1, 0.1, color="#eeeeee", zorder=0)
    ax.scatter(b["smd_before"], y, facecolor="white", edgecolor=color(3), label="before matching")
    ax.scatter(b["smd_after"], y, color=color(0), label="after matching", zorder=3)
    ax.axvline(0.0, color="#333333", linewidth=1)
    ax.set_yticks(y, b["variable"].astype(str).tolist())
    ax.set_xlabel("standardised mean difference (exposed − controls)")
    ax.set_title(f"Balance: {name}")
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def plot_impact_curves(
    result: ImpactResult, /, *, campaign: str | None = None, ax: Axes | None = None
) -> Axes:
    """Share of accounts active on each day around exposure: exposed vs matched controls.

    Parameters
    ----------
    result : ImpactResult
        An impact result.
    campaign : str, optional
        Which campaign; default the first.
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        Day 0 is the exposure; the pre-period is to its left.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.load_demo()
    >>> res = am.campaign_impact(data.events, data.exposures, accounts=data.accounts)
    >>> plot_impact_curves(res).get_xlabel()
    'days since exposure'
    """
    name = _one_campaign(result, campaign)
    c = result.curves[result.curves["campaign"].astype(str) == name]
    ax = get_ax(ax)
    for i, group in enumerate(("exposed", "control")):
        g = c[c["group"] == group]
        label = "exposed" if group == "exposed" else "matched controls"
        ax.plot(g["day"], g["share_active"], color=color(i), label=label)
    ax.axvline(0, color="#333333", linestyle="--", linewidth=1)
    ax.axvspan(-result.pre_days, 0, color="#f2f2f2", zorder=0, label="pre-period (matched on)")
    ax.set_xlabel("days since exposure")
    ax.set_ylabel("share active that day")
    ax.set_title(f"Activity around exposure: {name}")
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax
