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
    out = nps_score(_responses(SCORES_40))
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


def test_nps_score_adjusted_wald_by_hand() -> None:
    out = nps_score(_responses(SCORES_40), method="adjusted_wald", confidence=0.9)
    # Adjusted: n = 43, promoters 18.75, detractors 10.75.
    p, d = 18.75 / 43, 10.75 / 43
    centre = 100 * (p - d)  # 18.604...
    se = 100 * math.sqrt((p + d - (p - d) ** 2) / 43)
    z90 = 1.6448536269514722
    row = out.iloc[0]
    assert row["nps"] == pytest.approx(20.0)  # the observed score is reported
    assert row["ci_lower"] == pytest.approx(centre - z90 * se)
    assert row["ci_upper"] == pytest.approx(centre + z90 * se)


def test_nps_score_interval_is_clipped() -> None:
    with pytest.warns(UserWarning, match="fewer than 30"):
        out = nps_score(_responses([10, 10, 10, 10, 9]), method="adjusted_wald")
    assert out["ci_upper"].iloc[0] == 100.0
    with pytest.warns(UserWarning, match="fewer than 30"):
        out = nps_score(_responses([10] * 5))
    # all promoters: SE 0, interval [100, 100]
    assert out[["nps", "ci_lower", "ci_upper"]].iloc[0].tolist() == [100.0, 100.0, 100.0]


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


def test_start_end_window() -> None:
    df = pd.concat(
        [
            _responses([10] * 30, day="2024-01-10"),
            _responses([0] * 30, prefix="b", day="2024-05-01"),
        ]
    )
    assert nps_score(df, end="2024-02-01")["nps"].iloc[0] == 100.0
    assert nps_score(df, start="2024-02-01")["nps"].iloc[0] == -100.0


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
    assert weeks["period"].dt.dayofweek.eq(0).all()  # Mondays


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


def test_compare_nps_by_hand() -> None:
    a = _responses([10] * 20 + [8] * 10 + [3] * 10)  # p .5, d .25 → 25
    b = _responses([10] * 10 + [8] * 15 + [3] * 15, prefix="b")  # p .25, d .375 → −12.5
    out = compare_nps(a, b)
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
    assert row["z"] == pytest.approx(z)
    assert row["p_value"] == pytest.approx(p)
    assert row["ci_lower"] == pytest.approx(37.5 - Z95 * se)
    assert row["ci_upper"] == pytest.approx(37.5 + Z95 * se)
    assert (row["n_a"], row["n_b"]) == (40, 40)


def test_compare_nps_identical_samples() -> None:
    a = _responses([10] * 40)
    out = compare_nps(a, a.copy())
    assert out[["difference", "z", "p_value"]].iloc[0].tolist() == [0.0, 0.0, 1.0]


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
    assert q["usage_threshold"].iloc[0] == 13.5
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
        "timestamp",
        "score",
        "category",
        "usage",
        "usage_level",
        "usage_threshold",
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
    # numpy linear quantile of (0, 1, 2, 25, 30, 40) at 0.8: position 4 → 30
    assert q["usage_threshold"].iloc[0] == 30.0
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
        nps_score(_responses([10] * 30), start="2025-01-01")


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
