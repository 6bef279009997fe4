"""Statistics behind :func:`adoptmetrics.onboarding.success_paths`.

Everything is computed from counts: the accounts holding each candidate
pattern, split by *cell* (activity level × outcome, and during forward
selection also the combination of the patterns already selected). A logistic
model whose covariates are constant within a cell has the same likelihood,
fit and score statistics on the cells as on the accounts, so no
candidates × accounts array is ever built: the candidates' presence stays in
the packed bits of :class:`adoptmetrics._paths.Miner`, and the per-account
models are fitted with :func:`adoptmetrics._logistic.fit_logistic` on the few
covariates they have.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from adoptmetrics._stats._intervals import chi2_2x2, fisher_exact_2x2, woolf_interval, z_value
from adoptmetrics._stats._logistic import _sigmoid, fit_logistic
from adoptmetrics.onboarding import _paths

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Candidates kept (by first-step score) for the forward-selection steps.
SHORTLIST = 300
#: Most patterns selected.
MAX_SELECTED = 25
#: Most occupied cells (activity level × selected-pattern combination) in the
#: final check of the selection over all candidates.
EXACT_CHECK_CELLS = 512


def fit_cells(
    succ: FloatArray, total: FloatArray, design: FloatArray, *, l2: float = 1e-6, max_iter: int = 50
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Many small logistic fits at once on grouped data.

    For each of ``m`` problems, cells ``c`` with ``succ[m, c]`` successes out
    of ``total[m, c]`` and covariates ``design[m, c, :]`` (intercept included
    as a column; a (c × k) ``design`` is shared by all problems and fitted
    with matrix products). Newton–Raphson with the same tiny ridge and step cap as
    :func:`adoptmetrics._logistic.fit_logistic` (the tests pin the two
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
    accounts; ``z_counts`` (m × C × 2): the same among accounts holding each
    candidate; ``design`` (C × k) and ``fitted`` (C,) the current model per
    cell. The statistic is ``U² / I`` with ``U = zᵀ(y − p̂)`` and the
    efficient information ``I = zᵀWz − zᵀWX (XᵀWX)⁻¹ XᵀWz`` — the formula of
    :func:`adoptmetrics._logistic.score_tests`, summed by cell.
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
    """Per candidate: the logistic fit of success ~ 1 + log(1 + active days) + pattern.

    ``counts`` (m × levels × 2): failures and successes per activity level
    among the holders; ``totals`` (levels × 2) the same over all accounts.
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

    Adjusted: the Wald statistics of the pattern in ``success ~ 1 +
    log(1 + active days) + pattern``. Marginal: Woolf odds ratio and
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
                "some patterns (almost) perfectly separate success from failure; their "
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
    """The current model (base covariates + selected patterns), read off per occupied cell."""

    def __init__(
        self, y: BoolArray, base_x: FloatArray, sel: BoolArray, level_of: IntArray
    ) -> None:
        sel = sel.T  # given (selected × accounts)
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
        """(candidates × cells × 2) counts from a (candidates × accounts) presence matrix."""
        key = self.cell * 2 + self.y
        out = np.zeros((len(zs), 2 * self.n_cell), dtype=np.int64)
        for j, z in enumerate(zs):  # a loop over shortlisted candidates, not accounts
            out[j] = np.bincount(key[z], minlength=2 * self.n_cell)
        return out.reshape(-1, self.n_cell, 2)


def forward_select(
    miner: _paths.Miner,
    y: BoolArray,
    x_act: FloatArray | None,
    level_of: IntArray,
    counts: FloatArray,
    confidence: float,
) -> list[int]:
    """Forward selection by score tests; see :func:`adoptmetrics.onboarding.success_paths`.

    The first step scores every candidate from ``counts`` (no recount). The
    steps then run on a shortlist (the candidates passing the threshold in
    the first step, at most :data:`SHORTLIST` of them) from their presence
    columns, counted per cell; a final pass over *all* candidates (one
    recount of the packed bits by cell) checks that none passes the threshold
    given the selected model, and resumes the selection if one does.
    """
    from scipy import stats

    m = len(miner.patterns)
    threshold = float(stats.chi2.isf((1 - confidence) / m, 1))
    n = len(y)
    base_x = np.zeros((n, 0)) if x_act is None else x_act[:, None]
    model = _CellModel(y, base_x, np.zeros((0, n), dtype=bool), level_of)
    stat = model.scores(counts.astype(np.int64))
    order = np.argsort(-stat, kind="stable")
    shortlist = [int(i) for i in order[:SHORTLIST] if stat[i] > threshold]
    zs = miner.presence_many([miner.patterns[i] for i in shortlist])  # shortlist × accounts
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
            stat = model.scores(miner.cell_counts(model.cell * 2 + y, 2 * model.n_cell))
        stat[selected] = 0.0
        best = int(np.argmax(stat))
        if stat[best] <= threshold or best in shortlist:
            return selected
        shortlist.append(best)
        zs = np.vstack([zs, miner.presence(miner.patterns[best])[None, :]])


def joint_fit(
    miner: _paths.Miner,
    selected: list[int],
    y: BoolArray,
    x_act: FloatArray | None,
    confidence: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Odds ratios, interval bounds and p-values of the selected patterns in the joint model."""
    zsel = miner.presence_many([miner.patterns[i] for i in selected]).T.astype(float)
    x = zsel if x_act is None else np.column_stack([x_act, zsel])
    fit = fit_logistic(x, y)
    k0 = 1 if x_act is None else 2
    lo, hi = fit.confint(confidence)
    return np.exp(fit.coef[k0:]), np.exp(lo[k0:]), np.exp(hi[k0:]), fit.p_values()[k0:]
