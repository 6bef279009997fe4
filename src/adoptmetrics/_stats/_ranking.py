"""Rank metrics that never depend on how ids are spelled: ties are averaged.

When several items share a score, any order among them is as good as any
other. Breaking the tie by id (or by row order) makes precision@k, top-decile
lift and gains curves change when ids are renamed. Every function here gives
the *expected* value under a uniformly random order within each tie, which
is exact and needs no seed: inside a tie of size ``m`` holding ``h``
positives, each position holds ``h / m`` expected positives.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "auc_with_ties",
    "expected_cumulative_hits",
    "expected_precision_at_k",
    "tie_rank",
    "top_fraction_lift",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _inputs(score: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    s = np.asarray(score, dtype=float)
    t = np.asarray(y, dtype=float)
    if s.shape != t.shape or s.ndim != 1:
        raise ValueError("score and y must be 1-d arrays of the same length.")
    return s, t


def expected_cumulative_hits(score: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """Expected positives among the top ``j`` items (``j = 0..n``), highest score first.

    Within a tie the positives are spread evenly over its positions (the
    expectation under a random order of the tie), so the result is the same
    whatever the ids or the row order.
    """
    s, t = _inputs(score, y)
    n = len(s)
    if n == 0:
        return np.zeros(1)
    # Tie groups in descending score; NaN scores rank last, as one tie.
    key = np.where(np.isnan(s), -np.inf, s)
    uniq, inverse = np.unique(-key, return_inverse=True)
    size = np.bincount(inverse, minlength=len(uniq)).astype(float)
    hits = np.bincount(inverse, weights=t, minlength=len(uniq))
    group_end = np.cumsum(size)
    hits_before = np.cumsum(hits) - hits
    pos = np.arange(1, n + 1, dtype=float)
    g = np.searchsorted(group_end, pos, side="left")
    start = group_end[g] - size[g]
    cum = hits_before[g] + (pos - start) * hits[g] / size[g]
    return np.asarray(np.r_[0.0, cum], dtype=float)


def expected_precision_at_k(score: npt.ArrayLike, y: npt.ArrayLike, k: int) -> float:
    """Share of positives among the top ``k`` (ties straddling the cut averaged)."""
    cum = expected_cumulative_hits(score, y)
    n = len(cum) - 1
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must be between 1 and the number of items ({n}).")
    return float(cum[k] / k)


def top_fraction_lift(score: npt.ArrayLike, y: npt.ArrayLike, fraction: float = 0.1) -> float:
    """Positive rate in the top ``ceil(fraction · n)`` items ÷ the overall rate (tie-averaged).

    NaN when there is no positive.
    """
    s, t = _inputs(score, y)
    n = len(s)
    if n == 0 or not 0 < fraction <= 1:
        return math.nan
    rate = float(t.mean())
    if rate <= 0:
        return math.nan
    top = max(1, math.ceil(fraction * n - 1e-9))
    return expected_precision_at_k(s, t, top) / rate


def auc_with_ties(score: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Mann–Whitney AUC: P(score of a positive > score of a negative), a tie counting 1/2.

    NaN when every item has the same outcome.
    """
    s, t = _inputs(score, y)
    pos = t > 0
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return math.nan
    ranks = stats.rankdata(s)  # average ranks: a tie counts one half
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def tie_rank(score: npt.ArrayLike) -> IntArray:
    """Rank 1 for the highest score; tied scores share the best rank of the tie ("1224").

    NaN scores rank last.
    """
    s = np.asarray(score, dtype=float)
    key = np.where(np.isnan(s), np.inf, -s)
    return np.asarray(stats.rankdata(key, method="min"), dtype=np.int64)
