"""Retention plots: cohort heatmap, curves with bands, trend over cohorts, the MRR bridge."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from adoptmetrics.plotting._common import INCOMPLETE_COLOR, color, get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_mrr_bridge",
    "plot_retention_curve",
    "plot_retention_heatmap",
    "plot_retention_trend",
]

_RESULT_COLUMNS = {
    "cohort",
    "period",
    "cohort_size",
    "n_cohorts",
    "n_at_risk",
    "n_retained",
    "retention_rate",
    "ci_lower",
    "ci_upper",
    "complete",
}


def _segment_columns(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns if c not in _RESULT_COLUMNS]


def _require(frame: object, columns: list[str], producer: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or not set(columns) <= set(frame.columns):
        raise TypeError(
            f"expected the DataFrame returned by {producer}.\n"
            f"Hint: call {producer}(events, ...) and pass its result."
        )
    return frame


def plot_retention_heatmap(
    cells: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    annotate: bool = True,
    max_periods: int | None = None,
    cmap: str = "Blues",
) -> Axes:
    """Cohort × period heatmap of retention; incomplete cells are hatched grey.

    Complete cells are coloured by their rate. Cells not yet over at
    ``as_of`` are drawn hatched in grey with their partial rate in grey
    italics, so a not-yet-observed period never looks like a drop. Cells that
    have not started are left blank.

    Parameters
    ----------
    cells : DataFrame
        The result of :func:`adoptmetrics.retention.cohort_retention`
        without ``by`` (filter one segment first if you used ``by``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    annotate : bool
        Write the rate (in %) in each cell.
    max_periods : int, optional
        Show periods ``0 .. max_periods`` only.
    cmap : str
        Matplotlib colormap for complete cells.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.retention import cohort_retention
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-10"])})
    >>> ax = plot_retention_heatmap(cohort_retention(ev))
    >>> ax.get_xlabel()
    'periods since start'
    """
    import matplotlib as mpl
    from matplotlib.patches import Rectangle

    frame = _require(cells, ["cohort", "period", "retention_rate", "complete"], "cohort_retention")
    if _segment_columns(frame):
        raise ValueError(
            f"the result has segment columns {_segment_columns(frame)}; a heatmap shows one "
            "segment.\nHint: filter it first, e.g. cells[cells['plan'] == 'pro']."
        )
    if max_periods is not None:
        frame = frame[frame["period"] <= max_periods]
    ax = get_ax(ax, figsize=(8.0, 4.5))
    cohorts = np.sort(frame["cohort"].unique())
    n_p = int(frame["period"].max()) + 1 if len(frame) else 0
    row = np.searchsorted(cohorts, frame["cohort"].to_numpy())
    col = frame["period"].to_numpy()
    rate = frame["retention_rate"].to_numpy(dtype=float)
    complete = frame["complete"].to_numpy(dtype=bool)
    grid = np.full((len(cohorts), n_p), np.nan)
    grid[row[complete], col[complete]] = rate[complete]
    colormap = mpl.colormaps[cmap].with_extremes(bad="white")
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        cmap=colormap,
        vmin=0,
        vmax=1,
        aspect="auto",
        interpolation="nearest",
    )
    for r, c, v in zip(row[~complete], col[~complete], rate[~complete], strict=True):
        ax.add_patch(
            Rectangle(
                (c - 0.5, r - 0.5),
                1,
                1,
                facecolor=INCOMPLETE_COLOR,
                edgecolor="white",
                hatch="///",
                linewidth=0.5,
            )
        )
        if annotate and v > 0:  # a period not over yet: its rate so far is a lower bound
            ax.text(
                c,
                r,
                f"≥{v:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="#555555",
                style="italic",
            )
    if annotate:
        for r, c, v in zip(row[complete], col[complete], rate[complete], strict=True):
            ax.text(
                c,
                r,
                f"{v:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if v > 0.6 else "black",
            )
    labels = [pd.Timestamp(c).strftime("%Y-%m-%d") for c in cohorts]
    step = max(1, len(labels) // 20)
    ax.set_yticks(np.arange(len(labels))[::step], labels[::step], fontsize=7)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # periods are whole numbers
    ax.set_xlabel("periods since start")
    ax.set_ylabel("cohort")
    ax.set_title("Cohort retention (hatched grey: period not over yet, ≥ rate so far)")
    ax.figure.colorbar(image, ax=ax, label="retention rate", fraction=0.04)
    return ax


def plot_retention_curve(
    curve: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    label: str | None = None,
    band: bool = True,
) -> Axes:
    """Retention curve(s) with Wilson interval bands; one line per segment.

    Parameters
    ----------
    curve : DataFrame
        The result of :func:`adoptmetrics.retention.retention_curve`; with
        ``by`` columns, each segment gets its own line on the same axis.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted. Draw twice on one axis to
        compare, e.g., pooled and chained curves.
    label : str, optional
        Legend label (segment values are used when there are segments).
    band : bool
        Shade the interval.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.retention import retention_curve
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-10"])})
    >>> ax = plot_retention_curve(retention_curve(ev, as_of="2024-01-15"))
    >>> len(ax.get_lines())
    1
    """
    frame = _require(curve, ["period", "retention_rate", "ci_lower", "ci_upper"], "retention_curve")
    ax = get_ax(ax)
    segs = _segment_columns(frame)
    offset = len(ax.get_lines())
    groups = frame.groupby(segs, sort=True, observed=True) if segs else [((label,), frame)]
    for i, (key, g) in enumerate(groups):
        name = ", ".join(map(str, key)) if segs else label
        c = color(offset + i)
        ax.plot(g["period"], g["retention_rate"], marker="o", markersize=3, color=c, label=name)
        if band:
            ax.fill_between(
                g["period"], g["ci_lower"], g["ci_upper"], color=c, alpha=0.2, linewidth=0
            )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("periods since start")
    ax.set_ylabel("retention rate")
    ax.yaxis.set_major_formatter("{x:.0%}")  # a str.format pattern: picklable
    if segs or label is not None:
        ax.legend(title=", ".join(segs) if segs else None, frameon=False)
    return ax


def plot_retention_trend(
    trend: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Period-k retention of each cohort over calendar time, with interval bars.

    Parameters
    ----------
    trend : DataFrame
        The result of :func:`adoptmetrics.retention.retention_trend`; with
        ``by`` columns, one series per segment.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.retention import retention_trend
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-10"])})
    >>> ax = plot_retention_trend(retention_trend(ev, at=1, as_of="2024-01-22"))
    >>> ax.get_ylabel()
    'period-1 retention'
    """
    frame = _require(
        trend, ["cohort", "period", "retention_rate", "ci_lower", "ci_upper"], "retention_trend"
    )
    ax = get_ax(ax)
    segs = _segment_columns(frame)
    groups = frame.groupby(segs, sort=True, observed=True) if segs else [((None,), frame)]
    for i, (key, g) in enumerate(groups):
        r = g["retention_rate"].to_numpy()
        err = np.vstack([r - g["ci_lower"].to_numpy(), g["ci_upper"].to_numpy() - r])
        ax.errorbar(
            g["cohort"],
            r,
            yerr=err,
            fmt="o-",
            markersize=3,
            capsize=2,
            color=color(i),
            label=", ".join(map(str, key)) if segs else None,
        )
    k = int(frame["period"].iloc[0]) if len(frame) else 0
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("cohort")
    ax.set_ylabel(f"period-{k} retention")
    ax.yaxis.set_major_formatter("{x:.0%}")  # a str.format pattern: picklable
    if segs:
        ax.legend(title=", ".join(segs), frameon=False)
    return ax


_BRIDGE_AMOUNTS = (
    ("new_mrr", "new", "#009E73"),
    ("expansion_mrr", "expansion", "#56B4E9"),
    ("reactivation_mrr", "reactivation", "#0072B2"),
    ("contraction_mrr", "contraction", "#E69F00"),
    ("churned_mrr", "churned", "#D55E00"),
)
_BRIDGE_COLUMNS = [
    "month",
    "starting_mrr",
    *(c for c, _, _ in _BRIDGE_AMOUNTS),
    "ending_mrr",
    "n_new",
    "n_expanded",
    "n_reactivated",
    "n_contracted",
    "n_churned",
    "quick_ratio",
]


def plot_mrr_bridge(
    bridge: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
) -> Axes:
    """The MRR bridge as a waterfall per month, with the quick ratio line.

    Each month is one step of a waterfall: its gains (new, expansion,
    reactivation) stack up from the starting MRR on the left, its losses
    (contraction, churn) hang down from there on the right, ending at the
    ending MRR (a black tick), which a dotted line carries to the next
    month's start. The quick ratio (gains ÷ losses) is drawn on a second
    y axis on the right, with a dashed line at 1 (gains equal losses); it is
    missing in months that lost nothing. A bridge with segments is summed
    over them first.

    Parameters
    ----------
    bridge : DataFrame
        The result of :func:`adoptmetrics.retention.mrr_bridge`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted. The quick ratio goes on a
        twin axis that shares its x axis.

    Returns
    -------
    matplotlib.axes.Axes
        The axes of the waterfall (the quick ratio axis is its twin).

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.retention import mrr_bridge
    >>> m = pd.DataFrame({"account_id": ["a", "a", "b", "b"],
    ...     "month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2),
    ...     "mrr": [100.0, 150.0, 100.0, 0.0]})
    >>> ax = plot_mrr_bridge(mrr_bridge(m))
    >>> ax.get_ylabel()
    'MRR'
    """
    frame = _require(bridge, _BRIDGE_COLUMNS, "mrr_bridge")
    ax = get_ax(ax, figsize=(9.0, 4.5))
    segs = [str(c) for c in frame.columns if c not in _BRIDGE_COLUMNS]
    if segs:  # sum the segments: every column but the quick ratio adds up
        frame = frame.drop(columns=[*segs, "quick_ratio"]).groupby("month", sort=True).sum()
        frame = frame.reset_index()
        gained = frame["new_mrr"] + frame["expansion_mrr"] + frame["reactivation_mrr"]
        lost = frame["contraction_mrr"] + frame["churned_mrr"]
        frame["quick_ratio"] = (gained / lost).where(lost > 0)
    frame = frame.sort_values("month").reset_index(drop=True)
    x = np.arange(len(frame), dtype=float)
    width = 0.38
    level = frame["starting_mrr"].to_numpy(dtype=float).copy()
    for col, name, c in _BRIDGE_AMOUNTS[:3]:
        h = frame[col].to_numpy(dtype=float)
        ax.bar(x - width / 2, h, width, bottom=level, color=c, label=name)
        level = level + h
    for col, name, c in _BRIDGE_AMOUNTS[3:]:
        h = frame[col].to_numpy(dtype=float)
        level = level - h
        ax.bar(x + width / 2, h, width, bottom=level, color=c, label=name)
    ending = frame["ending_mrr"].to_numpy(dtype=float)
    ax.hlines(ending, x - width, x + width, color="#000000", linewidth=1.5, label="ending MRR")
    if len(x) > 1:
        ax.hlines(ending[:-1], x[:-1] + width, x[1:] - width, color="#555555", linestyle=":")
    # Floating bars: show the range they span (with a margin), not necessarily from 0.
    start = frame["starting_mrr"].to_numpy(dtype=float)
    top = start + frame[[c for c, _, _ in _BRIDGE_AMOUNTS[:3]]].to_numpy(dtype=float).sum(axis=1)
    if len(x):
        lo, hi = float(min(start.min(), ending.min())), float(top.max())
        pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.05
        ax.set_ylim(max(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad)
    ax.yaxis.set_major_formatter("{x:,.0f}")  # a str.format pattern: picklable
    ax.set_ylabel("MRR")
    ax.set_xticks(x)
    step = max(1, len(x) // 12)
    labels = [f"{m:%b %Y}" if i % step == 0 else "" for i, m in enumerate(frame["month"])]
    ax.set_xticklabels(labels, rotation=45, ha="right")
    ax.set_xlabel("month")
    ax.set_title("MRR bridge: gains (left) and losses (right) per month")
    twin = ax.twinx()
    twin.plot(
        x, frame["quick_ratio"], color="#000000", marker="o", markersize=3, label="quick ratio"
    )
    twin.axhline(1.0, color="#555555", linestyle="--", linewidth=0.8)
    twin.set_ylim(bottom=0)
    twin.set_ylabel("quick ratio")
    handles, names = ax.get_legend_handles_labels()
    h2, n2 = twin.get_legend_handles_labels()
    ax.legend(handles + h2, names + n2, frameon=False, fontsize=8, loc="upper left")
    return ax
