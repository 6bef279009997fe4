"""Churn estimates against independent references (explicit loops, statsmodels, lifelines).

Each test here failed on the code before issue 12's fixes (noted at each test
with the numbers it gave) or pins a documented convention. The explicit
loops run over event times or accounts in plain Python: slow, obvious and
independent of the library's vectorised code. lifelines is optional (the
tests that use it are skipped without it).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from adoptmetrics import SchemaError, churn
from adoptmetrics._stats._intervals import kaplan_meier
from adoptmetrics._stats._survival import concordance, fit_cox

Array = np.ndarray[Any, Any]


# --------------------------------------------------------------------------- explicit loops


def _at_risk(entry: Array, duration: Array, t: int) -> Array:
    """(entry, duration] risk set; subjects entering at 0 are at risk at 0."""
    risk: Array = ((entry < t) & (duration >= t)) | ((t == 0) & (entry == 0) & (duration >= 0))
    return risk


def _km_loop(duration: Array, event: Array, entry: Array) -> pd.DataFrame:
    """Kaplan–Meier by an explicit loop over event times, (entry, duration] risk sets."""
    keep = ~((entry >= duration) & (entry > 0))
    duration, event, entry = duration[keep], event[keep], entry[keep]
    rows = []
    s = 1.0
    for t in sorted(set(duration[event].tolist())):
        n = int(_at_risk(entry, duration, t).sum())
        d = int(((duration == t) & event).sum())
        s *= 1 - d / n
        rows.append({"time": t, "n_at_risk": n, "n_churned": d, "survival": s})
    return pd.DataFrame(rows)


def _logrank_loop(duration: Array, event: Array, group: Array, entry: Array) -> float:
    """Two-group log-rank χ² by an explicit loop over event times."""
    keep = ~((entry >= duration) & (entry > 0))
    duration, event, group, entry = duration[keep], event[keep], group[keep], entry[keep]
    u = v = 0.0
    for t in sorted(set(duration[event].tolist())):
        risk = _at_risk(entry, duration, t)
        n, n1 = risk.sum(), (risk & (group == 1)).sum()
        d, d1 = ((duration == t) & event).sum(), ((duration == t) & event & (group == 1)).sum()
        u += d1 - d * n1 / n
        if n > 1:
            v += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return u * u / v


def _efron_loglik(beta: Array, x: Array, duration: Array, event: Array, entry: Array) -> float:
    """Efron log partial likelihood, one event time at a time."""
    eta = x @ beta
    w = np.exp(eta)
    ll = 0.0
    for t in sorted(set(duration[event].tolist())):
        risk = _at_risk(entry, duration, t)
        dead = (duration == t) & event
        d = int(dead.sum())
        s0, sd = w[risk].sum(), w[dead].sum()
        ll += eta[dead].sum() - sum(np.log(s0 - k / d * sd) for k in range(d))
    return float(ll)


def _breslow_loop(
    eta: Array, duration: Array, event: Array, entry: Array, t_max: int
) -> dict[int, float]:
    """Breslow cumulative hazard H0(t) at the centred covariates, explicit loop."""
    w = np.exp(eta)
    h = 0.0
    out = {}
    for t in range(t_max + 1):
        d = int(((duration == t) & event).sum())
        if d:
            h += d / w[_at_risk(entry, duration, t)].sum()
        out[t] = h
    return out


# --------------------------------------------------------------------------- issue 12, defect 1


def _six_accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": list("abcdef"),
            "started_at": pd.to_datetime(["2024-01-01"] * 5 + ["2024-03-05"]),
            "churned_at": pd.to_datetime(
                pd.Series(["2024-03-01", "2024-03-01", "2024-03-10", None, None, None])
            ),
            "plan": ["x", "x", "y", "x", "x", "y"],
        }
    )


def test_six_account_example_counts_only_accounts_at_risk() -> None:
    # Issue 12 example. Before the fix: day 60 had n_at_risk=1, n_churned=2, survival=-1.00,
    # and the log-rank χ² was 9.0 (p=0.003). Under (start, stop], a and b (entry 60 =
    # duration 60) are never at risk: left out. Hand-worked: at day 69, c, d, e (entry 60)
    # and f (entry 0, started 2024-03-05) are at risk, c churns: S = 3/4.
    acc = _six_accounts()
    kw: dict[str, Any] = {"observed_from": "2024-03-01", "as_of": "2024-06-01"}
    table = churn.survival_table(acc, **kw)
    assert table["account_id"].tolist() == ["c", "d", "e", "f"]
    curve = churn.churn_curve(acc, **kw)
    assert (curve["survival"].between(0, 1)).all()
    first = curve.iloc[0]
    assert (first["time"], first["n_at_risk"], first["n_churned"]) == (69, 4, 1)
    assert first["survival"] == pytest.approx(0.75)
    # The log-rank test, (start, stop]: χ² = 1.0, p = 0.3173 (explicit loop and hand).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one-account segment warning
        test = churn.compare_churn(acc, by="plan", **kw)
    # (entry, duration] by hand: a, b, d, e entered at day 60; f started after observed_from.
    duration = np.array([60, 60, 69, 152, 152, 88])
    entry = np.array([60, 60, 60, 60, 60, 0])
    event = np.array([True, True, True, False, False, False])
    group = np.array([0, 0, 1, 0, 0, 1])
    expected = _logrank_loop(duration, event, group, entry)
    assert expected == pytest.approx(1.0)
    assert test["statistic"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert test["p_value"].iloc[0] == pytest.approx(stats.chi2.sf(1.0, 1), rel=1e-9)
    # median and RMST read the same curve: no churn is counted twice.
    rm = churn.restricted_mean_lifetime(acc, horizon_days=100, **kw)
    assert rm["rmst_days"].iloc[0] == pytest.approx(69 + 0.75 * 31)


def test_kaplan_meier_ignores_subjects_never_at_risk() -> None:
    # Shared depth: _stats.kaplan_meier itself, against the explicit loop, with entry ==
    # duration both for events and censorings (and entry == duration == 0, at risk at 0).
    duration = np.array([5, 5, 5, 7, 9, 0, 3, 3, 12])
    event = np.array([True, True, False, True, False, True, True, False, True])
    entry = np.array([5, 0, 5, 0, 2, 0, 3, 0, 4])
    km = kaplan_meier(duration, event, entry=entry)
    ref = _km_loop(duration, event, entry)
    got = pd.DataFrame(km).loc[lambda d: d["n_events"] > 0]
    np.testing.assert_array_equal(got["time"], ref["time"])
    np.testing.assert_array_equal(got["n_at_risk"], ref["n_at_risk"])
    np.testing.assert_array_equal(got["n_events"], ref["n_churned"])
    np.testing.assert_allclose(got["survival"], ref["survival"], rtol=1e-12)


def test_churn_curve_with_entry_ties_matches_loop() -> None:
    # Whole-day starts and churns on observed_from itself, so entry == duration occurs
    # often (the old tests never generated it); n_at_risk compared in the truncated case.
    rng = np.random.default_rng(12)
    n = 400
    t0 = pd.Timestamp("2023-01-01")
    start = t0 + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    life = pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    obs = pd.Timestamp("2023-10-01")
    churned_at = (start + life).where(rng.random(n) < 0.8)
    churned_at = churned_at.where(rng.random(n) < 0.9, obs)  # churns on observed_from
    churned_at = churned_at.where(churned_at >= start, start)
    acc = pd.DataFrame(
        {
            "account_id": [f"a{i:03d}" for i in range(n)],
            "started_at": start,
            "churned_at": churned_at,
        }
    )
    as_of = pd.Timestamp("2024-06-01")
    raw = acc[acc["started_at"] <= as_of]
    is_churn = raw["churned_at"].notna() & (raw["churned_at"] <= as_of)
    end = raw["churned_at"].where(is_churn, as_of)
    duration = ((end - raw["started_at"]).dt.days).to_numpy()
    entry = np.maximum(0, (obs - raw["started_at"]).dt.days.to_numpy())
    seen = ~(is_churn & (raw["churned_at"] < obs)).to_numpy()
    event = is_churn.to_numpy()[seen]
    duration, entry = duration[seen], np.minimum(entry[seen], duration[seen])
    assert np.sum((entry == duration) & (entry > 0) & event) > 5
    ref = _km_loop(duration, event, entry)
    curve = churn.churn_curve(acc, as_of=as_of, observed_from=obs)
    got = curve[curve["n_churned"] > 0].reset_index(drop=True)
    np.testing.assert_array_equal(got["time"], ref["time"])
    np.testing.assert_array_equal(got["n_at_risk"], ref["n_at_risk"])
    np.testing.assert_array_equal(got["n_churned"], ref["n_churned"])
    np.testing.assert_allclose(got["survival"], ref["survival"], rtol=1e-10)
    assert (curve["survival"] >= 0).all()


# --------------------------------------------------------------------------- Cox, defect 2


def _truncated_exponential(n: int, seed: int) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """Exponential lifetimes (mean 200 days), a null covariate, recording from `obs` on."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2022-01-01")
    start = t0 + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    life = pd.to_timedelta(np.floor(rng.exponential(200.0, n)).astype(np.int64), unit="D")
    acc = pd.DataFrame(
        {
            "account_id": [f"e{i:05d}" for i in range(n)],
            "started_at": start,
            "churned_at": start + life,
            "x": rng.normal(size=n),
        }
    )
    return acc, pd.Timestamp("2023-07-01"), pd.Timestamp("2024-07-01")


def test_cox_baseline_uses_delayed_entry() -> None:
    # Issue 12 defect 2. Before the fix (lifelines' Breslow baseline, which ignores entry):
    # H0(100) = 0.279 and a mean 90-day churn probability of 0.271. Truth: H(100) = 0.5,
    # P(churn in 90 days) = 1 − exp(−90/200) = 0.362. Reference: the explicit-loop Breslow
    # estimator on (entry, duration] risk sets with the model's coefficients.
    acc, obs, as_of = _truncated_exponential(3000, seed=5)
    m = churn.fit_churn_model(acc, covariates=["x"], observed_from=obs, as_of=as_of)
    st = churn.survival_table(acc, observed_from=obs, as_of=as_of)
    x = acc.set_index("account_id").loc[st["account_id"], "x"].to_numpy()
    eta = (x - x.mean()) * float(m.summary["coef"].iloc[0])
    base = _breslow_loop(
        eta, st["duration"].to_numpy(), st["churned"].to_numpy(), st["entry"].to_numpy(), 400
    )
    for t in (30, 100, 250, 400):
        assert m.cumulative_hazard([t])[0] == pytest.approx(base[t], rel=1e-9)
    assert m.cumulative_hazard([100])[0] == pytest.approx(0.5, abs=0.06)
    risk = churn.churn_risk(m, acc, horizon_days=90, as_of=as_of)
    assert risk["churn_probability"].mean() == pytest.approx(1 - np.exp(-90 / 200), abs=0.03)
    # Predictions under observed_from: S(t | x) = exp(−H0(t) exp((x − x̄)β)).
    one = acc[acc["account_id"] == st["account_id"].iloc[0]]
    pred = m.predict_survival(one, [100])
    assert pred["survival"].iloc[0] == pytest.approx(np.exp(-base[100] * np.exp(eta[0])), rel=1e-9)


def test_cox_matches_explicit_efron_and_statsmodels() -> None:
    # Reference 1: the explicit-loop Efron likelihood (ties, delayed entry): its gradient
    # vanishes at the fitted coefficients and its numerical Hessian gives the same SEs.
    # Reference 2: statsmodels PHReg (Efron ties) without delayed entry.
    rng = np.random.default_rng(3)
    n = 300
    x = np.column_stack([rng.normal(size=n), rng.random(n) < 0.4])
    life = np.floor(rng.exponential(80 * np.exp(-0.5 * x[:, 0] + 0.4 * x[:, 1]))).astype(int)
    cens = rng.integers(20, 150, n)
    duration, event = np.minimum(life, cens), life <= cens
    entry = np.minimum(np.maximum(0, rng.integers(-60, 40, n)), duration)
    entry[(entry == duration) & (entry > 0)] = 0
    fit, caught = fit_cox(x, duration, event, columns=["a", "b"], entry=entry)
    assert not caught
    beta = fit.params

    def ll(b: Array) -> float:
        return _efron_loglik(b, x, duration, event, entry)

    h = 1e-4
    eye = np.eye(2) * h
    grad = np.array([(ll(beta + e) - ll(beta - e)) / (2 * h) for e in eye])
    assert np.abs(grad).max() < 1e-5
    hess = np.array(
        [
            [
                (ll(beta + a + b) - ll(beta + a - b) - ll(beta - a + b) + ll(beta - a - b))
                / (4 * h * h)
                for b in eye
            ]
            for a in eye
        ]
    )
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(fit.se, se, rtol=1e-4)
    from statsmodels.duration.hazard_regression import PHReg

    plain, _ = fit_cox(x, duration, event, columns=["a", "b"])
    sm = PHReg(duration.astype(float), x, status=event.astype(float), ties="efron").fit()
    np.testing.assert_allclose(plain.params, sm.params, rtol=1e-6)
    np.testing.assert_allclose(plain.se, sm.bse, rtol=1e-6)


def test_concordance_matches_pair_loop() -> None:
    # Harrell's C by an explicit loop over all pairs (lifelines' tie conventions).
    rng = np.random.default_rng(9)
    n = 150
    t = rng.integers(0, 40, n)
    e = rng.random(n) < 0.6
    s = np.round(rng.normal(size=n), 1)  # tied scores
    num = den = 0.0
    for i in range(n):
        for j in range(n):
            if e[i] and (t[i] < t[j] or (t[i] == t[j] and not e[j])):
                den += 1
                num += 1.0 if s[j] > s[i] else 0.5 if s[j] == s[i] else 0.0
    assert concordance(t, s, e) == pytest.approx(num / den, rel=1e-12)


def _concordance_loop(t: Array, s: Array, e: Array) -> float:
    num = den = 0.0
    for i in range(len(t)):  # every ordered pair, lifelines' tie conventions
        for j in range(len(t)):
            if e[i] and (t[i] < t[j] or (t[i] == t[j] and not e[j])):
                den += 1
                num += 1.0 if s[j] > s[i] else 0.5 if s[j] == s[i] else 0.0
    return num / den if den else float("nan")


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40), st.integers(-3, 3), st.booleans()
        ),  # (day, score, event): many ties in both
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
def test_concordance_matches_pair_loop_on_ties(
    rows: list[tuple[int, int, bool]], scale: bool
) -> None:
    t = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows], dtype=float)
    e = np.array([r[2] for r in rows])
    if scale:  # non-integer times take the sorting path of the time ranks
        t = t * 1.5 + 1e6
    got, want = concordance(t, s, e), _concordance_loop(t, s, e)
    assert (np.isnan(got) and np.isnan(want)) or got == pytest.approx(want, rel=1e-12)


def test_ph_test_matches_lifelines_on_distinct_times() -> None:
    # lifelines' proportional_hazard_test (rank transform); distinct death days, since
    # lifelines ranks tied times by row order (the library uses mid-ranks).
    lifelines = pytest.importorskip("lifelines")
    from lifelines.statistics import proportional_hazard_test

    rng = np.random.default_rng(1)
    n = 400
    x = rng.normal(size=(n, 2))
    d = rng.permutation(np.arange(1, 3 * n))[:n]
    e = rng.random(n) < 0.7
    fit, _ = fit_cox(x, d, e, columns=["a", "b"])
    df = pd.DataFrame(x, columns=["a", "b"]).assign(d=d, e=e)
    cph = lifelines.CoxPHFitter().fit(df, "d", "e")
    ref = proportional_hazard_test(cph, df, time_transform="rank").summary
    np.testing.assert_allclose(fit.ph_table["statistic"], ref["test_statistic"], rtol=1e-6)
    np.testing.assert_allclose(fit.ph_table["p_value"], ref["p"], rtol=1e-6)


# --------------------------------------------------------------------------- churn_risk


def test_churn_risk_matches_independent_computation() -> None:
    # Reference: explicit-loop Breslow baseline and the fitted coefficients, outside the
    # library's scoring path: P = 1 − exp(−(H0(t+h) − H0(t)) r), and
    # expected_remaining_days = Σ_{g=0}^{R−1} exp(−(H0(t+g) − H0(t)) r).
    rng = np.random.default_rng(21)
    n = 600
    plan = rng.choice(["basic", "pro"], n)
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    life = np.floor(rng.exponential(np.where(plan == "pro", 500, 200))).astype(int)
    acc = pd.DataFrame(
        {
            "account_id": [f"r{i:03d}" for i in range(n)],
            "plan": plan,
            "started_at": start,
            "churned_at": start + pd.to_timedelta(life, unit="D"),
        }
    )
    as_of = pd.Timestamp("2024-03-01")
    m = churn.fit_churn_model(acc, covariates=["plan"], as_of=as_of)
    st = churn.survival_table(acc, as_of=as_of)
    xp = (acc.set_index("account_id").loc[st["account_id"], "plan"] == "pro").to_numpy(float)
    beta = float(m.summary["coef"].iloc[0])
    eta = (xp - xp.mean()) * beta
    tau = int(st["duration"].max())
    base = _breslow_loop(
        eta, st["duration"].to_numpy(), st["churned"].to_numpy(), np.zeros(len(st), int), tau
    )
    risk = churn.churn_risk(m, acc, horizon_days=30, remaining_horizon_days=20, as_of=as_of)
    inside = risk[risk["tenure_days"] + 30 <= tau]
    assert len(inside) > 50
    for _, row in inside.iterrows():
        t = int(row["tenure_days"])
        r = np.exp(
            ((row["account_id"] in set(acc["account_id"][plan == "pro"])) - xp.mean()) * beta
        )
        assert row["churn_probability"] == pytest.approx(
            1 - np.exp(-(base[t + 30] - base[t]) * r), rel=1e-9
        )
        days = sum(np.exp(-(base[t + g] - base[t]) * r) for g in range(20))
        assert row["expected_remaining_days"] == pytest.approx(days, rel=1e-9)


# --------------------------------------------------------------------------- conventions


def test_rmst_and_ltv_share_one_convention_with_day0_churn() -> None:
    # No censoring, one churn on the start day: RMST = mean(min(T, τ)) and expected_months
    # = mean over accounts of Σ_m 1{T > g_m}/(1+d)^m (explicit loop): S(0) = 3/4 < 1.
    acc = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "mrr": [100.0] * 4,
            "started_at": pd.to_datetime(["2024-01-01"] * 4),
            "churned_at": pd.to_datetime(["2024-01-01", "2024-02-15", "2024-05-01", "2024-09-01"]),
        }
    )
    as_of = "2025-01-01"
    life = np.array([0, 45, 121, 244])
    rm = churn.restricted_mean_lifetime(acc, horizon_days=200, as_of=as_of)
    assert rm["rmst_days"].iloc[0] == pytest.approx(np.minimum(life, 200).mean())
    grid = np.floor(np.arange(6) * 365.25 / 12).astype(int)
    disc = 1.01 ** -np.arange(6)
    expected = np.mean([sum(w for g, w in zip(grid, disc, strict=True) if t > g) for t in life])
    ltv = churn.lifetime_value(acc, horizon_months=6, discount_rate=0.01, as_of=as_of)
    assert ltv["expected_months"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_lapse_table_feeds_churn_functions_with_its_end_of_observation() -> None:
    # Issue 12 defect 4. Log: a active daily Jan 1 → Jun 30 (still active), b from Mar 1 to
    # Jun 30, c Jan 1 → Jan 5 then gone (lapsed: churn Jan 5). The log ends Jun 30, so a and
    # b are censored at 181 and 121 days. Before: censored at the latest start/churn date
    # (Mar 1): durations 60 and 0.
    days_a = pd.date_range("2024-01-01", "2024-06-30", freq="D")
    days_b = pd.date_range("2024-03-01", "2024-06-30", freq="D")
    days_c = pd.date_range("2024-01-01", "2024-01-05", freq="D")
    ev = pd.DataFrame(
        {
            "account_id": ["a"] * len(days_a) + ["b"] * len(days_b) + ["c"] * len(days_c),
            "event": "login",
            "timestamp": days_a.append(days_b).append(days_c),
        }
    )
    lapses = churn.lapse_table(ev, inactive_days=30)
    st = churn.survival_table(lapses)
    assert st["duration"].tolist() == [181, 121, 4]
    assert st["churned"].tolist() == [False, False, True]
    curve = churn.churn_curve(lapses)
    assert curve["time"].max() == 181
    with pytest.warns(UserWarning, match="end of observation"):
        churn.survival_table(lapses, as_of="2024-12-31")


def test_by_series_and_column_name_the_output_column() -> None:
    acc = _six_accounts().assign(
        churned_at=pd.to_datetime(
            pd.Series(["2024-03-01", None, "2024-03-10", None, "2024-04-01", None])
        )
    )
    by_col = churn.churn_curve(acc, by="plan", as_of="2024-06-01")
    tier = acc.set_index("account_id")["plan"].rename("tier")
    by_series = churn.churn_curve(acc, by=tier, as_of="2024-06-01")
    pd.testing.assert_frame_equal(by_col.rename(columns={"plan": "tier"}), by_series)
    unnamed = churn.median_lifetime(acc, by=tier.rename(None), as_of="2024-06-01")
    assert unnamed.columns[0] == "segment"
    assert "group" not in by_col.columns
    with pytest.raises(SchemaError, match="no segment"):
        churn.churn_curve(acc, by=tier.iloc[:3], as_of="2024-06-01")
    with pytest.raises(TypeError, match="Hint"):
        churn.churn_curve(acc, by=3, as_of="2024-06-01")  # type: ignore[arg-type]
    twice = pd.concat([tier, tier])
    with pytest.raises(SchemaError, match="duplicate account ids"):
        churn.compare_churn(acc, by=twice, as_of="2024-06-01")


@pytest.mark.slow
def test_greenwood_interval_covers_the_truth() -> None:
    # Coverage: exponential lifetimes (mean 200 days), uniform censoring and delayed entry;
    # the 95 % log-log interval of S(100) should cover exp(-0.5) in 93–97 % of 400 draws.
    rng = np.random.default_rng(2024)
    truth = np.exp(-100 / 200)
    hits = 0
    draws = 400
    for _ in range(draws):  # simulation draws, not accounts
        n = 200
        life = np.floor(rng.exponential(200.0, n)).astype(int)
        cens = rng.integers(50, 400, n)
        entry = np.where(rng.random(n) < 0.3, rng.integers(0, 60, n), 0)
        keep = life > entry  # left truncation: only accounts still active at entry are seen
        duration = np.minimum(life, cens)[keep]
        event = (life <= cens)[keep]
        en = np.minimum(entry[keep], duration)
        km = kaplan_meier(duration, event, entry=en)
        pos = np.searchsorted(km["time"], 100, side="right") - 1
        lo, hi = km["ci_lower"][pos], km["ci_upper"][pos]
        hits += int(lo <= truth <= hi)
    assert 0.93 <= hits / draws <= 0.97
