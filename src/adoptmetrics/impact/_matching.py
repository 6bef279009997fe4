"""Risk-set matching: at each exposure day, nearest eligible controls.

Controls for an exposure on day ``d`` are drawn from the accounts eligible
*then*: started on or before ``d``, not churned before ``d``, active in the
pre-period ``[d − pre_days, d)``, and not exposed to the campaign on or before
``d + horizon_days`` (an account exposed later may serve as a control only
while its own exposure cannot reach its outcome window). Matching is
nearest-neighbour with replacement on standardised covariates, one KD-tree
per exposure day: the loop runs over days, never over accounts.
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
# outcome(rows, day) -> one value per row for an exposure on ``day``
OutcomeFn = Callable[[IntArray, int], FloatArray]

ACTIVITY_FEATURES = ("pre_active_days", "pre_events_log", "pre_trend", "tenure_days_log")


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
        half = day - pre // 2
        active = p.count(p.active, rows, day - pre, day)
        recent = p.count(p.active, rows, half, day)
        earlier = p.count(p.active, rows, day - pre, half)
        n_events = p.count(p.events, rows, day - pre, day)
        tenure = np.maximum(day - self.start_day[rows], 0)
        cols = [
            active.astype(float),
            np.log1p(n_events.astype(float)),
            (recent - earlier).astype(float),
            np.log1p(tenure.astype(float)),
        ]
        out = np.column_stack(cols)
        if self.attributes.shape[1]:
            out = np.hstack([out, self.attributes[rows]])
        return out

    def eligible(self, day: int, blocked_day: FloatArray) -> IntArray:
        """Accounts that can serve as controls for an exposure on ``day``."""
        p = self.panel
        active = p.count(p.active, slice(None), day - self.pre_days, day) > 0
        ok = (
            active
            & (self.start_day <= day)
            & (self.churn_day >= day)
            & (blocked_day > day + self.horizon_days)
        )
        return np.flatnonzero(ok)


@attrs.frozen
class Matches:
    """The matched sets of one campaign, and the pooled comparison before matching."""

    exposed: IntArray  # (n,) account rows
    day: IntArray  # (n,) exposure day
    controls: IntArray  # (n, k) account rows
    features_exposed: FloatArray  # (n, p)
    features_controls: FloatArray  # (n, p), mean over the k controls
    naive_control: FloatArray  # (n,) mean outcome of every eligible control that day
    pool_mean: FloatArray  # (p,) eligible controls, weighted like the exposed days
    pool_var: FloatArray  # (p,)
    n_no_pre_activity: int
    n_no_controls: int


def match(
    design: Design,
    rows: IntArray,
    days: IntArray,
    blocked_day: FloatArray,
    outcome: OutcomeFn,
    *,
    n_controls: int,
    seed: int,
) -> Matches:
    """Match each exposure (``rows``, ``days``) to ``n_controls`` eligible controls."""
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
    per_day: list[tuple[IntArray, IntArray, FloatArray]] = []
    naive = np.full(len(rows), np.nan)
    keep = np.zeros(len(rows), dtype=bool)
    n_no_pre = 0
    n_no_ctrl = 0
    for i, day in enumerate(uniq.tolist()):
        exp_rows = rows[bounds[i] : bounds[i + 1]]
        pool = design.eligible(day, blocked_day)
        fe = design.features(exp_rows, day)
        active = fe[:, 0] > 0
        n_no_pre += int((~active).sum())
        if len(pool) == 0:
            n_no_ctrl += int(active.sum())
            per_day.append((exp_rows[:0], pool, fe[:0]))
            continue
        fp = design.features(pool, day)
        sl = slice(bounds[i], bounds[i + 1])
        keep[sl] = active
        naive[sl] = float(np.mean(outcome(pool, day)))
        both = np.vstack([fe[active], fp])
        s1 += both.sum(axis=0)
        s2 += (both**2).sum(axis=0)
        cnt += len(both)
        w = active.sum() / len(pool)
        w_sum += w * len(pool)
        w1 += w * fp.sum(axis=0)
        w2 += w * (fp**2).sum(axis=0)
        per_day.append((exp_rows[active], pool, fe[active]))
    mean = s1 / max(cnt, 1.0)
    sd = np.sqrt(np.maximum(s2 / max(cnt, 1.0) - mean**2, 0.0))
    sd[sd == 0] = 1.0
    pool_mean = w1 / w_sum if w_sum else np.full(n_feat, np.nan)
    pool_var = np.maximum(w2 / w_sum - pool_mean**2, 0.0) if w_sum else np.full(n_feat, np.nan)
    # Pass 2: nearest neighbours; a tiny seeded jitter breaks exact ties at random,
    # never by the order (the spelling) of account ids.
    rng = np.random.default_rng(seed)
    out_rows, out_days, out_ctrl, out_fe, out_fc = [], [], [], [], []
    for day, (exp_rows, pool, fe) in zip(uniq.tolist(), per_day, strict=True):
        if len(exp_rows) == 0:
            continue
        fp = design.features(pool, day)
        jitter = rng.uniform(-1e-6, 1e-6, size=fp.shape)
        k = min(n_controls, len(pool))
        tree = cKDTree(fp / sd + jitter)
        _, idx = tree.query(fe / sd, k=k)
        idx = np.asarray(idx).reshape(len(exp_rows), k)
        if k < n_controls:  # fewer eligible than asked: reuse the nearest
            idx = np.hstack([idx, np.repeat(idx[:, :1], n_controls - k, axis=1)])
        out_rows.append(exp_rows)
        out_days.append(np.full(len(exp_rows), day, dtype=np.int64))
        out_ctrl.append(pool[idx])
        out_fe.append(fe)
        out_fc.append(fp[idx].mean(axis=1))
    if out_rows:
        exposed = np.concatenate(out_rows)
        mday = np.concatenate(out_days)
        controls = np.vstack(out_ctrl)
        f_e = np.vstack(out_fe)
        f_c = np.vstack(out_fc)
    else:
        exposed = np.zeros(0, dtype=np.int64)
        mday = exposed.copy()
        controls = np.zeros((0, n_controls), dtype=np.int64)
        f_e = np.zeros((0, n_feat))
        f_c = f_e.copy()
    return Matches(
        exposed=exposed,
        day=mday,
        controls=controls,
        features_exposed=f_e,
        features_controls=f_c,
        naive_control=naive[keep],
        pool_mean=pool_mean,
        pool_var=pool_var,
        n_no_pre_activity=n_no_pre,
        n_no_controls=n_no_ctrl,
    )


def smd(mean_e: FloatArray, var_e: FloatArray, mean_c: FloatArray, var_c: FloatArray) -> FloatArray:
    """Standardised mean differences; the denominator is the before-matching pooled SD."""
    denom = np.sqrt((var_e + var_c) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (mean_e - mean_c) / denom
    return np.where(denom > 0, out, 0.0)
