"""Survival machinery below the analytics layer.

Every ``lifelines`` import of the package lives in this module (lifelines
ships no type information, so it is wrapped here behind typed functions).
The numpy pieces — the k-group log-rank test with delayed entry, the
variance of a linear functional of a Kaplan–Meier curve, and the Weibull tail
of a baseline cumulative hazard — sit here too so that other capabilities
(onboarding's time-to-value) can reuse them. Kaplan–Meier itself is
:func:`adoptmetrics._stats.kaplan_meier`.
"""

from __future__ import annotations

import warnings
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

__all__ = [
    "CoxFit",
    "at_risk_matrix",
    "fit_cox",
    "km_functional",
    "logrank",
    "ph_test",
    "weibull_shape",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- log-rank


def at_risk_matrix(
    durations: npt.ArrayLike,
    events: npt.ArrayLike,
    groups: npt.ArrayLike,
    n_groups: int,
    *,
    entry: npt.ArrayLike | None = None,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per group and distinct event time: the number at risk and the events.

    Whole-number times; a subject is at risk at ``t`` when ``entry < t <=
    duration`` (at ``t = 0`` when it entered at 0), as in
    :func:`adoptmetrics._stats.kaplan_meier`. Returns ``(times, at_risk,
    died)`` with arrays of shape ``(n_groups, len(times))``.
    """
    t = np.asarray(durations).astype(np.int64)
    e = np.asarray(events, dtype=bool)
    g = np.asarray(groups).astype(np.int64)
    n_max = int(t.max()) + 1 if t.size else 1
    en = np.zeros(len(t), dtype=np.int64) if entry is None else np.asarray(entry).astype(np.int64)
    size = n_groups * n_max
    died = np.bincount(g[e] * n_max + t[e], minlength=size).reshape(n_groups, n_max)
    left = np.bincount(g * n_max + t, minlength=size).reshape(n_groups, n_max)
    entered = np.bincount(g * n_max + en, minlength=size).reshape(n_groups, n_max)
    zero = np.zeros((n_groups, 1))
    at_risk = np.hstack([zero, np.cumsum(entered, axis=1)[:, :-1]]) - np.hstack(
        [zero, np.cumsum(left, axis=1)[:, :-1]]
    )
    at_risk[:, 0] = np.bincount(g[en == 0], minlength=n_groups)
    times = np.flatnonzero(died.sum(axis=0) > 0)
    return times.astype(np.int64), at_risk[:, times].astype(float), died[:, times].astype(float)


def logrank(
    durations: npt.ArrayLike,
    events: npt.ArrayLike,
    groups: npt.ArrayLike,
    n_groups: int,
    *,
    entry: npt.ArrayLike | None = None,
) -> tuple[float, int, float]:
    """The k-group log-rank test (Mantel–Haenszel weights), with delayed entry.

    ``groups`` holds integer codes ``0..n_groups-1``. The statistic is
    ``(O − E)ᵀ V⁻ (O − E)`` over the first ``k − 1`` groups with the
    hypergeometric covariance ``V`` (Klein & Moeschberger, 2003, §7.3);
    it follows χ² with ``k − 1`` degrees of freedom. Returns
    ``(statistic, degrees_of_freedom, p_value)``. Groups without subjects
    are ignored.
    """
    g = np.asarray(groups).astype(np.int64)
    present = np.flatnonzero(np.bincount(g, minlength=n_groups) > 0)
    remap = np.full(n_groups, -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    k = len(present)
    if k < 2:
        return float("nan"), 0, float("nan")
    _, n_gt, d_gt = at_risk_matrix(durations, events, remap[g], k, entry=entry)
    n_t = n_gt.sum(axis=0)
    d_t = d_gt.sum(axis=0)
    ok = n_t > 0
    n_gt, d_gt, n_t, d_t = n_gt[:, ok], d_gt[:, ok], n_t[ok], d_t[ok]
    share = n_gt / n_t
    observed_minus_expected = (d_gt - d_t * share).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    cov = np.einsum("t,gt,ht->gh", scale, share, share)
    var = (scale * share).sum(axis=1)
    v = np.diag(var) - cov
    u = observed_minus_expected[:-1]
    v = v[:-1, :-1]
    stat = float(u @ np.linalg.pinv(v) @ u) if np.any(v) else float("nan")
    df = k - 1
    return stat, df, float(stats.chi2.sf(stat, df)) if np.isfinite(stat) else float("nan")


# --------------------------------------------------------------------------- KM functionals


def km_functional(
    km: dict[str, Any], grid: npt.ArrayLike, weights: npt.ArrayLike
) -> tuple[float, float]:
    """``F = Σ_m w_m Ŝ(g_m)`` for a Kaplan–Meier curve, and its delta-method variance.

    ``km`` is the output of :func:`adoptmetrics._stats.kaplan_meier`; Ŝ is
    right-continuous (Ŝ(g) includes the events at time ``g``). With unit
    weights on ``g = 0, …, τ − 1`` this is the restricted mean ``∫₀^τ Ŝ``, and
    the variance is the classic Greenwood-based one,
    ``Σ_i A_i² d_i / (n_i (n_i − d_i))`` with ``A_i = Σ_{g_m ≥ t_i} w_m Ŝ(g_m)``
    (Klein & Moeschberger, 2003, eq. 4.5.1).
    """
    g = np.asarray(grid, dtype=float)
    w = np.asarray(weights, dtype=float)
    times = np.asarray(km["time"], dtype=float)
    surv = np.asarray(km["survival"], dtype=float)
    pos = np.searchsorted(times, g, side="right") - 1
    s_grid = np.where(pos >= 0, surv[np.maximum(pos, 0)], 1.0)
    contrib = w * s_grid
    value = float(contrib.sum())
    # A_i: weight of the grid points at or after each event time.
    tail = np.concatenate([np.cumsum(contrib[::-1])[::-1], [0.0]])
    first = np.searchsorted(g, times, side="left")
    a = tail[first]
    d = np.asarray(km["n_events"], dtype=float)
    n = np.asarray(km["n_at_risk"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where((d > 0) & (n > d), a**2 * d / (n * (n - d)), 0.0)
    return value, float(term.sum())


# --------------------------------------------------------------------------- Weibull tail


def weibull_shape(
    times: npt.ArrayLike,
    cumhaz: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    start: float = 0.0,
    min_points: int = 10,
) -> float:
    """Weibull shape ρ from a cumulative hazard: the slope of log H(t) on log t.

    A weighted least-squares fit over the points with ``t > 0`` and
    ``H(t) > 0`` (weights: events at each time), restricted to ``t >= start``
    when at least ``min_points`` such points exist (the local shape near the
    end of follow-up is what matters for extrapolation). Returns 1.0 (a
    constant hazard) when fewer than two points exist; the slope is clipped
    to [0.2, 5] so that a handful of late events cannot produce an absurd tail.
    """
    t = np.asarray(times, dtype=float)
    h = np.asarray(cumhaz, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = (t > 0) & (h > 0) & (w > 0)
    if np.sum(ok & (t >= start)) >= min_points:
        ok &= t >= start
    if ok.sum() < 2 or np.unique(t[ok]).size < 2:
        return 1.0
    x, y, ww = np.log(t[ok]), np.log(h[ok]), w[ok]
    xm = np.average(x, weights=ww)
    ym = np.average(y, weights=ww)
    denom = float(np.sum(ww * (x - xm) ** 2))
    if denom <= 0:
        return 1.0
    slope = float(np.sum(ww * (x - xm) * (y - ym)) / denom)
    return float(np.clip(slope, 0.2, 5.0))


# --------------------------------------------------------------------------- Cox (lifelines)


@attrs.frozen(slots=True)
class CoxFit:
    """A fitted lifelines Cox model reduced to plain arrays.

    ``params``/``se``/``p_value`` follow ``columns``; the baseline cumulative
    hazard is lifelines' Breslow estimate at ``means`` (lifelines centres the
    covariates), evaluated at ``baseline_times``.
    """

    columns: tuple[str, ...]
    params: FloatArray
    se: FloatArray
    p_value: FloatArray
    means: FloatArray
    baseline_times: FloatArray
    baseline_cumhaz: FloatArray
    concordance: float
    log_likelihood: float
    converged: bool
    fitter: Any = attrs.field(repr=False, eq=False)
    data: pd.DataFrame = attrs.field(repr=False, eq=False)


class CoxConvergenceError(ValueError):
    """The Cox fit failed (singular information matrix, separation)."""


def fit_cox(
    data: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    entry_col: str | None = None,
    penalizer: float = 0.0,
) -> tuple[CoxFit, list[str]]:
    """Fit ``lifelines.CoxPHFitter`` (Efron ties); returns the fit and its warnings.

    Convergence warnings are returned as messages (the caller re-emits them
    with a hint); a failed fit raises :class:`CoxConvergenceError`.
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    cph = CoxPHFitter(penalizer=penalizer)
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            cph.fit(
                data,
                duration_col=duration_col,
                event_col=event_col,
                entry_col=entry_col,
                show_progress=False,
            )
        except ConvergenceError as exc:
            raise CoxConvergenceError(str(exc).strip().splitlines()[0]) from exc
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise CoxConvergenceError(str(exc).strip().splitlines()[0]) from exc
    for item in record:
        if issubclass(item.category, ConvergenceWarning) or "converge" in str(item.message):
            caught.append(str(item.message).strip().splitlines()[0])
    columns = tuple(str(c) for c in cph.params_.index)
    base = cph.baseline_cumulative_hazard_
    summary = cph.summary
    fit = CoxFit(
        columns=columns,
        params=cph.params_.to_numpy(dtype=float),
        se=cph.standard_errors_.to_numpy(dtype=float),
        p_value=summary["p"].to_numpy(dtype=float),
        means=np.asarray(cph._norm_mean.to_numpy(dtype=float)),
        baseline_times=base.index.to_numpy(dtype=float),
        baseline_cumhaz=base.iloc[:, 0].to_numpy(dtype=float),
        concordance=float(cph.concordance_index_),
        log_likelihood=float(cph.log_likelihood_),
        converged=not caught,
        fitter=cph,
        data=data,
    )
    return fit, caught


def ph_test(fit: CoxFit) -> pd.DataFrame:
    """Schoenfeld-residual test of proportional hazards (lifelines, rank time transform).

    One row per model column: ``covariate``, ``test_statistic``,
    ``degrees_of_freedom``, ``p_value``.
    """
    from lifelines.statistics import proportional_hazard_test

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = proportional_hazard_test(fit.fitter, fit.data, time_transform="rank")
    summary = res.summary
    names = [str(i[0]) if isinstance(i, tuple) else str(i) for i in summary.index]
    return pd.DataFrame(
        {
            "covariate": names,
            "test_statistic": summary["test_statistic"].to_numpy(dtype=float),
            "degrees_of_freedom": np.ones(len(names), dtype=np.int64),
            "p_value": summary["p"].to_numpy(dtype=float),
        }
    )


def concordance(durations: npt.ArrayLike, scores: npt.ArrayLike, events: npt.ArrayLike) -> float:
    """Harrell's C: higher ``scores`` should mean longer survival (lifelines' convention)."""
    from lifelines.utils import concordance_index

    return float(concordance_index(np.asarray(durations), np.asarray(scores), np.asarray(events)))
