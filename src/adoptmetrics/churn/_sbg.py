"""The shifted-beta-geometric (sBG) model of contractual retention.

Fader & Hardie (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1), 76–90. Each customer renews at every period with
a constant probability ``1 − θ``; ``θ`` varies across customers as
Beta(α, β). Then

* ``P(T = t) = B(α + 1, β + t − 1) / B(α, β)`` (churn at renewal ``t ≥ 1``),
* ``S(t) = B(α, β + t) / B(α, β)`` (still active after ``t`` renewals),
* ``r(t) = (β + t − 1) / (α + β + t − 1)`` (retention rate at renewal ``t``),

so the aggregate retention rate rises over time even though no customer's
own renewal probability changes (heterogeneity, "sorting").
"""

from __future__ import annotations

import warnings

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special

__all__ = ["SBGModel", "fit_sbg"]

FloatArray = npt.NDArray[np.float64]


@attrs.frozen(slots=True)
class SBGModel:
    """A fitted shifted-beta-geometric model (see :func:`fit_sbg`).

    Attributes
    ----------
    alpha, beta : float
        Maximum-likelihood parameters of the Beta distribution of churn
        probabilities.
    n_active : tuple of int
        The counts the model was fitted to (active at renewals 0..n).
    log_likelihood : float
        Log-likelihood at the optimum.
    summary : DataFrame
        ``parameter`` (``alpha``, ``beta``, ``mean_churn_probability``) and
        ``estimate``.
    """

    alpha: float
    beta: float
    n_active: tuple[int, ...]
    log_likelihood: float
    summary: pd.DataFrame = attrs.field(repr=False, eq=False)

    def survival(self, t: npt.ArrayLike) -> FloatArray:
        """Share of the cohort still active after ``t`` renewals, ``S(t)``.

        Examples
        --------
        >>> m = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(float(m.survival(1)), 3)
        0.627
        """
        tt = np.asarray(t, dtype=float)
        return np.asarray(
            np.exp(
                special.betaln(self.alpha, self.beta + tt) - special.betaln(self.alpha, self.beta)
            )
        )

    def retention(self, t: npt.ArrayLike) -> FloatArray:
        """Retention rate at renewal ``t ≥ 1``: ``S(t) / S(t − 1) = (β + t − 1)/(α + β + t − 1)``.

        Examples
        --------
        >>> m = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> [round(float(r), 3) for r in m.retention([1, 2])]
        [0.627, 0.756]
        """
        tt = np.asarray(t, dtype=float)
        if np.any(tt < 1):
            raise ValueError("retention(t) is defined for t >= 1.\nHint: renewals count from 1.")
        return np.asarray((self.beta + tt - 1) / (self.alpha + self.beta + tt - 1))

    def expected_lifetime(self, *, discount_rate: float = 0.0, horizon: int | None = None) -> float:
        """Expected number of paid periods, ``Σ_{t≥0} S(t) / (1 + d)^t``.

        Period 0 (the first payment) counts. Without a discount and horizon
        this is ``(α + β − 1)/(α − 1)`` when ``α > 1`` and infinite otherwise
        (the heavy tail of loyal customers). With ``discount_rate = d > 0`` it
        is the "discounted expected lifetime" ``₂F₁(1, β; α + β; 1/(1 + d))``
        of Fader & Hardie (2010). ``horizon`` sums periods ``0..horizon−1``
        only.

        Examples
        --------
        >>> m = fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
        >>> round(m.expected_lifetime(discount_rate=0.1), 2)
        5.92
        """
        if discount_rate < 0:
            raise ValueError(
                f"discount_rate={discount_rate!r} must be >= 0.\nHint: 0.1 means 10 % per period."
            )
        if horizon is not None:
            if horizon < 0:
                raise ValueError("horizon must be >= 0.\nHint: pass a number of periods.")
            t = np.arange(horizon, dtype=float)
            return float(np.sum(self.survival(t) / (1 + discount_rate) ** t))
        if discount_rate == 0:
            if self.alpha <= 1:
                return float("inf")
            return (self.alpha + self.beta - 1) / (self.alpha - 1)
        z = 1 / (1 + discount_rate)
        return float(special.hyp2f1(1.0, self.beta, self.alpha + self.beta, z))

    def project(self, n_periods: int) -> pd.DataFrame:
        """Project the cohort over renewals ``0..n_periods``.

        Returns
        -------
        DataFrame
            - ``period``: renewal number (0 is the start).
            - ``survival``: model share still active, ``S(t)``.
            - ``retention_rate``: model ``r(t)`` (NaN at period 0).
            - ``expected_active``: ``n_0 · S(t)``.
            - ``observed_active``: the fitted counts (NaN beyond them).

        Examples
        --------
        >>> m = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> m.project(12)["expected_active"].round().iloc[[8, 12]].tolist()
        [220.0, 170.0]
        """
        if isinstance(n_periods, bool) or not isinstance(n_periods, (int, np.integer)):
            raise TypeError("n_periods must be an int.\nHint: e.g. project(12).")
        if n_periods < 0:
            raise ValueError("n_periods must be >= 0.\nHint: e.g. project(12).")
        t = np.arange(int(n_periods) + 1, dtype=float)
        surv = self.survival(t)
        ret = np.full(len(t), np.nan)
        ret[1:] = self.retention(t[1:])
        observed = np.full(len(t), np.nan)
        n_obs = min(len(t), len(self.n_active))
        observed[:n_obs] = np.asarray(self.n_active[:n_obs], dtype=float)
        return pd.DataFrame(
            {
                "period": t.astype(np.int64),
                "survival": surv,
                "retention_rate": ret,
                "expected_active": self.n_active[0] * surv,
                "observed_active": observed,
            }
        )


def _check_counts(n_active: object) -> FloatArray:
    try:
        arr = np.asarray(n_active, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "n_active must be a sequence of counts.\nHint: e.g. [1000, 631, 468, 382]."
        ) from exc
    if arr.ndim != 1 or arr.size < 3:
        raise ValueError(
            "n_active needs the counts active at renewals 0, 1, 2, … (at least 3 values).\n"
            "Hint: e.g. [1000, 631, 468, 382]."
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError(
            "n_active must hold non-negative whole counts.\n"
            "Hint: pass numbers of customers, not rates (multiply rates by the cohort size)."
        )
    if np.any(np.diff(arr) > 0):
        raise ValueError(
            "n_active must not increase: a cohort can only lose customers.\n"
            "Hint: pass one cohort's counts still active at each renewal, not new sign-ups."
        )
    if arr[0] <= 0:
        raise ValueError("n_active[0] (the cohort size) must be positive.\nHint: e.g. 1000.")
    return arr


def fit_sbg(n_active: npt.ArrayLike, /) -> SBGModel:
    """Fit the shifted-beta-geometric model to one cohort's renewal counts.

    Maximum likelihood (Fader & Hardie, 2007, eq. 6): the customers lost at
    each renewal contribute ``log P(T = t)``, those still active after the
    last one ``log S(n)``.

    Parameters
    ----------
    n_active : sequence of int
        Customers still active at renewals ``0, 1, …, n`` (``n_active[0]`` is
        the cohort size); non-increasing.

    Returns
    -------
    SBGModel
        ``alpha``, ``beta``, and ``survival(t)``, ``retention(t)``,
        ``expected_lifetime()``, ``project(n_periods)``.

    Examples
    --------
    The "regular" segment of Fader & Hardie (2007), years 0–7:

    >>> m = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(m.alpha, 3), round(m.beta, 3)
    (0.704, 1.182)
    """
    counts = _check_counts(n_active)
    lost = -np.diff(counts)
    n = len(counts) - 1
    t = np.arange(1, n + 1, dtype=float)
    if counts[-1] == counts[0]:
        raise ValueError(
            "no customer was lost, so the churn distribution cannot be estimated.\n"
            "Hint: fit a longer history or a larger cohort."
        )

    def nll(p: FloatArray) -> float:
        a, b = np.exp(p)
        base = special.betaln(a, b)
        log_p = special.betaln(a + 1, b + t - 1) - base
        log_s = special.betaln(a, b + n) - base
        return -float(lost @ log_p + counts[-1] * log_s)

    start = np.zeros(2)
    res = optimize.minimize(nll, start, method="L-BFGS-B", bounds=[(-12, 12), (-12, 12)])
    res = optimize.minimize(
        nll, res.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000}
    )
    alpha, beta = (float(v) for v in np.exp(res.x))
    if not res.success or np.any(np.abs(res.x) > 11.5):
        warnings.warn(
            f"the sBG fit did not converge cleanly (alpha={alpha:.3g}, beta={beta:.3g}); "
            "the counts may be nearly geometric (no heterogeneity) or too short.\n"
            "Hint: check the counts, or fit more renewals.",
            UserWarning,
            stacklevel=2,
        )
    summary = pd.DataFrame(
        {
            "parameter": ["alpha", "beta", "mean_churn_probability"],
            "estimate": [alpha, beta, alpha / (alpha + beta)],
        }
    )
    return SBGModel(
        alpha=alpha,
        beta=beta,
        n_active=tuple(int(c) for c in counts),
        log_likelihood=-float(res.fun),
        summary=summary,
    )
