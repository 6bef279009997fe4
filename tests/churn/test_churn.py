"""Tests for adoptmetrics.churn: survival table, Kaplan–Meier, log-rank, medians, RMST.

Known answers come from lifelines called directly on durations computed in
the test itself (an independent path from the data to the estimate; skipped
where the optional lifelines is not installed), or from small hand-worked
examples and explicit loops (said so at each test).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from adoptmetrics import SchemaError, churn
from strategies import accounts_frames, events_frames, shuffled

T0 = pd.Timestamp("2024-01-01")


def _dt(values: list[str] | list[str | None]) -> pd.Series:
    """Timestamps from strings (None → NaT)."""
    return pd.to_datetime(pd.Series(values, dtype=object))


def _accounts(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Random accounts over two years with sub-day timestamps and three plans."""
    rng = np.random.default_rng(seed)
    start = T0 + pd.to_timedelta(rng.integers(0, 500 * 86_400, n), unit="s")
    plan = rng.choice(["basic", "pro", "enterprise"], n, p=[0.5, 0.35, 0.15])
    scale = np.select([plan == "basic", plan == "pro"], [200.0, 330.0], 600.0)
    life = pd.to_timedelta((rng.exponential(scale) * 86_400).astype(np.int64), unit="s")
    churned = (start + life).where(rng.random(n) < 0.9)
    # Nothing after the export date (the default as_of may not be in the future).
    churned = churned.where(churned <= pd.Timestamp("2026-06-30"))
    return pd.DataFrame(
        {
            "account_id": [f"acc{i:04d}" for i in range(n)],
            "started_at": start,
            "churned_at": churned,
            "plan": plan,
            "seats": rng.integers(1, 100, n),
        }
    )


def _reference_durations(
    acc: pd.DataFrame, as_of: pd.Timestamp, observed_from: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Durations computed independently of the library (plain pandas, row by row semantics)."""
    a = acc[acc["started_at"] <= as_of].copy()
    churned = a["churned_at"].notna() & (a["churned_at"] <= as_of)
    end = a["churned_at"].where(churned, as_of)
    a["duration"] = [
        int((e - s).total_seconds() // 86_400) for s, e in zip(a["started_at"], end, strict=True)
    ]
    a["churned"] = churned
    a["entry"] = 0
    if observed_from is not None:
        a = a[~(churned & (a["churned_at"] < observed_from))]
        a["entry"] = [
            max(0, int((observed_from - s).total_seconds() // 86_400)) for s in a["started_at"]
        ]
        # (entry, duration] is empty when entry == duration > 0: never at risk, left out.
        a = a[~((a["entry"] >= a["duration"]) & (a["entry"] > 0))]
    return a.sort_values("account_id").reset_index(drop=True)


# --------------------------------------------------------------------------- survival_table


def test_survival_table_hand_worked() -> None:
    # Hand-worked: as_of 2024-04-01; b churns after as_of (counts as active, censored at
    # 61 days: Feb 1 → Apr 1 in a leap year); d starts after as_of (left out).
    acc = pd.DataFrame(
        {
            "account_id": ["b", "a", "c", "d"],
            "started_at": _dt(
                ["2024-02-01 00:00", "2024-01-01 12:00", "2024-03-01 00:00", "2024-05-01 00:00"]
            ),
            "churned_at": _dt(["2024-06-01 00:00", "2024-01-31 11:00", None, None]),
        }
    )
    before = acc.copy()
    out = churn.survival_table(acc, as_of="2024-04-01")
    pd.testing.assert_frame_equal(acc, before)  # input not mutated
    assert out["account_id"].tolist() == ["a", "b", "c"]
    assert out["duration"].tolist() == [29, 60, 31]  # 29.96 days floors to 29
    assert out["churned"].tolist() == [True, False, False]
    assert out["entry"].tolist() == [0, 0, 0]
    trunc = churn.survival_table(acc, as_of="2024-04-01", observed_from="2024-02-15")
    # a churned before observation began: left out; b entered 14 days into its life.
    assert trunc["account_id"].tolist() == ["b", "c"]
    assert trunc["entry"].tolist() == [14, 0]


def test_survival_table_default_as_of_is_latest_date() -> None:
    acc = _accounts(50)
    out = churn.survival_table(acc)
    latest = max(acc["started_at"].max(), acc["churned_at"].max())
    ref = _reference_durations(acc, latest)
    np.testing.assert_array_equal(out["duration"].to_numpy(), ref["duration"].to_numpy())


@settings(max_examples=25)
@given(accounts_frames(min_rows=2))
def test_survival_table_properties(acc: pd.DataFrame) -> None:
    as_of = T0 + pd.Timedelta(days=300)
    out = churn.survival_table(acc, as_of=as_of)
    assert (out["duration"] >= 0).all()
    assert (out["entry"] <= out["duration"]).all()
    pd.testing.assert_frame_equal(out, churn.survival_table(shuffled(acc, 1), as_of=as_of))
    # No leakage: moving as_of earlier can only remove churns, never add them.
    early_as_of = as_of - pd.Timedelta(days=100)
    if (acc["started_at"] > early_as_of).all():
        with pytest.raises(ValueError, match="no accounts started"):
            churn.survival_table(acc, as_of=early_as_of)
        return
    early = churn.survival_table(acc, as_of=early_as_of)
    assert early["churned"].sum() <= out["churned"].sum()
    ids = set(early["account_id"][early["churned"]])
    assert ids <= set(out["account_id"][out["churned"]])


# --------------------------------------------------------------------------- Kaplan–Meier


@pytest.mark.parametrize("observed_from", [None, pd.Timestamp("2024-09-01")])
def test_churn_curve_matches_lifelines(observed_from: pd.Timestamp | None) -> None:
    # Reference: lifelines KaplanMeierFitter on durations computed by the test, with an
    # as_of in the past (many churns happen after it) and, in one case, left truncation.
    lifelines = pytest.importorskip("lifelines")
    acc = _accounts(600, seed=3)
    as_of = pd.Timestamp("2025-02-01")
    ref = _reference_durations(acc, as_of, observed_from)
    curve = churn.churn_curve(acc, by="plan", as_of=as_of, observed_from=observed_from)
    for plan, g in ref.groupby("plan"):
        kmf = lifelines.KaplanMeierFitter().fit(
            g["duration"], g["churned"], entry=g["entry"] if observed_from is not None else None
        )
        mine = curve[curve["plan"] == plan]
        expected = kmf.survival_function_.iloc[:, 0].reindex(mine["time"].to_numpy())
        np.testing.assert_allclose(mine["survival"].to_numpy(), expected.to_numpy(), atol=1e-12)
        ci = kmf.confidence_interval_.reindex(mine["time"].to_numpy())
        np.testing.assert_allclose(mine["ci_lower"].to_numpy(), ci.iloc[:, 0].to_numpy(), atol=1e-9)
        np.testing.assert_allclose(mine["ci_upper"].to_numpy(), ci.iloc[:, 1].to_numpy(), atol=1e-9)
        table = kmf.event_table.reindex(mine["time"].to_numpy())
        np.testing.assert_array_equal(mine["n_churned"], table["observed"].to_numpy())
        np.testing.assert_array_equal(mine["n_censored"], table["censored"].to_numpy())
        if observed_from is None:
            # With entry=, lifelines' event_table also counts same-day entrants as at risk
            # (its survival does not), so the at-risk column is compared without truncation.
            np.testing.assert_array_equal(mine["n_at_risk"], table["at_risk"].to_numpy())


def test_churn_curve_no_leakage_counts_later_churn_as_active() -> None:
    # Hand-worked: 4 accounts from Jan 1; b churns Mar 1, after as_of = Feb 1.
    acc = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "started_at": _dt(["2024-01-01"] * 4),
            "churned_at": _dt(["2024-01-11", "2024-03-01", None, None]),
        }
    )
    curve = churn.churn_curve(acc, as_of="2024-02-01")
    assert curve["n_churned"].sum() == 1
    assert curve["survival"].iloc[-1] == pytest.approx(0.75)
    assert curve["time"].tolist() == [10, 31]


def test_churn_curve_multiple_by_columns_and_order() -> None:
    acc = _accounts(200, seed=5)
    acc["big"] = acc["seats"] > 50
    a = churn.churn_curve(acc, by=["plan", "big"])
    b = churn.churn_curve(shuffled(acc, 2), by=["plan", "big"])
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns[:2]) == ["plan", "big"]
    assert ("pro", True) in set(zip(a["plan"], a["big"], strict=True))


# --------------------------------------------------------------------------- log-rank


def _logrank_loop(
    d: np.ndarray[Any, Any],
    e: np.ndarray[Any, Any],
    g: np.ndarray[Any, Any],
    entry: np.ndarray[Any, Any],
) -> float:
    """Independent two-group log-rank with delayed entry: an explicit loop over event times."""
    u = 0.0
    v = 0.0
    for t in np.unique(d[e]):
        at_risk = (entry < t) & (d >= t) | ((t == 0) & (entry == 0))
        n, n1 = at_risk.sum(), (at_risk & (g == 1)).sum()
        dd, d1 = ((d == t) & e).sum(), ((d == t) & e & (g == 1)).sum()
        u += d1 - dd * n1 / n
        if n > 1:
            v += dd * (n1 / n) * (1 - n1 / n) * (n - dd) / (n - 1)
    return u * u / v


def test_compare_churn_matches_lifelines() -> None:
    # Reference: lifelines multivariate_logrank_test and logrank_test on test-computed durations.
    statistics = pytest.importorskip("lifelines.statistics")
    acc = _accounts(500, seed=7)
    as_of = pd.Timestamp("2025-03-01")
    ref = _reference_durations(acc, as_of)
    out = churn.compare_churn(acc, by="plan", as_of=as_of)
    overall = statistics.multivariate_logrank_test(ref["duration"], ref["plan"], ref["churned"])
    assert out["statistic"].iloc[0] == pytest.approx(overall.test_statistic, rel=1e-9)
    assert out["p_value"].iloc[0] == pytest.approx(overall.p_value, rel=1e-6)
    assert out["degrees_of_freedom"].iloc[0] == 2
    for a, b in itertools.combinations(sorted(ref["plan"].unique()), 2):
        ga, gb = ref[ref["plan"] == a], ref[ref["plan"] == b]
        res = statistics.logrank_test(ga["duration"], gb["duration"], ga["churned"], gb["churned"])
        row = out[(out["group_a"] == a) & (out["group_b"] == b)].iloc[0]
        assert row["statistic"] == pytest.approx(res.test_statistic, rel=1e-9)
    assert (out["q_value"].iloc[1:] >= out["p_value"].iloc[1:]).all()


def test_compare_churn_with_left_truncation_matches_loop() -> None:
    # Reference: the explicit-loop log-rank above (lifelines' log-rank has no entry=).
    acc = _accounts(300, seed=11)
    acc = acc[acc["plan"] != "enterprise"]
    as_of, obs = pd.Timestamp("2025-03-01"), pd.Timestamp("2024-08-01")
    ref = _reference_durations(acc, as_of, obs)
    out = churn.compare_churn(acc, by="plan", as_of=as_of, observed_from=obs)
    expected = _logrank_loop(
        ref["duration"].to_numpy(),
        ref["churned"].to_numpy(),
        (ref["plan"] == "pro").to_numpy().astype(int),
        ref["entry"].to_numpy(),
    )
    assert out["statistic"].iloc[0] == pytest.approx(expected, rel=1e-9)


# --------------------------------------------------------------------------- medians and RMST


def test_median_lifetime_matches_lifelines() -> None:
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import median_survival_times

    acc = _accounts(500, seed=13)
    as_of = pd.Timestamp("2025-06-01")
    ref = _reference_durations(acc, as_of)
    out = churn.median_lifetime(acc, by="plan", as_of=as_of)
    for plan, g in ref.groupby("plan"):
        kmf = lifelines.KaplanMeierFitter().fit(g["duration"], g["churned"])
        row = out[out["plan"] == plan].iloc[0]
        assert row["median_days"] == pytest.approx(kmf.median_survival_time_)
        ci = median_survival_times(kmf.confidence_interval_)
        lo, hi = float(ci.iloc[0, 0]), float(ci.iloc[0, 1])
        assert row["ci_lower"] == pytest.approx(lo)
        assert (np.isnan(row["ci_upper"]) and np.isinf(hi)) or row["ci_upper"] == pytest.approx(hi)


def test_restricted_mean_matches_lifelines() -> None:
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import restricted_mean_survival_time

    acc = _accounts(400, seed=17)
    as_of = pd.Timestamp("2025-06-01")
    ref = _reference_durations(acc, as_of)
    out = churn.restricted_mean_lifetime(acc, horizon_days=180, by="plan", as_of=as_of)
    for plan, g in ref.groupby("plan"):
        kmf = lifelines.KaplanMeierFitter().fit(g["duration"], g["churned"])
        row = out[out["plan"] == plan].iloc[0]
        assert row["rmst_days"] == pytest.approx(restricted_mean_survival_time(kmf, t=180))


def test_restricted_mean_hand_variance() -> None:
    # Hand-worked variance: churns at 10 and 20 among 4 (2 censored at 31), τ = 30.
    # S = 1 on [0,10), 0.75 on [10,20), 0.5 on [20,30): RMST = 10 + 7.5 + 5 = 22.5.
    # A(10) = 7.5 + 5 = 12.5, A(20) = 5; Var = 12.5²·1/(4·3) + 5²·1/(3·2) = 17.1875.
    small = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "started_at": _dt(["2024-01-01"] * 4),
            "churned_at": _dt(["2024-01-11", "2024-01-21", None, None]),
        }
    )
    r = churn.restricted_mean_lifetime(small, horizon_days=30, as_of="2024-02-01", confidence=0.95)
    se = np.sqrt(17.1875)  # 1.959963984540054 below is z_0.975 (scipy.stats.norm.ppf(0.975))
    assert r["rmst_days"].iloc[0] == pytest.approx(22.5)
    assert r["ci_lower"].iloc[0] == pytest.approx(22.5 - 1.959963984540054 * se)


def test_restricted_mean_warns_past_followup() -> None:
    acc = _accounts(50, seed=1)
    with pytest.warns(UserWarning, match="longest follow-up"):
        churn.restricted_mean_lifetime(acc, horizon_days=5000)


# --------------------------------------------------------------------------- lifetime value


def test_lifetime_value_segments_hand_worked() -> None:
    # Hand-worked: churn of 1 of 4 at day 45 (month grid 0, 30, 60 days): S = 1, 1, 0.75.
    # Undiscounted: 2.75 months; at 10 %: 1 + 1/1.1 + 0.75/1.21 = 2.5289256.
    acc = pd.DataFrame(
        {
            "account_id": list("abcd"),
            "mrr": [100.0, 100.0, 300.0, 100.0],
            "started_at": _dt(["2024-01-01"] * 4),
            "churned_at": _dt(["2024-02-15", None, None, None]),
        }
    )
    out = churn.lifetime_value(acc, horizon_months=3, discount_rate=0.1, as_of="2024-06-01")
    assert out["expected_months"].iloc[0] == pytest.approx(1 + 1 / 1.1 + 0.75 / 1.21)
    assert out["lifetime_value"].iloc[0] == pytest.approx(150 * (1 + 1 / 1.1 + 0.75 / 1.21))
    assert out["ci_lower"].iloc[0] < out["lifetime_value"].iloc[0] < out["ci_upper"].iloc[0]
    # Hand-worked interval: the only churn (day 45, 4 at risk) precedes grid point 60 days,
    # so A = 0.75/1.21 and Var = A²·1/(4·3); interval = MRR × (value ± z_0.975·se).
    value = 1 + 1 / 1.1 + 0.75 / 1.21
    se = np.sqrt((0.75 / 1.21) ** 2 / 12)
    assert out["ci_lower"].iloc[0] == pytest.approx(150 * (value - 1.959963984540054 * se))
    assert out["ci_upper"].iloc[0] == pytest.approx(150 * (value + 1.959963984540054 * se))


# --------------------------------------------------------------------------- lapse_table


def test_lapse_table_hand_worked_and_censoring() -> None:
    # Hand-worked, inactive_days = 10, as_of = Jan 31 00:00:
    #   a: active Jan 1, Jan 5, Jan 25 → gap Jan 6..24 (19 idle days) → lapsed, churn Jan 5,
    #      returned; b: last active Jan 22 → only 8 complete idle days → censored;
    #   (b: Jan 12 and Jan 22, a 9-day gap, no lapse.)
    #   c: last active Jan 20 → Jan 21..30 = 10 idle days → lapsed on Jan 20.
    ev = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b", "c", "x"],
            "event": ["login"] * 6 + ["login"],
            "timestamp": _dt(
                [
                    "2024-01-01 09:00",
                    "2024-01-05 23:00",
                    "2024-01-25 00:00",
                    "2024-01-12 00:00",
                    "2024-01-22 18:00",
                    "2024-01-20 00:00",
                    "2024-03-01 00:00",  # after as_of: ignored
                ]
            ),
        }
    )
    out = churn.lapse_table(ev, inactive_days=10, as_of="2024-01-31", level="user")
    assert out["account_id"].tolist() == ["a", "b", "c"]
    assert out["churned_at"].tolist()[0] == pd.Timestamp("2024-01-05")
    assert pd.isna(out["churned_at"].iloc[1])
    assert out["churned_at"].iloc[2] == pd.Timestamp("2024-01-20")
    assert out["returned"].tolist() == [True, False, False]
    assert (out["observed_until"] == pd.Timestamp("2024-01-31")).all()
    assert out["last_seen"].iloc[0] == pd.Timestamp("2024-01-25")
    # The same curves apply to it.
    curve = churn.churn_curve(out, as_of="2024-01-31")
    assert curve["n_churned"].sum() == 2
    # Order of events does not matter.
    pd.testing.assert_frame_equal(
        out,
        churn.lapse_table(shuffled(ev, 3), inactive_days=10, as_of="2024-01-31", level="user"),
    )


# --------------------------------------------------------------------------- bad input


def test_bad_accounts_raise_schema_errors() -> None:
    acc = _accounts(20)
    bad = acc.copy()
    bad["churned_at"] = bad["churned_at"].where(
        bad.index != 3, bad["started_at"] - pd.Timedelta(days=2)
    )
    with pytest.raises(SchemaError, match="churned_at"):
        churn.survival_table(bad)
    missing = acc.copy()
    missing.loc[2, "started_at"] = pd.NaT
    with pytest.raises(SchemaError, match="started_at"):
        churn.churn_curve(missing)
    with pytest.raises(SchemaError, match="did you mean 'plan'"):
        churn.churn_curve(acc, by="plann")
    nulls = acc.copy()
    nulls.loc[1, "plan"] = None
    with pytest.raises(SchemaError, match="fillna"):
        churn.compare_churn(nulls, by="plan")
    with pytest.raises(SchemaError, match="churned_at"):
        churn.survival_table(acc.drop(columns="churned_at"))
    # A future churn date cannot become the default as_of; an explicit as_of is fine.
    future = acc.assign(churned_at=acc["churned_at"].fillna(pd.Timestamp("2099-01-01")))
    with pytest.raises(SchemaError, match="accounts"):
        churn.churn_curve(future)
    assert len(churn.churn_curve(future, as_of="2025-06-30")) > 0


def test_bad_options() -> None:
    acc = _accounts(30)
    with pytest.raises(ValueError, match="Hint"):
        churn.churn_curve(acc, confidence=95)
    with pytest.raises(ValueError, match="Hint"):
        churn.survival_table(acc, as_of="2024-06-01", observed_from="2024-07-01")
    with pytest.raises(ValueError, match="Hint"):
        churn.survival_table(acc, as_of="2020-01-01")
    with pytest.raises(TypeError, match="Hint"):
        churn.restricted_mean_lifetime(acc, horizon_days=30.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Hint"):
        churn.restricted_mean_lifetime(acc, horizon_days=0)
    with pytest.raises(ValueError, match="single group"):
        churn.compare_churn(acc.assign(plan="basic"), by="plan")
    with pytest.raises(ValueError, match="Hint"):
        churn.lifetime_value(acc.assign(mrr=1.0), discount_rate=1.5)
    with pytest.raises(SchemaError, match="mrr"):
        churn.lifetime_value(acc.assign(mrr=np.nan))
    with pytest.raises(TypeError, match="Hint"):
        churn.survival_table(acc, as_of=object())


def test_single_account_group_warns() -> None:
    acc = _accounts(40)
    acc.loc[0, "plan"] = "solo"
    with pytest.warns(UserWarning, match="single account"):
        churn.churn_curve(acc, by="plan")
    with pytest.warns(UserWarning, match="single account"):
        churn.compare_churn(acc, by="plan")


@settings(max_examples=25)
@given(accounts_frames(min_rows=3))
def test_curve_and_logrank_properties(acc: pd.DataFrame) -> None:
    as_of = T0 + pd.Timedelta(days=500)
    curve = churn.churn_curve(acc, by="plan", as_of=as_of)
    for _, g in curve.groupby("plan"):
        s = g["survival"].to_numpy()
        assert np.all(np.diff(s) <= 1e-12)
        assert np.all(
            (g["ci_lower"] <= g["survival"] + 1e-12) & (g["survival"] <= g["ci_upper"] + 1e-12)
        )
    assert ((curve["survival"] >= 0) & (curve["survival"] <= 1)).all()
    pd.testing.assert_frame_equal(
        curve, churn.churn_curve(shuffled(acc, 4), by="plan", as_of=as_of)
    )
    if acc["plan"].nunique() >= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tests = churn.compare_churn(acc, by="plan", as_of=as_of)
        stat = tests["statistic"].dropna()
        assert (stat >= -1e-9).all()
        p = tests["p_value"].dropna()
        assert ((p >= 0) & (p <= 1)).all()


@settings(max_examples=25)
@given(events_frames(min_rows=1, max_days=200))
def test_lapse_table_properties(events: pd.DataFrame) -> None:
    as_of = T0 + pd.Timedelta(days=200)
    out = churn.lapse_table(events, inactive_days=14, as_of=as_of)
    churned = out["churned_at"].notna()
    assert (out.loc[churned, "churned_at"] >= out.loc[churned, "started_at"]).all()
    assert (out["last_seen"] >= out["started_at"]).all()
    # A lapse is only known once the idle days have passed.
    assert (out.loc[churned, "churned_at"] + pd.Timedelta(days=15) <= as_of).all()
    assert not out.loc[~churned, "returned"].any()
    pd.testing.assert_frame_equal(
        out, churn.lapse_table(shuffled(events, 5), inactive_days=14, as_of=as_of)
    )


def test_arrow_string_ids_take_the_fast_boundary_and_still_refuse_duplicates() -> None:
    pytest.importorskip("pyarrow")
    acc = _accounts(300, seed=2)
    arrow = acc.assign(account_id=acc["account_id"].astype("string[pyarrow]"))
    pd.testing.assert_frame_equal(
        churn.churn_curve(arrow, by="plan", as_of="2025-03-01"),
        churn.churn_curve(acc, by="plan", as_of="2025-03-01"),
    )
    st = churn.survival_table(arrow, as_of="2025-03-01")
    ref = churn.survival_table(acc, as_of="2025-03-01")
    assert st["account_id"].tolist() == ref["account_id"].tolist()
    assert st["account_id"].tolist() == sorted(st["account_id"].tolist())

    def with_ids(values: list[object]) -> pd.DataFrame:
        return arrow.assign(account_id=pd.Series(values, dtype="string[pyarrow]"))

    ids: list[object] = acc["account_id"].tolist()
    dup = with_ids([*ids[:5], ids[7], *ids[6:]])
    with pytest.raises(SchemaError, match="duplicate"):
        churn.churn_curve(dup, as_of="2025-03-01")
    mixed = with_ids([*ids[:3], "x", *ids[4:]])  # ids of different lengths: the exact path
    assert len(churn.churn_curve(mixed, as_of="2025-03-01")) > 0
    missing = with_ids([*ids[:4], None, *ids[5:]])
    with pytest.raises(SchemaError, match="missing ids"):
        churn.churn_curve(missing, as_of="2025-03-01")
