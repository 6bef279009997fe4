"""Plots for account health: bands with churn rates, one account's components, stage flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from adoptmetrics.plotting._common import color, get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_health_bands", "plot_health_components", "plot_stage_flow"]

BAND_COLORS = {"red": "#D55E00", "yellow": "#E69F00", "green": "#009E73"}
STAGE_ORDER = (
    "not_started",
    "onboarding",
    "adopting",
    "established",
    "expanding",
    "at_risk",
    "churned",
)
STAGE_COLORS = {
    "not_started": "#bdbdbd",
    "onboarding": "#56B4E9",
    "adopting": "#0072B2",
    "established": "#009E73",
    "expanding": "#CC79A7",
    "at_risk": "#E69F00",
    "churned": "#D55E00",
}


def _need(frame: pd.DataFrame, columns: set[str], what: str, hint: str) -> None:
    missing = columns - set(frame.columns)
    if missing:
        raise ValueError(f"{what} is missing columns {sorted(missing)}.\nHint: {hint}.")


def plot_health_bands(backtest: Any, /, *, ax: Axes | None = None) -> Axes:
    """Accounts per health band (bars) and each band's churn rate with its interval.

    Parameters
    ----------
    backtest : HealthBacktest or DataFrame
        A :func:`adoptmetrics.health.backtest_health` result, or its ``bands``
        table (``band``, ``n_accounts``, ``n_churned``, ``churn_rate``,
        ``ci_lower``, ``ci_upper``).
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        Bars of account counts (left axis); churn rates with Wilson intervals
        on a twin axis (right), one point per band.

    Examples
    --------
    >>> import pandas as pd
    >>> bands = pd.DataFrame({"band": ["red", "yellow", "green"], "n_accounts": [50, 80, 70],
    ...     "n_churned": [15, 8, 2], "churn_rate": [0.3, 0.1, 0.029],
    ...     "ci_lower": [0.19, 0.05, 0.008], "ci_upper": [0.44, 0.19, 0.1]})
    >>> plot_health_bands(bands).get_ylabel()
    'accounts at the cutoff'
    """
    bands = getattr(backtest, "bands", backtest)
    if not isinstance(bands, pd.DataFrame):
        raise TypeError(
            f"expected a HealthBacktest or its bands table, got {type(backtest).__name__}.\n"
            "Hint: pass am.health.backtest_health(...)."
        )
    _need(
        bands,
        {"band", "n_accounts", "churn_rate", "ci_lower", "ci_upper"},
        "bands",
        "pass the result of am.health.backtest_health(...)",
    )
    ax = get_ax(ax, figsize=(6.5, 4.0))
    x = np.arange(len(bands))
    names = bands["band"].astype(str).tolist()
    ax.bar(
        x,
        bands["n_accounts"].to_numpy(dtype=float),
        color=[BAND_COLORS.get(b, color(0)) for b in names],
        alpha=0.35,
        width=0.6,
    )
    ax.set_xticks(x, names)
    ax.set_ylabel("accounts at the cutoff")
    twin = ax.twinx()
    rate = bands["churn_rate"].to_numpy(dtype=float)
    lo = bands["ci_lower"].to_numpy(dtype=float)
    hi = bands["ci_upper"].to_numpy(dtype=float)
    ok = np.isfinite(rate)
    twin.errorbar(
        x[ok],
        rate[ok],
        yerr=[rate[ok] - lo[ok], hi[ok] - rate[ok]],
        fmt="o",
        color="#333333",
        capsize=5,
        label="churn rate (95 % interval)",
    )
    twin.set_ylim(0, max(float(np.nanmax(hi)) * 1.15 if ok.any() else 1.0, 0.05))
    twin.set_ylabel("churn rate in the horizon")
    twin.yaxis.set_major_formatter(_percent())
    twin.legend(loc="upper right", frameon=False)
    ax.set_title("Health bands and the churn that followed")
    return ax


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def plot_health_components(
    scores: pd.DataFrame,
    account: object,
    /,
    *,
    scorecard: Any = None,
    account_col: str = "account_id",
    ax: Axes | None = None,
) -> Axes:
    """The component scores (0–100) behind one account's health score.

    Parameters
    ----------
    scores : DataFrame
        The result of :func:`adoptmetrics.health.health_scores`.
    account : object
        The account id to show.
    scorecard : Scorecard or HealthModel, optional
        Used to print each component's weight; default the default scorecard.
    account_col : str
        The id column of ``scores``.
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        One horizontal bar per component (missing ones marked "n/a"), the
        band edges as dashed lines and the overall score as a solid line.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"account_id": ["a"], "score": [40.0], "band": ["red"],
    ...     "score_active_days": [20.0], "score_nps": [80.0], "reasons": [()]})
    >>> plot_health_components(s, "a").get_xlabel()
    'component score (0 = bad, 100 = good)'
    """
    from adoptmetrics.health._scores import check_scorecard

    card = check_scorecard(scorecard)
    _need(scores, {account_col, "score"}, "scores", "pass the result of health_scores(...)")
    row = scores[scores[account_col] == account]
    if row.empty:
        raise ValueError(
            f"account {account!r} is not in scores.\nHint: pick an id from scores[{account_col!r}]."
        )
    r = row.iloc[0]
    cols = [c for c in scores.columns if str(c).startswith("score_")]
    weights = {f"score_{m.column}": float(m.weight) for m in card.measures}
    total = sum(weights.get(c, 0.0) for c in cols) or 1.0
    ax = get_ax(ax, figsize=(7.0, 0.8 + 0.45 * max(len(cols), 2)))
    vals = np.array([float(r[c]) for c in cols])
    y = np.arange(len(cols))[::-1]
    shown = np.nan_to_num(vals, nan=0.0)
    bar_colors = [
        BAND_COLORS["red"]
        if v < card.bands[0]
        else BAND_COLORS["green"]
        if v >= card.bands[1]
        else BAND_COLORS["yellow"]
        for v in shown
    ]
    ax.barh(y, shown, color=bar_colors, alpha=0.8)
    for yi, v in zip(y, vals, strict=True):
        ax.text(
            min(np.nan_to_num(v, nan=0.0), 92) + 1,
            yi,
            "n/a" if np.isnan(v) else f"{v:.0f}",
            va="center",
            fontsize=8,
        )
    labels = []
    for c, v in zip(cols, vals, strict=True):
        w = weights.get(c)
        share = f" · weight {w / total:.0%}" if w is not None else ""
        labels.append(f"{c[len('score_') :]}{share}" + (" (n/a)" if np.isnan(v) else ""))
    ax.set_yticks(y, labels)
    for edge in card.bands:
        ax.axvline(edge, color="grey", linestyle="--", linewidth=1)
    if np.isfinite(float(r["score"])):
        ax.axvline(float(r["score"]), color="#333333", linewidth=2)  # the score (see title)
    ax.set_xlim(0, 100)
    ax.set_xlabel("component score (0 = bad, 100 = good)")
    band = r["band"] if "band" in row.columns else ""
    ax.set_title(f"Health of {account}: {float(r['score']):.0f} ({band})")
    return ax


def plot_stage_flow(transitions: pd.DataFrame, /, *, ax: Axes | None = None) -> Axes:
    """Accounts flowing between lifecycle stages from one date to another.

    Parameters
    ----------
    transitions : DataFrame
        The result of :func:`adoptmetrics.health.stage_transitions`
        (``from_stage``, ``to_stage``, ``n_accounts``).
    ax : Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    Axes
        Two stacked bars (stages at the start, left; at the end, right) and a
        band from each start stage to each end stage as wide as the accounts
        that moved (a Sankey-style diagram).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"from_stage": ["adopting", "adopting", "at_risk"],
    ...     "to_stage": ["established", "at_risk", "churned"], "n_accounts": [5, 2, 3],
    ...     "share": [5 / 7, 2 / 7, 1.0]})
    >>> plot_stage_flow(t).get_title()
    'Lifecycle stage flow'
    """
    _need(
        transitions,
        {"from_stage", "to_stage", "n_accounts"},
        "transitions",
        "pass the result of am.health.stage_transitions(...)",
    )
    ax = get_ax(ax, figsize=(7.5, 5.0))
    t = transitions.copy()
    t["from_stage"] = t["from_stage"].astype(str)
    t["to_stage"] = t["to_stage"].astype(str)
    t = t[t["n_accounts"] > 0]
    total = float(t["n_accounts"].sum()) or 1.0
    gap = 0.02 * total
    order = [s for s in STAGE_ORDER if s in set(t["from_stage"]) | set(t["to_stage"])]
    left_tot = t.groupby("from_stage")["n_accounts"].sum()
    right_tot = t.groupby("to_stage")["n_accounts"].sum()

    def stack(tot: pd.Series) -> dict[str, float]:
        pos, y = {}, 0.0
        for s in order:
            if s in tot.index:
                pos[s] = y
                y += float(tot[s]) + gap
        return pos

    left, right = stack(left_tot), stack(right_tot)
    width = 0.12
    for side, tot, pos in ((0.0, left_tot, left), (1.0, right_tot, right)):
        for s, y0 in pos.items():
            h = float(tot[s])
            ax.bar(side, h, bottom=y0, width=width, color=STAGE_COLORS.get(s, color(0)))
            ha = "right" if side == 0 else "left"
            dx = -width if side == 0 else width
            ax.text(side + dx, y0 + h / 2, f"{s} ({int(h)})", ha=ha, va="center", fontsize=8)
    out_used = dict.fromkeys(left, 0.0)
    in_used = dict.fromkeys(right, 0.0)
    xs = np.linspace(width / 2, 1 - width / 2, 50)
    smooth = (1 - np.cos(np.linspace(0, np.pi, 50))) / 2
    t = t.assign(
        _f=t["from_stage"].map({s: i for i, s in enumerate(order)}),
        _t=t["to_stage"].map({s: i for i, s in enumerate(order)}),
    ).sort_values(["_f", "_t"])
    for f, to, n in t[["from_stage", "to_stage", "n_accounts"]].itertuples(index=False):
        h = float(n)
        y0 = left[f] + out_used[f]
        y1 = right[to] + in_used[to]
        out_used[f] += h
        in_used[to] += h
        bottom = y0 + (y1 - y0) * smooth
        ax.fill_between(
            xs, bottom, bottom + h, color=STAGE_COLORS.get(f, color(0)), alpha=0.35, linewidth=0
        )
    ax.set_xlim(-0.6, 1.6)
    ax.set_xticks([0, 1], ["start", "end"])
    ax.set_yticks([])
    for spine in ("left", "right", "top"):
        ax.spines[spine].set_visible(False)
    ax.set_title("Lifecycle stage flow")
    return ax
