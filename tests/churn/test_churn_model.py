"""Tests for the churn model (Cox), churn_risk, lifetime value per account, and fit_sbg.

Cox hazard ratios are pinned to lifelines' CoxPHFitter (optional: skipped
without it) called directly on a design matrix and durations the test builds
itself, and to an explicit-loop Efron likelihood and Breslow baseline in
test_churn_reference.py; planted effects are
recovered from ``simulate_saas``; the sBG fit is pinned to Fader & Hardie
(2007).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from adoptmetrics import SchemaError, churn
from adoptmetrics.datasets import SaaSData, simulate_saas

COVARIATES = ["plan", "industry", "onboarding_success", "region", "seats"]
REFERENCE = {"plan": "basic", "industry": "software"}


@pytest.fixture(scope="module")
def saas() -> SaaSData:
    return simulate_saas(3000, seed=1)


@pytest.fixture(scope="module")
def model(saas: SaaSData) -> churn.ChurnModel:
    return churn.fit_churn_model(saas.accounts, covariates=COVARIATES, reference=REFERENCE)


def _reference_frame(
    acc: pd.DataFrame, as_of: pd.Timestamp, observed_from: pd.Timestamp | None
) -> pd.DataFrame:
    """Durations and dummies built by the test (independently of the library)."""
    a = acc[acc["started_at"] <= as_of]
    churned = a["churned_at"].notna() & (a["churned_at"] <= as_of)
    end = a["churned_at"].where(churned, as_of)
    out = pd.DataFrame(
        {
            "duration": ((end - a["started_at"]).dt.total_seconds() // 86_400).astype(float),
            "churned": churned.astype(int),
            "plan=enterprise": (a["plan"] == "enterprise").astype(float),
            "plan=pro": (a["plan"] == "pro").astype(float),
            "industry=education": (a["industry"] == "education").astype(float),
            "onboarding_success": a["onboarding_success"].astype(float),
        }
    )
    if observed_from is not None:
        keep = ~(churned & (a["churned_at"] < observed_from))
        out = out[keep.to_numpy()].copy()
        since = (observed_from - a["started_at"][keep.to_numpy()]).dt.total_seconds() // 86_400
        # Accounts that started after observed_from get a negative entry (at risk from
        # their start); those whose follow-up ends the day observation begins are never
        # at risk (no information, and lifelines refuses entry >= duration).
        # An entry of 0 whole days is "observed from the start": at risk at day 0 too
        # (the library's convention for every estimator), so it is passed as -1.
        out["entry"] = np.where(since.to_numpy() == 0, -1, since.to_numpy())
        out = out[out["entry"] < out["duration"]]
    return out


@pytest.mark.parametrize("observed_from", [None, pd.Timestamp("2024-10-01")])
def test_cox_matches_lifelines(saas: SaaSData, observed_from: pd.Timestamp | None) -> None:
    # Reference: lifelines CoxPHFitter on the test's own durations and dummies, as of a
    # past date (churn after it must count as active) and with left truncation.
    lifelines = pytest.importorskip("lifelines")
    acc = saas.accounts.assign(
        industry=np.where(saas.accounts["industry"] == "education", "education", "other")
    )
    as_of = pd.Timestamp("2025-03-01")
    ref = _reference_frame(acc, as_of, observed_from)
    cph = lifelines.CoxPHFitter().fit(
        ref,
        duration_col="duration",
        event_col="churned",
        entry_col="entry" if observed_from is not None else None,
        # lifelines' default stopping rule (relative log-likelihood change < 1e-9) can stop
        # ~1e-4 short of the maximum; run it to convergence to compare at 1e-6.
        fit_options={"precision": 1e-12, "r_precision": 1e-14},
    )
    m = churn.fit_churn_model(
        acc,
        covariates=["plan", "industry", "onboarding_success"],
        reference={"plan": "basic", "industry": "other"},
        as_of=as_of,
        observed_from=observed_from,
    )
    s = m.summary.set_index("covariate")
    for name in ["plan=enterprise", "plan=pro", "industry=education", "onboarding_success"]:
        assert s.loc[name, "hazard_ratio"] == pytest.approx(cph.hazard_ratios_[name], rel=1e-6)
        assert s.loc[name, "se"] == pytest.approx(cph.standard_errors_[name], rel=1e-6)
        lo = np.exp(cph.confidence_intervals_.loc[name].iloc[0])
        assert s.loc[name, "ci_lower"] == pytest.approx(lo, rel=1e-6)
        assert s.loc[name, "p_value"] == pytest.approx(cph.summary.loc[name, "p"], rel=1e-4)
    assert m.concordance == pytest.approx(cph.concordance_index_, rel=1e-9)
    assert m.n_accounts == len(ref)
    assert m.n_churned == int(ref["churned"].sum())


@pytest.mark.slow
def test_recovers_planted_hazard_ratios(saas: SaaSData, model: churn.ChurnModel) -> None:
    s = model.summary.set_index("covariate")
    for name, true_hr in saas.truth["churn_hazard_ratios"].items():
        assert float(s["ci_lower"][name]) <= true_hr <= float(s["ci_upper"][name]), name
    # Covariates without an effect: intervals cover 1.
    lo, hi = s["ci_lower"], s["ci_upper"]
    for name in ["region=EMEA", "region=NA", "seats"]:
        assert float(lo[name]) <= 1.0 <= float(hi[name]), name
    assert 0.6 < model.concordance < 0.75
    ph = model.check_assumptions()
    assert list(ph.columns) == ["covariate", "statistic", "degrees_of_freedom", "p_value"]
    assert set(ph["covariate"]) == set(model.summary["covariate"])


@pytest.mark.slow
def test_out_of_time_discrimination_and_calibration(saas: SaaSData) -> None:
    # Fit as of an earlier date, score the accounts active then, compare with what
    # happened in the following 90 days (which the model never saw).
    cutoff = saas.as_of - pd.Timedelta(days=180)
    horizon = 90
    m = churn.fit_churn_model(
        saas.accounts, covariates=COVARIATES, reference=REFERENCE, as_of=cutoff
    )
    assert m.as_of == cutoff
    risk = churn.churn_risk(m, saas.accounts, horizon_days=horizon, as_of=cutoff)
    acc = saas.accounts.set_index("account_id").loc[risk["account_id"]]
    active_then = acc["started_at"] <= cutoff
    assert active_then.all()
    assert (acc["churned_at"].isna() | (acc["churned_at"] > cutoff)).all()
    outcome = (acc["churned_at"] <= cutoff + pd.Timedelta(days=horizon)).to_numpy()
    p = risk["churn_probability"].to_numpy()
    auc = stats.mannwhitneyu(p[outcome], p[~outcome]).statistic / (outcome.sum() * (~outcome).sum())
    assert auc > 0.62
    # Calibration: overall and by risk tercile, predicted ≈ observed (Wilson-sized slack).
    assert abs(p.mean() - outcome.mean()) < 0.03
    tercile = pd.qcut(p, 3, labels=False)
    for k in range(3):
        sel = tercile == k
        se = np.sqrt(outcome[sel].mean() * (1 - outcome[sel].mean()) / sel.sum())
        assert abs(p[sel].mean() - outcome[sel].mean()) < 3 * se + 0.02
    # Observed churn rises with predicted risk.
    rates = [outcome[tercile == k].mean() for k in range(3)]
    assert rates[0] < rates[2]


def test_churn_risk_is_conditional_survival(saas: SaaSData, model: churn.ChurnModel) -> None:
    before = saas.accounts.copy()
    risk = churn.churn_risk(model, saas.accounts, horizon_days=90)
    pd.testing.assert_frame_equal(saas.accounts, before)  # input not mutated
    assert risk["churn_probability"].is_monotonic_decreasing
    assert risk["churn_probability"].between(0, 1).all()
    assert (risk["expected_remaining_days"] <= 365).all()
    active = saas.accounts["churned_at"].isna() | (saas.accounts["churned_at"] > saas.as_of)
    assert len(risk) == int(active.sum())
    # 1 − S(t + h | x)/S(t | x), recomputed from predict_survival for a few accounts.
    sample = risk.iloc[[0, 10, 500, len(risk) - 1]]
    acc = saas.accounts.set_index("account_id").loc[sample["account_id"]].reset_index()
    for _, row in sample.iterrows():
        one = acc[acc["account_id"] == row["account_id"]]
        t = row["tenure_days"]
        pred = model.predict_survival(one, [t, t + 90])
        expected = 1 - pred["survival"].iloc[1] / pred["survival"].iloc[0]
        assert row["churn_probability"] == pytest.approx(expected, rel=1e-9)
        assert row["extrapolated"] == (t + 90 > model.max_followup_days)
    # The oldest accounts are extrapolated and still get a real (non-zero) risk.
    old = risk[risk["extrapolated"]]
    assert len(old) > 0
    assert (old["churn_probability"] > 0.01).all()
    # Reasons: a tuple of short strings naming hazard-raising covariates.
    top = risk["reasons"].iloc[0]
    assert isinstance(top, tuple)
    assert top
    assert all("=" in r and "×" in r for r in top)
    assert all(isinstance(r, tuple) for r in risk["reasons"])
    # Ranks: tied probabilities share their average rank (never ordered by id).
    ties = risk[risk["churn_probability"].duplicated(keep=False)]
    assert len(ties) > 0
    assert (ties.groupby("churn_probability")["rank"].nunique() == 1).all()
    # Row order of the input does not matter.
    again = churn.churn_risk(model, saas.accounts.sample(frac=1.0, random_state=3), horizon_days=90)
    pd.testing.assert_frame_equal(risk, again)


def test_predict_survival_and_tail(model: churn.ChurnModel, saas: SaaSData) -> None:
    acc = saas.accounts.head(5)
    pred = model.predict_survival(acc, [0, 30, 365, model.max_followup_days + 200])
    assert list(pred.columns) == ["account_id", "time", "survival", "extrapolated"]
    wide = pred.pivot(index="account_id", columns="time", values="survival")
    assert (np.diff(wide.to_numpy(), axis=1) <= 1e-12).all()  # non-increasing in time
    assert pred["extrapolated"].sum() == 5
    # The tail continues the baseline (continuous at τ) and keeps falling.
    tau = model.max_followup_days
    h = model.cumulative_hazard([tau, tau + 1, tau + 365])
    assert h[1] == pytest.approx(h[0], rel=0.01)
    assert h[2] > h[0]


def test_lifetime_value_per_account(model: churn.ChurnModel, saas: SaaSData) -> None:
    out = churn.lifetime_value(saas.accounts, model=model, horizon_months=12, discount_rate=0.0)
    assert out["lifetime_value"].is_monotonic_decreasing
    assert (out["expected_months"] <= 12 + 1e-9).all()
    assert (out["expected_months"] >= 1 - 1e-9).all()  # month 0 is always paid
    np.testing.assert_allclose(out["lifetime_value"], out["mrr"] * out["expected_months"])


def test_leakage_warning_when_scoring_before_fit(model: churn.ChurnModel, saas: SaaSData) -> None:
    with pytest.warns(UserWarning, match="leakage"):
        churn.churn_risk(
            model, saas.accounts, horizon_days=30, as_of=saas.as_of - pd.Timedelta(days=60)
        )


# --------------------------------------------------------------------------- bad input


def test_model_bad_input(saas: SaaSData) -> None:
    acc = saas.accounts.head(800)
    with pytest.raises(SchemaError, match="did you mean 'plan'"):
        churn.fit_churn_model(acc, covariates=["plans"])
    with pytest.raises(TypeError, match="Hint"):
        churn.fit_churn_model(acc, covariates="plan")
    with pytest.raises(ValueError, match="reference level"):
        churn.fit_churn_model(acc, covariates=["plan"], reference={"plan": "gold"})
    with pytest.raises(ValueError, match="not in covariates"):
        churn.fit_churn_model(acc, covariates=["plan"], reference={"industry": "retail"})
    with pytest.warns(UserWarning, match="constant"):
        churn.fit_churn_model(acc.assign(tier="x"), covariates=["plan", "tier"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="constant"):
            churn.fit_churn_model(acc.assign(tier="x"), covariates=["tier"])
    missing = acc.assign(seats=acc["seats"].astype(float))
    missing.loc[missing.index[4], "seats"] = np.nan
    with pytest.raises(SchemaError, match="seats"):
        churn.fit_churn_model(missing, covariates=["seats"])
    with pytest.raises(ValueError, match="no account churned"):
        churn.fit_churn_model(
            acc.assign(churned_at=pd.Series(pd.NaT, index=acc.index, dtype="datetime64[ns]")),
            covariates=["plan"],
        )
    m = churn.fit_churn_model(acc, covariates=["plan"])
    with pytest.raises(TypeError, match="ChurnModel"):
        churn.churn_risk("model", acc, horizon_days=30)  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="never saw"):
        churn.churn_risk(m, acc.assign(plan="platinum"), horizon_days=30)
    with pytest.raises(ValueError, match="Hint"):
        churn.churn_risk(m, acc, horizon_days=-5)


def test_non_convergence_is_reported(saas: SaaSData) -> None:
    acc = saas.accounts.head(600).copy()
    # A level whose accounts never churn: its hazard ratio runs off to 0.
    never = acc["churned_at"].isna()
    acc["flag"] = np.where(never & (np.arange(len(acc)) % 3 == 0), "loyal", "normal")
    with pytest.warns(UserWarning, match="no churns|converge") as record:
        churn.fit_churn_model(acc, covariates=["flag"])
    assert any("no churns" in str(w.message) for w in record)
    # Perfectly collinear columns make the fit fail: a clear error with a hint.
    acc["seats2"] = acc["seats"] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="penalizer"):
            churn.fit_churn_model(acc, covariates=["seats", "seats2"])


# --------------------------------------------------------------------------- sBG


def test_fit_sbg_reproduces_fader_hardie_2007() -> None:
    # Fader & Hardie (2007), "How to project customer retention", fitted to years 1–7
    # (counts active at years 0..7): regular segment α = 0.704, β = 1.182;
    # high-end segment α = 0.668, β = 3.806.
    regular = churn.fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    assert round(regular.alpha, 3) == 0.704
    assert round(regular.beta, 3) == 1.182
    high = churn.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    assert round(high.alpha, 3) == 0.668
    assert round(high.beta, 3) == 3.806
    # r(t) = (β + t − 1)/(α + β + t − 1) and S(t) = Π r: checked by hand-formula.
    t = np.arange(1, 13)
    r = (regular.beta + t - 1) / (regular.alpha + regular.beta + t - 1)
    np.testing.assert_allclose(regular.retention(t), r)
    np.testing.assert_allclose(regular.survival(t), np.cumprod(r))
    proj = regular.project(12)
    assert proj["observed_active"].iloc[7] == 241
    assert np.isnan(proj["observed_active"].iloc[8])
    assert regular.expected_lifetime() == np.inf  # α < 1: heavy tail
    # Discounted expected lifetime equals the truncated sum (hypergeometric closed form).
    d = 0.1
    assert high.expected_lifetime(discount_rate=d) == pytest.approx(
        high.expected_lifetime(discount_rate=d, horizon=2000), rel=1e-6
    )


def test_fit_sbg_bad_input() -> None:
    with pytest.raises(ValueError, match="Hint"):
        churn.fit_sbg([1000, 900])
    with pytest.raises(ValueError, match="not increase"):
        churn.fit_sbg([1000, 900, 950])
    with pytest.raises(ValueError, match="whole counts"):
        churn.fit_sbg([1.0, 0.8, 0.7])
    with pytest.raises(ValueError, match="no customer was lost"):
        churn.fit_sbg([100, 100, 100])
    m = churn.fit_sbg([1000, 631, 468, 382])
    with pytest.raises(ValueError, match="t >= 1"):
        m.retention(0)
    with pytest.raises(TypeError, match="Hint"):
        m.project(2.5)  # type: ignore[arg-type]


def test_weibull_tail_recovers_shape() -> None:
    # Simulated by the test: Weibull PH with shape 0.7, scale 300 days, one binary covariate
    # (HR 2), administrative censoring at 400 days. The tail shape should be near 0.7 and
    # the extrapolated survival near the true one.
    rng = np.random.default_rng(8)
    n = 4000
    x = rng.random(n) < 0.5
    hr = np.where(x, 2.0, 1.0)
    days = np.floor(300 * (rng.exponential(size=n) / hr) ** (1 / 0.7)).astype(int)
    start = pd.Timestamp("2023-01-01")
    acc = pd.DataFrame(
        {
            "account_id": [f"w{i}" for i in range(n)],
            "started_at": start,
            "churned_at": start + pd.to_timedelta(days, unit="D"),
            "x": x,
        }
    )
    m = churn.fit_churn_model(acc, covariates=["x"], as_of=start + pd.Timedelta(days=400))
    assert m.max_followup_days == 400
    assert m.tail_shape == pytest.approx(0.7, abs=0.12)
    pred = m.predict_survival(acc.head(1).assign(x=False), [600])
    true = np.exp(-((600 / 300) ** 0.7))
    assert bool(pred["extrapolated"].iloc[0])
    assert pred["survival"].iloc[0] == pytest.approx(true, abs=0.04)
