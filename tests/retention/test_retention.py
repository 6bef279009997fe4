"""Tests for adoptmetrics.retention: known answers, properties, an independent check."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics import SchemaError
from adoptmetrics.retention import (
    cohort_retention,
    retention_curve,
    retention_matrix,
    retention_trend,
    revenue_retention,
)
from strategies import ACCOUNT_IDS, T0, events_frames, mrr_frames, shuffled

CELL_COLUMNS = [
    "cohort",
    "period",
    "cohort_size",
    "n_retained",
    "retention_rate",
    "ci_lower",
    "ci_upper",
    "complete",
]


def _log(rows: Sequence[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [a for a, _ in rows],
            "event": "login",
            "timestamp": pd.to_datetime([t for _, t in rows], format="ISO8601"),
        }
    )


# Weeks start on Monday: W0 = 2024-01-01, W1 = 01-08, W2 = 01-15, W3 = 01-22, W4 = 01-29.
# a: Mon W0, Sun 01-14 (still W1), Mon W4.  b: Sun 01-07 (W0), Mon 01-15 (W2).
# c: Mon W1, Mon W3.  as_of Wed 01-31: W4 has started but not ended.
WEEKLY = _log(
    [
        ("a", "2024-01-01 09:00"),
        ("a", "2024-01-14 23:59"),
        ("a", "2024-01-29 10:00"),
        ("b", "2024-01-07 23:00"),
        ("b", "2024-01-15 00:00"),
        ("c", "2024-01-08 08:00"),
        ("c", "2024-01-22 12:00"),
    ]
)


def _counts(frame: pd.DataFrame) -> list[tuple[str, int, int, int, bool]]:
    return list(
        zip(
            frame["cohort"].dt.strftime("%Y-%m-%d"),
            frame["period"].astype(int),
            frame["cohort_size"].astype(int),
            frame["n_retained"].astype(int),
            frame["complete"].astype(bool),
            strict=True,
        )
    )


def test_known_answer_weekly_on() -> None:
    # Expected matrix worked out by hand from the comment above WEEKLY.
    out = cohort_retention(WEEKLY, as_of="2024-01-31")
    assert list(out.columns) == CELL_COLUMNS
    assert _counts(out) == [
        ("2024-01-01", 0, 2, 2, True),
        ("2024-01-01", 1, 2, 1, True),  # a on Sunday 01-14 belongs to W1
        ("2024-01-01", 2, 2, 1, True),  # b on Monday 01-15 belongs to W2
        ("2024-01-01", 3, 2, 0, True),  # nobody: 0, not NaN
        ("2024-01-01", 4, 2, 1, False),  # W4 not over at as_of: partial count
        ("2024-01-08", 0, 1, 1, True),
        ("2024-01-08", 1, 1, 0, True),
        ("2024-01-08", 2, 1, 1, True),
        ("2024-01-08", 3, 1, 0, False),
    ]
    assert out["retention_rate"].tolist() == [1, 0.5, 0.5, 0, 0.5, 1, 0, 1, 0]


def test_known_answer_weekly_on_or_after() -> None:
    # By hand: a's last active week is W4, b's W2, c's W3 (k = 2 for cohort W1).
    out = cohort_retention(WEEKLY, as_of="2024-01-31", mode="on_or_after")
    assert [n for *_, n, _ in _counts(out)] == [2, 2, 2, 1, 1, 1, 1, 1, 0]


def test_matrix_shows_incomplete_as_nan_and_zero_as_zero() -> None:
    m = retention_matrix(WEEKLY, as_of="2024-01-31")
    expected = pd.DataFrame(
        [[1.0, 0.5, 0.5, 0.0], [1.0, 0.0, 1.0, np.nan]],
        index=pd.DatetimeIndex(["2024-01-01", "2024-01-08"], name="cohort"),
        columns=pd.Index([0, 1, 2, 3], name="period"),
    )
    pd.testing.assert_frame_equal(m, expected, check_index_type=False)


def test_as_of_on_a_monday_boundary() -> None:
    # as_of = Monday 01-29 00:00: W3 has just ended (complete), W4 starts at as_of.
    log = pd.concat([WEEKLY, _log([("a", "2024-01-29 00:00")])], ignore_index=True)
    out = cohort_retention(log, as_of="2024-01-29")
    w0 = out[out["cohort"] == "2024-01-01"].set_index("period")
    assert bool(w0.loc[3, "complete"])
    assert not bool(w0.loc[4, "complete"])
    assert w0["n_retained"].tolist()[4] == 1  # the event exactly at as_of counts
    # A cell that would start after as_of is absent.
    assert out["period"].max() == 4


def test_known_answer_month_and_day() -> None:
    # By hand: 01-31 is January (k0), 02-01 February (k1), 03-15 March (k2, not over
    # at 03-20). By day: cohort 01-31, 02-01 active (k1), 02-02 starts at as_of (k2, open).
    log = _log([("a", "2024-01-31 23:00"), ("a", "2024-02-01 01:00"), ("a", "2024-03-15")])
    out = cohort_retention(log, period="month", as_of="2024-03-20")
    assert _counts(out) == [
        ("2024-01-01", 0, 1, 1, True),
        ("2024-01-01", 1, 1, 1, True),
        ("2024-01-01", 2, 1, 1, False),
    ]
    days = cohort_retention(log, period="day", as_of="2024-02-02")
    assert days["n_retained"].tolist() == [1, 1, 0]
    assert days["complete"].tolist() == [True, True, False]


def test_curves_known_answer() -> None:
    # Pooled, by hand over complete cells: k1 (1 + 0) / 3, k2 (1 + 1) / 3, k3 only W0: 0 / 2.
    pooled = retention_curve(WEEKLY, as_of="2024-01-31")
    assert pooled["n_at_risk"].tolist() == [3, 3, 3, 2]
    assert pooled["n_retained"].tolist() == [3, 1, 2, 0]
    assert pooled["n_cohorts"].tolist() == [2, 2, 2, 1]
    # Chained on_or_after: 1, 3/3, 3/3, then W0 only: 1/2 (Σ retained at 2 over W0 = 2).
    chained = retention_curve(WEEKLY, as_of="2024-01-31", mode="on_or_after", method="chained")
    np.testing.assert_allclose(chained["retention_rate"], [1, 1, 1, 0.5])
    # Chained on: r1 = 1/3, r2 = r1 · 2/1, r3 = r2 · 0/1.
    on = retention_curve(WEEKLY, as_of="2024-01-31", method="chained")
    np.testing.assert_allclose(on["retention_rate"], [1, 1 / 3, 2 / 3, 0])
    assert (on["ci_lower"] <= on["retention_rate"]).all()
    assert (on["retention_rate"] <= on["ci_upper"]).all()


def test_chained_uses_young_cohorts_pooled_can_rise() -> None:
    # Old cohort (10 accounts) keeps 2 through k2; young cohort (10) keeps 9 at k1
    # and is not observed at k2. Pooled on_or_after rises from k1 to k2? No: it falls
    # from (2+9)/20 = .55 to 2/10 = .2; chained: .55 then .55 · 2/2 = .55.
    rows = [(f"o{i}", "2024-01-01") for i in range(10)]
    rows += [(f"o{i}", "2024-01-15") for i in range(2)]
    rows += [(f"y{i}", "2024-01-08") for i in range(10)]
    rows += [(f"y{i}", "2024-01-15") for i in range(9)]
    log = _log(rows)
    pooled = retention_curve(log, mode="on_or_after", as_of="2024-01-22")
    chained = retention_curve(log, mode="on_or_after", method="chained", as_of="2024-01-22")
    np.testing.assert_allclose(pooled["retention_rate"], [1, 11 / 20, 2 / 10])
    np.testing.assert_allclose(chained["retention_rate"], [1, 11 / 20, 11 / 20])


def test_start_series_and_segments() -> None:
    # a starts Sunday 12-31 (week of 12-25), so its 01-01 event is k=1; d has no events.
    starts = pd.Series(
        pd.to_datetime(["2023-12-31", "2024-01-01", "2024-01-02", "2024-01-09"]),
        index=["a", "b", "d", "c"],
        name="started_at",
    )
    plan = pd.Series({"a": "pro", "b": "basic", "c": "pro", "d": "basic"}, name="plan")
    out = cohort_retention(WEEKLY, as_of="2024-01-31", start=starts, by=plan)
    assert list(out.columns) == ["plan", *CELL_COLUMNS]
    basic = out[out["plan"] == "basic"]
    # b and d start in W0; b returns in W2; d never: sizes 2, retained 2 (k0 by definition), 0, 1.
    assert basic["cohort_size"].unique().tolist() == [2]
    assert basic["n_retained"].tolist() == [2, 0, 1, 0, 0]
    pro_a = out[(out["plan"] == "pro") & (out["cohort"] == "2023-12-25")]
    assert pro_a["n_retained"].tolist() == [1, 1, 1, 0, 0, 1]


def test_by_event_column_and_activity_events() -> None:
    log = WEEKLY.assign(plan=WEEKLY["account_id"].map({"a": "pro", "b": "basic", "c": "pro"}))
    by_col = cohort_retention(log, as_of="2024-01-31", by="plan")
    by_map = cohort_retention(log, as_of="2024-01-31", by={"a": "pro", "b": "basic", "c": "pro"})
    pd.testing.assert_frame_equal(by_col.drop(columns="plan"), by_map.drop(columns="segment"))
    feature = log.assign(event=np.where(log["account_id"] == "b", "export", "login"))
    only = cohort_retention(feature, as_of="2024-01-31", activity_events=["export"])
    assert only["cohort_size"].unique().tolist() == [1]  # only b uses the feature


def test_trend_and_revenue() -> None:
    # By hand from WEEKLY: at k2, cohort W0 keeps b only (1/2), cohort W1 keeps c (1/1);
    # k3 is complete for W0 only (W1's k3 = W4 is not over at as_of).
    trend = retention_trend(WEEKLY, at=2, as_of="2024-01-31")
    assert trend["retention_rate"].tolist() == [0.5, 1.0]
    assert retention_trend(WEEKLY, at=3, as_of="2024-01-31")["cohort"].tolist() == [
        pd.Timestamp("2024-01-01")
    ]
    assert len(retention_trend(WEEKLY, at=3, as_of="2024-01-31", include_incomplete=True)) == 2
    # By hand: a 100 → 150 (expansion), b 100 → 50 (contraction), c 200 → gone (churn).
    mrr = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b", "c"],
            "month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2 + ["2024-01-15"]),
            "mrr": [100.0, 150.0, 100.0, 50.0, 200.0],
        }
    )
    rev = revenue_retention(mrr)
    m1 = rev[rev["period"] == 1].iloc[0]
    assert m1["starting_mrr"] == 400.0
    assert m1["gross_revenue_retention"] == pytest.approx(150 / 400)  # min(150,100)+50
    assert m1["net_revenue_retention"] == pytest.approx(200 / 400)
    assert m1["n_retained"] == 2
    assert m1["logo_retention"] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- bad input


def test_empty_events_give_empty_typed_result() -> None:
    out = cohort_retention(WEEKLY.iloc[:0])
    assert list(out.columns) == CELL_COLUMNS
    assert len(out) == 0
    assert str(out["cohort"].dtype) == "datetime64[ns]"
    assert out["n_retained"].dtype == np.int64
    assert out["complete"].dtype == bool
    assert len(retention_curve(WEEKLY.iloc[:0])) == 0
    assert next(iter(cohort_retention(WEEKLY.iloc[:0], by="event").columns)) == "event"
    assert len(revenue_retention(pd.DataFrame({"account_id": [], "month": [], "mrr": []}))) == 0


def test_bad_options() -> None:
    with pytest.raises(ValueError, match=r"(?s)period='fortnight'.*Hint"):
        cohort_retention(WEEKLY, period="fortnight")
    with pytest.raises(ValueError, match=r"(?s)mode='after'.*Hint"):
        cohort_retention(WEEKLY, mode="after")
    with pytest.raises(ValueError, match=r"(?s)method='mean'.*Hint"):
        retention_curve(WEEKLY, method="mean")
    with pytest.raises(ValueError, match=r"as_of.*earlier than every event"):
        cohort_retention(WEEKLY, as_of="2023-06-01")
    with pytest.raises(ValueError, match=r"(?s)at=-1.*Hint"):
        retention_trend(WEEKLY, at=-1)
    with pytest.raises(ValueError, match="confidence"):
        cohort_retention(WEEKLY, confidence=95)
    with pytest.raises(TypeError, match=r"(?s)start must be a pandas Series.*Hint"):
        cohort_retention(WEEKLY, start={"a": "2024-01-01"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="by must be"):
        cohort_retention(WEEKLY, by=3)  # type: ignore[arg-type]


def test_bad_data() -> None:
    with pytest.raises(SchemaError, match=r"(?s)'plan'.*missing.*Hint"):
        cohort_retention(WEEKLY, by="plan")
    with pytest.raises(SchemaError, match=r"start.*no start for 1 entities.*'c'"):
        cohort_retention(WEEKLY, start=pd.Series(pd.to_datetime(["2024-01-01"] * 2), ["a", "b"]))
    with pytest.raises(SchemaError, match=r"by.*no segment for 1 entities"):
        cohort_retention(WEEKLY, by={"a": "pro", "b": "basic"})
    varying = WEEKLY.assign(plan=["x", "y", "x", "x", "x", "x", "x"])
    with pytest.raises(SchemaError, match="several values for one entity"):
        cohort_retention(varying, by="plan")
    with pytest.raises(SchemaError, match="account_id"):
        cohort_retention(WEEKLY.rename(columns={"account_id": "acct"}))


def test_inputs_are_not_mutated() -> None:
    log = WEEKLY.copy()
    starts = pd.Series(pd.to_datetime(["2024-01-01"] * 3), index=["a", "b", "c"])
    before, s_before = log.copy(), starts.copy()
    cohort_retention(log, start=starts, by="event")
    retention_curve(log, method="chained", mode="on_or_after")
    pd.testing.assert_frame_equal(log, before)
    pd.testing.assert_series_equal(starts, s_before)


# --------------------------------------------------------------------------- properties

modes = st.sampled_from(["on", "on_or_after"])
periods = st.sampled_from(["day", "week", "month"])


@settings(max_examples=30)
@given(events_frames(max_days=90), periods, st.integers(0, 100))
def test_properties(events: pd.DataFrame, period: str, seed: int) -> None:
    before = events.copy()
    on = cohort_retention(events, period=period)
    after = cohort_retention(events, period=period, mode="on_or_after")
    pd.testing.assert_frame_equal(events, before)  # input unchanged
    for out in (on, after):
        rate = out["retention_rate"]
        assert rate.between(0, 1).all()
        assert (out["ci_lower"] <= rate + 1e-12).all()
        assert (rate <= out["ci_upper"] + 1e-12).all()
        assert (rate[out["period"] == 0] == 1).all()
    assert (after["n_retained"].to_numpy() >= on["n_retained"].to_numpy()).all()
    steps = after.groupby("cohort")["n_retained"].diff().dropna()
    assert (steps <= 0).all()  # on_or_after never rises with k
    pd.testing.assert_frame_equal(cohort_retention(shuffled(events, seed), period=period), on)
    chained = retention_curve(events, period=period, mode="on_or_after", method="chained")
    assert (np.diff(chained["retention_rate"].to_numpy()) <= 1e-12).all()
    for method in ("pooled", "chained"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a capped chained estimate warns
            curve = retention_curve(events, period=period, method=method)
        r = curve["retention_rate"]
        assert r.between(0, 1).all()
        assert (curve["ci_lower"] <= r + 1e-12).all()
        assert (r <= curve["ci_upper"] + 1e-12).all()


# --------------------------------------------------------------------------- independent check


def slow_retention(events: pd.DataFrame, period: str, mode: str) -> dict[tuple[str, int], int]:
    """Deliberately slow, obvious implementation: loops over accounts and periods."""
    freq = {"day": "D", "week": "W-SUN", "month": "M"}[period]
    periods = events["timestamp"].dt.to_period(freq)
    last = periods.max()
    out: dict[tuple[str, int], int] = {}
    active = {a: set(p) for a, p in periods.groupby(events["account_id"])}
    for account, seen in active.items():
        cohort = min(seen)
        for k in range((last - cohort).n + 1):
            target = cohort + k
            hit = target in seen if mode == "on" else any(p >= target for p in seen)
            key = (str(cohort.start_time.date()), k)
            out[key] = out.get(key, 0) + int(hit or k == 0)
        del account
    return out


@settings(max_examples=25)
@given(events_frames(min_rows=1, max_rows=120, max_days=200), periods, modes)
def test_counts_equal_slow_pandas_implementation(
    events: pd.DataFrame, period: str, mode: str
) -> None:
    fast = cohort_retention(events, period=period, mode=mode)
    got = {
        (str(c.date()), int(k)): int(n)
        for c, k, n in zip(fast["cohort"], fast["period"], fast["n_retained"], strict=True)
    }
    assert got == slow_retention(events, period, mode)


def slow_with_starts(
    events: pd.DataFrame, starts: pd.Series, period: str, mode: str
) -> dict[tuple[str, int], int]:
    """Slow, obvious: cohort from each account's start; loops over accounts and periods."""
    freq = {"day": "D", "week": "W-SUN", "month": "M"}[period]
    as_of = events["timestamp"].max()
    last = as_of.to_period(freq)
    out: dict[tuple[str, int], int] = {}
    for account, begin in starts.items():
        if begin > as_of:
            continue
        cohort = begin.to_period(freq)
        mine = events.loc[events["account_id"] == account, "timestamp"].dt.to_period(freq)
        seen = {p for p in mine if p >= cohort}
        for k in range((last - cohort).n + 1):
            target = cohort + k
            hit = target in seen if mode == "on" else any(p >= target for p in seen)
            key = (str(cohort.start_time.date()), k)
            out[key] = out.get(key, 0) + int(hit or k == 0)
    return out


@settings(max_examples=20)
@given(
    events_frames(min_rows=1, max_rows=80, max_days=120),
    st.lists(st.integers(-20, 130), min_size=len(ACCOUNT_IDS), max_size=len(ACCOUNT_IDS)),
    periods,
    modes,
)
def test_start_counts_equal_slow_implementation(
    events: pd.DataFrame, offsets: list[int], period: str, mode: str
) -> None:
    starts = pd.Series(T0 + pd.to_timedelta(offsets, unit="D"), index=ACCOUNT_IDS)
    fast = cohort_retention(events, period=period, mode=mode, start=starts)
    got = {
        (str(c.date()), int(k)): int(n)
        for c, k, n in zip(fast["cohort"], fast["period"], fast["n_retained"], strict=True)
    }
    assert got == slow_with_starts(events, starts, period, mode)


@settings(max_examples=20)
@given(mrr_frames())
def test_revenue_retention_properties(mrr: pd.DataFrame) -> None:
    before = mrr.copy()
    rev = revenue_retention(mrr)
    pd.testing.assert_frame_equal(mrr, before)
    grr, nrr = rev["gross_revenue_retention"], rev["net_revenue_retention"]
    ok = rev["starting_mrr"] > 0
    assert (grr[ok] <= 1 + 1e-12).all()
    assert (grr[ok] <= nrr[ok] + 1e-12).all()
    assert rev["logo_retention"].between(0, 1).all()
    assert (rev.loc[rev["period"] == 0, "logo_retention"] == 1).all()
    pd.testing.assert_frame_equal(revenue_retention(shuffled(mrr, 1)), rev)


def test_chained_on_estimate_above_one_is_capped_with_a_warning() -> None:
    # By hand: old cohort (W0: o1, o2) has 1 active at k1 and 2 at k2; young cohort
    # (W1: y1..y4) all active at k1 and not yet complete at k2 (as_of = W3 start).
    # r1 = (1 + 4) / 6; r2 = r1 · 2 / 1 = 5/3 > 1 → capped at 1.
    rows = [("o1", "2024-01-01"), ("o1", "2024-01-08"), ("o1", "2024-01-15")]
    rows += [("o2", "2024-01-01"), ("o2", "2024-01-15")]
    rows += [(f"y{i}", d) for i in range(4) for d in ("2024-01-08", "2024-01-15")]
    with pytest.warns(UserWarning, match="capped at 1"):
        out = retention_curve(_log(rows), method="chained", as_of="2024-01-22")
    np.testing.assert_allclose(out["retention_rate"], [1, 5 / 6, 1])


def test_user_retention_with_level_user() -> None:
    # By hand: account a has users u1 (W0, W1) and u2 (W0 only): user week-1 retention 1/2,
    # account week-1 retention 1/1.
    log = _log([("a", "2024-01-01"), ("a", "2024-01-02"), ("a", "2024-01-08")])
    log = log.assign(user_id=["u1", "u2", "u1"])
    users = cohort_retention(log, level="user", as_of="2024-01-15")
    accounts = cohort_retention(log, as_of="2024-01-15")
    assert users["n_retained"].tolist() == [2, 1, 0]
    assert accounts["n_retained"].tolist() == [1, 1, 0]
