"""Engagement figures: lifecycle bars, stickiness, feature adoption, launch curve, drivers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from adoptmetrics.plotting._common import INCOMPLETE_COLOR, color, get_ax, log_ratio_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import PercentFormatter

__all__ = [
    "plot_adoption_curve",
    "plot_feature_adoption",
    "plot_feature_heatmap",
    "plot_feature_retention",
    "plot_lifecycle",
    "plot_stickiness",
]

_NEUTRAL = "#9a9a9a"
_ROGERS = (
    (0.025, "innovators"),
    (0.16, "early adopters"),
    (0.50, "early majority"),
    (0.84, "late majority"),
)


def _require(frame: object, columns: set[str], producer: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"expected the DataFrame returned by {producer}, got {type(frame).__name__}.\n"
            f"Hint: pass the result of adoptmetrics.engagement.{producer}(events)."
        )
    missing = columns - set(frame.columns)
    if missing:
        raise ValueError(
            f"the frame lacks columns {sorted(missing)}.\n"
            f"Hint: pass the result of adoptmetrics.engagement.{producer}(events)."
        )
    return frame


def _one_segment(frame: pd.DataFrame, known: set[str], producer: str) -> None:
    extra = [c for c in frame.columns if c not in known]
    if extra and frame[extra[0]].nunique() > 1:
        raise ValueError(
            f"the {producer} frame holds several segments ({extra[0]!r}).\n"
            f"Hint: plot one segment, e.g. frame[frame[{extra[0]!r}] == '<value>']."
        )


def plot_lifecycle(
    lifecycle: pd.DataFrame, /, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Lifecycle bars: new, returning and resurrecting above zero, dormant below (PostHog style).

    Parameters
    ----------
    lifecycle : DataFrame
        The result of :func:`adoptmetrics.engagement.lifecycle` (one segment).
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
    >>> lc = pd.DataFrame({"period": pd.date_range("2024-01-01", periods=3, freq="W-MON"),
    ...     "new": [3, 2, 1], "returning": [0, 2, 3], "resurrecting": [0, 0, 1],
    ...     "dormant": [0, 1, 1], "complete": [True, True, False]})
    >>> ax = plot_lifecycle(lc)
    >>> round(ax.get_ylim()[0]) < 0
    True
    """
    cols = {"period", "new", "returning", "resurrecting", "dormant", "complete"}
    frame = _require(lifecycle, cols, "lifecycle")
    _one_segment(frame, cols | {"n_active", "quick_ratio"}, "lifecycle")
    ax = get_ax(ax, figsize=(8.0, 4.0))
    x = np.arange(len(frame))
    done = frame["complete"].to_numpy(dtype=bool)
    bottom = np.zeros(len(frame))
    for i, kind in enumerate(("new", "returning", "resurrecting")):
        h = frame[kind].to_numpy(dtype=float)
        ax.bar(x, h, bottom=bottom, color=color(i), label=kind, width=0.8)
        bottom += h
    dormant = frame["dormant"].to_numpy(dtype=float)
    ax.bar(x, -dormant, color=color(3), label="dormant", width=0.8)
    if (~done).any():
        # A period not over yet: its dormant count includes entities that may still return.
        ax.bar(x[~done], bottom[~done], color="none", edgecolor=INCOMPLETE_COLOR, hatch="///",
               width=0.8, label="period not over")  # fmt: skip
        ax.bar(x[~done], -dormant[~done], color="none", edgecolor=INCOMPLETE_COLOR, hatch="///",
               width=0.8)  # fmt: skip
    ax.axhline(0, color="#333333", linewidth=0.8)
    labels = pd.to_datetime(frame["period"]).dt.strftime("%Y-%m-%d").tolist()
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("entities")
    ax.legend(fontsize=8, ncol=5, loc="upper left")
    ax.set_title(title or "Lifecycle: who is active, and who went dormant")
    return ax


def _segments(frame: pd.DataFrame, known: set[str]) -> tuple[str | None, list[object]]:
    extra = [c for c in frame.columns if c not in known]
    if not extra:
        return None, [None]
    return extra[0], list(pd.unique(frame[extra[0]]))


def plot_stickiness(
    stickiness: pd.DataFrame, /, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Stickiness (e.g. DAU/MAU) over time with its interval band, one line per segment.

    Parameters
    ----------
    stickiness : DataFrame
        The result of :func:`adoptmetrics.engagement.stickiness`.
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
    >>> st = pd.DataFrame({"period": pd.date_range("2024-01-01", periods=3, freq="MS"),
    ...     "stickiness": [0.2, 0.25, 0.22], "ci_lower": [0.18, 0.22, 0.15],
    ...     "ci_upper": [0.22, 0.28, 0.3], "complete": [True, True, False]})
    >>> plot_stickiness(st).get_ylabel()
    'stickiness'
    """
    cols = {"period", "stickiness", "ci_lower", "ci_upper", "complete"}
    frame = _require(stickiness, cols, "stickiness")
    seg_col, segs = _segments(frame, cols | {"n_active", "mean_short_active"})
    ax = get_ax(ax)
    for i, s in enumerate(segs):
        part = frame if seg_col is None else frame[frame[seg_col] == s]
        t = pd.to_datetime(part["period"]).to_numpy()
        done = part["complete"].to_numpy(dtype=bool)
        y = part["stickiness"].to_numpy(dtype=float)
        label = "stickiness" if s is None else str(s)
        ax.fill_between(t, part["ci_lower"], part["ci_upper"], color=color(i), alpha=0.2, lw=0)
        ax.plot(t, y, color=color(i), marker="o", ms=3, label=label)
        if (~done).any():
            ax.scatter(t[~done], y[~done], facecolors="white", edgecolors=color(i), zorder=3,
                       label="period not over" if i == 0 else None)  # fmt: skip
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(_pct())
    ax.set_ylabel("stickiness")
    ax.legend(fontsize=8)
    ax.set_title(title or "Stickiness (mean short-period actives ÷ long-period actives)")
    return ax


def _pct() -> PercentFormatter:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)


def plot_feature_heatmap(
    adoption: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    top: int = 15,
    title: str | None = None,
) -> Axes:
    """Feature × period heatmap of adoption rates (features ordered by their latest rate).

    Parameters
    ----------
    adoption : DataFrame
        The result of :func:`adoptmetrics.engagement.feature_adoption` (one segment).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    top : int
        Most features shown (the highest latest complete rates).
    title : str, optional
        Axes title; a default one when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> fa = pd.DataFrame({"feature": ["a", "a", "b", "b"],
    ...     "period": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2),
    ...     "adoption_rate": [0.5, 0.6, 0.1, 0.2], "complete": [True, False] * 2})
    >>> [t.get_text() for t in plot_feature_heatmap(fa).get_yticklabels()]
    ['a', 'b']
    """
    cols = {"feature", "period", "adoption_rate", "complete"}
    frame = _require(adoption, cols, "feature_adoption")
    _one_segment(frame, cols | {"n_active", "n_adopters", "ci_lower", "ci_upper",
                                "events_per_adopter"}, "feature_adoption")  # fmt: skip
    wide = frame.pivot_table(index="feature", columns="period", values="adoption_rate",
                             sort=True, dropna=False)  # fmt: skip
    done = frame.groupby("period")["complete"].all().reindex(wide.columns)
    ref = wide.loc[:, done.to_numpy()].iloc[:, -1] if done.any() else wide.iloc[:, -1]
    wide = wide.loc[ref.sort_values(ascending=False, kind="stable").index[:top]]
    ax = get_ax(ax, figsize=(8.0, 0.35 * len(wide) + 1.8))
    im = ax.imshow(wide.to_numpy(dtype=float), aspect="auto", cmap="Blues", vmin=0, vmax=1)
    labels = pd.to_datetime(wide.columns).strftime("%Y-%m").tolist()
    step = max(1, len(labels) // 12)
    ax.set_xticks(np.arange(len(labels))[::step], labels[::step], rotation=45, ha="right",
                  fontsize=8)  # fmt: skip
    ax.set_yticks(np.arange(len(wide)), [str(f) for f in wide.index], fontsize=8)
    for j in np.flatnonzero(~done.to_numpy(dtype=bool)):
        ax.axvspan(j - 0.5, j + 0.5, facecolor="none", edgecolor=INCOMPLETE_COLOR, hatch="///")
    cbar = ax.figure.colorbar(im, ax=ax, format=_pct())
    cbar.set_label("adoption rate (of active)")
    ax.set_title(title or "Feature adoption by period (hatched: not over)")
    return ax


def plot_feature_adoption(
    adoption: pd.DataFrame,
    /,
    *,
    features: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Adoption-rate lines over time with Wilson bands, one per feature.

    Parameters
    ----------
    adoption : DataFrame
        The result of :func:`adoptmetrics.engagement.feature_adoption` (one segment).
    features : list of str, optional
        Features to draw; default the five with the highest mean rate.
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
    >>> fa = pd.DataFrame({"feature": ["a", "a"],
    ...     "period": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...     "adoption_rate": [0.5, 0.6], "ci_lower": [0.4, 0.5], "ci_upper": [0.6, 0.7],
    ...     "complete": [True, False]})
    >>> [t.get_text() for t in plot_feature_adoption(fa).get_legend().get_texts()][:1]
    ['a']
    """
    cols = {"feature", "period", "adoption_rate", "ci_lower", "ci_upper", "complete"}
    frame = _require(adoption, cols, "feature_adoption")
    _one_segment(frame, cols | {"n_active", "n_adopters", "events_per_adopter"},
                 "feature_adoption")  # fmt: skip
    if features is None:
        mean = frame.groupby("feature")["adoption_rate"].mean()
        features = mean.sort_values(ascending=False, kind="stable").index[:5].tolist()
    ax = get_ax(ax)
    for i, f in enumerate(features):
        part = frame[frame["feature"] == f]
        t = pd.to_datetime(part["period"]).to_numpy()
        done = part["complete"].to_numpy(dtype=bool)
        ax.fill_between(t, part["ci_lower"], part["ci_upper"], color=color(i), alpha=0.15, lw=0)
        ax.plot(t, part["adoption_rate"], color=color(i), label=str(f), marker="o", ms=3)
        if (~done).any():
            ax.scatter(t[~done], part["adoption_rate"].to_numpy()[~done], facecolors="white",
                       edgecolors=color(i), zorder=3)  # fmt: skip
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(_pct())
    ax.set_ylabel("share of active entities")
    ax.legend(fontsize=8)
    ax.set_title(title or "Feature adoption over time (hollow: period not over)")
    return ax


def plot_adoption_curve(
    curve: pd.DataFrame,
    /,
    *,
    categories: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Cumulative adoption after a launch with its band and Rogers' categories marked.

    Dotted lines mark Rogers' cumulative shares (2.5 %, 16 %, 50 %, 84 %);
    with ``categories`` (from :func:`adoptmetrics.engagement.adopter_categories`)
    a vertical line marks the day each category's first adopter adopted.

    Parameters
    ----------
    curve : DataFrame
        The result of :func:`adoptmetrics.engagement.adoption_curve` (one segment).
    categories : DataFrame, optional
        The result of :func:`adoptmetrics.engagement.adopter_categories`.
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
    >>> c = pd.DataFrame({"day": [0, 1, 2], "adoption_rate": [0.1, 0.3, 0.4],
    ...     "ci_lower": [0.05, 0.2, 0.3], "ci_upper": [0.2, 0.4, 0.5]})
    >>> plot_adoption_curve(c).get_xlabel()
    'days since launch'
    """
    cols = {"day", "adoption_rate", "ci_lower", "ci_upper"}
    frame = _require(curve, cols, "adoption_curve")
    _one_segment(frame, cols | {"n_at_risk", "n_adopted"}, "adoption_curve")
    ax = get_ax(ax)
    d = frame["day"].to_numpy()
    ax.fill_between(d, frame["ci_lower"], frame["ci_upper"], step="post", color=color(0),
                    alpha=0.2, lw=0)  # fmt: skip
    ax.step(d, frame["adoption_rate"], where="post", color=color(0), label="adopted (1 − KM)")
    for share, name in _ROGERS:
        ax.axhline(share, color=_NEUTRAL, linestyle=":", linewidth=0.8)
        ax.annotate(name, (1.0, share), xycoords=("axes fraction", "data"), fontsize=7,
                    ha="right", va="bottom", color="#555555")  # fmt: skip
    if categories is not None:
        cats = _require(categories, {"category", "days_to_adopt"}, "adopter_categories")
        first = cats.dropna(subset=["days_to_adopt"]).groupby("category", observed=True)
        for i, (cat, day) in enumerate(first["days_to_adopt"].min().items()):
            ax.axvline(float(day), color=color(i + 1), linestyle="--", linewidth=1,
                       label=f"first {str(cat).replace('_', ' ')}")  # fmt: skip
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(_pct())
    ax.set_xlabel("days since launch")
    ax.set_ylabel("share of eligible adopted")
    ax.legend(fontsize=8, loc="center right")
    ax.set_title(title or "Adoption after launch")
    return ax


def plot_feature_retention(
    drivers: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    top: int = 12,
    q_threshold: float = 0.05,
    title: str | None = None,
) -> Axes:
    """Driver chart: activity-adjusted odds ratios of retention with intervals (log scale).

    Filled points have ``q_value`` below ``q_threshold``; hollow grey ones
    do not. The dashed line at 1 is "no association". Rows are the ``top``
    smallest p-values.

    Parameters
    ----------
    drivers : DataFrame
        The result of :func:`adoptmetrics.engagement.feature_retention`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    top : int
        Number of rows drawn.
    q_threshold : float
        False-discovery level that marks a row as a driver.
    title : str, optional
        Axes title; a default one when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> fr = pd.DataFrame({"feature": ["a", "b"], "min_count": [1, 1],
    ...     "odds_ratio": [2.0, 1.1], "ci_lower": [1.4, 0.8], "ci_upper": [2.9, 1.5],
    ...     "p_value": [1e-4, 0.5], "q_value": [2e-4, 0.5]})
    >>> ax = plot_feature_retention(fr)
    >>> ax.get_xscale(), [t.get_text() for t in ax.get_yticklabels()]
    ('log', ['b', 'a'])
    """
    cols = {"feature", "min_count", "odds_ratio", "ci_lower", "ci_upper", "p_value", "q_value"}
    frame = _require(drivers, cols, "feature_retention")
    if not isinstance(top, int | np.integer) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}.\nHint: e.g. top=12.")
    frame = frame.replace([np.inf, -np.inf], np.nan).dropna(subset=["odds_ratio", "ci_lower"])
    frame = frame.sort_values("p_value", kind="stable").head(top)
    ax = get_ax(ax, figsize=(7.5, 0.4 * max(len(frame), 3) + 1.3))
    y = np.arange(len(frame))[::-1]
    ratio = frame["odds_ratio"].to_numpy(dtype=float)
    lo = frame["ci_lower"].to_numpy(dtype=float)
    hi = frame["ci_upper"].to_numpy(dtype=float)
    sig = (frame["q_value"] < q_threshold).to_numpy(dtype=bool)
    colours = [
        (color(2) if r >= 1 else color(3)) if s else _NEUTRAL
        for s, r in zip(sig.tolist(), ratio.tolist(), strict=True)
    ]
    ax.hlines(y, lo, hi, colors=colours, linewidth=2)
    if sig.any():
        picked = [c for c, s in zip(colours, sig.tolist(), strict=True) if s]
        ax.scatter(ratio[sig], y[sig], c=picked, s=40, zorder=3, label=f"q < {q_threshold:g}")
    if (~sig).any():
        ax.scatter(ratio[~sig], y[~sig], facecolors="white", edgecolors=_NEUTRAL, s=30, zorder=3,
                   label="not significant")  # fmt: skip
    if len(frame):
        log_ratio_axis(ax, lo, hi)
    several = frame["min_count"].nunique() > 1
    pairs = zip(frame["feature"].tolist(), frame["min_count"].tolist(), strict=True)
    labels = [f"{f} (≥{k})" if several else str(f) for f, k in pairs]
    ax.set_yticks(y[::-1], labels[::-1], fontsize=8)
    ax.set_xlabel("odds ratio of retention, adjusted for early activity")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title or "Early feature use and retention")
    return ax
