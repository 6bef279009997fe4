"""Tests for adoptmetrics._stats._adjusted_odds on a plain presence matrix."""

from __future__ import annotations

import numpy as np
import pytest

from adoptmetrics._stats._adjusted_odds import (
    PresenceMatrix,
    activity_levels,
    adjusted_odds,
    forward_select,
)
from adoptmetrics._stats._logistic import fit_logistic


def _planted(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two drivers (columns 0 and 1), a decoy driven by activity (2), noise (3, 4)."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 10, n)
    busy = days / 10
    z = np.column_stack(
        [
            rng.random(n) < 0.3,
            rng.random(n) < 0.4,
            rng.random(n) < 0.1 + 0.7 * busy,
            rng.random(n) < 0.3,
            rng.random(n) < 0.5,
        ]
    )
    eta = -1.5 + 0.25 * np.log1p(days) * 2 + np.log(3.0) * z[:, 0] + np.log(2.0) * z[:, 1]
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    return z, y, days


def test_cell_counts_match_a_loop() -> None:
    z, y, days = _planted(300, 0)
    cell = (days % 3) * 2 + y
    got = PresenceMatrix(z).cell_counts(cell, 6)
    # independent: an explicit loop over candidates and cells
    expected = np.array([[np.sum(z[:, j] & (cell == c)) for c in range(6)] for j in range(5)])
    np.testing.assert_array_equal(got, expected)


def test_planted_drivers_and_joint_fit() -> None:
    z, y, days = _planted(6000, 1)
    res = adjusted_odds(PresenceMatrix(z), y, days)
    assert sorted(res.selected) == [0, 1]
    assert not res.split
    # the selected rows carry the joint model, checked against fit_logistic directly
    fit = fit_logistic(np.column_stack([np.log1p(days), z[:, res.selected]]), y)
    np.testing.assert_allclose(np.log(res.odds_ratio[res.selected]), fit.coef[2:], rtol=1e-6)
    lo, hi = fit.confint(0.95)
    np.testing.assert_allclose(np.log(res.ci_lower[res.selected]), lo[2:], rtol=1e-6)
    np.testing.assert_allclose(np.log(res.ci_upper[res.selected]), hi[2:], rtol=1e-6)
    # the decoy's own adjusted model, against fit_logistic
    own = fit_logistic(np.column_stack([np.log1p(days), z[:, 2]]), y)
    assert res.odds_ratio[2] == pytest.approx(np.exp(own.coef[2]), rel=1e-6)
    assert res.n_success.sum() == (z & y[:, None]).sum()


def test_unadjusted_is_marginal() -> None:
    z, y, _ = _planted(2000, 2)
    res = adjusted_odds(PresenceMatrix(z), y, None, select=False)
    a, b = (z & y[:, None]).sum(0), (z & ~y[:, None]).sum(0)
    c, d = y.sum() - a, (~y).sum() - b
    np.testing.assert_allclose(res.odds_ratio, a * d / (b * c), rtol=1e-12)
    assert res.selected == []


def test_split_estimates_on_the_held_out_part() -> None:
    z, y, days = _planted(6000, 3)
    mask = np.random.default_rng(0).random(len(y)) < 0.5
    res = adjusted_odds(PresenceMatrix(z), y, days, select_on=mask)
    assert res.split
    x_a, _, lev_a = activity_levels(days[mask], int(mask.sum()))
    counts = PresenceMatrix(z[mask]).cell_counts(lev_a * 2 + y[mask], 2 * (lev_a.max() + 1))
    again = forward_select(
        PresenceMatrix(z[mask]), y[mask], x_a, lev_a, counts.reshape(5, -1, 2).astype(float), 0.95
    )
    assert res.selected == again
    fit = fit_logistic(np.column_stack([np.log1p(days[~mask]), z[~mask][:, again]]), y[~mask])
    np.testing.assert_allclose(np.log(res.odds_ratio[again]), fit.coef[2:], rtol=1e-6)
