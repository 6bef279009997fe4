"""Hypothesis properties of adoptmetrics.nps and adoptmetrics.segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics.nps import (
    nps_quadrants,
    nps_score,
    nps_trend,
    quadrant_summary,
)
from adoptmetrics.segments import attribute_skew
from strategies import ACCOUNT_IDS, nps_frames, shuffled

pytestmark = pytest.mark.filterwarnings("ignore:fewer than 30:UserWarning")


def _with_plan(df: pd.DataFrame) -> pd.DataFrame:
    plan = np.where(df["account_id"].str[-1:].isin(["1", "3", "5"]), "pro", "basic")
    return df.assign(plan=plan)


@given(
    nps_frames(),
    st.sampled_from(["wald", "adjusted_wald"]),
    st.sampled_from(["response", "account"]),
)
def test_score_bounds_and_interval_contains_score(df: pd.DataFrame, method: str, per: str) -> None:
    out = nps_score(_with_plan(df), by="plan", method=method, per=per)
    assert out["nps"].between(-100, 100).all()
    assert (out["ci_lower"] >= -100).all()
    assert (out["ci_upper"] <= 100).all()
    assert (out["ci_lower"] <= out["ci_upper"]).all()
    assert (out["promoters"] + out["passives"] + out["detractors"] == out["n"]).all()
    # The adjusted interval leans towards 0; from n = 2 on it contains the observed score
    # (checked exhaustively for n ≤ 120 at 95 %); Wald always does.
    check = out["n"] >= (2 if method == "adjusted_wald" else 1)
    eps = 1e-9
    assert (out["ci_lower"][check] <= out["nps"][check] + eps).all()
    assert (out["nps"][check] <= out["ci_upper"][check] + eps).all()
    if per == "response":
        assert out["n"].sum() == len(df)
    else:
        assert out["n"].sum() == df["account_id"].nunique()


@settings(max_examples=15)
@given(nps_frames(), st.integers(0, 10_000))
def test_shuffling_rows_changes_nothing(df: pd.DataFrame, seed: int) -> None:
    df = _with_plan(df)
    shuf = shuffled(df, seed)
    for per in ("response", "account"):
        pd.testing.assert_frame_equal(
            nps_score(df, by="plan", per=per), nps_score(shuf, by="plan", per=per)
        )
        pd.testing.assert_frame_equal(nps_trend(df, per=per), nps_trend(shuf, per=per))
    usage = pd.Series(np.arange(len(ACCOUNT_IDS), dtype=float) % 5, index=ACCOUNT_IDS)
    pd.testing.assert_frame_equal(nps_quadrants(df, usage), nps_quadrants(shuf, usage))


@given(
    nps_frames(),
    st.lists(st.integers(0, 60), min_size=len(ACCOUNT_IDS), max_size=len(ACCOUNT_IDS)),
    st.one_of(st.just("median"), st.integers(0, 60)),
)
def test_quadrants_partition_and_follow_category_and_usage(
    df: pd.DataFrame, days: list[int], threshold: str | int
) -> None:
    usage = pd.Series(np.asarray(days, dtype=float), index=ACCOUNT_IDS)
    before = df.copy(deep=True)
    usage_before = usage.copy()
    q = nps_quadrants(df, usage, threshold=threshold)
    # inputs untouched
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_series_equal(usage, usage_before)
    # one row per responding account, each in exactly one quadrant
    assert sorted(q["account_id"]) == sorted(df["account_id"].unique())
    assert q["quadrant"].notna().all()
    u = np.asarray(days, dtype=float)
    responding = usage.reindex(q["account_id"]).to_numpy()
    cut = float(np.median(responding)) if threshold == "median" else float(threshold)
    assert (q["usage_level"].astype(str) == np.where(q["usage"] > cut, "high", "low")).all()
    assert set(q["usage"]) <= set(u)
    cat = q["category"].astype(str)
    high = q["usage_level"].astype(str) == "high"
    expected = np.select(
        [
            (cat == "promoter") & high,
            (cat == "promoter") & ~high,
            cat == "passive",
            (cat == "detractor") & high,
        ],
        ["champion", "untapped", "passive", "frustrated"],
        "at_risk",
    )
    assert (q["quadrant"].astype(str) == expected).all()
    summary = quadrant_summary(q)
    assert summary["n"].sum() == len(q)
    np.testing.assert_allclose(summary["share"].sum(), 1.0)
    assert (summary["ci_lower"] <= summary["share"] + 1e-12).all()
    assert (summary["share"] <= summary["ci_upper"] + 1e-12).all()


@settings(max_examples=20)
@given(nps_frames())
def test_no_mutation(df: pd.DataFrame) -> None:
    df = _with_plan(df)
    before = df.copy(deep=True)
    nps_score(df, by="plan", per="account")
    nps_trend(df, period="month")
    pd.testing.assert_frame_equal(df, before)


@st.composite
def _accounts_and_group(draw: st.DrawFn) -> tuple[pd.DataFrame, np.ndarray]:
    n = draw(st.integers(4, 60))
    plan = draw(st.lists(st.sampled_from(["basic", "pro", "enterprise"]), min_size=n, max_size=n))
    seats = draw(st.lists(st.integers(1, 300), min_size=n, max_size=n))
    group = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    group[0], group[1] = True, False
    acc = pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], "plan": plan, "seats": seats})
    return acc, np.asarray(group)


@settings(max_examples=30)
@given(_accounts_and_group(), st.integers(0, 10_000))
def test_attribute_skew_properties(data: tuple[pd.DataFrame, np.ndarray], seed: int) -> None:
    acc, group = data
    before = acc.copy(deep=True)
    out = attribute_skew(acc, group, attributes=["plan", "seats"])
    pd.testing.assert_frame_equal(acc, before)
    for _, part in out.groupby("attribute"):
        assert part["n_group"].sum() == group.sum()
        assert part["n_rest"].sum() == (~group).sum()
        np.testing.assert_allclose(part["group_share"].sum(), 1.0)
    assert out["p_value"].between(0, 1).all()
    assert (out["q_value"] >= out["p_value"] - 1e-12).all()
    # shuffling rows (mask shuffled alongside) changes nothing
    order = np.random.default_rng(seed).permutation(len(acc))
    pd.testing.assert_frame_equal(
        attribute_skew(acc.iloc[order], group[order], attributes=["plan", "seats"]), out
    )


@settings(max_examples=25)
@given(
    nps_frames(),
    st.lists(st.sampled_from(["basic", "pro", "ent"]), min_size=12, max_size=12),
    st.sampled_from(["response", "account"]),
)
def test_by_series_equals_by_column(df: pd.DataFrame, plans: list[str], per: str) -> None:
    segments = pd.Series(plans, index=ACCOUNT_IDS, name="plan")
    before = segments.copy()
    mapped = nps_score(df, by=segments, per=per)
    merged = nps_score(df.assign(plan=df["account_id"].map(segments)), by="plan", per=per)
    pd.testing.assert_frame_equal(mapped, merged)
    pd.testing.assert_series_equal(segments, before)
    trend = nps_trend(df, by=segments.rename(None), per=per)
    assert "segment" in trend.columns
    # every response lands in one period; an account may vote once in each period
    if per == "response":
        assert trend["n"].sum() == mapped["n"].sum()
    else:
        assert trend["n"].sum() >= mapped["n"].sum()


@settings(max_examples=40)
@given(
    st.floats(-1e9, 1e9, allow_nan=False),
    st.floats(1e-6, 1.0),
    st.integers(8, 80),
    st.integers(2, 6),
    st.integers(0, 10_000),
)
def test_attribute_skew_bins_are_unique_and_ordered(
    base: float, spread: float, n: int, bins: int, seed: int
) -> None:
    # close values around any magnitude: labels stay unique (defect 9) and in increasing order
    rng = np.random.default_rng(seed)
    values = base + spread * rng.uniform(0, 1, n)
    acc = pd.DataFrame({"account_id": range(n), "x": values})
    group = np.arange(n) % 2 == 0
    out = attribute_skew(acc, group, attributes=["x"], bins=bins)
    labels = out["value"].tolist()
    assert len(labels) == len(set(labels))
    assert out["n_group"].sum() == group.sum()
