"""Known answers and bad inputs for adoptmetrics.nps.

Every expected number below is computed by hand in the test (arithmetic
written out), not by the library.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from adoptmetrics import SchemaError
from adoptmetrics.nps import (
    ACTIONS,
    compare_nps,
    nps_category,
    nps_quadrants,
    nps_score,
    nps_trend,
    quadrant_summary,
)

Z95 = 1.959963984540054  # Φ⁻¹(0.975)


def _responses(scores: list[int], *, prefix: str = "a", day: str = "2024-03-01") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [f"{prefix}{i}" for i in range(len(scores))],
            "timestamp": pd.Timestamp(day),
            "score": scores,
        }
    )


# 40 responses: 18 promoters, 12 passives, 10 detractors.
SCORES_40 = [10] * 10 + [9] * 8 + [8] * 7 + [7] * 5 + [6] * 4 + [3] * 4 + [0] * 2


def test_nps_category_cut_points() -> None:
    got = nps_category(pd.Series(range(11), index=list("abcdefghijk")))
    expected = ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2
    assert got.tolist() == expected
    assert list(got.index) == list("abcdefghijk")
    assert got.cat.ordered
    assert list(got.cat.categories) == ["detractor", "passive", "promoter"]


def test_nps_score_counts_and_wald_interval_by_hand() -> None:
    out = nps_score(_responses(SCORES_40), method="wald")
    row = out.iloc[0]
    assert (row["n"], row["promoters"], row["passives"], row["detractors"]) == (40, 18, 12, 10)
    # p = 18/40 = 0.45, d = 10/40 = 0.25 → NPS = 20
    # SE = 100·√((0.45 + 0.25 − 0.2²)/40) = 100·√(0.66/40) = 12.845...
    se = 100 * math.sqrt(0.66 / 40)
    assert row["nps"] == pytest.approx(20.0)
    assert row["ci_lower"] == pytest.approx(20 - Z95 * se)
    assert row["ci_upper"] == pytest.approx(20 + Z95 * se)
    assert list(out.columns) == [
        "n",
        "promoters",
        "passives",
        "detractors",
        "nps",
        "ci_lower",
        "ci_upper",
    ]


def test_nps_score_default_is_adjusted_wald_on_the_augmented_sample() -> None:
    # Rocks (2016): the adjusted Wald interval is the Wald interval of the sample augmented
    # with 3 pseudo-responses: 0.75 promoter, 1.5 passive, 0.75 detractor (the defaults of
    # his R package NPS, nps_test(pseudo_observations = c(0.75, 1.5, 0.75))). Independent
    # route: the weighted mean and (population) variance of the +1/0/−1 coded answers.
    out = nps_score(_responses(SCORES_40), confidence=0.9)
    coded = np.array([1.0, 0.0, -1.0])
    weights = np.array([18, 12, 10]) + np.array([0.75, 1.5, 0.75])
    mean = np.average(coded, weights=weights)
    var = np.average((coded - mean) ** 2, weights=weights)
    se = math.sqrt(var / weights.sum())
    z90 = 1.6448536269514722
    row = out.iloc[0]
    assert row["nps"] == pytest.approx(20.0)  # the observed score is reported
    assert row["ci_lower"] == pytest.approx(100 * (mean - z90 * se))
    assert row["ci_upper"] == pytest.approx(100 * (mean + z90 * se))
    # written out: 43 weighted answers, mean 8/43 = 0.186047, E[x²] = 29.5/43, variance
    # 0.686047 − 0.186047² = 0.651433 → SE √(0.651433/43) = 0.123085
    assert row["ci_lower"] == pytest.approx(100 * (0.186047 - z90 * 0.123085), abs=1e-3)


def test_all_promoters_get_an_interval_of_real_width() -> None:
    # Issue 12, defect 6: 40 promoters of 40 gave [100, 100] with the Wald default.
    # Adjusted: 40.75 promoters, 0.75 detractors of 43 → centre 100·40/43 = 93.023;
    # variance 41.5/43 − (40/43)² = 0.09978 → SE 100·√(0.09978/43) = 4.8171;
    # 93.023 − 1.959964·4.8171 = 83.582, upper 102.46 clipped to 100.
    out = nps_score(_responses([10] * 40))
    assert out["nps"].iloc[0] == 100.0
    assert out["ci_lower"].iloc[0] == pytest.approx(83.582, abs=1e-3)
    assert out["ci_upper"].iloc[0] == 100.0
    with pytest.warns(UserWarning, match="fewer than 30"):
        small = nps_score(_responses([0] * 5))
    assert small["ci_upper"].iloc[0] - small["ci_lower"].iloc[0] > 50
    # the textbook Wald interval stays available, and degenerate, on request
    wald = nps_score(_responses([10] * 40), method="wald")
    assert wald[["nps", "ci_lower", "ci_upper"]].iloc[0].tolist() == [100.0, 100.0, 100.0]


def test_nps_score_by_segment() -> None:
    df = _responses([10, 9, 3, 8, 2, 2, 10])
    df["plan"] = ["pro", "pro", "pro", "basic", "basic", "basic", "basic"]
    with pytest.warns(UserWarning, match="2 of 2 groups"):
        out = nps_score(df, by="plan")
    assert out["plan"].tolist() == ["basic", "pro"]
    # basic: 8, 2, 2, 10 → 1 promoter, 2 detractors → −25; pro: 10, 9, 3 → 2 − 1 → 33.3
    assert out["nps"].tolist() == pytest.approx([-25.0, 100 / 3])
    assert out["n"].tolist() == [4, 3]


def test_per_account_latest_and_user_mean() -> None:
    df = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b"],
            "user_id": ["u1", "u2", "u1", "u3", "u4"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-02-01", "2024-01-01", "2024-01-01"]
            ),
            "score": [2, 7, 10, 9, 4],
        }
    )
    with pytest.warns(UserWarning, match="fewer than 30"):
        latest = nps_score(df, per="account")
    # a → latest is 10 (promoter); b → tie at the same time, the higher (9) wins.
    assert latest[["n", "promoters", "detractors"]].iloc[0].tolist() == [2, 2, 0]
    with pytest.warns(UserWarning, match="fewer than 30"):
        mean = nps_score(df, per="account", account_score="user_mean", user_col="user_id")
    # a: users' latest u1 = 10, u2 = 7 → mean 8.5 → passive; b: (9 + 4)/2 = 6.5 → detractor
    assert mean[["n", "promoters", "passives", "detractors"]].iloc[0].tolist() == [2, 0, 1, 1]
    assert mean["nps"].iloc[0] == pytest.approx(-50.0)


def test_since_until_window() -> None:
    df = pd.concat(
        [
            _responses([10] * 30, day="2024-01-10"),
            _responses([0] * 30, prefix="b", day="2024-05-01"),
        ]
    )
    assert nps_score(df, until="2024-02-01")["nps"].iloc[0] == 100.0
    assert nps_score(df, since="2024-02-01")["nps"].iloc[0] == -100.0
    trend = nps_trend(df, since="2024-02-01", period="month")
    assert trend["period"].tolist() == [pd.Timestamp("2024-05-01")]


def test_nps_trend_quarters_by_hand() -> None:
    df = pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(6)],
            "timestamp": pd.to_datetime(
                ["2024-01-02", "2024-03-31", "2024-02-10", "2024-04-01", "2024-06-30", "2024-12-31"]
            ),
            "score": [10, 9, 1, 6, 8, 10],
        }
    )
    with pytest.warns(UserWarning, match="periods"):
        out = nps_trend(df)
    assert (
        out["period"].tolist()
        == pd.to_datetime(["2024-01-01", "2024-04-01", "2024-10-01"]).tolist()
    )
    # Q1: 10, 9, 1 → (2 − 1)/3; Q2: 6, 8 → −1/2; Q4: 10 → 100
    assert out["nps"].tolist() == pytest.approx([100 / 3, -50.0, 100.0])
    with pytest.warns(UserWarning, match="fewer than 30"):
        months = nps_trend(df, period="month")
    assert len(months) == 6
    with pytest.warns(UserWarning, match="fewer than 30"):
        weeks = nps_trend(df, period="week")
    assert weeks["period"].dt.day_of_week.eq(0).all()  # Mondays


def test_nps_trend_per_account_uses_latest_in_each_period() -> None:
    df = pd.DataFrame(
        {
            "account_id": ["a", "a", "a"],
            "timestamp": pd.to_datetime(["2024-01-02", "2024-02-02", "2024-04-02"]),
            "score": [0, 10, 5],
        }
    )
    with pytest.warns(UserWarning, match="fewer than 30"):
        out = nps_trend(df, per="account")
    assert out["n"].tolist() == [1, 1]
    assert out["nps"].tolist() == [100.0, -100.0]


def test_compare_nps_wald_by_hand() -> None:
    a = _responses([10] * 20 + [8] * 10 + [3] * 10)  # p .5, d .25 → 25
    b = _responses([10] * 10 + [8] * 15 + [3] * 15, prefix="b")  # p .25, d .375 → −12.5
    out = compare_nps(a, b, method="wald")
    se_a = 100 * math.sqrt((0.75 - 0.25**2) / 40)
    se_b = 100 * math.sqrt((0.625 - 0.125**2) / 40)
    se = math.sqrt(se_a**2 + se_b**2)
    z = 37.5 / se
    # two-sided normal p-value via the complementary error function
    p = math.erfc(abs(z) / math.sqrt(2))
    row = out.iloc[0]
    assert row["nps_a"] == pytest.approx(25.0)
    assert row["nps_b"] == pytest.approx(-12.5)
    assert row["difference"] == pytest.approx(37.5)
    assert row["statistic"] == pytest.approx(z)
    assert row["p_value"] == pytest.approx(p)
    assert row["ci_lower"] == pytest.approx(37.5 - Z95 * se)
    assert row["ci_upper"] == pytest.approx(37.5 + Z95 * se)
    assert (row["n_a"], row["n_b"]) == (40, 40)
    assert list(out.columns) == [
        "n_a",
        "n_b",
        "nps_a",
        "nps_b",
        "difference",
        "ci_lower",
        "ci_upper",
        "statistic",
        "p_value",
    ]


def test_compare_nps_one_sided_small_samples_are_not_certain() -> None:
    # Issue 12, defect 6: 3 promoters vs 3 detractors gave z = inf, p = 0, CI [200, 200].
    # Adjusted Wald, by hand: a has 3.75 promoters, 1.5 passives, 0.75 detractors of 6 →
    # NPS 50, variance 0.75 − 0.25 = 0.5, SE 100·√(0.5/6) = 28.868; b mirrors it (−50).
    # Δ = 100, SE = 28.868·√2 = 40.825, z = 2.4495, p = erfc(z/√2) = 0.014306,
    # interval 100 ± 1.959964·40.825 = [19.984, 180.016].
    with pytest.warns(UserWarning, match="fewer than 30"):
        out = compare_nps(_responses([10] * 3), _responses([0] * 3, prefix="b"))
    row = out.iloc[0]
    assert row["difference"] == 200.0  # observed
    assert row["statistic"] == pytest.approx(2.4494897, rel=1e-6)
    assert row["p_value"] == pytest.approx(math.erfc(2.4494897 / math.sqrt(2)), rel=1e-5)
    assert row["ci_lower"] == pytest.approx(19.984, abs=1e-3)
    assert row["ci_upper"] == pytest.approx(180.016, abs=1e-3)


def test_compare_nps_interval_and_test_agree() -> None:
    a = _responses([10] * 14 + [8] * 10 + [3] * 8)
    b = _responses([10] * 9 + [8] * 12 + [3] * 13, prefix="b")
    row = compare_nps(a, b).iloc[0]
    excludes_zero = row["ci_lower"] > 0 or row["ci_upper"] < 0
    assert excludes_zero == (row["p_value"] < 0.05)


def test_compare_nps_identical_samples() -> None:
    a = _responses([10] * 40)
    out = compare_nps(a, a.copy())
    assert out[["difference", "statistic", "p_value"]].iloc[0].tolist() == [0.0, 0.0, 1.0]
    assert out["ci_upper"].iloc[0] - out["ci_lower"].iloc[0] > 0


def test_compare_nps_warns_on_small_samples() -> None:
    with pytest.warns(UserWarning, match="fewer than 30"):
        compare_nps(_responses([10, 3]), _responses([9, 9], prefix="b"))


# --------------------------------------------------------------------------- quadrants


def _quadrant_data() -> tuple[pd.DataFrame, pd.Series]:
    r = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d", "e", "f"],
            "timestamp": pd.Timestamp("2024-03-01"),
            "score": [10, 9, 2, 4, 7, 8],
        }
    )
    usage = pd.Series([30.0, 2.0, 25.0, 1.0, 40.0, 0.0], index=list("abcdef"))
    return r, usage


def test_quadrants_by_hand() -> None:
    r, usage = _quadrant_data()
    q = nps_quadrants(r, usage)
    # median of usage (0, 1, 2, 25, 30, 40) is 13.5; high = strictly above
    assert q["usage_level"].astype(str).tolist() == ["high", "low", "high", "low", "high", "low"]
    assert q["quadrant"].astype(str).tolist() == [
        "champion",
        "untapped",
        "frustrated",
        "at_risk",
        "passive",
        "passive",
    ]
    assert q["recommended_action"].iloc[0] == ACTIONS["champion"]
    assert list(q.columns) == [
        "account_id",
        "score",
        "category",
        "usage",
        "usage_level",
        "quadrant",
        "recommended_action",
    ]


def test_quadrant_thresholds_fixed_and_quantile() -> None:
    r, usage = _quadrant_data()
    fixed = nps_quadrants(r, usage, threshold=1.0)
    assert fixed["usage_level"].astype(str).tolist() == [
        "high",
        "high",
        "high",
        "low",
        "high",
        "low",
    ]
    q = nps_quadrants(r, usage, threshold="quantile", quantile=0.8)
    # numpy linear quantile of (0, 1, 2, 25, 30, 40) at 0.8: position 4 → 30, so only 40 is high
    assert q["usage_level"].astype(str).tolist() == ["low", "low", "low", "low", "high", "low"]


def test_quadrants_usage_table_forms() -> None:
    r, usage = _quadrant_data()
    expected = nps_quadrants(r, usage)
    table = pd.DataFrame({"account_id": usage.index, "usage": usage.to_numpy()})
    pd.testing.assert_frame_equal(nps_quadrants(r, table), expected)
    indexed = pd.DataFrame(
        {"active_days": usage.to_numpy()}, index=usage.index.rename("account_id")
    )
    pd.testing.assert_frame_equal(nps_quadrants(r, indexed, usage_col="active_days"), expected)


def test_quadrants_default_usage_from_events() -> None:
    r = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-06-01", "2024-06-01"]),
            "score": [10, 10],
        }
    )
    # a: 3 distinct days inside the 90 days before 2024-06-01 (one too early, one after)
    a_days = ["2024-05-01 09:00", "2024-05-01 18:00", "2024-05-02 00:00", "2024-03-05 00:00"]
    a_days += ["2024-02-01 00:00", "2024-06-02 00:00"]
    days = pd.to_datetime([*a_days, "2024-05-30 00:00"])  # b: one day inside
    events = pd.DataFrame({"account_id": ["a"] * 6 + ["b"], "event": "login", "timestamp": days})
    q = nps_quadrants(r, events)
    # 2024-06-01 − 90 days = 2024-03-03: a is active on 05-01, 05-02, 03-05 → 3 days
    assert q["usage"].tolist() == [3.0, 1.0]
    assert q["quadrant"].astype(str).tolist() == ["champion", "untapped"]


def test_quadrants_per_user() -> None:
    r = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "user_id": ["u1", "u2", "u3"],
            "timestamp": pd.Timestamp("2024-03-01"),
            "score": [10, 3, 9],
        }
    )
    usage = pd.Series([5.0, 1.0, 0.0], index=["u1", "u2", "u3"])
    q = nps_quadrants(r, usage, per="user", user_col="user_id")
    assert q["user_id"].tolist() == ["u1", "u2", "u3"]
    assert q["quadrant"].astype(str).tolist() == ["champion", "at_risk", "untapped"]


def test_quadrant_summary_by_hand() -> None:
    r, usage = _quadrant_data()
    s = quadrant_summary(nps_quadrants(r, usage))
    assert s["quadrant"].astype(str).tolist() == [
        "champion",
        "untapped",
        "passive",
        "frustrated",
        "at_risk",
    ]
    assert s["n"].tolist() == [1, 1, 2, 1, 1]
    assert s["share"].tolist() == pytest.approx([1 / 6, 1 / 6, 2 / 6, 1 / 6, 1 / 6])
    # high usage: a (10), c (2), e (7) → (1 − 1)/3 = 0; low: b (9), d (4), f (8) → 0;
    # everyone: 2 promoters, 2 detractors → 0
    assert s["usage_level_nps"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]
    assert s["mean_usage"].iloc[2] == pytest.approx(20.0)  # e (40) and f (0)
    # Wilson interval of 1/6 at 95 %, by hand
    z = Z95
    centre = (1 / 6 + z**2 / 12) / (1 + z**2 / 6)
    half = z * math.sqrt((1 / 6) * (5 / 6) / 6 + z**2 / 144) / (1 + z**2 / 6)
    assert s["ci_lower"].iloc[0] == pytest.approx(centre - half)
    assert s["ci_upper"].iloc[0] == pytest.approx(centre + half)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("scores", "match"),
    [
        ([1, 11, 5], "outside 0–10"),
        ([1, -1, 5], "outside 0–10"),
        ([1.5, 2.0, 5.0], "non-integer"),
        ([1.0, np.nan, 5.0], "missing scores"),
    ],
)
def test_bad_scores_are_schema_errors(scores: list[float], match: str) -> None:
    df = _responses([0, 0, 0]).assign(score=scores)
    with pytest.raises(SchemaError, match=match) as info:
        nps_score(df)
    assert "'score'" in str(info.value)
    assert "Hint:" in str(info.value)
    with pytest.raises(SchemaError, match=match):
        nps_category(pd.Series(scores))
    with pytest.raises(SchemaError, match=match):
        nps_quadrants(df, pd.Series([1.0, 2.0, 3.0], index=["a0", "a1", "a2"]))


def test_string_scores_and_missing_column() -> None:
    with pytest.raises(SchemaError, match="not integer scores"):
        nps_score(_responses([1, 2]).assign(score=["1", "2"]))
    with pytest.raises(SchemaError, match="did you mean 'Score'"):
        nps_score(_responses([1, 2]).rename(columns={"score": "Score"}))


def test_fewer_than_30_responses_warns() -> None:
    with pytest.warns(UserWarning, match="fewer than 30 responses.*interval is wide"):
        nps_score(_responses([10] * 29))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nps_score(_responses([10] * 30))


def test_no_responses_in_window() -> None:
    with pytest.raises(SchemaError, match="no responses"):
        nps_score(_responses([10] * 30), since="2025-01-01")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"per": "user"}, ValueError),
        ({"method": "exact"}, ValueError),
        ({"confidence": 95}, ValueError),
        ({"account_score": "max"}, ValueError),
        ({"by": 3}, TypeError),
        ({"by": "score"}, ValueError),
        ({"per": "account", "account_score": "user_mean"}, ValueError),
        ({"per": "account", "time_col": None}, ValueError),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error, match="Hint:"):
        nps_score(_responses([10] * 30), **kwargs)  # type: ignore[arg-type]


def test_bad_trend_period() -> None:
    with pytest.raises(ValueError, match="Hint:"):
        nps_trend(_responses([10] * 30), period="fortnight")


def test_quadrants_read_each_table_with_its_own_columns() -> None:
    # responses and events spell their columns differently: one option per table
    r = pd.DataFrame(
        {
            "org": ["a", "b"],
            "submitted_at": pd.to_datetime(["2024-06-01", "2024-06-01"]),
            "rating": [10, 2],
        }
    )
    events = pd.DataFrame(
        {
            "org_id": ["a", "a", "b"],
            "action": "login",
            "ts": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-30"]),
        }
    )
    q = nps_quadrants(
        r,
        events,
        account_col="org",
        time_col="submitted_at",
        score_col="rating",
        usage_account_col="org_id",
        usage_time_col="ts",
        usage_event_col="action",
    )
    assert q["org"].tolist() == ["a", "b"]  # the id column keeps the responses' name
    assert q["usage"].tolist() == [2.0, 1.0]
    assert q["quadrant"].astype(str).tolist() == ["champion", "at_risk"]
    table = pd.DataFrame({"org_id": ["a", "b"], "days": [2.0, 1.0]})
    q2 = nps_quadrants(
        r,
        table,
        account_col="org",
        time_col="submitted_at",
        score_col="rating",
        usage_account_col="org_id",
        usage_col="days",
    )
    pd.testing.assert_frame_equal(q2, q)


def test_by_series_maps_accounts_to_segments() -> None:
    df = _responses([10, 9, 3, 8, 2, 2, 10])
    plan = pd.Series(["pro"] * 3 + ["basic"] * 4, index=[f"a{i}" for i in range(7)], name="plan")
    with pytest.warns(UserWarning, match="2 of 2 groups"):
        named = nps_score(df, by=plan)
    with pytest.warns(UserWarning, match="2 of 2 groups"):
        column = nps_score(df.assign(plan=plan.to_numpy()), by="plan")
    pd.testing.assert_frame_equal(named, column)
    with pytest.warns(UserWarning, match="fewer than 30"):
        unnamed = nps_score(df, by=plan.rename(None))
    assert list(unnamed.columns[:2]) == ["segment", "n"]
    assert unnamed["segment"].tolist() == ["basic", "pro"]
    with pytest.warns(UserWarning, match="fewer than 30"):
        trend = nps_trend(df, by=plan)
    assert trend["plan"].tolist() == ["basic", "pro"]


def test_by_series_errors_name_the_accounts_not_the_series() -> None:
    df = _responses([10] * 30)
    partial = pd.Series("pro", index=[f"a{i}" for i in range(28)], name="plan")
    with pytest.raises(SchemaError, match=r"no segment for 2 responding accounts.*a28") as e:
        nps_score(df, by=partial)
    assert "Hint:" in str(e.value)
    assert "dtype" not in str(e.value)  # the Series itself is not printed
    big = pd.Series(range(5000), name="plan")
    with pytest.raises(TypeError, match="Hint:") as t:
        nps_score(df, by=big.to_numpy())  # type: ignore[arg-type]
    assert len(str(t.value)) < 300
    dup = pd.Series(["a", "b"], index=["a0", "a0"])
    with pytest.raises(SchemaError, match="duplicate"):
        nps_score(df, by=dup)
    with pytest.raises(ValueError, match="Hint:"):
        nps_score(df, by=pd.Series("x", index=df["account_id"], name="score"))


def test_quadrant_summary_by_segment() -> None:
    r, usage = _quadrant_data()
    q = nps_quadrants(r, usage)
    plan = pd.Series(["pro", "pro", "pro", "basic", "basic", "basic"], index=list("abcdef"))
    out = quadrant_summary(q, by=plan)
    assert list(out.columns[:2]) == ["segment", "quadrant"]
    assert len(out) == 2 * 5
    # pro: a champion, b untapped, c frustrated; basic: d at_risk, e and f passive
    pro = out[out["segment"] == "pro"].set_index("quadrant")["n"].to_dict()
    assert pro == {"champion": 1, "untapped": 1, "passive": 0, "frustrated": 1, "at_risk": 0}
    basic = out[out["segment"] == "basic"]
    assert basic["share"].sum() == pytest.approx(1.0)
    by_column = quadrant_summary(q.assign(segment=plan.to_numpy()), by="segment")
    pd.testing.assert_frame_equal(by_column, out)


def test_responses_missing_from_usage() -> None:
    r, usage = _quadrant_data()
    with pytest.raises(SchemaError, match=r"no usage for 2 responding accounts.*\['e', 'f'\]") as e:
        nps_quadrants(r, usage.drop(["e", "f"]))
    assert e.value.table == "usage"
    assert "Hint:" in str(e.value)


def test_bad_usage_tables() -> None:
    r, usage = _quadrant_data()
    with pytest.raises(SchemaError, match="missing or infinite"):
        nps_quadrants(r, usage.where(usage > 1))
    with pytest.raises(SchemaError, match="not numbers"):
        nps_quadrants(r, usage.astype(str))
    with pytest.raises(SchemaError, match=r"'usage'.*missing"):
        nps_quadrants(r, pd.DataFrame({"account_id": list("abcdef"), "days": 1.0}))
    with pytest.raises(SchemaError, match="duplicate"):
        nps_quadrants(r, pd.concat([usage, usage]))
    with pytest.raises(TypeError, match="Hint:"):
        nps_quadrants(r, [1, 2, 3])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"threshold": "mean"}, ValueError),
        ({"threshold": "quantile", "quantile": 1.5}, ValueError),
        ({"threshold": [1]}, TypeError),
        ({"threshold": float("nan")}, ValueError),
        ({"per": "response"}, ValueError),
        ({"per": "user"}, ValueError),
    ],
)
def test_bad_quadrant_options(kwargs: dict[str, object], error: type[Exception]) -> None:
    r, usage = _quadrant_data()
    with pytest.raises(error, match="Hint:"):
        nps_quadrants(r, usage, **kwargs)  # type: ignore[arg-type]


def test_quadrant_summary_needs_quadrants() -> None:
    with pytest.raises(SchemaError, match="quadrant"):
        quadrant_summary(pd.DataFrame({"score": [1]}))
