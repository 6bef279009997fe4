"""Shared statistics, written once and used by every analytics module.

All functions are vectorised over numpy arrays. References are quoted at each
function; the tests pin them to hand-computed values or to scipy/statsmodels
formulas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "benjamini_hochberg",
    "check_confidence",
    "chi2_2x2",
    "fisher_exact_2x2",
    "kaplan_meier",
    "nps_interval",
    "nps_standard_error",
    "wilson_interval",
    "woolf_interval",
    "z_value",
]

FloatArray = npt.NDArray[np.float64]


def check_confidence(confidence: float) -> float:
    """Validate a confidence level (0 < confidence < 1)."""
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise TypeError(f"confidence={confidence!r} must be a number such as 0.95.")
    if not 0 < confidence < 1:
        raise ValueError(
            f"confidence={confidence!r} must be between 0 and 1.\n"
            "Hint: use 0.95 for 95 % intervals (not 95)."
        )
    return float(confidence)


def z_value(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level (1.959964 for 0.95)."""
    return float(stats.norm.ppf(0.5 + check_confidence(confidence) / 2))


def wilson_interval(
    successes: npt.ArrayLike, n: npt.ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for binomial proportions.

    Wilson (1927); the form in Brown, Cai & DasGupta (2001), eq. (4). Where
    ``n == 0`` both bounds are NaN.
    """
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
        lower = np.clip(centre - half, 0.0, 1.0)
        upper = np.clip(centre + half, 0.0, 1.0)
    # Exact endpoints at p = 0 and p = 1 (rounding would otherwise leave 1e-17).
    lower = np.where(k == 0, 0.0, lower)
    upper = np.where(k == m, 1.0, upper)
    bad = m <= 0
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def woolf_interval(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    c: npt.ArrayLike,
    d: npt.ArrayLike,
    confidence: float = 0.95,
    *,
    correction: float = 0.5,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Odds ratio of a 2×2 table and its Woolf (log) interval.

    Table ``[[a, b], [c, d]]``: the odds ratio is ``(a·d)/(b·c)``. Where any
    cell is zero, ``correction`` (Haldane–Anscombe, 0.5) is added to every
    cell of that table. Returns ``(odds_ratio, lower, upper)``.
    """
    arrs = [np.asarray(x, dtype=float) for x in (a, b, c, d)]
    zero = np.zeros(np.broadcast(*arrs).shape, dtype=bool)
    for x in arrs:
        zero |= x == 0
    fa, fb, fc, fd = (np.where(zero, x + correction, x) for x in arrs)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_or = np.log(fa) + np.log(fd) - np.log(fb) - np.log(fc)
        se = np.sqrt(1 / fa + 1 / fb + 1 / fc + 1 / fd)
    z = z_value(confidence)
    return np.exp(log_or), np.exp(log_or - z * se), np.exp(log_or + z * se)


def fisher_exact_2x2(
    a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike
) -> FloatArray:
    """Two-sided Fisher exact p-values for many 2×2 tables ``[[a, b], [c, d]]``.

    Uses the hypergeometric distribution with the "minimum likelihood"
    two-sided rule of :func:`scipy.stats.fisher_exact`, evaluated per table.
    """
    aa, bb, cc, dd = (np.atleast_1d(np.asarray(x, dtype=np.int64)) for x in (a, b, c, d))
    out = np.empty(np.broadcast(aa, bb, cc, dd).shape, dtype=float)
    aa, bb, cc, dd = np.broadcast_arrays(aa, bb, cc, dd)
    for i in np.ndindex(out.shape):  # one hypergeometric pmf per table; tables are few
        table = np.array([[aa[i], bb[i]], [cc[i], dd[i]]], dtype=np.int64)
        res = stats.fisher_exact(table)
        out[i] = float(res.pvalue)
    return out


def chi2_2x2(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, d: npt.ArrayLike) -> FloatArray:
    """Pearson chi-square p-values (1 df, no continuity correction) for 2×2 tables."""
    aa, bb, cc, dd = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    n = aa + bb + cc + dd
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = n * (aa * dd - bb * cc) ** 2 / ((aa + bb) * (cc + dd) * (aa + cc) * (bb + dd))
    p = stats.chi2.sf(stat, 1)
    return np.where(np.isfinite(stat), p, 1.0)


def benjamini_hochberg(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaNs stay NaN.

    Benjamini & Hochberg (1995): ``q_(i) = min_{j ≥ i} p_(j) · m / j``,
    capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    pv = p[ok]
    order = np.argsort(pv, kind="stable")
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    q[ok] = adj
    return q


def nps_standard_error(
    promoters: npt.ArrayLike,
    detractors: npt.ArrayLike,
    n: npt.ArrayLike,
    *,
    method: str = "wald",
) -> tuple[FloatArray, FloatArray]:
    """NPS (−100..100) and its standard error from category counts.

    The +1/0/−1 coding has variance ``p + d − (p − d)²``, so
    ``SE = 100·√((p + d − (p − d)²)/n)``; ``method="wald"`` returns the
    observed NPS with it. ``method="adjusted_wald"`` first adds 3
    pseudo-responses — ¾ promoter, 1½ passive, ¾ detractor — i.e. 3 to ``n``
    and ¾ to each of promoters and detractors, and returns the adjusted NPS and
    SE (Rocks 2016, "Interval estimation for the 'net promoter score'", *The
    American Statistician* 70(4), 365–372; the best-covering of the simple
    intervals there). The adjusted SE is never 0. Returns ``(nps, se)``.
    """
    if method not in ("wald", "adjusted_wald"):
        raise ValueError(
            f"method={method!r} is not supported.\nHint: use 'wald' or 'adjusted_wald'."
        )
    pr = np.asarray(promoters, dtype=float)
    de = np.asarray(detractors, dtype=float)
    m = np.asarray(n, dtype=float)
    if method == "adjusted_wald":
        pr, de, m = pr + 0.75, de + 0.75, m + 3.0
    with np.errstate(invalid="ignore", divide="ignore"):
        p, d = pr / m, de / m
        nps = 100 * (p - d)
        se = 100 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0.0) / m)
    return nps, se


def nps_interval(
    promoters: npt.ArrayLike,
    detractors: npt.ArrayLike,
    n: npt.ArrayLike,
    *,
    method: str = "adjusted_wald",
    confidence: float = 0.95,
) -> tuple[FloatArray, FloatArray]:
    """Confidence interval for NPS, clipped to [−100, 100]; see :func:`nps_standard_error`.

    The default adjusted Wald interval is centred on the adjusted NPS and never
    has zero width; ``method="wald"`` is ``nps ± z·SE``, which collapses to a
    point when every answer falls in one category.
    """
    centre, se = nps_standard_error(promoters, detractors, n, method=method)
    z = z_value(confidence)
    return np.clip(centre - z * se, -100, 100), np.clip(centre + z * se, -100, 100)


def kaplan_meier(
    durations: npt.ArrayLike,
    events: npt.ArrayLike,
    *,
    entry: npt.ArrayLike | None = None,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Kaplan–Meier estimate on whole-number durations, vectorised.

    Parameters
    ----------
    durations : array of int
        Time to event or censoring (non-negative whole numbers, e.g. days).
    events : array of bool
        True where the event was observed.
    entry : array of int, optional
        Left-truncation time: a subject is at risk only for ``entry < t <=
        duration`` (delayed entry, the ``(start, stop]`` convention). Where
        an entry time equals an event time the entering subject is not yet
        at risk, as in R's survival package; lifelines counts it, so the two
        differ only on such ties. A subject with ``entry == duration > 0`` is
        never at risk: it is ignored (neither its event nor its censoring is
        counted), as R's ``survfit`` and lifelines' Cox fitter refuse it.
    confidence : float
        Level of the pointwise interval; the interval is the exponential
        Greenwood ("log-log") interval, as lifelines computes it.

    Returns
    -------
    dict
        Arrays over the distinct times with an event or censoring: ``time``,
        ``n_at_risk``, ``n_events``, ``n_censored``, ``survival``,
        ``ci_lower``, ``ci_upper``.
    """
    t = np.asarray(durations)
    # Integer durations are always finite: skip the float copy for them.
    finite = t.dtype.kind in "iu" or bool(np.all(np.isfinite(t.astype(float, copy=False))))
    if t.size and (not finite or t.min() < 0):
        raise ValueError("durations must be finite and non-negative.")
    t = t.astype(np.int64, copy=False)  # never written to below
    e = np.asarray(events, dtype=bool)
    if entry is not None:
        en = np.asarray(entry).astype(np.int64)
        if np.any(en > t):
            raise ValueError("entry must not exceed duration.")
        seen = ~((en == t) & (en > 0))  # never at risk: (entry, duration] is empty
        t, e, en = t[seen], e[seen], en[seen]
    n_max = int(t.max()) + 1 if t.size else 1
    died = np.bincount(t[e], minlength=n_max).astype(float)
    left = np.bincount(t, minlength=n_max).astype(float)
    # Subjects that left before time s (duration < s).
    left_before = np.concatenate([[0.0], np.cumsum(left)[:-1]])
    if entry is None:
        at_risk = len(t) - left_before
    else:
        # At risk at time s: entered before s (entry < s) and not yet left (duration >= s);
        # subjects entering at 0 are at risk at 0.
        entered = np.bincount(en, minlength=n_max).astype(float)
        at_risk = np.concatenate([[0.0], np.cumsum(entered)[:-1]]) - left_before
        at_risk[0] = float(np.sum(en == 0))
    times = np.flatnonzero(left > 0)
    d = died[times]
    r = at_risk[times]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(r > 0, 1 - d / r, 1.0)
        surv = np.cumprod(factor)
        # Greenwood variance term and the log(-log) transform.
        g = np.cumsum(np.where((r > 0) & (r > d), d / (r * (r - d)), 0.0))
        z = z_value(confidence)
        log_s = np.log(surv)
        se_loglog = np.sqrt(g) / np.abs(log_s)
        lower = surv ** np.exp(z * se_loglog)
        upper = surv ** np.exp(-z * se_loglog)
    lower = np.where(np.isfinite(lower), lower, np.where(surv >= 1, 1.0, 0.0))
    upper = np.where(np.isfinite(upper), upper, 1.0)
    return {
        "time": times.astype(np.int64),
        "n_at_risk": r.astype(np.int64),
        "n_events": d.astype(np.int64),
        "n_censored": (left[times] - d).astype(np.int64),
        "survival": surv,
        "ci_lower": np.clip(lower, 0, 1),
        "ci_upper": np.clip(upper, 0, 1),
    }


def poisson_rate_ratio(
    events_1: npt.ArrayLike,
    time_1: npt.ArrayLike,
    events_0: npt.ArrayLike,
    time_0: npt.ArrayLike,
    confidence: float = 0.95,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Ratio of two Poisson rates with its exact conditional interval and p-value.

    ``(events_1/time_1) / (events_0/time_0)``. Conditional on the total
    ``n = events_1 + events_0``, ``events_1`` is binomial with
    ``π = time_1·RR / (time_1·RR + time_0)``; the interval is the
    Clopper–Pearson interval for ``π`` mapped to the ratio, and the two-sided
    p-value doubles the smaller binomial tail under ``RR = 1`` (capped at 1).
    See Rothman & Greenland, *Modern Epidemiology*, ch. 14. Returns
    ``(ratio, lower, upper, p_value)``; NaN where a person-time is 0 or ``n = 0``.
    """
    e1, t1, e0, t0 = (np.asarray(x, dtype=float) for x in (events_1, time_1, events_0, time_0))
    alpha = 1 - check_confidence(confidence)
    n = e1 + e0
    bad = (t1 <= 0) | (t0 <= 0) | (n <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (e1 / t1) / (e0 / t0)
        p_lo = np.where(e1 > 0, stats.beta.ppf(alpha / 2, e1, e0 + 1), 0.0)
        p_hi = np.where(e0 > 0, stats.beta.ppf(1 - alpha / 2, e1 + 1, e0), 1.0)
        lower = p_lo / (1 - p_lo) * t0 / t1
        upper = np.where(p_hi < 1, p_hi / (1 - p_hi) * t0 / t1, np.inf)
        pi0 = t1 / (t1 + t0)
        tails = np.minimum(stats.binom.cdf(e1, n, pi0), stats.binom.sf(e1 - 1, n, pi0))
    p_value = np.minimum(1.0, 2 * tails)
    nan = np.full(np.shape(bad), np.nan)
    return (
        np.where(bad, nan, ratio),
        np.where(bad, nan, lower),
        np.where(bad, nan, upper),
        np.where(bad, nan, p_value),
    )
