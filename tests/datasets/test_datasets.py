"""Tests for adoptmetrics.datasets: layout, validity, determinism, planted effects.

The effect checks are direct computations written here with plain pandas (an
independent implementation of each quantity), not calls into the analytics
modules: they only assert that each planted effect is present and points the
right way.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics._schema import _validate as _schema
from adoptmetrics.datasets import _codec
from adoptmetrics.datasets._generate import (
    DEMO_OPTIONS,
    SaaSData,
    _simulate_raw,
    load_demo,
    simulate_saas,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "adoptmetrics" / "datasets"
TABLES = ("accounts", "events", "nps", "mrr", "expansions", "exposures")


@pytest.fixture(scope="module")
def big() -> SaaSData:
    """A 4,000-account simulation for the planted-effect checks (~2 s)."""
    return simulate_saas(4000, seed=11)


@pytest.fixture(scope="module")
def demo() -> SaaSData:
    return load_demo()


def _check_valid(data: SaaSData) -> None:
    """Every table passes the library's own boundary and keeps its dtypes."""
    _schema.validate_events(data.events, user_col="user_id")
    _schema.validate_accounts(data.accounts, require_churn=True)
    _schema.validate_nps(data.nps, user_col="user_id")
    _schema.validate_mrr(data.mrr)
    _schema.validate_expansions(data.expansions, amount_col="amount")


def _check_times(data: SaaSData) -> None:
    """No event before the start, at or after churn, or after as_of."""
    acc = data.accounts.set_index("account_id")
    for name in ("events", "nps", "expansions"):
        table = getattr(data, name)
        ids = table["account_id"].astype(str)
        start = ids.map(acc["started_at"])
        churn = ids.map(acc["churned_at"]).fillna(data.as_of)
        ts = table["timestamp"]
        assert (ts >= start).all(), name
        assert (ts < churn).all(), name
        assert (ts < data.as_of).all(), name
    churned = acc["churned_at"].dropna()
    assert (churned <= data.as_of).all()
    assert (churned >= acc.loc[churned.index, "started_at"]).all()
    # accounts start in the first months - 3 months
    # month-end clipping: 2024-01-31 + 13 months is 2025-02-28, less 3 months 2024-11-28,
    # while the last start is 2024-01-31 + 10 months = 2024-11-30
    last_start = data.as_of - pd.DateOffset(months=3) + pd.Timedelta(days=3)
    assert (acc["started_at"] < last_start).all()


def _check_mrr(data: SaaSData) -> None:
    """MRR rows run month by month from the start month to the churn/last month."""
    acc = data.accounts.set_index("account_id")
    m = data.mrr
    assert not m.duplicated(["account_id", "month"]).any()
    g = m.groupby("account_id")["month"].agg(["min", "max", "size"])
    first = acc["started_at"].dt.to_period("M").dt.to_timestamp()
    end = acc["churned_at"].fillna(data.as_of - pd.Timedelta(seconds=1))
    last = end.dt.to_period("M").dt.to_timestamp()
    g = g.reindex(acc.index)
    assert (g["min"] == first).all()
    assert (g["max"] == last).all()
    months = (last.dt.year - first.dt.year) * 12 + last.dt.month - first.dt.month + 1
    assert (g["size"] == months).all()
    final = m.sort_values("month").groupby("account_id")["mrr"].last()
    np.testing.assert_allclose(final.reindex(acc.index), acc["mrr"])
    assert (m["mrr"] > 0).all()
    assert (data.expansions["amount"] > 0).all()


# --------------------------------------------------------------------------- layout


def test_layout_and_validity() -> None:
    data = simulate_saas(300, seed=3)
    assert list(data.accounts.columns) == [
        "account_id",
        "started_at",
        "churned_at",
        "plan",
        "industry",
        "region",
        "seats",
        "mrr",
        "onboarding_success",
        "newsletter_opens",
    ]
    assert list(data.exposures.columns) == ["account_id", "campaign", "exposed_at"]
    assert list(data.events.columns) == ["account_id", "user_id", "event", "timestamp"]
    assert list(data.nps.columns) == ["account_id", "user_id", "timestamp", "score"]
    assert list(data.mrr.columns) == ["account_id", "month", "mrr"]
    assert list(data.expansions.columns) == ["account_id", "timestamp", "amount"]
    assert data.accounts["account_id"].iloc[0] == "A00001"
    assert data.as_of == pd.Timestamp("2025-07-01")
    assert data.accounts["onboarding_success"].dtype == bool
    assert data.events["timestamp"].is_monotonic_increasing
    # user ids belong to their account; no more active users than seats
    users = data.events["user_id"].astype(str)
    assert (users.str.split("-U").str[0] == data.events["account_id"].astype(str)).all()
    per_account = data.events.groupby("account_id", observed=True)["user_id"].nunique()
    seats = data.accounts.set_index("account_id")["seats"]
    assert (per_account <= seats.reindex(per_account.index.astype(str)).to_numpy()).all()
    _check_valid(data)
    _check_times(data)
    _check_mrr(data)
    for name in TABLES:
        assert isinstance(getattr(data, name).index, pd.RangeIndex)


def test_deterministic_for_a_seed() -> None:
    a = simulate_saas(150, seed=5, months=8)
    b = simulate_saas(150, seed=5, months=8)
    c = simulate_saas(150, seed=6, months=8)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.truth == b.truth
    assert not a.events.equals(c.events)


@settings(max_examples=8, deadline=None)
@given(
    n=st.integers(1, 25),
    months=st.integers(4, 20),
    seed=st.integers(0, 2**32),
    start=st.sampled_from(["2023-03-01", "2024-01-31", "2020-02-29"]),
)
def test_any_options_give_valid_tables(n: int, months: int, seed: int, start: str) -> None:
    data = simulate_saas(n, months=months, seed=seed, start=start)
    assert len(data.accounts) == n
    assert data.as_of == pd.Timestamp(start) + pd.DateOffset(months=months)
    _check_valid(data)
    _check_times(data)
    _check_mrr(data)


def test_more_than_99999_ids_widen() -> None:
    # id width grows with n (checked on the formatter, a full run would be slow)
    from adoptmetrics.datasets._generate import _ids

    assert list(_ids("A", [1, 123456], 6)) == ["A000001", "A123456"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_accounts": 0}, ValueError, "n_accounts must be at least 1"),
        ({"n_accounts": 2.5}, TypeError, "n_accounts must be an integer"),
        ({"n_accounts": True}, TypeError, "n_accounts must be an integer"),
        ({"n_accounts": "10"}, TypeError, "n_accounts must be an integer"),
        ({"months": 3}, ValueError, "months must be at least 4"),
        ({"months": 6.0}, TypeError, "months must be an integer"),
        ({"seed": -1}, ValueError, "seed must be at least 0"),
        ({"seed": None}, TypeError, "seed must be an integer"),
        ({"start": "not a date"}, ValueError, "is not a date"),
        ({"start": "2024-01-01 10:00"}, ValueError, "midnight"),
        ({"start": pd.Timestamp("2024-01-01", tz="UTC")}, ValueError, "time-zone-naive"),
        ({"start": 20240101}, TypeError, "start must be a date"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        simulate_saas(**{"n_accounts": 5, **kwargs})
    assert "Hint:" in str(info.value)


def test_truth_records_the_spec() -> None:
    truth = simulate_saas(20, seed=1).truth
    assert truth["churn_hazard_ratios"] == {
        "plan=pro": 0.6,
        "plan=enterprise": 0.35,
        "industry=education": 1.8,
        "onboarding_success": 0.5,
    }
    assert truth["onboarding"] == {
        "window_days": 14,
        "ordered_pair": ("invite_teammate", "create_dashboard"),
        "pair_odds_ratio": 3.0,
        "single_event": "connect_integration",
        "single_odds_ratio": 2.0,
        "activity_coef": 0.8,
        "decoys": ["view_tutorial", "view_help_center"],
        "reversed_pair": ("create_dashboard", "invite_teammate"),
        "intercept": -1.95,  # SUCCESS_INTERCEPT, calibrated for ~45 % success
    }
    assert truth["retention"] == {
        "improved_from": pd.Timestamp("2024-10-01"),
        "multiplier": 1.25,
    }
    assert truth["expansion"]["triggers"] == {
        "seat_limit_reached": 4.0,
        "premium_feature_used": 3.0,
    }
    assert truth["expansion"]["decoys"] == ["export_pdf", "update_profile"]
    assert truth["expansion"]["effect_days"] == 60
    assert truth["nps"]["usage_coef"] == 1.3
    # the new capabilities' keys are a contract other areas code against
    assert truth["engagement"] == {
        "launched_feature": "ai_assistant",
        "launched_at": pd.Timestamp("2025-01-01"),
        "retention_feature": "schedule_report",
        "retention_feature_odds_ratio": 2.5,
        "decoy_feature": "bulk_edit",
    }
    assert truth["health"] == {
        "signals": [
            "usage_trend",
            "user_growth",
            "seat_utilization",
            "active_days",
            "nps",
            "days_since_active",
        ],
        "decoy_column": "newsletter_opens",
    }
    assert set(truth["impact"]) == {"success_outreach", "product_webinar"}
    for spec in truth["impact"].values():
        assert set(spec) == {"effect", "outcome", "horizon_days", "targeting"}
        assert spec["outcome"] == "active"
        assert spec["horizon_days"] == 28
        assert isinstance(spec["effect"], float)
    assert truth["impact"]["product_webinar"]["effect"] == 0.0
    with pytest.raises(TypeError):
        truth["seed"] = 3  # type: ignore[index]


# --------------------------------------------------------------------------- effects


def _one_year_churn(acc: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Churned within 365 days, among accounts observed for a full year."""
    old = acc[acc["started_at"] <= as_of - pd.Timedelta(days=365)]
    return (old["churned_at"] - old["started_at"]).dt.days.le(365)


def test_churn_effects(big: SaaSData) -> None:
    acc = big.accounts
    churn = _one_year_churn(acc, big.as_of)
    sub = acc.loc[churn.index]
    by_plan = churn.groupby(sub["plan"]).mean()
    assert by_plan["basic"] > by_plan["pro"] > by_plan["enterprise"]
    by_industry = churn.groupby(sub["industry"]).mean()
    assert by_industry["education"] > by_industry["software"] + 0.05
    by_success = churn.groupby(sub["onboarding_success"]).mean()
    assert by_success[False] > by_success[True] + 0.05
    ref = (sub["plan"] == "basic") & (sub["industry"] == "software")
    assert 0.28 < churn[ref].mean() < 0.52  # planted: about 35–45 %
    # region has no effect: within a few points of each other
    by_region = churn.groupby(sub["region"]).mean()
    assert by_region.max() - by_region.min() < 0.12


def _window(data: SaaSData) -> pd.DataFrame:
    start = (
        data.events["account_id"]
        .astype(str)
        .map(data.accounts.set_index("account_id")["started_at"])
    )
    keep = data.events["timestamp"] < start + pd.Timedelta(days=14)
    return data.events[keep.to_numpy()]


def test_onboarding_effects(big: SaaSData) -> None:
    acc = big.accounts.set_index("account_id")
    w = _window(big)
    w = w.assign(account_id=w["account_id"].astype(str), event=w["event"].astype(str))
    first = w.groupby(["account_id", "event"])["timestamp"].min().unstack()
    last = w.groupby(["account_id", "event"])["timestamp"].max().unstack()
    pair = (first["invite_teammate"] < last["create_dashboard"]).reindex(
        acc.index, fill_value=False
    )
    rev = (first["create_dashboard"] < last["invite_teammate"]).reindex(acc.index, fill_value=False)
    single = first["connect_integration"].notna().reindex(acc.index, fill_value=False)
    ok = acc["onboarding_success"]
    assert 0.40 < ok.mean() < 0.50  # the simulator is calibrated for about 45 % success
    assert rev.mean() > 0.2
    assert pair[ok].mean() > pair[~ok].mean() + 0.08
    assert single[ok].mean() > single[~ok].mean() + 0.05

    def odds_ratio(x: pd.Series) -> float:
        # 2 × 2 table: rows x False/True, columns success False/True
        t = pd.crosstab(x, ok).to_numpy(dtype=float)
        return float(t[1, 1] * t[0, 0] / (t[1, 0] * t[0, 1]))

    assert odds_ratio(pair) > 2.0
    assert odds_ratio(pair) > odds_ratio(rev) + 1.0
    # the decoys are more common among very active accounts
    tut = w[w["event"] == "view_tutorial"].groupby("account_id").size().reindex(acc.index).fillna(0)
    days = w.assign(day=w["timestamp"].dt.floor("D")).groupby("account_id")["day"].nunique()
    assert tut.corr(days.reindex(acc.index)) > 0.2


def test_nps_effects(big: SaaSData) -> None:
    acc = big.accounts.set_index("account_id")
    # usage: distinct active days per 30 days of observed tenure (a simple proxy)
    ev = big.events.assign(day=big.events["timestamp"].dt.floor("D"))
    days = ev.groupby(ev["account_id"].astype(str))["day"].nunique()
    tenure = (acc["churned_at"].fillna(big.as_of) - acc["started_at"]).dt.days
    usage = (days.reindex(acc.index).fillna(0) / tenure * 30).rename("usage")
    nps = big.nps.join(usage, on="account_id").join(acc[["plan", "industry"]], on="account_id")
    high = nps["usage"] >= nps["usage"].quantile(2 / 3)
    low = nps["usage"] <= nps["usage"].quantile(1 / 3)
    promoter = nps["score"] >= 9
    detractor = nps["score"] <= 6
    assert promoter[high].mean() > 2 * promoter[low].mean()
    health = nps["industry"] == "healthcare"
    assert detractor[health].mean() > detractor[~health].mean() + 0.1
    ent = nps["plan"] == "enterprise"
    assert promoter[ent].mean() > promoter[~ent].mean()
    assert nps["score"].between(0, 10).all()


def test_expansion_effects(big: SaaSData) -> None:
    ex = big.expansions

    def precision(trigger: str) -> float:
        fired = big.events[big.events["event"] == trigger][["account_id", "timestamp"]]
        fired = fired.assign(account_id=fired["account_id"].astype(str)).reset_index(drop=True)
        fired["k"] = np.arange(len(fired))
        pairs = fired.merge(ex, on="account_id", suffixes=("", "_x"))
        lag = pairs["timestamp_x"] - pairs["timestamp"]
        hit = pairs.loc[(lag > pd.Timedelta(0)) & (lag <= pd.Timedelta(days=60)), "k"].unique()
        return len(hit) / len(fired)

    seat = precision("seat_limit_reached")
    premium = precision("premium_feature_used")
    decoy = max(precision("export_pdf"), precision("update_profile"))
    assert seat > 1.5 * decoy
    assert premium > 1.3 * decoy
    n_real = big.events["event"].isin(["seat_limit_reached", "premium_feature_used"]).sum()
    n_decoy = big.events["event"].isin(["export_pdf", "update_profile"]).sum()
    assert 0.6 < n_real / n_decoy < 1.6  # decoys about as frequent as the triggers
    # each expansion raises the account's MRR in its month
    m = big.mrr.set_index(["account_id", "month"])["mrr"]
    month = ex["timestamp"].dt.to_period("M").dt.to_timestamp()
    prev = month - pd.DateOffset(months=1)
    now = m.reindex(pd.MultiIndex.from_arrays([ex["account_id"], month])).to_numpy()
    before = m.reindex(pd.MultiIndex.from_arrays([ex["account_id"], prev])).to_numpy()
    has_prev = ~np.isnan(before)
    assert (now[has_prev] > before[has_prev]).mean() > 0.8
    # about 5 % of accounts contract in a year: some month-over-month decreases
    drops = big.mrr.groupby("account_id")["mrr"].diff() < 0
    assert 0.01 < big.mrr.loc[drops, "account_id"].nunique() / len(big.accounts) < 0.15


def test_retention_improves_for_later_cohorts(big: SaaSData) -> None:
    acc = big.accounts.set_index("account_id")
    ev = big.events.assign(week=big.events["timestamp"].dt.to_period("W"))
    weeks = ev.groupby(ev["account_id"].astype(str))["week"].nunique().reindex(acc.index)
    life = (acc["churned_at"].fillna(big.as_of) - acc["started_at"]).dt.days / 7
    share = (weeks / life).where(life > 8)
    later = acc["started_at"] >= big.truth["retention"]["improved_from"]
    assert share[later].mean() > share[~later].mean() + 0.04


# --------------------------------------------------------------------------- demo


def test_load_demo_layout_speed_and_size(demo: SaaSData) -> None:
    t = time.perf_counter()
    load_demo()
    assert time.perf_counter() - t < 2.0
    assert len(demo.accounts) == DEMO_OPTIONS["n_accounts"] == 2000
    assert 100 <= len(demo.events) / len(demo.accounts) <= 200
    small = simulate_saas(30, seed=1)
    for name in TABLES:
        got, want = getattr(demo, name), getattr(small, name)
        assert list(got.columns) == list(want.columns)
        assert [str(d) for d in got.dtypes] == [str(d) for d in want.dtypes]
    _check_valid(demo)
    _check_times(demo)
    _check_mrr(demo)
    size = sum(p.stat().st_size for p in DATA_DIR.glob("demo.*"))
    assert size < 5_000_000
    meta = json.loads((DATA_DIR / "demo.json").read_text())
    assert meta["options"] == dict(DEMO_OPTIONS)
    assert demo.truth["onboarding"]["ordered_pair"] == ("invite_teammate", "create_dashboard")


def test_load_demo_equals_its_simulation(demo: SaaSData) -> None:
    meta = json.loads((DATA_DIR / "demo.json").read_text())
    if meta["numpy_version"].split(".")[:2] != np.__version__.split(".")[:2]:
        pytest.skip("the demo was generated with another numpy; its random streams may differ")
    fresh = simulate_saas(**DEMO_OPTIONS)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(demo, name), getattr(fresh, name))
    assert demo.truth == fresh.truth
    assert demo.as_of == fresh.as_of


def test_codec_round_trip() -> None:
    raw, _ = _simulate_raw(200, 10, pd.Timestamp("2024-01-01"), 9)
    back = _codec.decode(_codec.encode(raw))
    assert set(back) == set(raw)
    for key, values in raw.items():
        np.testing.assert_array_equal(back[key], values, err_msg=key)
