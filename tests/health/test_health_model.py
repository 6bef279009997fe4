"""fit_health_model and backtest_health: known answers, no leakage, the coefficient mapping.

AUC is checked against an explicit loop over (churner, stayer) pairs; the band
intervals against statsmodels' Wilson interval; the backtest on a hand table.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import adoptmetrics as am
from adoptmetrics.health import (
    HealthModel,
    account_metrics,
    backtest_health,
    fit_health_model,
    health_scores,
)
from adoptmetrics.health._backtest import band_table, churn_auc
from adoptmetrics.models import Measure, Scorecard


@pytest.fixture(scope="module")
def sim() -> am.SaaSData:
    return am.simulate_saas(800, months=18, seed=5)


def test_auc_matches_an_explicit_pair_loop() -> None:
    rng = np.random.default_rng(0)
    score = rng.integers(0, 5, 40).astype(float)  # many ties
    y = rng.random(40) < 0.3
    wins = 0.0
    pairs = 0
    for i, j in itertools.product(np.flatnonzero(y), np.flatnonzero(~y)):
        pairs += 1
        wins += 1.0 if score[i] < score[j] else 0.5 if score[i] == score[j] else 0.0
    assert churn_auc(score, y) == pytest.approx(wins / pairs)
    assert np.isnan(churn_auc(score, np.zeros(40, dtype=bool)))


def test_band_table_uses_wilson_intervals() -> None:
    band = pd.Series(["red"] * 10 + ["yellow"] * 5 + ["green"] * 20)
    churned = np.r_[np.ones(6), np.zeros(4), np.ones(1), np.zeros(4), np.ones(1), np.zeros(19)]
    t = band_table(band, churned, 0.95)
    assert t["n_accounts"].tolist() == [10, 5, 20]
    assert t["n_churned"].tolist() == [6, 1, 1]
    lo, hi = proportion_confint([6, 1, 1], [10, 5, 20], alpha=0.05, method="wilson")
    np.testing.assert_allclose(t["ci_lower"], lo)
    np.testing.assert_allclose(t["ci_upper"], hi)


def _hand() -> tuple[pd.DataFrame, pd.DataFrame]:
    # Active days in January: a 10, b 5, c 1, d 0 → scores 100, 50, 10, 0 on CARD.
    days = {"a": 10, "b": 5, "c": 1}
    rows = [
        (k, "u", "login", pd.Timestamp("2024-01-05") + pd.Timedelta(days=i))
        for k, n in days.items()
        for i in range(n)
    ]
    rows.append(("b", "u", "login", pd.Timestamp("2024-04-05")))  # data reach past the horizon
    ev = pd.DataFrame(rows, columns=["account_id", "user_id", "event", "timestamp"])
    acc = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "started_at": pd.Timestamp("2023-01-01"),
            # a, c, d churn inside (2024-02-01, 2024-04-01]; b stays.
            "churned_at": pd.to_datetime(
                pd.Series(["2024-03-15", None, "2024-02-15", "2024-03-01"])
            ),
            "seats": 5,
        }
    )
    return ev, acc


CARD = Scorecard([Measure("active_days", 1, bad=0, good=10)])


def test_backtest_by_hand() -> None:
    ev, acc = _hand()
    bt = backtest_health(ev, acc, cutoff="2024-02-01", horizon_days=60, scorecard=CARD)
    # churners a (100), c (10), d (0) against the stayer b (50): c and d lower, a not → 2/3.
    assert bt.auc == pytest.approx(2 / 3)
    assert bt.bands["n_accounts"].tolist() == [2, 1, 1]  # red c, d; yellow b; green a
    assert bt.bands["n_churned"].tolist() == [2, 0, 1]
    assert bt.lift_red_vs_green == 1.0
    assert (bt.n_accounts, bt.n_churned, bt.n_unscored) == (4, 3, 0)
    assert list(bt.bands.columns) == [
        "band",
        "n_accounts",
        "n_churned",
        "churn_rate",
        "ci_lower",
        "ci_upper",
    ]


def test_backtest_reads_nothing_after_the_cutoff() -> None:
    ev, acc = _hand()
    base = backtest_health(ev, acc, cutoff="2024-02-01", horizon_days=60, scorecard=CARD)
    noisy = pd.concat(
        [ev, ev.assign(timestamp=ev["timestamp"] + pd.Timedelta(days=40), event="other")]
    )
    later = backtest_health(noisy, acc, cutoff="2024-02-01", horizon_days=60, scorecard=CARD)
    pd.testing.assert_frame_equal(base.scores, later.scores)


def test_backtest_bad_inputs() -> None:
    ev, acc = _hand()
    with pytest.raises(ValueError, match="too late"):
        backtest_health(ev, acc, cutoff="2024-03-01", horizon_days=60)
    with pytest.raises(ValueError, match="horizon_days"):
        backtest_health(ev, acc, cutoff="2024-02-01", horizon_days=-5)
    with pytest.raises(ValueError, match="no account was alive"):
        backtest_health(ev, acc, cutoff="2022-01-01", horizon_days=60)
    with pytest.raises(ValueError, match="confidence"):
        backtest_health(ev, acc, cutoff="2024-02-01", horizon_days=60, confidence=95)
    with pytest.raises(TypeError, match="cutoff"):
        backtest_health(ev, acc, cutoff="soon", horizon_days=60)


def test_fit_learns_a_usable_scorecard(sim: am.SaaSData) -> None:
    model = fit_health_model(sim.events, sim.accounts, nps=sim.nps, n_snapshots=8)
    assert isinstance(model, HealthModel)
    assert len(model.snapshots) == 8
    assert all(t + pd.Timedelta(days=90) <= model.as_of for t in model.snapshots)
    assert sum(m.weight for m in model.scorecard.measures) == pytest.approx(1)
    s = model.summary
    assert list(s.columns) == [
        "measure",
        "coef",
        "odds_ratio",
        "ci_lower",
        "ci_upper",
        "p_value",
        "weight",
        "bad",
        "good",
        "lower_is_better",
    ]
    assert (s["ci_lower"] <= s["odds_ratio"]).all()
    assert (s["odds_ratio"] <= s["ci_upper"]).all()
    # lower_is_better ⇔ a positive coefficient ⇔ bad > good
    assert ((s["coef"] > 0) == s["lower_is_better"]).all()
    assert ((s["bad"] > s["good"]) == s["lower_is_better"]).all()
    metrics = account_metrics(sim.events, accounts=sim.accounts, nps=sim.nps)
    scores = health_scores(metrics, scorecard=model)  # the model itself is accepted
    assert scores["score"].between(0, 100).all()


def test_learned_score_is_a_decreasing_map_of_the_log_odds(sim: am.SaaSData) -> None:
    model = fit_health_model(sim.events, sim.accounts, nps=sim.nps, n_snapshots=6)
    metrics = account_metrics(sim.events, accounts=sim.accounts, nps=sim.nps)
    x = metrics[list(model.columns)].to_numpy(dtype=float)
    inside = ((x >= model.low) & (x <= model.high)).all(axis=1)  # no NaN, no clipping
    assert inside.sum() > 20
    p = model.predict(metrics)["churn_probability"].to_numpy()[inside]
    score = health_scores(metrics, scorecard=model.scorecard)["score"].to_numpy()[inside]
    logit = np.log(p / (1 - p))
    # score = 100 · (const − logit) / Σ|coef| exactly
    total = np.abs(model.coef[1:]).sum()
    np.testing.assert_allclose(score + 100 * logit / total, (score + 100 * logit / total)[0])


def test_fit_reads_nothing_after_as_of(sim: am.SaaSData) -> None:
    as_of = pd.Timestamp("2025-03-01")
    a = fit_health_model(sim.events, sim.accounts, nps=sim.nps, as_of=as_of, n_snapshots=4)
    ev = sim.events[sim.events["timestamp"] <= as_of]
    acc = sim.accounts[sim.accounts["started_at"] <= as_of].copy()
    acc.loc[acc["churned_at"] > as_of, "churned_at"] = pd.NaT
    nps = sim.nps[sim.nps["timestamp"] <= as_of]
    b = fit_health_model(ev, acc, nps=nps, as_of=as_of, n_snapshots=4)
    np.testing.assert_allclose(a.coef, b.coef)
    assert a.snapshots == b.snapshots


def test_fit_bad_inputs(sim: am.SaaSData) -> None:
    ev, acc = sim.events, sim.accounts
    with pytest.raises(ValueError, match="n_snapshots"):
        fit_health_model(ev, acc, n_snapshots=0)
    with pytest.raises(ValueError, match="horizon_days"):
        fit_health_model(ev, acc, horizon_days=0)
    with pytest.raises(ValueError, match="'nope' is not an account_metrics column"):
        fit_health_model(ev, acc, measures=["nope"])
    with pytest.raises(ValueError, match="no monthly snapshot"):
        fit_health_model(ev, acc, as_of="2024-02-01")
    with pytest.raises(TypeError, match="accounts"):
        fit_health_model(ev, None)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="nps"):
        fit_health_model(ev, acc, n_snapshots=3)  # no NPS table: nps left out, said so
