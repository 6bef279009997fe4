"""Churn plots: Kaplan–Meier curves with bands and at-risk counts, hazard-ratio forest plot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from adoptmetrics.plotting._common import color, get_ax, log_ratio_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_churn_curve", "plot_hazard_ratios"]


_CURVE_COLUMNS = (
    "time",
    "n_at_risk",
    "n_churned",
    "n_censored",
    "survival",
    "ci_lower",
    "ci_upper",
)


def _segment_labels(curve: pd.DataFrame) -> pd.Series:
    """One label per row: the ``by`` column values joined by " | " ("all" without ``by``)."""
    cols = [c for c in curve.columns if c not in _CURVE_COLUMNS]
    if not cols:
        return pd.Series("all", index=curve.index)
    # Column-wise concatenation: a row-wise join is a Python call per row.
    labels = curve[cols[0]].astype(str)
    for col in cols[1:]:
        labels = labels + " | " + curve[col].astype(str)
    return labels


def _at_risk_at(g: pd.DataFrame, ticks: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Accounts at risk at each tick: ``n_at_risk`` of the first row at or after it."""
    times = g["time"].to_numpy()
    n = g["n_at_risk"].to_numpy()
    pos = np.searchsorted(times, ticks, side="left")
    return np.where(pos < len(times), n[np.minimum(pos, len(times) - 1)], 0)


def plot_churn_curve(
    curve: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    band: bool = True,
    at_risk: bool = True,
    max_days: int | None = None,
) -> Axes:
    """Kaplan–Meier survival curves (share not yet churned) with bands and at-risk counts.

    One step line per segment (the ``by`` columns), its pointwise interval shaded, censoring
    marked with small ticks, and — below the axis — the number of accounts
    still at risk at each x tick (where the curve becomes uncertain).

    Parameters
    ----------
    curve : DataFrame
        The result of :func:`adoptmetrics.churn.churn_curve`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    band : bool
        Shade the pointwise interval.
    at_risk : bool
        Print the at-risk counts under the x axis.
    max_days : int, optional
        Cut the x axis at this tenure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.churn import churn_curve
    >>> acc = pd.DataFrame({"account_id": list("abcd"), "plan": list("aabb"),
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 4),
    ...     "churned_at": pd.to_datetime(["2024-01-11", None, "2024-01-21", None])})
    >>> ax = plot_churn_curve(churn_curve(acc, by="plan", as_of="2024-02-01"))
    >>> ax.get_ylabel()
    'share of accounts not yet churned'
    """
    required = {"time", "n_at_risk", "survival", "ci_lower", "ci_upper"}
    if not isinstance(curve, pd.DataFrame) or not required <= set(curve.columns):
        raise TypeError(
            "expected the DataFrame returned by churn_curve.\n"
            "Hint: call churn.churn_curve(accounts, by=...) and pass its result."
        )
    ax = get_ax(ax, figsize=(7.5, 4.8))
    frame = curve if max_days is None else curve[curve["time"] <= max_days]
    labels = _segment_labels(frame)
    groups = list(dict.fromkeys(labels.tolist()))
    for i, label in enumerate(groups):
        g = frame[(labels == label).to_numpy()]
        t = np.concatenate([[0], g["time"].to_numpy()])
        s = np.concatenate([[1.0], g["survival"].to_numpy()])
        c = color(i)
        ax.step(t, s, where="post", color=c, label=f"{label} (n={int(g['n_at_risk'].max())})")
        if band:
            lo = np.concatenate([[1.0], g["ci_lower"].to_numpy()])
            hi = np.concatenate([[1.0], g["ci_upper"].to_numpy()])
            ax.fill_between(t, lo, hi, step="post", color=c, alpha=0.15, linewidth=0)
        if "n_censored" in g.columns:
            cens = g[(g["n_censored"] > 0) & (g["n_churned"] == 0)]
            ax.plot(cens["time"], cens["survival"], "|", color=c, markersize=4, alpha=0.6)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("days since start")
    ax.set_ylabel("share of accounts not yet churned")
    ax.set_title("Survival (Kaplan–Meier) with pointwise intervals")
    ax.grid(alpha=0.3)
    if groups != ["all"]:
        ax.legend(loc="lower left", fontsize=8, frameon=False)
    if at_risk and groups:
        import matplotlib.transforms as mtransforms

        ticks = np.asarray(
            [x for x in ax.get_xticks() if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]
        )
        trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
        ax.text(
            0,
            -0.19,
            "at risk",
            transform=ax.transAxes,
            ha="right",
            va="center",
            fontsize=7,
            color="#555555",
        )
        for i, label in enumerate(groups):
            n = _at_risk_at(frame[(labels == label).to_numpy()], ticks)
            y = -0.19 - 0.055 * (i + 1)
            for x, v in zip(ticks, n, strict=True):
                ax.text(
                    x,
                    y,
                    f"{int(v)}",
                    transform=trans,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=color(i),
                )
        # An empty spacer below the last row keeps it inside the layout's bounding box.
        ax.text(0, -0.19 - 0.055 * (len(groups) + 1.5), " ", transform=ax.transAxes, fontsize=7)
    return ax


def plot_hazard_ratios(
    model: Any,
    /,
    *,
    ax: Axes | None = None,
    sort: bool = True,
) -> Axes:
    """Forest plot of hazard ratios with their intervals (log scale).

    Points right of the dashed line at 1 shorten lifetimes (raise the churn
    hazard), points left of it lengthen them.

    Parameters
    ----------
    model : ChurnModel or DataFrame
        A fitted :class:`adoptmetrics.churn.ChurnModel`, or its ``summary``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    sort : bool
        Order terms by hazard ratio.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"covariate": ["plan=pro", "seats"], "hazard_ratio": [0.6, 1.01],
    ...     "ci_lower": [0.5, 0.99], "ci_upper": [0.72, 1.03], "p_value": [0.001, 0.3]})
    >>> ax = plot_hazard_ratios(summary)
    >>> ax.get_xscale()
    'log'
    """
    summary = getattr(model, "summary", model)
    required = {"covariate", "hazard_ratio", "ci_lower", "ci_upper"}
    if not isinstance(summary, pd.DataFrame) or not required <= set(summary.columns):
        raise TypeError(
            "expected a ChurnModel or its summary DataFrame.\n"
            "Hint: fit one with churn.fit_churn_model(accounts, covariates=[...])."
        )
    frame = summary.sort_values("hazard_ratio") if sort else summary
    frame = frame.replace([np.inf, -np.inf], np.nan).dropna(subset=["hazard_ratio"])
    ax = get_ax(ax, figsize=(7.0, 0.45 * max(len(frame), 3) + 1.2))
    y = np.arange(len(frame))
    hr = frame["hazard_ratio"].to_numpy(dtype=float)
    lo = frame["ci_lower"].to_numpy(dtype=float)
    hi = frame["ci_upper"].to_numpy(dtype=float)
    above = lo > 1
    below = hi < 1
    colours = [
        color(3) if a else color(0) if b else "#777777"
        for a, b in zip(above.tolist(), below.tolist(), strict=True)
    ]
    ax.hlines(y, lo, hi, colors=colours, linewidth=2)
    ax.scatter(hr, y, c=colours, zorder=3, s=30)
    log_ratio_axis(ax, lo, hi)
    ax.set_yticks(y, frame["covariate"].astype(str).tolist(), fontsize=8)
    for yi, h, lower, upper in zip(y, hr, lo, hi, strict=True):
        ax.annotate(
            f"{h:.2f} [{lower:.2f}, {upper:.2f}]",
            (1.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    ax.set_xlabel("hazard ratio (log scale; > 1 churns sooner)")
    ax.set_title("Churn drivers: hazard ratios with intervals")
    ax.grid(axis="x", alpha=0.3, which="both")
    return ax
