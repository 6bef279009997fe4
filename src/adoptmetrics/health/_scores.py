"""Health scores from a metrics table and a scorecard: :func:`health_scores`."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import SchemaError
from adoptmetrics.models import Measure, Scorecard

__all__ = ["BANDS", "DEFAULT_SCORECARD", "health_scores"]

#: Band labels, worst first.
BANDS = ("red", "yellow", "green")

#: The default scorecard. Why each weight (they sum to 1):
#:
#: - ``active_days`` 0.20, 2 → 15 days a month: how often the account uses the
#:   product at all is the first thing every CS playbook looks at.
#: - ``usage_trend`` 0.20, 0.5 → 1.0: a halving of events month on month is
#:   the classic early sign of a lapse; flat or growing use scores full marks.
#: - ``user_growth`` 0.15, 0.6 → 1.0: shrinking active users means champions
#:   are leaving or teams are dropping the tool.
#: - ``seat_utilization`` 0.15, 0.3 → 0.8: unused seats are shelfware and the
#:   first line cut at renewal.
#: - ``nps`` 0.15, 6 → 9: detractors (≤ 6) say they would not recommend it;
#:   promoters (≥ 9) score full marks.
#: - ``breadth`` 0.10, 0.1 → 0.4: accounts that use few features are easier
#:   to replace; weighted lower because breadth also depends on the plan.
#: - ``days_since_active`` 0.05, 14 → 2 (lower is better): mostly repeats
#:   ``active_days``, so it only breaks ties for accounts gone quiet lately.
DEFAULT_SCORECARD = Scorecard(
    [
        Measure("active_days", 0.20, bad=2, good=15),
        Measure("usage_trend", 0.20, bad=0.5, good=1.0),
        Measure("user_growth", 0.15, bad=0.6, good=1.0),
        Measure("seat_utilization", 0.15, bad=0.3, good=0.8),
        Measure("nps", 0.15, bad=6, good=9),
        Measure("breadth", 0.10, bad=0.1, good=0.4),
        Measure("days_since_active", 0.05, bad=14, good=2),
    ],
    bands=(50, 75),
)


class HasScorecard(Protocol):
    """Anything with a ``.scorecard`` (a fitted ``HealthModel``)."""

    @property
    def scorecard(self) -> Scorecard: ...


def check_scorecard(scorecard: object) -> Scorecard:
    """``None`` → the default; a model with ``.scorecard`` → its scorecard."""
    if scorecard is None:
        return DEFAULT_SCORECARD
    inner = getattr(scorecard, "scorecard", None)
    if isinstance(inner, Scorecard):
        return inner
    if not isinstance(scorecard, Scorecard):
        raise TypeError(
            f"scorecard must be a Scorecard, got {type(scorecard).__name__}.\n"
            "Hint: Scorecard([Measure('active_days', weight=1, bad=2, good=15)]), "
            "or a HealthModel's .scorecard."
        )
    return scorecard


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _texts(prefix: str, values: np.ndarray) -> list[str]:
    """``prefix + _fmt(v) + ")"`` per value; each distinct value formatted once."""
    distinct, inverse = np.unique(values, return_inverse=True)
    if len(distinct) * 2 > len(values):
        return [f"{prefix}{_fmt(v)})" for v in values.tolist()]
    made = np.array([f"{prefix}{_fmt(v)})" for v in distinct.tolist()], dtype=object)
    return list(made[inverse.reshape(-1)])


def band_of(score: np.ndarray, bands: tuple[float, float]) -> pd.Categorical[str]:
    """red below ``bands[0]``, green at or above ``bands[1]``, yellow between; NaN stays NaN."""
    code = np.where(score < bands[0], 0, np.where(score >= bands[1], 2, 1))
    code = np.where(np.isnan(score), -1, code)
    return pd.Categorical.from_codes(code.astype(np.int64), categories=pd.Index(list(BANDS)))


def health_scores(
    metrics: pd.DataFrame,
    /,
    *,
    scorecard: Scorecard | HasScorecard | None = None,
    n_reasons: int = 3,
    account_col: str = "account_id",
) -> pd.DataFrame:
    """Score each account 0–100 and band it red / yellow / green.

    Each measure becomes a component ``clip((value − bad) / (good − bad), 0, 1)
    × 100``; the score is the weighted mean of the components the account
    has, so a missing value (NaN) drops out and the remaining weights are
    renormalised — it is never read as 0.

    Parameters
    ----------
    metrics : DataFrame
        One row per account: ``account_col`` and the columns the scorecard
        names (usually the output of :func:`account_metrics`).
    scorecard : Scorecard or HealthModel, optional
        The measures and band edges; default :data:`DEFAULT_SCORECARD`. A
        fitted ``HealthModel`` may be passed as it is.
    n_reasons : int, default 3
        At most this many weak components are listed in ``reasons``.
    account_col : str
        Column of ``metrics`` holding the account id.

    Returns
    -------
    DataFrame
        One row per account, in the order of ``metrics``:

        - ``account_id`` (named after ``account_col``): the account.
        - ``score``: weighted mean of the available components, 0–100 (NaN
          when the account has none of the measures).
        - ``band``: ``red`` below the first band edge, ``green`` at or above
          the second, ``yellow`` between (categorical; NaN without a score).
        - ``score_<column>``: the component of each measure, 0–100 (NaN when
          the value is missing).
        - ``reasons``: tuple of the weakest components (component below 50),
          largest weighted shortfall first, e.g. ``"usage_trend low (0.4)"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from adoptmetrics.models import Measure, Scorecard
    >>> card = Scorecard([Measure("active_days", 3, bad=0, good=10),
    ...                   Measure("days_since_active", 1, bad=14, good=0)])
    >>> m = pd.DataFrame({"account_id": ["a", "b"], "active_days": [5, None],
    ...                   "days_since_active": [7, 14]})
    >>> health_scores(m, scorecard=card)[["account_id", "score", "band", "reasons"]]
      account_id  score band                      reasons
    0          a   50.0  yellow                         ()
    1          b    0.0     red  (days_since_active high (14),)
    """
    card = check_scorecard(scorecard)
    if isinstance(n_reasons, bool) or not isinstance(n_reasons, (int, np.integer)) or n_reasons < 0:
        raise ValueError(f"n_reasons={n_reasons!r} must be a whole number ≥ 0.\nHint: n_reasons=3.")
    score, comps, values = score_arrays(metrics, card, account_col=account_col)
    out = pd.DataFrame(
        {
            account_col: metrics[account_col].to_numpy(),
            "score": score,
            "band": band_of(score, card.bands),
        }
    )
    for j, m in enumerate(card.measures):
        out[f"score_{m.column}"] = comps[:, j]
    weights = np.array([float(m.weight) for m in card.measures])
    out["reasons"] = _reasons(card, comps, values, weights, n_reasons)
    return out


def score_arrays(
    metrics: pd.DataFrame, card: Scorecard, *, account_col: str | None = "account_id"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The checked scoring of :func:`health_scores`: score, components and values per row.

    ``account_col=None``: rows known to be one per account (internal tables), not checked.
    """
    if not isinstance(metrics, pd.DataFrame):
        raise TypeError(
            f"metrics must be a pandas DataFrame, got {type(metrics).__name__}.\n"
            "Hint: build it with am.health.account_metrics(events, ...)."
        )
    if account_col is not None and account_col not in metrics.columns:
        raise SchemaError(
            "metrics",
            account_col,
            f"is missing; the table has columns {[str(c) for c in metrics.columns]}",
            "pass account_col='<your id column>'.",
        )
    missing = [c for c in card.columns if c not in metrics.columns]
    if missing:
        raise ValueError(
            f"scorecard: measure column {missing[0]!r} is not a column of metrics "
            f"(it has {[str(c) for c in metrics.columns]}).\n"
            "Hint: rename the Measure to a metrics column, or add the column to metrics "
            "(account_metrics gives active_days, usage_trend, user_growth, seat_utilization, "
            "breadth, days_since_active, nps, tenure_days, ...)."
        )
    dup = np.zeros(0, dtype=bool)
    if account_col is not None:
        dup = metrics[account_col].duplicated().to_numpy()
    if dup.any():
        raise SchemaError(
            "metrics",
            account_col,
            f"has {int(dup.sum())} duplicate accounts",
            "keep one row per account.",
            rows=list(metrics.index[np.flatnonzero(dup)[:5]]),
        )
    n = len(metrics)
    comps = np.empty((n, len(card.measures)))
    values = np.empty((n, len(card.measures)))
    for j, m in enumerate(card.measures):
        col = metrics[m.column]
        if pd.api.types.is_bool_dtype(col.dtype) or not (
            pd.api.types.is_numeric_dtype(col.dtype) or col.dtype == object
        ):
            raise SchemaError(
                "metrics",
                m.column,
                f"has dtype {col.dtype}, not numbers",
                f"convert it with pd.to_numeric(metrics[{m.column!r}]).",
            )
        try:
            values[:, j] = pd.to_numeric(col, errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise SchemaError(
                "metrics",
                m.column,
                "holds values that are not numbers",
                f"convert it with pd.to_numeric(metrics[{m.column!r}], errors='coerce').",
            ) from None
        comps[:, j] = m.component(values[:, j])
    weights = np.array([float(m.weight) for m in card.measures])
    present = ~np.isnan(comps)
    wsum = present @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(wsum > 0, np.nan_to_num(comps) @ weights / wsum, np.nan)
    return score, comps, values


def tuples_by_pattern(
    pattern: np.ndarray, columns: list[np.ndarray], n: int
) -> list[tuple[str, ...]]:
    """Per row ``i``: the tuple of ``columns[j][i]`` for the ``j`` listed in ``pattern[i]``.

    ``pattern`` (rows × slots) holds column numbers, ``-1`` for an empty slot
    (empty slots come last). Rows with the same pattern are built together by
    ``zip`` over string arrays, so no Python code runs per (row, column).
    """
    out = np.empty(n, dtype=object)
    out[:] = [()] * n
    if n == 0 or pattern.shape[1] == 0:
        return list(out)
    kinds, which = np.unique(pattern, axis=0, return_inverse=True)
    which = np.asarray(which).reshape(-1)
    rows_of = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[rows_of], np.arange(len(kinds) + 1))
    for k, kind in enumerate(kinds):  # a loop over the distinct patterns, not rows
        cols = [int(j) for j in kind if j >= 0]
        if not cols:
            continue
        rows = rows_of[bounds[k] : bounds[k + 1]]
        made = zip(*(columns[j][rows] for j in cols), strict=True)
        out[rows] = np.fromiter(made, dtype=object, count=len(rows))
    return list(out)


def _reasons(
    card: Scorecard, comps: np.ndarray, values: np.ndarray, weights: np.ndarray, k: int
) -> list[tuple[str, ...]]:
    """Per account: up to ``k`` components below 50, largest weighted shortfall first."""
    n, m = comps.shape
    weak = np.asarray(comps < 50, dtype=bool)
    loss = np.where(weak, weights * (100 - np.nan_to_num(comps, nan=100.0)), -1.0)
    # Stable order on −loss keeps scorecard order among equal shortfalls (never the id).
    order = np.argsort(-loss, axis=1, kind="stable")[:, :k]
    pattern = np.where(np.take_along_axis(weak, order, axis=1), order, -1)
    # Weak slots come first in the order (their loss is ≥ 0 > −1), so empty ones are last.
    words = ["high" if meas.lower_is_better else "low" for meas in card.measures]
    texts = []
    for j in range(m):  # one string per weak value of each component
        col = np.empty(n, dtype=object)
        rows = np.flatnonzero(weak[:, j])
        prefix = f"{card.measures[j].column} {words[j]} ("
        col[rows] = _texts(prefix, values[rows, j])
        texts.append(col)
    return tuples_by_pattern(pattern, texts, n)
