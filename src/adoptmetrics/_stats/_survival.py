"""Survival machinery below the analytics layer.

All numpy, no lifelines (an optional extra, used only as a test reference):
the k-group log-rank test with delayed entry, the variance of a linear
functional of a Kaplan–Meier curve, the Weibull tail of a baseline cumulative
hazard, and the Cox model — Efron's partial likelihood by Newton–Raphson on
whole-day risk sets with delayed entry, its Breslow baseline from the same
risk sets, Harrell's concordance and the Grambsch–Therneau
proportional-hazards test. Kaplan–Meier itself is
:func:`adoptmetrics._stats.kaplan_meier`. Every subject with
``entry == duration > 0`` is never at risk under the ``(entry, duration]``
convention and is ignored (its event, if any, is not counted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

__all__ = [
    "CoxConvergenceError",
    "CoxFit",
    "at_risk_matrix",
    "concordance",
    "fit_cox",
    "km_functional",
    "logrank",
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
    :func:`adoptmetrics._stats.kaplan_meier`; a subject with ``entry ==
    duration > 0`` is never at risk and its event is not counted. Returns
    ``(times, at_risk, died)`` with arrays of shape ``(n_groups, len(times))``.
    """
    t = np.asarray(durations).astype(np.int64)
    e = np.asarray(events, dtype=bool)
    g = np.asarray(groups).astype(np.int64)
    en = np.zeros(len(t), dtype=np.int64) if entry is None else np.asarray(entry).astype(np.int64)
    seen = ~((en >= t) & (en > 0))
    if not seen.all():
        t, e, g, en = t[seen], e[seen], g[seen], en[seen]
    n_max = int(t.max()) + 1 if t.size else 1
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


# --------------------------------------------------------------------------- Cox (numpy)


@attrs.frozen(slots=True)
class CoxFit:
    """A fitted Cox model reduced to plain arrays.

    ``params``/``se``/``p_value`` follow ``columns`` (original units). The
    baseline cumulative hazard is Breslow's estimate at ``means`` (the
    covariates are centred), evaluated at the event times ``baseline_times``
    and built from the same risk sets as the coefficients (delayed entry
    included). ``ph_table`` is the proportional-hazards test.
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
    n_iterations: int
    ph_table: pd.DataFrame = attrs.field(repr=False, eq=False)


class CoxConvergenceError(ValueError):
    """The Cox fit failed (singular information matrix, separation)."""


@attrs.frozen(slots=True)
class _RiskSets:
    """Whole-day risk sets: a subject is at risk at day ``t`` when ``entry < t <= duration``.

    Days are shifted by one (index ``t + 1``) so that subjects observed from
    their start (entry 0, at risk at t = 0 too) sit at index 0.
    """

    exit_idx: IntArray
    entry_idx: IntArray
    event: npt.NDArray[np.bool_]
    event_idx: IntArray  # shifted days with at least one event
    n_events: IntArray  # events per such day
    size: int
    late: IntArray  # subjects with delayed entry (entry > 0)
    events: IntArray  # subjects with an event
    pair_day: IntArray  # Efron pairs (one per event): its event day (position in event_idx)
    pair_frac: FloatArray  # and its fraction l/d of the tied events' weight

    @classmethod
    def build(
        cls, duration: npt.ArrayLike, event: npt.ArrayLike, entry: npt.ArrayLike
    ) -> _RiskSets:
        d = np.asarray(duration, dtype=np.int64)
        e = np.asarray(event, dtype=bool)
        en = np.asarray(entry, dtype=np.int64)
        exit_idx = d + 1
        entry_idx = np.where(en > 0, en + 1, 0)
        size = int(exit_idx.max()) + 2 if d.size else 2
        counts = np.bincount(exit_idx[e], minlength=size)
        event_idx = np.flatnonzero(counts)
        n_events = counts[event_idx]
        day = np.repeat(np.arange(len(n_events)), n_events)
        start = np.repeat(np.cumsum(n_events) - n_events, n_events)
        frac = (np.arange(len(day)) - start) / n_events[day]
        return cls(
            exit_idx,
            entry_idx,
            e,
            event_idx,
            n_events,
            size,
            np.flatnonzero(entry_idx > 0),
            np.flatnonzero(e),
            day,
            frac,
        )

    def at_risk_sums(self, columns: Sequence[FloatArray]) -> FloatArray:
        """Σ of each weight column over the risk set at every event day: (days × k)."""
        out = np.empty((len(self.event_idx), len(columns)))
        late_idx = self.entry_idx[self.late]
        for k, col in enumerate(columns):  # columns, not subjects
            by_exit = np.bincount(self.exit_idx, col, minlength=self.size)
            # Σ_{exit >= u} − Σ_{entry >= u}: those with entry < u <= exit (entry 0 never
            # reaches an event day, which starts at index 1).
            tail = np.cumsum(by_exit[::-1])[::-1]
            if self.late.size:
                by_entry = np.bincount(late_idx, col[self.late], minlength=self.size)
                tail -= np.cumsum(by_entry[::-1])[::-1]
            out[:, k] = tail[self.event_idx]
        return out

    def event_sums(self, columns: Sequence[FloatArray]) -> FloatArray:
        """Σ of each weight column over the subjects with an event at every event day."""
        out = np.empty((len(self.event_idx), len(columns)))
        ex = self.exit_idx[self.events]
        for k, col in enumerate(columns):
            out[:, k] = np.bincount(ex, col[self.events], minlength=self.size)[self.event_idx]
        return out


def _efron_terms(
    z: FloatArray, z_event_sum: FloatArray, beta: FloatArray, rs: _RiskSets
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Efron log partial likelihood, gradient and information; and the Efron means.

    ``z`` is column-major (n × p). Returns ``(loglik, gradient, information,
    mean_x)`` where ``mean_x`` (one row per event day) is the Efron-averaged
    risk-set mean of the covariates (the expectation in a Schoenfeld residual).
    """
    p = z.shape[1]
    eta = z @ beta
    w = np.exp(eta)
    cols = [w] + [w * z[:, k] for k in range(p)]
    s = rs.at_risk_sums(cols)
    sd = rs.event_sums(cols)
    d = rs.n_events
    day, frac = rs.pair_day, rs.pair_frac
    # One Efron pair per event: den = S0(t) − f·S0_D(t). Everything else is a per-day
    # sum of scalar functions of den, so no (events × p) array is ever built.
    den = np.repeat(s[:, 0], d) - frac * np.repeat(sd[:, 0], d)
    inv = 1.0 / den
    days = len(d)
    c0 = np.bincount(day, inv, minlength=days)
    c1 = np.bincount(day, frac * inv, minlength=days)
    q0 = np.bincount(day, inv * inv, minlength=days)
    q1 = np.bincount(day, frac * inv * inv, minlength=days)
    q2 = np.bincount(day, frac * frac * inv * inv, minlength=days)
    s1, d1 = s[:, 1:], sd[:, 1:]
    # Σ_l (S1 − f·S1_D)/den per day.
    ratio_sum = s1 * c0[:, None] - d1 * c1[:, None]
    loglik = float(eta[rs.events].sum() - np.log(den).sum())
    grad = z_event_sum - ratio_sum.sum(axis=0)
    mean_x = ratio_sum / d[:, None]
    # Σ_l (S1 − f·S1_D)(S1 − f·S1_D)ᵀ/den², expanded.
    cross = (s1 * q1[:, None]).T @ d1
    outer = (s1 * q0[:, None]).T @ s1 - cross - cross.T + (d1 * q2[:, None]).T @ d1
    # Σ_l S2(t)/den − f·S2_D(t)/den, folded into one weight per subject.
    c_full = np.zeros(rs.size)
    c_full[rs.event_idx] = c0
    cum = np.cumsum(c_full)
    b_full = np.zeros(rs.size)
    b_full[rs.event_idx] = c1
    a = cum[rs.exit_idx]
    if rs.late.size:
        a[rs.late] -= cum[rs.entry_idx[rs.late]]
    a[rs.events] -= b_full[rs.exit_idx[rs.events]]
    info = np.einsum("ni,nj->ij", z * (w * a)[:, None], z, optimize=True) - outer
    return loglik, np.asarray(grad, dtype=float), np.asarray(info, dtype=float), mean_x


def fit_cox(
    x: FloatArray,
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    *,
    columns: Sequence[str],
    entry: npt.ArrayLike | None = None,
    penalizer: float = 0.0,
    max_iter: int = 50,
) -> tuple[CoxFit, list[str]]:
    """Cox proportional hazards by Newton–Raphson on Efron's partial likelihood.

    Whole-day ``duration``; ``entry`` (days) delays entry into the risk set
    (at risk at ``t`` when ``entry < t <= duration``; entry 0 is at risk from
    day 0). The covariates are centred and scaled before fitting, and the
    optional ridge penalty ``penalizer · n / 2 · Σ β_std²`` acts on the scaled
    coefficients — the parametrisation of lifelines' ``CoxPHFitter``, whose
    estimates this reproduces. Returns the fit and convergence warnings; a
    singular information matrix raises :class:`CoxConvergenceError`.
    """
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    dur = np.asarray(duration, dtype=np.int64)
    ev = np.asarray(event, dtype=bool)
    en = np.zeros(n, dtype=np.int64) if entry is None else np.asarray(entry, dtype=np.int64)
    means = x.mean(axis=0)
    scale = x.std(axis=0, ddof=1) if n > 1 else np.ones(p)
    if np.any(~np.isfinite(x)):
        raise CoxConvergenceError("the covariates hold NaN or infinite values")
    if np.any(scale == 0):
        raise CoxConvergenceError("a covariate column is constant")
    z = np.asfortranarray((x - means) / scale)
    gram = np.linalg.eigvalsh(np.einsum("ni,nj->ij", z, z, optimize=True) / max(n - 1, 1))
    if gram.min() < 1e-10 * max(gram.max(), 1.0):
        raise CoxConvergenceError("the covariates are collinear (singular information matrix)")
    rs = _RiskSets.build(dur, ev, en)
    pen = float(penalizer) * n
    beta = np.zeros(p)
    caught: list[str] = []

    z_event_sum = z[ev].sum(axis=0)

    def evaluate(b: FloatArray) -> tuple[float, FloatArray, FloatArray, FloatArray]:
        ll, g, h, mx = _efron_terms(z, z_event_sum, b, rs)
        return ll - 0.5 * pen * float(b @ b), g - pen * b, h + pen * np.eye(p), mx

    ll, grad, info, mean_x = evaluate(beta)
    converged = False
    it = 0
    while it < max_iter:  # Newton steps, not subjects
        it += 1
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError as exc:
            raise CoxConvergenceError(f"singular information matrix ({exc})") from exc
        if not np.all(np.isfinite(step)):
            raise CoxConvergenceError("the Newton step is not finite")
        size = 1.0
        while True:  # step halving keeps the likelihood increasing
            cand = beta + size * step
            new = evaluate(cand)
            if np.isfinite(new[0]) and new[0] >= ll - 1e-12 * abs(ll):
                break
            size /= 2
            if size < 1e-6:
                break
        change = new[0] - ll
        beta, (ll, grad, info, mean_x) = cand, new
        if abs(change) <= 1e-12 * max(1.0, abs(ll)) or float(np.max(np.abs(size * step))) < 1e-10:
            converged = True
            break
    if not converged:
        caught.append(f"Newton–Raphson did not converge in {max_iter} steps")
    elif np.any(np.abs(beta) > 20):
        caught.append("some coefficients are very large (complete separation?)")
    try:
        cov_z: FloatArray = np.asarray(np.linalg.inv(info), dtype=float)
    except np.linalg.LinAlgError as exc:
        raise CoxConvergenceError(f"singular information matrix ({exc})") from exc
    params = beta / scale
    se = np.sqrt(np.diag(cov_z)) / scale
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2 * stats.norm.sf(np.abs(params / se))
    # Breslow baseline hazard at the means, from the same risk sets (delayed entry).
    w = np.exp(z @ beta)
    s0 = rs.at_risk_sums([w])[:, 0]
    base_t = (rs.event_idx - 1).astype(float)
    base_h = np.cumsum(rs.n_events / s0)
    # The Schoenfeld residuals r_i = z_i − x̄(t_i) enter the PH test only through
    # Σ_i τ_i r_i (τ: centred rank of the death times), summed without forming them.
    tau = _average_rank(dur[ev])
    tau -= tau.mean()
    death_day = np.searchsorted(rs.event_idx, rs.exit_idx[ev])
    tau_all = np.zeros(n)
    tau_all[ev] = tau
    tau_resid = tau_all @ z - np.bincount(death_day, tau, minlength=len(rs.event_idx)) @ mean_x
    ph = _ph_table(columns, np.asarray(tau_resid, dtype=float), float(tau @ tau), len(tau), cov_z)
    fit = CoxFit(
        columns=tuple(columns),
        params=params,
        se=se,
        p_value=p_value,
        means=means,
        baseline_times=base_t,
        baseline_cumhaz=base_h,
        concordance=concordance(dur, -(z @ beta), ev),
        log_likelihood=ll,
        converged=not caught,
        n_iterations=it,
        ph_table=ph,
    )
    return fit, caught


def _ph_table(
    columns: Sequence[str],
    tau_resid: FloatArray,
    tau_ss: float,
    n_deaths: int,
    cov: FloatArray,
) -> pd.DataFrame:
    """Grambsch–Therneau test on scaled Schoenfeld residuals against the rank of time.

    ``T_k = (Σ_i (τ_i − τ̄) r*_ik)² / (D · Var(β_k) · Σ_i (τ_i − τ̄)²)`` with
    ``r* = D · r · Var(β)`` (D deaths, τ the rank of the death times), the
    approximation lifelines' ``proportional_hazard_test`` computes; χ² with 1
    df per term. ``tau_resid`` is ``Σ_i (τ_i − τ̄) r_i``, ``tau_ss`` is
    ``Σ_i (τ_i − τ̄)²``. Invariant to the scaling of the covariates.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = (n_deaths * tau_resid @ cov) ** 2 / (n_deaths * np.diag(cov) * tau_ss)
    return pd.DataFrame(
        {
            "covariate": list(columns),
            "statistic": stat,
            "degrees_of_freedom": np.ones(len(columns), dtype=np.int64),
            "p_value": stats.chi2.sf(stat, 1),
        }
    )


def concordance(durations: npt.ArrayLike, scores: npt.ArrayLike, events: npt.ArrayLike) -> float:
    """Harrell's C: higher ``scores`` should mean longer survival.

    A pair is comparable when the shorter duration ended in an event (a
    subject censored at the time of an event counts as outliving it; two
    events at the same time are not comparable); tied scores count one half
    — lifelines' ``concordance_index``. O(n log n) without a loop over
    subjects: one sort by score, then, for each bit of the dense time rank,
    the pairs whose time ranks first differ at that bit (the earlier one an
    event) are counted by a cumulative sum in (higher time bits, score) order
    — a Fenwick tree's sums done one level at a time; that order comes from
    the score order by a stable counting sort on the small time prefix.
    """
    t = np.asarray(durations)
    s = np.asarray(scores, dtype=float)
    e = np.asarray(events, dtype=bool)
    if not e.any():
        return float("nan")
    n = len(t)
    by_score = np.argsort(s)  # ties get one rank below: no need for a stable sort
    sorted_s = s[by_score]
    # Dense score ranks in score order; equal scores share a rank.
    rank_sorted = np.concatenate([[0], np.cumsum(sorted_s[1:] != sorted_s[:-1])])
    distinct = int(rank_sorted[-1]) == n - 1
    tidx = _dense_rank(t)
    t_sorted = tidx[by_score]
    e_sorted = e[by_score]
    conc = tied = pairs = 0

    def count(group: IntArray, left: npt.NDArray[np.bool_], right: npt.NDArray[np.bool_]) -> None:
        """Pairs (i left, j right) in one group: Σ_j #{i: r_i < r_j}, #{r_i = r_j}, #{i}."""
        nonlocal conc, tied, pairs
        sizes = np.bincount(group)
        g_start = np.concatenate([[0], np.cumsum(sizes)])
        side = left.view(np.int8) + 2 * right.view(np.int8)
        order = None
        if len(sizes) > 1:  # stable on the group: within a group the score order is kept
            order = np.argsort(_small(group), kind="stable")
            side = side[order]
        before = np.zeros(n + 1, dtype=np.int64)  # left subjects before each position
        np.cumsum(side & 1, out=before[1:])
        n_right = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(side >> 1, out=n_right[1:])
        in_group = n_right[g_start[1:]] - n_right[g_start[:-1]]
        pairs += int(in_group @ (before[g_start[1:]] - before[g_start[:-1]]))
        if distinct:  # every score its own block: no ties, and a right subject is not left
            conc += int((side >> 1) @ before[:-1] - in_group @ before[g_start[:-1]])
            return
        r = rank_sorted if order is None else rank_sorted[order]
        new_block = np.zeros(n, dtype=bool)  # a block: one group, one score
        new_block[g_start[:-1][sizes > 0]] = True
        new_block[1:] |= r[1:] != r[:-1]
        b_start = np.flatnonzero(new_block)
        b_end = np.append(b_start[1:], n)
        in_block = n_right[b_end] - n_right[b_start]
        conc += int(in_block @ before[b_start] - in_group @ before[g_start[:-1]])
        tied += int(in_block @ (before[b_end] - before[b_start]))

    for bit in range(max(1, int(tidx.max()).bit_length())):  # bits of the time rank
        low = ((t_sorted >> bit) & 1) == 0
        count(t_sorted >> (bit + 1), low & e_sorted, ~low)
    # A censoring is comparable with the events at its own time too.
    count(t_sorted, e_sorted, ~e_sorted)
    return (conc + 0.5 * tied) / pairs if pairs else float("nan")


def _average_rank(values: npt.NDArray[Any]) -> FloatArray:
    """Ranks 1..n with ties averaged (scipy's ``rankdata``), whole days by a bincount."""
    dense = _dense_rank(values)
    counts = np.bincount(dense).astype(float)
    below = np.cumsum(counts) - counts  # values smaller than each distinct value
    return np.asarray((below + (counts + 1) / 2)[dense], dtype=float)


def _dense_rank(values: npt.NDArray[Any]) -> IntArray:
    """0, 1, … over the distinct values, in order (whole days by a bincount)."""
    if values.dtype.kind in "iu" and values.size:
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * values.size + 1024:
            shifted = values.astype(np.int64) - lo
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            return (np.cumsum(present) - 1)[shifted]
    _, inverse = np.unique(values, return_inverse=True)
    return np.asarray(inverse, dtype=np.int64).ravel()


def _small(codes: IntArray) -> npt.NDArray[np.signedinteger[Any]]:
    """Codes as int16 when they fit: numpy's stable sort is then a radix sort."""
    if codes.size and int(codes.max()) < 2**15:
        return codes.astype(np.int16)
    return codes
