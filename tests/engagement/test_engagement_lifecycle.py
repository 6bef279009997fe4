"""lifecycle: period boundaries, resurrection after a gap, start=, identities, an explicit loop."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoptmetrics import SchemaError
from adoptmetrics.engagement import lifecycle
from strategies import events_frames, shuffled


def _ev(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": [r[0] for r in rows],
        "event": "login",
        "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
    })  # fmt: skip


def _rows(out: pd.DataFrame) -> list[tuple[int, int, int, int, int]]:
    cols = ["new", "returning", "resurrecting", "dormant", "n_active"]
    return [tuple(int(v) for v in r) for r in out[cols].to_numpy()]  # type: ignore[misc]


def test_week_boundaries_sunday_night_and_monday_morning() -> None:
    # a: Sunday 23:59 of week 1, Monday 00:00 of week 2 -> new, then returning.
    # b: first seen Monday 00:00 of week 2 -> new in week 2.
    ev = _ev([("a", "2024-01-07 23:59:59"), ("a", "2024-01-08 00:00"), ("b", "2024-01-08 00:00")])
    out = lifecycle(ev, as_of="2024-01-21 23:59:59")
    assert _rows(out) == [(1, 0, 0, 0, 1), (1, 1, 0, 0, 2), (0, 0, 0, 2, 0)]
    assert out["complete"].tolist() == [True, True, False]


def test_resurrection_after_a_long_gap() -> None:
    ev = _ev([("a", "2024-01-01"), ("a", "2024-04-01"), ("a", "2024-04-02"), ("b", "2024-01-02")])
    out = lifecycle(ev, period="month", as_of="2024-05-31 23:59")
    # Jan: a, b new. Feb: both dormant. Mar, Apr: a resurrecting in Apr. May: a dormant.
    assert _rows(out) == [
        (2, 0, 0, 0, 2),
        (0, 0, 0, 2, 0),
        (0, 0, 0, 0, 0),
        (0, 0, 1, 0, 1),
        (0, 0, 0, 1, 0),
    ]
    assert out["quick_ratio"].tolist()[1] == 0.0
    assert pd.isna(out["quick_ratio"].iloc[0])


def test_quick_ratio() -> None:
    # Week 2: c new, d resurrecting... d needs history: d active in week 0 only.
    ev = _ev([("a", "2024-01-01"), ("b", "2024-01-01"), ("d", "2024-01-01"),
              ("a", "2024-01-08"), ("b", "2024-01-08"),
              ("a", "2024-01-15"), ("c", "2024-01-15"), ("d", "2024-01-16")])  # fmt: skip
    out = lifecycle(ev, as_of="2024-01-21 23:59:59")
    # Week 2 (Jan 15): a returning, c new, d resurrecting, b dormant.
    assert _rows(out)[2] == (1, 1, 1, 1, 3)
    assert out["quick_ratio"].iloc[2] == pytest.approx(2.0)


def test_start_makes_new_in_the_start_period() -> None:
    ev = _ev([("a", "2024-01-15"), ("b", "2024-01-16"), ("b", "2023-12-30")])
    start = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-15"]), index=["a", "b"])
    out = lifecycle(ev, start=start, as_of="2024-01-21 23:59:59")
    # a started week of Jan 1 but first active Jan 15 -> resurrecting (PostHog's rule);
    # b's event before its start period is ignored, so b is new on Jan 16.
    assert _rows(out)[-1] == (1, 0, 1, 0, 2)
    accounts = pd.DataFrame({"account_id": ["a", "b"], "started_at": start.to_numpy()})
    pd.testing.assert_frame_equal(lifecycle(ev, start=accounts, as_of="2024-01-21 23:59:59"), out)


def test_start_missing_for_an_entity_is_an_error() -> None:
    ev = _ev([("a", "2024-01-15"), ("b", "2024-01-16")])
    with pytest.raises(SchemaError, match="no start"):
        lifecycle(ev, start=pd.Series(pd.to_datetime(["2024-01-01"]), index=["a"]))


def _loop_lifecycle(ev: pd.DataFrame) -> dict[pd.Timestamp, tuple[int, int, int, int]]:
    """Independent: sets of active accounts per ISO week, classified by an explicit loop."""
    weeks = ev["timestamp"].dt.to_period("W-SUN").dt.start_time
    active: dict[pd.Timestamp, set[str]] = {}
    for a, w in zip(ev["account_id"], weeks, strict=True):
        active.setdefault(w, set()).add(a)
    first = {a: weeks[ev["account_id"] == a].min() for a in set(ev["account_id"])}
    out = {}
    w = min(active)
    last = max(active) + pd.Timedelta(days=7)
    while w <= last:
        now, prev = active.get(w, set()), active.get(w - pd.Timedelta(days=7), set())
        new = sum(first[a] == w for a in now)
        ret = sum(first[a] != w and a in prev for a in now)
        res = sum(first[a] != w and a not in prev for a in now)
        out[w] = (new, ret, res, len(prev - now))
        w += pd.Timedelta(days=7)
    return out


@given(events_frames(), st.integers(0, 9))
def test_lifecycle_identities_loop_and_row_order(ev: pd.DataFrame, seed: int) -> None:
    before = ev.copy()
    as_of = ev["timestamp"].max() + pd.Timedelta(days=7)
    out = lifecycle(ev, as_of=as_of)
    pd.testing.assert_frame_equal(ev, before)
    assert (out["n_active"] == out["new"] + out["returning"] + out["resurrecting"]).all()
    prev = out["n_active"].shift(1, fill_value=0)
    assert (out["n_active"] == prev + out["new"] + out["resurrecting"] - out["dormant"]).all()
    assert (out[["new", "returning", "resurrecting", "dormant"]] >= 0).all().all()
    loop = _loop_lifecycle(ev)
    cols = ["new", "returning", "resurrecting", "dormant"]
    got = dict(zip(out["period"], map(tuple, out[cols].to_numpy().tolist()), strict=True))
    assert got == loop
    pd.testing.assert_frame_equal(lifecycle(shuffled(ev, seed), as_of=as_of), out)


@given(events_frames(with_users=True), st.sampled_from(["day", "week", "month"]))
def test_lifecycle_identities_by_segment_and_user_level(ev: pd.DataFrame, period: str) -> None:
    out = lifecycle(ev, period=period, level="user", by="account_id")
    for _, g in out.groupby("account_id"):
        prev = g["n_active"].shift(1, fill_value=0)
        assert (g["n_active"] == prev + g["new"] + g["resurrecting"] - g["dormant"]).all()
    total = lifecycle(ev, period=period, level="user")
    summed = out.groupby("period")[["new", "returning", "resurrecting", "dormant"]].sum()
    pd.testing.assert_frame_equal(
        summed.reset_index(drop=True),
        total[["new", "returning", "resurrecting", "dormant"]].reset_index(drop=True),
    )
