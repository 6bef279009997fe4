"""NPS plots: score with interval bars by segment and over time, quadrants, attribute skew."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from adoptmetrics.plotting._common import color, get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_attribute_skew", "plot_nps", "plot_nps_quadrants", "plot_nps_trend"]

_SCORE_COLUMNS = {
    "period",
    "n",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "ci_lower",
    "ci_upper",
}
_QUADRANT_COLORS = {
    "champion": color(2),
    "untapped": color(5),
    "passive": "#9e9e9e",
    # vermillion and reddish purple: told apart with any colour vision (Okabe–Ito)
    "frustrated": color(3),
    "at_risk": color(4),
}


def _require(frame: object, columns: list[str], producer: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or not set(columns) <= set(frame.columns):
        raise TypeError(
            f"expected the DataFrame returned by {producer}.\n"
            f"Hint: call {producer}(...) and pass its result."
        )
    return frame


def _labels(frame: pd.DataFrame) -> list[str]:
    groups = [c for c in frame.columns if c not in _SCORE_COLUMNS]
    if not groups:
        return ["all responses"] * len(frame)
    return [" · ".join(str(v) for v in row) for row in frame[groups].itertuples(index=False)]


def plot_nps(scores: pd.DataFrame, /, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """NPS by segment with its interval as error bars.

    Parameters
    ----------
    scores : DataFrame
        The result of :func:`adoptmetrics.nps.nps_score` (with or without ``by``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.nps import nps_score
    >>> r = pd.DataFrame({"account_id": range(60), "timestamp": pd.Timestamp("2024-03-01"),
    ...     "score": [10, 9, 3, 8] * 15, "plan": ["pro", "basic"] * 30})
    >>> ax = plot_nps(nps_score(r, by="plan"))
    """
    df = _require(scores, ["nps", "ci_lower", "ci_upper", "n"], "adoptmetrics.nps.nps_score")
    ax = get_ax(ax, figsize=(7.0, 1.2 + 0.45 * len(df)))
    y = np.arange(len(df))[::-1]
    nps = df["nps"].to_numpy(dtype=float)
    err = np.vstack([nps - df["ci_lower"].to_numpy(), df["ci_upper"].to_numpy() - nps])
    ax.errorbar(nps, y, xerr=err, fmt="o", color=color(0), ecolor=color(0), capsize=4)
    for yi, x, n in zip(y, nps, df["n"], strict=True):
        ax.annotate(
            f"{x:+.0f} (n={n})",
            (x, yi),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_yticks(y, _labels(df))
    ax.set_xlim(-100, 100)
    ax.set_ylim(-0.7, len(df) - 0.3)
    ax.set_xlabel("NPS (with confidence interval)")
    ax.set_title(title or "Net Promoter Score")
    return ax


def plot_nps_trend(
    trend: pd.DataFrame, /, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """NPS per period with interval bands; one line per group when ``by`` was used.

    Parameters
    ----------
    trend : DataFrame
        The result of :func:`adoptmetrics.nps.nps_trend`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.nps import nps_trend
    >>> r = pd.DataFrame({"account_id": range(8),
    ...     "timestamp": pd.date_range("2024-01-01", periods=8, freq="30D"),
    ...     "score": [10, 9, 3, 8, 10, 10, 2, 9]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ax = plot_nps_trend(nps_trend(r))
    """
    df = _require(trend, ["period", "nps", "ci_lower", "ci_upper"], "adoptmetrics.nps.nps_trend")
    ax = get_ax(ax)
    groups = [c for c in df.columns if c not in _SCORE_COLUMNS]
    parts = [("NPS", df)] if not groups else list(df.groupby(groups, sort=True, observed=True))
    for i, (name, part) in enumerate(parts):
        label = " · ".join(map(str, name)) if isinstance(name, tuple) else str(name)
        part = part.sort_values("period")
        ax.fill_between(
            part["period"], part["ci_lower"], part["ci_upper"], color=color(i), alpha=0.18, lw=0
        )
        ax.plot(part["period"], part["nps"], marker="o", color=color(i), label=str(label))
    ax.axhline(0, color="#555555", lw=0.8)
    ax.set_ylim(-100, 100)
    ax.set_ylabel("NPS")
    ax.set_xlabel("period")
    ax.set_title(title or "NPS over time (bands: confidence interval)")
    if groups:
        ax.legend(frameon=False, fontsize=8)
    return ax


def plot_nps_quadrants(
    quadrants: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    jitter: float = 0.3,
    seed: int = 0,
    title: str | None = None,
) -> Axes:
    """Usage × score scatter coloured by quadrant, with the usage split drawn.

    Scores are whole numbers, so points are jittered vertically (by at most
    ``jitter``, with a fixed ``seed``) to show how many share a score.

    Parameters
    ----------
    quadrants : DataFrame
        The result of :func:`adoptmetrics.nps.nps_quadrants`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    jitter : float
        Vertical jitter in score units (0 for none).
    seed : int
        Seed of the jitter.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.nps import nps_quadrants
    >>> r = pd.DataFrame({"account_id": list("abcd"), "timestamp": pd.Timestamp("2024-03-01"),
    ...     "score": [10, 9, 2, 4]})
    >>> ax = plot_nps_quadrants(nps_quadrants(r, pd.Series([30.0, 2, 25, 1], index=list("abcd"))))
    """
    cols = ["score", "usage", "quadrant", "usage_level"]
    df = _require(quadrants, cols, "adoptmetrics.nps.nps_quadrants")
    ax = get_ax(ax, figsize=(7.0, 4.5))
    rng = np.random.default_rng(seed)
    y = df["score"].to_numpy(dtype=float) + rng.uniform(-jitter, jitter, len(df))
    x = df["usage"].to_numpy(dtype=float)
    quad = df["quadrant"].astype(str).to_numpy()
    for name, c in _QUADRANT_COLORS.items():
        m = quad == name
        # Markers of a line, not a scatter: one stamped marker draws tens of
        # thousands of accounts about twice as fast, and looks the same.
        ax.plot(
            x[m],
            y[m],
            linestyle="none",
            marker="o",
            markersize=14**0.5,
            markeredgewidth=0,
            color=c,
            alpha=0.6,
            label=f"{name.replace('_', ' ')} ({int(m.sum())})",
        )
    # the split lies between the highest low-usage and the lowest high-usage value
    high = (df["usage_level"].astype(str) == "high").to_numpy()
    edges = [float(x[~high].max()) if (~high).any() else np.nan]
    edges.append(float(x[high].min()) if high.any() else np.nan)
    finite = [e for e in edges if np.isfinite(e)]
    cut = float(np.mean(finite)) if finite else 0.0
    ax.axvline(cut, color="#333333", ls="--", lw=1)
    for level in (6.5, 8.5):
        ax.axhline(level, color="#333333", ls=":", lw=1)
    ax.annotate(
        "usage split",
        (cut, 10.4),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=8,
        va="center",
    )
    ax.set_ylim(-0.8, 10.8)
    ax.set_xlabel("usage")
    ax.set_ylabel("NPS answer (0–10)")
    ax.set_title(title or "Usage × sentiment quadrants")
    ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_attribute_skew(
    skew: pd.DataFrame,
    /,
    *,
    ax: Axes | None = None,
    top: int = 15,
    alpha: float = 0.05,
    title: str | None = None,
) -> Axes:
    """Lift of each attribute value in the group, most significant first.

    Bars show ``lift`` on a log scale (1 = same share as the rest); values
    whose ``q_value`` is below ``alpha`` are drawn in colour, the others grey.

    Parameters
    ----------
    skew : DataFrame
        The result of :func:`adoptmetrics.segments.attribute_skew`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    top : int
        Show the ``top`` rows with the smallest p-values.
    alpha : float
        The q-value below which a value counts as over- or under-represented.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.segments import attribute_skew
    >>> acc = pd.DataFrame({"account_id": range(8), "plan": ["a", "a", "a", "b"] * 2})
    >>> ax = plot_attribute_skew(attribute_skew(acc, acc.index < 3, attributes=["plan"]))
    """
    cols = ["attribute", "value", "lift", "p_value", "q_value", "n_group"]
    df = _require(skew, cols, "adoptmetrics.segments.attribute_skew")
    df = df.sort_values(["p_value", "attribute"], kind="stable").head(top)
    ax = get_ax(ax, figsize=(7.0, 1.2 + 0.35 * len(df)))
    lift = df["lift"].to_numpy(dtype=float)
    finite = lift[np.isfinite(lift) & (lift > 0)]
    span = float(np.max(np.abs(np.log2(finite)))) if finite.size else 1.0
    lo, hi = 2.0 ** -(span + 0.5), 2.0 ** (span + 0.5)
    shown = np.clip(np.where(np.isfinite(lift), lift, hi), lo, hi)
    sig = df["q_value"].to_numpy(dtype=float) < alpha
    colours = np.where(sig, np.where(shown >= 1, color(3), color(0)), "#bdbdbd")
    y = np.arange(len(df))[::-1]
    ax.barh(y, np.log2(shown), color=colours)
    labels = [f"{a} = {v}" for a, v in zip(df["attribute"], df["value"], strict=True)]
    ax.set_yticks(y, labels)
    ticks = np.arange(-np.ceil(span + 0.5), np.ceil(span + 0.5) + 1)
    ax.set_xticks(ticks, [f"×{2.0**t:g}" for t in ticks])
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel(f"lift: share in group / share in rest (colour: q < {alpha:g})")
    ax.set_title(title or "Attribute skew")
    return ax
