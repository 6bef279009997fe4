"""active_counts, stickiness, active_days_distribution: hand-made logs and an explicit loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoptmetrics.engagement import active_counts, active_days_distribution, stickiness
from strategies import events_frames, shuffled


def _ev(rows: list[tuple[str, str]], *, user: bool = False) -> pd.DataFrame:
    ids = [r[0] for r in rows]
    frame = {
        "account_id": ids,
        "event": "login",
        "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
    }
    if user:
        frame["user_id"] = ids
    return pd.DataFrame(frame)


# --------------------------------------------------------------------------- active_counts


def test_active_counts_days_with_silent_days_as_zero() -> None:
    ev = _ev([("a", "2024-01-01 09:00"), ("a", "2024-01-01 18:00"), ("b", "2024-01-01"),
              ("b", "2024-01-04 12:00")])  # fmt: skip
    out = active_counts(ev)
    assert out["period"].dt.strftime("%m-%d").tolist() == ["01-01", "01-02", "01-03", "01-04"]
    assert out["n_active"].tolist() == [2, 0, 0, 1]
    # The last day is not over at as_of (the latest event, 12:00).
    assert out["complete"].tolist() == [True, True, True, False]


def test_active_counts_week_and_month_boundaries() -> None:
    # Sunday 2024-01-07 and Monday 2024-01-08 fall in different ISO weeks.
    ev = _ev([("a", "2024-01-07 23:59"), ("b", "2024-01-08 00:00"), ("a", "2024-01-31 23:00"),
              ("a", "2024-02-01 00:00")])  # fmt: skip
    wk = active_counts(ev, period="week", as_of="2024-02-04 23:59:59")
    assert wk["n_active"].tolist() == [1, 1, 0, 0, 1]
    assert wk["complete"].tolist() == [True, True, True, True, False]
    mo = active_counts(ev, period="month", as_of="2024-03-01")
    assert mo["n_active"].tolist() == [2, 1, 0]
    assert mo["complete"].tolist() == [True, True, False]


def test_active_counts_as_of_cuts_later_events() -> None:
    ev = _ev([("a", "2024-01-01"), ("b", "2024-01-02"), ("c", "2024-01-05")])
    out = active_counts(ev, as_of="2024-01-02 12:00")
    assert out["n_active"].tolist() == [1, 1]
    assert out["complete"].tolist() == [True, False]


def test_active_counts_user_level_by_account_column() -> None:
    ev = pd.DataFrame({
        "account_id": ["x", "x", "y", "x"],
        "user_id": ["u1", "u2", "u3", "u1"],
        "event": "login",
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-02"]),
    })  # fmt: skip
    out = active_counts(ev, level="user", by="account_id", as_of="2024-01-02 23:00")
    assert list(out.columns) == ["account_id", "period", "n_active", "complete"]
    got = out.set_index(["account_id", out["period"].dt.day])["n_active"].to_dict()
    assert got == {("x", 1): 2, ("x", 2): 1, ("y", 1): 1, ("y", 2): 0}


def test_by_series_named_and_unnamed() -> None:
    ev = _ev([("a", "2024-01-01"), ("b", "2024-01-01"), ("c", "2024-01-02")])
    plan = pd.Series({"a": "pro", "b": "free", "c": "pro"}, name="plan")
    out = active_counts(ev, by=plan, as_of="2024-01-02 23:00")
    assert next(iter(out.columns)) == "plan"
    assert out.groupby("plan")["n_active"].sum().to_dict() == {"free": 1, "pro": 2}
    unnamed = active_counts(ev, by=plan.rename(None), as_of="2024-01-02 23:00")
    assert next(iter(unnamed.columns)) == "segment"


def test_by_account_mapping_at_user_level() -> None:
    ev = pd.DataFrame({
        "account_id": ["x", "x", "y"],
        "user_id": ["u1", "u2", "u3"],
        "event": "login",
        "timestamp": pd.to_datetime(["2024-01-01"] * 3),
    })  # fmt: skip
    plan = pd.Series({"x": "pro", "y": "free"}, name="plan")
    out = active_counts(ev, level="user", by=plan)
    assert out.set_index("plan")["n_active"].to_dict() == {"free": 1, "pro": 2}


# --------------------------------------------------------------------------- stickiness


def test_dau_mau_counts_silent_days_as_zero() -> None:
    # January 2024 has 31 days: u1 is active 10 days, u2 one day, nobody on the other days.
    days = [f"2024-01-{d:02d}" for d in range(1, 11)]
    ev = _ev([("u1", d) for d in days] + [("u2", "2024-01-05")], user=True)
    out = stickiness(ev, as_of="2024-02-01")  # January is over at midnight
    row = out.iloc[0]
    assert row["n_active"] == 2
    assert row["mean_short_active"] == pytest.approx(11 / 31)
    assert row["stickiness"] == pytest.approx(11 / 31 / 2)
    assert row["ci_lower"] < row["stickiness"] < row["ci_upper"]
    assert bool(row["complete"])


def test_stickiness_incomplete_month_uses_observed_days() -> None:
    ev = _ev([("u1", "2024-01-01"), ("u1", "2024-01-02"), ("u2", "2024-01-02 08:00")], user=True)
    out = stickiness(ev)  # as_of = 2024-01-02 08:00: two observed days
    assert out["mean_short_active"].iloc[0] == pytest.approx(3 / 2)
    assert out["stickiness"].iloc[0] == pytest.approx(0.75)
    assert not out["complete"].iloc[0]


def test_wau_mau_splits_weeks_at_month_ends() -> None:
    # 2024-01-29 (Mon) .. 2024-02-04 (Sun) straddles January and February.
    ev = _ev([("u1", "2024-01-30"), ("u1", "2024-02-02"), ("u2", "2024-01-03")], user=True)
    out = stickiness(ev, short="week", long="month", as_of="2024-02-29 23:59")
    jan, feb = out.iloc[0], out.iloc[1]
    # January holds 5 week parts (weeks starting 01-01, 08, 15, 22, 29);
    # u2 in the first, u1 in the last.
    assert jan["n_active"] == 2
    assert jan["mean_short_active"] == pytest.approx(2 / 5)
    # February: weeks of 01-29 (part), 02-05, 12, 19, 26 -> 5 parts, u1 in the first.
    assert feb["n_active"] == 1
    assert feb["mean_short_active"] == pytest.approx(1 / 5)


def test_stickiness_everyone_every_day_has_nonzero_width() -> None:
    days = pd.date_range("2024-01-01", "2024-01-07")
    ev = _ev([(u, str(d.date())) for u in ("u1", "u2") for d in days], user=True)
    out = stickiness(ev, long="week", as_of="2024-01-07 23:59")
    assert out["stickiness"].iloc[0] == 1.0
    assert out["ci_lower"].iloc[0] < 1.0


# --------------------------------------------------------------------------- histogram


def test_active_days_distribution_known_answer() -> None:
    rows = [("u1", "2024-01-01"), ("u1", "2024-01-01 10:00"), ("u1", "2024-01-03"),
            ("u2", "2024-01-02"), ("u3", "2024-01-02"), ("u3", "2024-01-09")]  # fmt: skip
    ev = _ev(rows, user=True)
    out = active_days_distribution(ev, period="week", as_of="2024-01-14 23:59")
    first = out[out["period"] == pd.Timestamp("2024-01-01")]
    assert first["days_active"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert first["n_active"].tolist() == [2, 1, 0, 0, 0, 0, 0]
    assert first["share"].iloc[0] == pytest.approx(2 / 3)
    second = out[out["period"] == pd.Timestamp("2024-01-08")]
    assert second["n_active"].tolist() == [1, 0, 0, 0, 0, 0, 0]
    feb = active_days_distribution(_ev([("u", "2024-02-10")], user=True), as_of="2024-02-29")
    assert feb["days_active"].max() == 29  # leap year


# --------------------------------------------------------------------------- properties


def _loop_counts(ev: pd.DataFrame, freq: str) -> dict[pd.Timestamp, int]:
    """Independent: explicit loop over rows with pandas period arithmetic."""
    seen: dict[pd.Timestamp, set[str]] = {}
    for a, t in zip(ev["account_id"], ev["timestamp"], strict=True):
        p = t.to_period(freq).start_time
        seen.setdefault(p, set()).add(a)
    return {p: len(s) for p, s in seen.items()}


@given(events_frames(), st.sampled_from(["day", "week", "month"]), st.integers(0, 9))
def test_active_counts_match_loop_and_ignore_row_order(
    ev: pd.DataFrame, period: str, seed: int
) -> None:
    before = ev.copy()
    out = active_counts(ev, period=period)
    pd.testing.assert_frame_equal(ev, before)  # not mutated
    freq = {"day": "D", "week": "W-SUN", "month": "M"}[period]
    loop = _loop_counts(ev, freq)
    got = out[out["n_active"] > 0].set_index("period")["n_active"].to_dict()
    assert got == loop
    assert out["n_active"].sum() == sum(loop.values())
    pd.testing.assert_frame_equal(active_counts(shuffled(ev, seed), period=period), out)


@given(events_frames(with_users=True), st.integers(0, 9))
def test_stickiness_in_unit_interval(ev: pd.DataFrame, seed: int) -> None:
    out = stickiness(ev)
    ok = out["n_active"] > 0
    s = out.loc[ok, "stickiness"]
    assert ((s >= 0) & (s <= 1)).all()
    assert (out.loc[ok, "ci_lower"] <= s + 1e-12).all()
    assert (s <= out.loc[ok, "ci_upper"] + 1e-12).all()
    assert out.loc[~ok, "stickiness"].isna().all()
    pd.testing.assert_frame_equal(stickiness(shuffled(ev, seed)), out)
    wk = stickiness(ev, short="week", long="month")
    assert ((wk["stickiness"].dropna() >= 0) & (wk["stickiness"].dropna() <= 1)).all()


@given(events_frames(with_users=True))
def test_active_days_shares_sum_to_one(ev: pd.DataFrame) -> None:
    out = active_days_distribution(ev, period="week")
    sums = out.groupby("period")["share"].sum()
    totals = out.groupby("period")["n_active"].sum()
    assert np.allclose(sums[totals > 0], 1.0)
    counts = active_counts(ev, period="week", level="user")
    assert totals.tolist() == counts["n_active"].tolist()


@given(
    st.lists(st.integers(-(10**18), 4 * 10**18), min_size=1, max_size=50),
    st.sampled_from(["day", "week", "month"]),
)
def test_period_offsets_match_period_index(ns: list[int], period: str) -> None:
    from adoptmetrics.activity import period_index
    from adoptmetrics.activity._engagement_cells import period_offsets

    arr = np.asarray(ns, dtype=np.int64)
    expected = period_index(arr, period) - 7
    assert np.array_equal(period_offsets(arr.copy(), period, 7), expected)
