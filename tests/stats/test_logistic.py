"""The shared logistic regression, checked against scipy's general optimiser."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from adoptmetrics._stats._logistic import fit_logistic, score_tests


def _data(seed: int = 1, n: int = 3000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    z = (rng.random((n, 3)) < 0.4).astype(float)
    eta = -0.5 + 0.8 * x[:, 0] - 0.3 * x[:, 1] + 1.0 * z[:, 0]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return x, y, z


def test_matches_direct_likelihood_maximisation() -> None:
    # Independent reference: BFGS on the negative log-likelihood, and the
    # inverse Hessian of the log-likelihood computed by finite differences.
    x, y, _ = _data()
    design = np.column_stack([np.ones(len(y)), x])

    def nll(beta: np.ndarray) -> float:
        eta = design @ beta
        return float(np.sum(np.logaddexp(0, eta) - y * eta))

    ref = optimize.minimize(nll, np.zeros(3), method="BFGS", options={"gtol": 1e-10})
    fit = fit_logistic(x, y)
    np.testing.assert_allclose(fit.coef, ref.x, atol=1e-5)
    p = 1 / (1 + np.exp(-design @ ref.x))
    info = (design * (p * (1 - p))[:, None]).T @ design
    np.testing.assert_allclose(fit.se, np.sqrt(np.diag(np.linalg.inv(info))), rtol=1e-4)
    assert fit.converged
    assert fit.loglik == pytest.approx(-ref.fun, rel=1e-8)


def test_weights_equal_repeated_rows() -> None:
    x, y, _ = _data(n=400)
    w = np.random.default_rng(0).integers(1, 4, len(y))
    weighted = fit_logistic(x, y, weights=w)
    repeated = fit_logistic(np.repeat(x, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.coef, repeated.coef, atol=1e-7)
    np.testing.assert_allclose(weighted.se, repeated.se, rtol=1e-6)


def test_score_test_close_to_likelihood_ratio() -> None:
    # Score and likelihood-ratio statistics are asymptotically equal; the
    # planted column must be significant and the null columns not.
    x, y, z = _data()
    base = fit_logistic(x, y)
    stat, p = score_tests(base, x, y, z)
    full = fit_logistic(np.column_stack([x, z[:, 0]]), y)
    lr = 2 * (full.loglik - base.loglik)
    assert stat[0] == pytest.approx(lr, rel=0.05)
    assert p[0] < 1e-10
    assert (p[1:] > 0.01).all()
    assert p[0] == pytest.approx(stats.chi2.sf(stat[0], 1))


def test_confint_and_p_values_are_wald() -> None:
    x, y, _ = _data()
    fit = fit_logistic(x, y)
    lower, upper = fit.confint(0.95)
    np.testing.assert_allclose(upper - fit.coef, 1.959964 * fit.se, rtol=1e-6)
    np.testing.assert_allclose(fit.coef - lower, 1.959964 * fit.se, rtol=1e-6)
    np.testing.assert_allclose(fit.p_values(), 2 * stats.norm.sf(np.abs(fit.coef / fit.se)))


def test_separation_warns_but_stays_finite() -> None:
    x = np.r_[np.zeros(20), np.ones(20)]
    y = np.r_[np.zeros(20), np.ones(20)]
    with pytest.warns(UserWarning, match="separat"):
        fit = fit_logistic(x, y)
    assert np.isfinite(fit.coef).all()


def test_mismatched_rows_refused() -> None:
    with pytest.raises(ValueError, match="same number of rows"):
        fit_logistic(np.zeros((3, 1)), np.zeros(4))


@pytest.mark.parametrize("with_offset", [False, True])
def test_warm_start_on_a_subsample_reaches_the_same_optimum(
    monkeypatch: pytest.MonkeyPatch, with_offset: bool
) -> None:
    # Reference: the same fit without the warm start (Newton from the mean's log odds).
    from adoptmetrics._stats import _logistic

    x, y, _ = _data(seed=4, n=6000)
    offset = np.linspace(-0.5, 0.5, len(y)) if with_offset else None
    monkeypatch.setattr(_logistic, "_WARM_ROWS", 10**12)
    cold = fit_logistic(x, y, offset=offset)
    monkeypatch.setattr(_logistic, "_WARM_ROWS", 1000)
    warm = fit_logistic(x, y, offset=offset)
    np.testing.assert_allclose(warm.coef, cold.coef, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(warm.se, cold.se, rtol=1e-8)
    assert warm.loglik == pytest.approx(cold.loglik, rel=1e-12)
    assert warm.converged
