"""Logistic regression by iteratively reweighted least squares, written once.

Used for activity-adjusted odds ratios and forward selection (onboarding) and
for learned trigger weights (expansion). Small, dense, dependency-free: the
design matrices here have a handful of columns and up to a few million rows.
"""

from __future__ import annotations

import warnings

import attrs
import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = ["LogisticFit", "fit_logistic", "score_tests"]

FloatArray = npt.NDArray[np.float64]


@attrs.frozen(slots=True)
class LogisticFit:
    """A fitted logistic regression.

    Attributes
    ----------
    coef : ndarray
        Coefficients (log odds ratios), intercept first when one was added.
    se : ndarray
        Wald standard errors.
    cov : ndarray
        Covariance matrix of ``coef`` (inverse observed information).
    loglik : float
        Log-likelihood at the estimate (without the ridge term).
    converged : bool
        Whether Newton steps converged.
    n_iter : int
        Newton iterations used.
    fitted : ndarray
        Fitted probabilities.
    """

    coef: FloatArray
    se: FloatArray
    cov: FloatArray
    loglik: float
    converged: bool
    n_iter: int
    fitted: FloatArray

    def confint(self, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """Wald interval for the coefficients on the log-odds scale."""
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        return self.coef - z * self.se, self.coef + z * self.se

    def p_values(self) -> FloatArray:
        """Two-sided Wald p-values."""
        with np.errstate(divide="ignore", invalid="ignore"):
            z = self.coef / self.se
        return np.asarray(2 * stats.norm.sf(np.abs(z)), dtype=float)


def _sigmoid(eta: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(eta, -35, 35))), dtype=float)


#: Rows from which a warm start on a subsample pays for itself.
_WARM_ROWS = 400_000


#: Rows per block when the information matrix is accumulated (bounds the temporary).
_BLOCK = 1 << 17


class _Design:
    """``[1, x]`` (or ``x``) without building it: the intercept column is implicit.

    The data here can have millions of rows, so neither the design matrix nor a
    row-scaled copy of it is materialised: products are taken on ``x`` and the
    information is summed over row blocks.
    """

    def __init__(self, x: FloatArray, intercept: bool) -> None:
        self.x = x
        self.intercept = intercept

    def rows(self, step: int) -> _Design:
        # A contiguous copy: products on a strided view cost as much as on all rows.
        return _Design(np.ascontiguousarray(self.x[::step]), self.intercept)

    def linear(self, beta: FloatArray) -> FloatArray:
        if not self.intercept:
            return np.asarray(self.x @ beta, dtype=float)
        eta = self.x @ beta[1:]
        eta += beta[0]
        return np.asarray(eta, dtype=float)

    def transpose_times(self, r: FloatArray) -> FloatArray:
        xr = np.asarray(self.x.T @ r, dtype=float)
        return np.concatenate([[r.sum()], xr]) if self.intercept else xr

    def information(self, v: FloatArray, penalty: FloatArray) -> FloatArray:
        """``Dᵀ diag(v) D + diag(penalty)``, summed as ``Aᵀ A`` (``A = x·√v``) per block."""
        x, n = self.x, len(v)
        k0 = x.shape[1]
        xx = np.zeros((k0, k0))
        sv = np.sqrt(v)
        for i in range(0, n, _BLOCK):  # a few blocks: bounded memory, not a row loop
            scaled = x[i : i + _BLOCK] * sv[i : i + _BLOCK, None]
            xx += scaled.T @ scaled
        if self.intercept:
            info = np.empty((k0 + 1, k0 + 1))
            info[0, 0] = v.sum()
            info[0, 1:] = info[1:, 0] = x.T @ v
            info[1:, 1:] = xx
        else:
            info = xx
        info[np.diag_indices_from(info)] += penalty
        return info


def _newton(
    design: _Design,
    ya: FloatArray,
    w: FloatArray,
    off: FloatArray | None,
    penalty: FloatArray,
    beta: FloatArray,
    max_iter: int,
    tol: float,
) -> tuple[FloatArray, int, bool, tuple[FloatArray, FloatArray]]:
    """Newton–Raphson from ``beta``: estimate, iterations, convergence, (p, information) at it."""
    converged = False
    it = 0
    info = np.zeros((len(beta), len(beta)))
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        eta = design.linear(beta)
        if off is not None:
            eta += off
        p = _sigmoid(eta)
        grad = design.transpose_times(w * (ya - p)) - penalty * beta
        info = design.information(w * p * (1 - p), penalty)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        # Halve steps that would overshoot (keeps separation cases stable).
        scale = 1.0
        while np.max(np.abs(scale * step)) > 10:
            scale /= 2
        beta = beta + scale * step
        if np.max(np.abs(scale * step)) < tol * (1 + np.max(np.abs(beta))):
            converged = True
            break
    eta = design.linear(beta)
    if off is not None:
        eta += off
    p = _sigmoid(eta)
    if not converged:
        info = design.information(w * p * (1 - p), penalty)
    # Converged: the last step moved beta by less than tol (relative), so the
    # information there equals the one just computed to that precision; one
    # pass over the rows fewer.
    return beta, it, converged, (p, info)


def fit_logistic(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intercept: bool = True,
    l2: float = 1e-6,
    offset: npt.ArrayLike | None = None,
    max_iter: int = 50,
    tol: float = 1e-9,
) -> LogisticFit:
    """Fit ``P(y=1) = sigmoid(offset + [1, x] @ coef)`` by Newton–Raphson.

    Parameters
    ----------
    x : array, shape (n, k)
        Covariates (no intercept column; one is added when ``intercept``).
    y : array of bool or 0/1, shape (n,)
        Outcomes.
    weights : array, optional
        Case weights (e.g. counts of identical rows).
    intercept : bool
        Add an intercept column.
    l2 : float
        A tiny ridge penalty on the non-intercept coefficients, which keeps
        the fit finite under complete separation (a warning is issued then).
    offset : array, optional
        A known term added to the linear predictor.
    max_iter, tol : int, float
        Newton iteration limits.

    Returns
    -------
    LogisticFit
        Coefficients, standard errors, covariance, log-likelihood.
    """
    xa = np.asarray(x, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    ya = np.asarray(y, dtype=float)
    n = len(ya)
    if xa.shape[0] != n:
        raise ValueError("x and y must have the same number of rows.")
    design = _Design(xa, intercept)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    off = None if offset is None else np.asarray(offset, dtype=float)
    k = xa.shape[1] + int(intercept)
    penalty = np.full(k, l2)
    if intercept:
        penalty[0] = 0.0
    beta = np.zeros(k)
    # Start the intercept at the log odds of the mean, which halves the iterations.
    ybar = float(np.clip(np.average(ya, weights=w), 1e-6, 1 - 1e-6))
    if intercept:
        beta[0] = np.log(ybar / (1 - ybar))
    if n >= _WARM_ROWS and max_iter > 1:
        # Newton converges quadratically from a good start: a loose fit on every
        # m-th row gets near the optimum cheaply, and the full-data iterations
        # (each a pass over n rows) then only polish it. Same optimum, same tol.
        m = n // (_WARM_ROWS // 4)
        warm, _, ok, _ = _newton(
            design.rows(m),
            ya[::m],
            w[::m],
            None if off is None else off[::m],
            penalty / m,
            beta,
            max_iter,
            1e-4,
        )
        if ok and np.all(np.isfinite(warm)) and np.max(np.abs(warm)) < 15:
            beta = warm
    beta, it, converged, (p, info) = _newton(design, ya, w, off, penalty, beta, max_iter, tol)
    cov: FloatArray
    try:
        cov = np.asarray(np.linalg.inv(info), dtype=float)
    except np.linalg.LinAlgError:
        cov = np.asarray(np.linalg.pinv(info), dtype=float)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    eps = 1e-12
    loglik = float(np.sum(w * (ya * np.log(p + eps) + (1 - ya) * np.log(1 - p + eps))))
    if not converged:
        warnings.warn(
            f"logistic fit did not converge in {max_iter} iterations; "
            "estimates may be unreliable (often a sign of complete separation).",
            UserWarning,
            stacklevel=2,
        )
    elif np.any(np.abs(beta[1:] if intercept else beta) > 15):
        warnings.warn(
            "a coefficient is very large (|log odds ratio| > 15): the outcome is "
            "(almost) completely separated by a covariate; its interval is not reliable.",
            UserWarning,
            stacklevel=2,
        )
    return LogisticFit(beta, se, cov, loglik, converged, it, p)


def score_tests(
    base: LogisticFit,
    x_base: npt.ArrayLike,
    y: npt.ArrayLike,
    candidates: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    intercept: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Rao score tests for adding each candidate column to a fitted model.

    For a candidate ``z`` the statistic is ``U² / I`` with
    ``U = zᵀ(y − p̂)`` and ``I = zᵀWz − zᵀWX (XᵀWX)⁻¹ XᵀWz`` (the efficient
    information, ``W = diag(w·p̂(1 − p̂))``); it is χ²(1) under the null.
    Vectorised over candidate columns, so no candidate needs its own fit.

    Parameters
    ----------
    base : LogisticFit
        The fit of the current model on ``x_base`` and ``y``.
    x_base : array, shape (n, k)
        Its covariates (as passed to :func:`fit_logistic`).
    y : array, shape (n,)
        Its outcome.
    candidates : array, shape (n, m)
        Candidate columns (process them in chunks when m is large).
    weights : array, optional
        The case weights used for ``base``.
    intercept : bool
        Whether ``base`` was fitted with an intercept.

    Returns
    -------
    tuple of ndarray
        ``(statistic, p_value)``, each of shape (m,).
    """
    xa = np.asarray(x_base, dtype=float)
    if xa.ndim == 1:
        xa = xa[:, None]
    n = xa.shape[0]
    design = np.column_stack([np.ones(n), xa]) if intercept else xa
    z = np.asarray(candidates, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    p = base.fitted
    resid = w * (np.asarray(y, dtype=float) - p)
    wv = w * p * (1 - p)
    u = z.T @ resid
    a = design.T @ (z * wv[:, None])
    info_xx = (design * wv[:, None]).T @ design
    solved = np.linalg.lstsq(info_xx, a, rcond=None)[0]
    info = np.einsum("ij,i->j", z * z, wv) - np.sum(a * solved, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(info > 1e-12, u**2 / info, 0.0)
    return stat, np.asarray(stats.chi2.sf(stat, 1), dtype=float)
