"""Risk-set matching: at each exposure day, nearest eligible controls.

Controls for an exposure on day ``d`` are drawn from the accounts eligible
*then*: started on or before ``d``, not churned before ``d``, active in the
pre-period, not exposed to the campaign by ``d`` and not reached by another
campaign in the pre-period. An account exposed later is a control only with
outcomes measured before its own exposure: the pair's outcome window ends at
the first later exposure of either member. Matching is exact on the tenure
band and nearest-neighbour (with replacement) on standardised covariates
within it, one KD-tree per exposure day and band: the loop runs over days,
never over accounts.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from adoptmetrics.impact._panel import Panel

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
# outcome(rows, day, end) -> one value per row for an exposure on ``day``, the
# outcome window being the days [day + 1, end) (end per row)
OutcomeFn = Callable[[IntArray, int, IntArray], FloatArray]
# (account rows, exposure days)
Exposures = tuple[IntArray, IntArray]

# The pre-period is the ``pre_days`` whole days before the exposure day (0), or
# ending with it (1). The exposure day itself is in neither window by default:
# activity on it may come before or after the exposure. The outcome window
# always starts the day after.
PRE_END = 0

# Controls come from the exposed account's tenure band (days since start):
# new, young and mature accounts behave differently in ways a distance on log
# tenure can blur.
TENURE_BANDS = (30, 90, 180, 365, 730)

ACTIVITY_FEATURES = ("pre_active_days", "pre_events_log", "pre_trend", "tenure_days_log")


def tenure_band(tenure_days: IntArray) -> IntArray:
    """The band (0 = first 30 days, …, 5 = two years and more) of each tenure."""
    return np.searchsorted(np.asarray(TENURE_BANDS), tenure_days, side="right").astype(np.int64)


@attrs.frozen
class Design:
    """What every exposure day needs: the panel, start/churn days, static attributes."""

    panel: Panel
    start_day: IntArray
    churn_day: FloatArray  # +inf while active
    attributes: FloatArray  # (n_accounts, q) numeric match_on columns
    attribute_names: tuple[str, ...]
    pre_days: int
    horizon_days: int

    @property
    def names(self) -> tuple[str, ...]:
        return ACTIVITY_FEATURES + self.attribute_names

    def features(self, rows: IntArray | slice, day: int) -> FloatArray:
        p, pre = self.panel, self.pre_days
        end = day + PRE_END
        half = end - pre // 2
        active = p.count(p.active, rows, end - pre, end)
        recent = p.count(p.active, rows, half, end)
        earlier = p.count(p.active, rows, end - pre, half)
        n_events = p.count(p.events, rows, end - pre, end)
        tenure = np.maximum(day - self.start_day[rows], 0)
        out = np.column_stack(
            [
                active.astype(float),
                np.log1p(n_events.astype(float)),
                (recent - earlier).astype(float),
                np.log1p(tenure.astype(float)),
            ]
        )
        if self.attributes.shape[1]:
            out = np.hstack([out, self.attributes[rows]])
        return out

    def eligible(
        self, day: int, first_same: FloatArray, next_exposure: FloatArray, other: Exposures
    ) -> IntArray:
        """Accounts that can serve as controls for an exposure on ``day``.

        ``first_same`` is each account's first exposure to this campaign: it
        must come after ``day`` (the risk set). ``next_exposure`` is each
        account's first exposure to any campaign after ``day``: a control must
        leave at least one outcome day before it. ``other`` lists exposures to
        other campaigns: an account reached by one in the pre-period is not a
        control.
        """
        p = self.panel
        pre_lo, pre_hi = day + PRE_END - self.pre_days, day + PRE_END
        ok = (
            (p.count(p.active, slice(None), pre_lo, pre_hi) > 0)
            & (self.start_day <= day)
            & (self.churn_day >= day)
            & (first_same > day)
            & (next_exposure > day + 1)
        )
        rows, days = other
        if len(rows):
            hit = (days >= pre_lo) & (days <= day)
            ok[rows[hit]] = False
        return np.flatnonzero(ok)


@attrs.frozen
class Matches:
    """The matched sets of one campaign, and the pooled comparison before matching."""

    exposed: IntArray  # (n,) account rows
    day: IntArray  # (n,) exposure day
    controls: IntArray  # (n, k) account rows
    features_exposed: FloatArray  # (n, p)
    features_controls: FloatArray  # (n, p), mean over the k controls
    features_each_control: FloatArray  # (n, k, p)
    naive_control: FloatArray  # (n,) mean outcome of every eligible control that day
    cap_exposed: FloatArray  # (n,) next exposure day after the exposure (inf if none)
    cap_controls: FloatArray  # (n, k)
    pool_mean: FloatArray  # (p,) eligible controls, weighted like the exposed days
    pool_var: FloatArray  # (p,)
    n_no_pre_activity: int
    n_no_controls: int


def next_exposures(n: int, exposures: Exposures, day: int) -> FloatArray:
    """Each account's first exposure day after ``day`` (inf if none)."""
    rows, days = exposures
    out = np.full(n, np.inf)
    later = days > day
    np.minimum.at(out, rows[later], days[later].astype(float))
    return out


# Up to this many queries a direct scan beats building a KD-tree over the pool.
_SCAN_QUERIES = 64
# Distances computed at once by the scan (bounds its memory).
_SCAN_CELLS = 1 << 22


def nearest(points: FloatArray, queries: FloatArray, k: int) -> IntArray:
    """Rows of ``points`` nearest (Euclidean) to each query, nearest first: (queries × k).

    Both routes are exact searches; the matching's jitter leaves no tie between
    candidates, so they find the same neighbours. A few queries scan the pool
    directly; many query an (unbalanced, quick to build) KD-tree.
    """
    if len(queries) > _SCAN_QUERIES:
        tree = cKDTree(points, balanced_tree=False, compact_nodes=False)
        _, idx = tree.query(queries, k=k)
        return np.asarray(idx, dtype=np.int64).reshape(len(queries), k)
    out = np.empty((len(queries), k), dtype=np.int64)
    step = max(1, _SCAN_CELLS // max(len(points), 1))
    columns = np.ascontiguousarray(points.T)
    for lo in range(0, len(queries), step):  # a loop over chunks of queries
        q = queries[lo : lo + step]
        d2 = np.zeros((len(q), len(points)))
        diff = np.empty_like(d2)
        for j in range(points.shape[1]):  # a loop over the few matching variables
            np.subtract(q[:, j, None], columns[j][None, :], out=diff)
            diff *= diff
            d2 += diff
        if k == 1:
            out[lo : lo + step, 0] = d2.argmin(axis=1)
            continue
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d2, part, axis=1), axis=1, kind="stable")
        out[lo : lo + step] = np.take_along_axis(part, order, axis=1)
    return out


def match(
    design: Design,
    rows: IntArray,
    days: IntArray,
    same: Exposures,
    other: Exposures,
    outcome: OutcomeFn,
    *,
    n_controls: int,
    seed: int,
) -> Matches:
    """Match each exposure (``rows``, ``days``) to ``n_controls`` eligible controls.

    ``same`` holds every exposure to this campaign, ``other`` those to other
    campaigns (empty arrays to ignore them). Features are computed for every
    account at each exposure day: the loop runs over days, never over accounts.
    """
    n_accounts = len(design.start_day)
    every = (np.concatenate([same[0], other[0]]), np.concatenate([same[1], other[1]]))
    first_same = np.full(n_accounts, np.inf)
    np.minimum.at(first_same, same[0], same[1].astype(float))
    order = np.lexsort((rows, days))
    rows, days = rows[order], days[order]
    uniq, starts = np.unique(days, return_index=True)
    bounds = np.r_[starts, len(days)]
    n_feat = len(design.names)
    # Pass 1: the scale (pooled SD over exposed and eligible) and the naive comparison.
    s1 = np.zeros(n_feat)
    s2 = np.zeros(n_feat)
    cnt = 0.0
    w_sum = 0.0
    w1 = np.zeros(n_feat)
    w2 = np.zeros(n_feat)
    per_day: list[tuple[int, IntArray, IntArray, FloatArray, float, FloatArray, FloatArray]] = []
    n_no_pre = 0
    n_no_ctrl = 0
    for i, day in enumerate(uniq.tolist()):
        exp_rows = rows[bounds[i] : bounds[i + 1]]
        cap = next_exposures(n_accounts, every, day)
        pool = design.eligible(day, first_same, cap, other)
        fe = design.features(exp_rows, day)
        active = fe[:, 0] > 0
        n_no_pre += int((~active).sum())
        if len(pool) == 0:
            n_no_ctrl += int(active.sum())
            continue
        fp = design.features(pool, day)
        both = np.vstack([fe[active], fp])
        s1 += both.sum(axis=0)
        s2 += (both**2).sum(axis=0)
        cnt += len(both)
        w = active.sum() / len(pool)
        w_sum += w * len(pool)
        w1 += w * fp.sum(axis=0)
        w2 += w * (fp**2).sum(axis=0)
        end = np.minimum(cap[pool], day + 1 + design.horizon_days).astype(np.int64)
        naive_c = float(np.mean(outcome(pool, day, end)))
        per_day.append((day, exp_rows[active], pool, fe[active], naive_c, cap, fp))
    mean = s1 / max(cnt, 1.0)
    sd = np.sqrt(np.maximum(s2 / max(cnt, 1.0) - mean**2, 0.0))
    sd[sd == 0] = 1.0
    pool_mean = w1 / w_sum if w_sum else np.full(n_feat, np.nan)
    pool_var = np.maximum(w2 / w_sum - pool_mean**2, 0.0) if w_sum else np.full(n_feat, np.nan)
    # Pass 2: exact on the tenure band, nearest neighbours within it; a tiny seeded
    # jitter breaks exact ties at random, never by the order (spelling) of ids.
    rng = np.random.default_rng(seed)
    out: dict[str, list[npt.NDArray[np.generic]]] = {
        key: [] for key in ("rows", "days", "ctrl", "fe", "fc", "naive", "cap_e", "cap_c")
    }
    for day, exp_rows, pool, fe, naive_c, cap, fp in per_day:
        if len(exp_rows) == 0:
            continue
        band_e = tenure_band(day - design.start_day[exp_rows])
        band_p = tenure_band(day - design.start_day[pool])
        jitter = rng.uniform(-1e-6, 1e-6, size=fp.shape)
        for band in np.unique(band_e).tolist():
            sel_e = band_e == band
            sel_p = np.flatnonzero(band_p == band)
            m = int(sel_e.sum())
            if len(sel_p) == 0:
                n_no_ctrl += m
                continue
            k = min(n_controls, len(sel_p))
            idx = sel_p[nearest(fp[sel_p] / sd + jitter[sel_p], fe[sel_e] / sd, k)]
            if k < n_controls:  # fewer eligible than asked: reuse the nearest
                idx = np.hstack([idx, np.repeat(idx[:, :1], n_controls - k, axis=1)])
            out["rows"].append(exp_rows[sel_e])
            out["days"].append(np.full(m, day, dtype=np.int64))
            out["ctrl"].append(pool[idx])
            out["fe"].append(fe[sel_e])
            out["fc"].append(fp[idx])
            out["naive"].append(np.full(m, naive_c))
            out["cap_e"].append(cap[exp_rows[sel_e]])
            out["cap_c"].append(cap[pool[idx]])
    if out["rows"]:
        f_each = np.concatenate(out["fc"], axis=0).astype(float)
        return Matches(
            exposed=np.concatenate(out["rows"]).astype(np.int64),
            day=np.concatenate(out["days"]).astype(np.int64),
            controls=np.vstack(out["ctrl"]).astype(np.int64),
            features_exposed=np.vstack(out["fe"]).astype(float),
            features_controls=f_each.mean(axis=1),
            features_each_control=f_each,
            naive_control=np.concatenate(out["naive"]).astype(float),
            cap_exposed=np.concatenate(out["cap_e"]).astype(float),
            cap_controls=np.vstack(out["cap_c"]).astype(float),
            pool_mean=pool_mean,
            pool_var=pool_var,
            n_no_pre_activity=n_no_pre,
            n_no_controls=n_no_ctrl,
        )
    empty = np.zeros(0, dtype=np.int64)
    return Matches(
        exposed=empty,
        day=empty.copy(),
        controls=np.zeros((0, n_controls), dtype=np.int64),
        features_exposed=np.zeros((0, n_feat)),
        features_controls=np.zeros((0, n_feat)),
        features_each_control=np.zeros((0, n_controls, n_feat)),
        naive_control=np.zeros(0),
        cap_exposed=np.zeros(0),
        cap_controls=np.zeros((0, n_controls)),
        pool_mean=pool_mean,
        pool_var=pool_var,
        n_no_pre_activity=n_no_pre,
        n_no_controls=n_no_ctrl,
    )


def smd(mean_e: FloatArray, var_e: FloatArray, mean_c: FloatArray, var_c: FloatArray) -> FloatArray:
    """Standardised mean differences; the denominator is the before-matching pooled SD."""
    denom = np.sqrt((var_e + var_c) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (mean_e - mean_c) / denom
    return np.where(denom > 0, ratio, 0.0)
