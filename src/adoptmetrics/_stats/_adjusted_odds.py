"""Activity-adjusted odds ratios of binary "drivers", and forward selection among them.

Written once for every analysis that asks "which actions go with success?"
(:func:`adoptmetrics.onboarding.success_paths`, engagement's feature
retention). The inputs are a success flag per entity (account), the
candidates' presence per entity, and the entity's activity.

**The model.** "Adjusted for activity" means each candidate's odds ratio is
the coefficient of its presence in the logistic regression
``success ~ 1 + log(1 + active_days) + candidate``: the covariate is
``log(1 + active_days)`` (distinct days with any activity in the window),
entered as one continuous term, and the reference is the entities *without*
the candidate at the same activity level. Busy entities do more of
everything and succeed more often, so a candidate that is merely common
among them gets an odds ratio near 1 instead of looking like a driver. The
interval and p-value are Wald's (``coef ± z·se`` on the log-odds scale,
exponentiated). Unadjusted (``adjusted=False``) the statistics are marginal:
Woolf's log-odds interval of the 2 × 2 table (a Wald interval as well),
Pearson's χ² p-value, Fisher's exact test where an expected count is below 5.

**Forward selection.** From the activity-only model, repeatedly add the
candidate with the largest Rao score statistic given those already chosen,
while its p-value is below ``(1 − confidence) / m`` (Bonferroni over the
``m`` candidates). The selected candidates are then fitted jointly. Wald
statistics computed on the same data that chose the candidates are too
optimistic (post-selection inference); :func:`adjusted_odds` can select on
one part of the entities and fit on the rest (``select_on``).

**Computation.** Everything is computed from counts by *cell* (activity level
× outcome, and during selection also the combination of the candidates
already chosen): a logistic model whose covariates are constant within a
cell has the same likelihood, fit and score statistics on the cells as on
the entities, so no candidates × entities array is needed. Candidates are
reached through the small :class:`Candidates` protocol: a dense presence
matrix (:class:`PresenceMatrix`) or the packed-bit pattern miner of
onboarding.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

from adoptmetrics._stats._intervals import (
    benjamini_hochberg,
    chi2_2x2,
    fisher_exact_2x2,
    woolf_interval,
    z_value,
)
from adoptmetrics._stats._logistic import _sigmoid, fit_logistic

__all__ = [
    "AdjustedOdds",
    "Candidates",
    "PresenceMatrix",
    "activity_levels",
    "adjusted_odds",
    "fit_cells",
    "fit_each",
    "forward_select",
    "joint_fit",
    "norm_sf",
    "pattern_stats",
    "score_from_cells",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Candidates kept (by first-step score) for the forward-selection steps.
SHORTLIST = 300
#: Most candidates selected.
MAX_SELECTED = 25
#: Most occupied cells (activity level × selected-candidate combination) in the
#: final check of the selection over all candidates.
EXACT_CHECK_CELLS = 512


class Candidates(Protocol):
    """Access to the candidates' presence, per entity (positions ``0..n-1``)."""

    def presence_rows(self, idx: Sequence[int]) -> BoolArray:
        """(len(idx) × entities) presence of the candidates at positions ``idx``."""
        ...

    def cell_counts(self, cell: IntArray, n_cells: int) -> IntArray:
        """(candidates × n_cells): entities holding each candidate, by cell."""
        ...


@attrs.frozen(slots=True)
class PresenceMatrix:
    """Candidates given as a dense (entities × candidates) boolean matrix."""

    presence: BoolArray

    def presence_rows(self, idx: Sequence[int]) -> BoolArray:
        """(len(idx) × entities) presence of the candidates at positions ``idx``."""
        return np.ascontiguousarray(self.presence[:, list(idx)].T)

    def cell_counts(self, cell: IntArray, n_cells: int) -> IntArray:
        """(candidates × n_cells) counts, as one matrix product."""
        onehot = np.zeros((len(cell), n_cells))
        onehot[np.arange(len(cell)), cell] = 1.0
        return np.rint(self.presence.T.astype(float) @ onehot).astype(np.int64)


def activity_levels(
    active_days: npt.ArrayLike | None, n: int
) -> tuple[FloatArray | None, FloatArray, IntArray]:
    """The covariate ``log(1 + active_days)``, its distinct levels and each entity's level.

    ``active_days=None`` (no adjustment) gives one level and no covariate.
    """
    if active_days is None:
        return None, np.zeros(1), np.zeros(n, dtype=np.int64)
    x_act = np.log1p(np.asarray(active_days, dtype=float))
    levels, level_of = np.unique(x_act, return_inverse=True)
    return x_act, levels, level_of.astype(np.int64).reshape(-1)


def fit_cells(
    succ: FloatArray, total: FloatArray, design: FloatArray, *, l2: float = 1e-6, max_iter: int = 50
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Many small logistic fits at once on grouped data.

    For each of ``m`` problems, cells ``c`` with ``succ[m, c]`` successes out
    of ``total[m, c]`` and covariates ``design[m, c, :]`` (intercept included
    as a column; a (c × k) ``design`` is shared by all problems and fitted
    with matrix products). Newton–Raphson with the same tiny ridge and step cap as
    :func:`adoptmetrics._stats._logistic.fit_logistic` (the tests pin the two
    together). Returns ``(coef, se, converged)``, shapes (m, k), (m, k), (m,).
    """
    if design.ndim == 2:
        return _fit_cells_shared(succ, total, design, l2=l2, max_iter=max_iter)
    m, _, k = design.shape
    beta = np.zeros((m, k))
    penalty = np.full(k, l2)
    penalty[0] = 0.0
    converged = np.zeros(m, dtype=bool)
    for _ in range(max_iter):
        p = _sigmoid(np.einsum("mck,mk->mc", design, beta))
        grad = np.einsum("mc,mck->mk", succ - total * p, design) - penalty * beta
        info = np.einsum("mc,mck,mcl->mkl", total * p * (1 - p), design, design) + np.diag(penalty)
        step = np.linalg.solve(info + 1e-12 * np.eye(k), grad[:, :, None])[:, :, 0]
        big = np.max(np.abs(step), axis=1, keepdims=True)
        step = np.where(big > 10, step * 10 / np.maximum(big, 1e-300), step)
        step[converged] = 0.0
        beta += step
        converged |= np.max(np.abs(step), axis=1) < 1e-9 * (1 + np.max(np.abs(beta), axis=1))
        if converged.all():
            break
    p = _sigmoid(np.einsum("mck,mk->mc", design, beta))
    info = np.einsum("mc,mck,mcl->mkl", total * p * (1 - p), design, design) + np.diag(penalty)
    cov = np.linalg.pinv(info)
    se = np.sqrt(np.clip(np.einsum("mkk->mk", cov), 0, None))
    return beta, se, converged


def _fit_cells_shared(
    succ: FloatArray, total: FloatArray, design: FloatArray, *, l2: float, max_iter: int
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """:func:`fit_cells` when every problem has the same (c × k) design."""
    m = succ.shape[0]
    k = design.shape[1]
    outer = (design[:, :, None] * design[:, None, :]).reshape(len(design), k * k)
    penalty = np.full(k, l2)
    penalty[0] = 0.0
    beta = np.zeros((m, k))
    converged = np.zeros(m, dtype=bool)

    def info_of(p: FloatArray) -> FloatArray:
        return np.asarray(((total * p * (1 - p)) @ outer).reshape(m, k, k) + np.diag(penalty))

    for _ in range(max_iter):
        p = _sigmoid(beta @ design.T)
        grad = (succ - total * p) @ design - penalty * beta
        step = np.linalg.solve(info_of(p) + 1e-12 * np.eye(k), grad[:, :, None])[:, :, 0]
        big = np.max(np.abs(step), axis=1, keepdims=True)
        step = np.where(big > 10, step * 10 / np.maximum(big, 1e-300), step)
        step[converged] = 0.0
        beta += step
        converged |= np.max(np.abs(step), axis=1) < 1e-9 * (1 + np.max(np.abs(beta), axis=1))
        if converged.all():
            break
    cov = np.linalg.pinv(info_of(_sigmoid(beta @ design.T)))
    se = np.sqrt(np.clip(np.einsum("mkk->mk", cov), 0, None))
    return beta, se, converged


def score_from_cells(
    z_counts: FloatArray, all_counts: FloatArray, design: FloatArray, fitted: FloatArray
) -> FloatArray:
    """Rao score statistics for adding each candidate to a model fitted on cells.

    ``all_counts`` (C × 2): failures and successes per cell over all
    entities; ``z_counts`` (m × C × 2): the same among entities holding each
    candidate; ``design`` (C × k) and ``fitted`` (C,) the current model per
    cell. The statistic is ``U² / I`` with ``U = zᵀ(y − p̂)`` and the
    efficient information ``I = zᵀWz − zᵀWX (XᵀWX)⁻¹ XᵀWz`` — the formula of
    :func:`adoptmetrics._stats._logistic.score_tests`, summed by cell.
    """
    wv = fitted * (1 - fitted)
    t1 = z_counts.sum(axis=2)
    u = z_counts[:, :, 1].sum(axis=1) - t1 @ fitted
    a = (t1 * wv) @ design
    xwx = design.T @ (design * (all_counts.sum(axis=1) * wv)[:, None])
    solved = np.linalg.lstsq(xwx, a.T, rcond=None)[0]
    info = (t1 @ wv) - np.sum(a * solved.T, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(info > 1e-9, u**2 / info, 0.0), dtype=float)


def norm_sf(x: FloatArray) -> FloatArray:
    """Upper tail of the standard normal."""
    from scipy import stats

    return np.asarray(stats.norm.sf(x), dtype=float)


def fit_each(
    counts: FloatArray, totals: FloatArray, levels: FloatArray
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Per candidate: the logistic fit of success ~ 1 + log(1 + active days) + candidate.

    ``counts`` (m × levels × 2): failures and successes per activity level
    among the holders; ``totals`` (levels × 2) the same over all entities.
    """
    _, n_lev, _ = counts.shape
    t1 = counts.sum(axis=2)
    s1 = counts[:, :, 1]
    t0 = totals.sum(axis=1)[None, :] - t1
    s0 = totals[:, 1][None, :] - s1
    succ = np.concatenate([s1, s0], axis=1)
    total = np.concatenate([t1, t0], axis=1)
    lev = np.r_[levels, levels]
    zcol = np.r_[np.ones(n_lev), np.zeros(n_lev)]
    design = np.column_stack([np.ones(2 * n_lev), lev, zcol])
    return fit_cells(succ, total, design)


def pattern_stats(
    counts: FloatArray, totals: FloatArray, levels: FloatArray, *, adjusted: bool, confidence: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Odds ratio, interval and p-value of every candidate on its own.

    Adjusted: the Wald statistics of the candidate in ``success ~ 1 +
    log(1 + active days) + candidate``. Marginal: Woolf odds ratio and
    interval, Pearson χ² p-value (Fisher's exact test where an expected count
    is below 5).
    """
    z = z_value(confidence)
    if adjusted:
        coef, se, _ = fit_each(counts, totals, levels)
        log_or, log_se = coef[:, 2], se[:, 2]
        odds = np.exp(log_or)
        with np.errstate(over="ignore"):
            lower, upper = np.exp(log_or - z * log_se), np.exp(log_or + z * log_se)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_value = 2 * norm_sf(np.abs(log_or / log_se))
        if np.any(np.abs(log_or) > 15):
            warnings.warn(
                "some candidates (almost) perfectly separate success from failure; their "
                "odds ratios and intervals are not reliable.",
                UserWarning,
                stacklevel=3,
            )
        return odds, lower, upper, p_value
    n, n_succ = float(totals.sum()), float(totals[:, 1].sum())
    a, b = counts[:, :, 1].sum(axis=1), counts[:, :, 0].sum(axis=1)
    c, d = n_succ - a, (n - n_succ) - b
    odds, lower, upper = woolf_interval(a, b, c, d, confidence)
    p_value = chi2_2x2(a, b, c, d)
    margins = [(a + b) * (a + c), (a + b) * (b + d), (c + d) * (a + c), (c + d) * (b + d)]
    small = np.minimum.reduce(margins) / n < 5
    if small.any():
        p_value[small] = fisher_exact_2x2(a[small], b[small], c[small], d[small])
    return odds, lower, upper, p_value


# --------------------------------------------------------------------------- forward selection


class _CellModel:
    """The current model (base covariates + selected candidates), read off per occupied cell."""

    def __init__(
        self, y: BoolArray, base_x: FloatArray, sel: BoolArray, level_of: IntArray
    ) -> None:
        sel = sel.T  # given (selected × entities)
        k = sel.shape[1]
        combo = (sel.astype(np.int64) << np.arange(k, dtype=np.int64)).sum(axis=1)
        _, self.cell = np.unique(level_of * (1 << k) + combo, return_inverse=True)
        self.cell = self.cell.astype(np.int64).reshape(-1)
        self.n_cell = int(self.cell.max()) + 1
        self.y = y
        self.all_counts = np.bincount(self.cell * 2 + y, minlength=2 * self.n_cell).reshape(
            self.n_cell, 2
        )
        x = np.column_stack([base_x, sel.astype(float)])
        fit = fit_logistic(x, y)
        first = np.full(self.n_cell, -1, dtype=np.int64)
        first[self.cell[::-1]] = np.arange(len(y))[::-1]
        self.design = np.column_stack([np.ones(len(y)), x])[first]
        self.fitted = fit.fitted[first]

    def scores(self, z_counts: IntArray) -> FloatArray:
        """Score statistics from (candidates × cells × 2) counts of the holders."""
        zc = z_counts.reshape(-1, self.n_cell, 2).astype(float)
        return score_from_cells(zc, self.all_counts.astype(float), self.design, self.fitted)

    def dense_counts(self, zs: BoolArray) -> IntArray:
        """(candidates × cells × 2) counts from a (candidates × entities) presence matrix."""
        key = self.cell * 2 + self.y
        out = np.zeros((len(zs), 2 * self.n_cell), dtype=np.int64)
        for j, z in enumerate(zs):  # a loop over shortlisted candidates, not entities
            out[j] = np.bincount(key[z], minlength=2 * self.n_cell)
        return out.reshape(-1, self.n_cell, 2)


def forward_select(
    cands: Candidates,
    y: BoolArray,
    x_act: FloatArray | None,
    level_of: IntArray,
    counts: FloatArray,
    confidence: float,
) -> list[int]:
    """Forward selection by score tests; returns candidate positions in selection order.

    ``counts`` (m × levels × 2) are the holders by activity level and
    outcome. The first step scores every candidate from ``counts`` (no
    recount). The steps then run on a shortlist (the candidates passing the
    threshold in the first step, at most :data:`SHORTLIST` of them) from
    their presence rows, counted per cell; a final pass over *all*
    candidates (one :meth:`Candidates.cell_counts` by cell) checks that none
    passes the threshold given the selected model, and resumes the selection
    if one does.
    """
    from scipy import stats

    m = len(counts)
    threshold = float(stats.chi2.isf((1 - confidence) / m, 1))
    n = len(y)
    base_x = np.zeros((n, 0)) if x_act is None else x_act[:, None]
    model = _CellModel(y, base_x, np.zeros((0, n), dtype=bool), level_of)
    stat = model.scores(counts.astype(np.int64))
    order = np.argsort(-stat, kind="stable")
    shortlist = [int(i) for i in order[:SHORTLIST] if stat[i] > threshold]
    zs = cands.presence_rows(shortlist)  # shortlist × entities
    selected: list[int] = []
    while True:
        while len(selected) < MAX_SELECTED:
            chosen = [shortlist.index(i) for i in selected]
            model = _CellModel(y, base_x, zs[chosen], level_of)
            s = model.scores(model.dense_counts(zs))
            s[chosen] = 0.0
            best = int(np.argmax(s)) if len(s) else 0
            if not len(s) or s[best] <= threshold:
                break
            selected.append(shortlist[best])
        if len(selected) >= MAX_SELECTED:
            return selected
        model = _CellModel(y, base_x, zs[[shortlist.index(i) for i in selected]], level_of)
        if model.n_cell > EXACT_CHECK_CELLS:
            warnings.warn(
                f"{len(selected)} patterns were selected; the selection was confined to the "
                f"{len(shortlist)} strongest candidates of the first step. Many small effects "
                "often mean the activity adjustment does not capture what drives the outcome.",
                UserWarning,
                stacklevel=3,
            )
            return selected
        if selected:
            stat = model.scores(cands.cell_counts(model.cell * 2 + y, 2 * model.n_cell))
        stat[selected] = 0.0
        best = int(np.argmax(stat))
        if stat[best] <= threshold or best in shortlist:
            return selected
        shortlist.append(best)
        zs = np.vstack([zs, cands.presence_rows([best])])


def joint_fit(
    cands: Candidates,
    selected: Sequence[int],
    y: BoolArray,
    x_act: FloatArray | None,
    confidence: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Odds ratios, interval bounds and Wald p-values of ``selected`` in the joint model."""
    zsel = cands.presence_rows(list(selected)).T.astype(float)
    x = zsel if x_act is None else np.column_stack([x_act, zsel])
    fit = fit_logistic(x, y)
    k0 = 1 if x_act is None else 2
    lo, hi = fit.confint(confidence)
    return np.exp(fit.coef[k0:]), np.exp(lo[k0:]), np.exp(hi[k0:]), fit.p_values()[k0:]


# --------------------------------------------------------------------------- all together


@attrs.frozen(slots=True)
class _Subset:
    """The candidates restricted to the entities where ``mask`` holds."""

    inner: Candidates
    mask: BoolArray

    def presence_rows(self, idx: Sequence[int]) -> BoolArray:
        return np.ascontiguousarray(self.inner.presence_rows(idx)[:, self.mask])

    def cell_counts(self, cell: IntArray, n_cells: int) -> IntArray:
        full = np.full(len(self.mask), n_cells, dtype=np.int64)  # others go to a spare cell
        full[self.mask] = cell
        return self.inner.cell_counts(full, n_cells + 1)[:, :n_cells]


@attrs.frozen(slots=True)
class AdjustedOdds:
    """Per candidate statistics from :func:`adjusted_odds` (arrays of length m).

    ``selected`` holds candidate positions in selection order; ``split`` is
    True when the selected candidates' statistics come from entities that
    took no part in choosing them.
    """

    n_success: FloatArray
    n_failure: FloatArray
    odds_ratio: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    p_value: FloatArray
    q_value: FloatArray
    selected: list[int]
    split: bool


def adjusted_odds(
    cands: Candidates,
    y: npt.ArrayLike,
    active_days: npt.ArrayLike | None,
    *,
    counts: IntArray | None = None,
    confidence: float = 0.95,
    select: bool = True,
    select_on: BoolArray | None = None,
) -> AdjustedOdds:
    """Odds ratio of success for every candidate, forward selection and BH q-values.

    ``active_days=None`` gives marginal statistics (the selection then starts
    from the intercept-only model). ``counts`` (m × 2·levels): holders per
    cell ``level * 2 + outcome`` if already counted (the pattern miner counts
    them while mining); otherwise they are counted here. ``select_on``: if
    given, the selection uses only those entities and the selected
    candidates' odds ratios, intervals and p-values come from the others
    (their joint model when adjusted, their marginal 2 × 2 tables when not).
    Without it the selected candidates' Wald statistics come from the data
    that chose them and are anti-conservative.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> used = rng.random((2000, 3)) < 0.4  # entities × features, used early or not
    >>> days = rng.integers(0, 8, 2000)  # active days in the first window
    >>> eta = -1.0 + 0.3 * np.log1p(days) + np.log(2.5) * used[:, 0]
    >>> retained = rng.random(2000) < 1 / (1 + np.exp(-eta))
    >>> res = adjusted_odds(PresenceMatrix(used), retained, days)
    >>> res.selected, bool(res.ci_lower[0] < 2.5 < res.ci_upper[0])
    ([0], True)
    """
    ya = np.asarray(y, dtype=bool)
    n = len(ya)
    x_act, levels, level_of = activity_levels(active_days, n)
    n_lev = len(levels)
    cell = level_of * 2 + ya
    raw = cands.cell_counts(cell, 2 * n_lev) if counts is None else counts
    c3 = np.asarray(raw, dtype=float).reshape(-1, n_lev, 2)
    totals = np.bincount(cell, minlength=2 * n_lev).reshape(n_lev, 2).astype(float)
    adjusted = x_act is not None
    odds, lower, upper, p_value = pattern_stats(
        c3, totals, levels, adjusted=adjusted, confidence=confidence
    )
    selected: list[int] = []
    split = select_on is not None
    if select and select_on is None:
        selected = forward_select(cands, ya, x_act, level_of, c3, confidence)
        if selected and adjusted:
            idx = np.asarray(selected)
            odds[idx], lower[idx], upper[idx], p_value[idx] = joint_fit(
                cands, selected, ya, x_act, confidence
            )
    elif select and select_on is not None:
        selected = _select_split(
            cands, ya, x_act, level_of, n_lev, np.asarray(select_on, dtype=bool), confidence,
            (odds, lower, upper, p_value),
        )  # fmt: skip
    return AdjustedOdds(
        n_success=c3[:, :, 1].sum(axis=1),
        n_failure=c3[:, :, 0].sum(axis=1),
        odds_ratio=odds,
        ci_lower=lower,
        ci_upper=upper,
        p_value=p_value,
        q_value=benjamini_hochberg(p_value),
        selected=selected,
        split=split,
    )


def _select_split(
    cands: Candidates,
    y: BoolArray,
    x_act: FloatArray | None,
    level_of: IntArray,
    n_lev: int,
    mask: BoolArray,
    confidence: float,
    out: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
) -> list[int]:
    """Select on ``mask``, estimate the selected on ``~mask`` (writes into ``out``)."""
    part = _Subset(cands, mask)
    cell_a = level_of[mask] * 2 + y[mask]
    counts_a = part.cell_counts(cell_a, 2 * n_lev).astype(float).reshape(-1, n_lev, 2)
    x_a = None if x_act is None else x_act[mask]
    selected = forward_select(part, y[mask], x_a, level_of[mask], counts_a, confidence)
    if not selected:
        return selected
    rest = _Subset(cands, ~mask)
    idx = np.asarray(selected)
    if x_act is not None:
        stats_b = joint_fit(rest, selected, y[~mask], x_act[~mask], confidence)
    else:
        zb, yb = rest.presence_rows(selected), y[~mask]
        counts_b = np.stack([(zb & ~yb).sum(axis=1), (zb & yb).sum(axis=1)], axis=1)
        totals_b = np.array([[(~yb).sum(), yb.sum()]], dtype=float)
        stats_b = pattern_stats(
            counts_b[:, None, :].astype(float), totals_b, np.zeros(1), adjusted=False,
            confidence=confidence,
        )  # fmt: skip
    for target, values in zip(out, stats_b, strict=True):
        target[idx] = values
    return selected
