"""The activity layer against deliberately slow, obvious implementations.

Every ``_slow_*`` function below walks the rows in plain Python (dicts and
``pd.Timestamp`` arithmetic), so it shares no code with the vectorised
numpy in ``activity.py``; hypothesis checks that the two agree on random
logs. Known-answer tests pin the period boundaries (computed by hand from a
calendar).
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics import EventLog, SchemaError
from adoptmetrics.activity import (
    activity_cells,
    event_counts,
    event_sequences,
    first_last_seen,
    period_activity,
    period_index,
    period_start,
    window_activity,
)
from strategies import EVENT_NAMES, T0, events_frames, shuffled

PERIOD_NAMES = ["day", "week", "month"]
Key = tuple[str, pd.Timestamp]


# --------------------------------------------------------------------------- slow references


def _rows(
    events: pd.DataFrame, activity_events: list[str] | None = None
) -> list[tuple[str, str, pd.Timestamp]]:
    out = []
    for acc, name, ts in zip(
        events["account_id"], events["event"], events["timestamp"], strict=True
    ):
        if activity_events is None or name in activity_events:
            out.append((str(acc), str(name), pd.Timestamp(ts)))
    return out


def _slow_period_start(ts: pd.Timestamp, period: str) -> pd.Timestamp:
    day = ts.normalize()
    if period == "day":
        return day
    if period == "week":
        return day - pd.Timedelta(days=day.weekday())  # Monday is weekday 0
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def _slow_first_last(
    rows: list[tuple[str, str, pd.Timestamp]],
) -> dict[str, tuple[pd.Timestamp, pd.Timestamp, int]]:
    out: dict[str, tuple[pd.Timestamp, pd.Timestamp, int]] = {}
    for acc, _, ts in rows:
        if acc in out:
            first, last, n = out[acc]
            out[acc] = (min(first, ts), max(last, ts), n + 1)
        else:
            out[acc] = (ts, ts, 1)
    return out


def _slow_period_activity(
    rows: list[tuple[str, str, pd.Timestamp]], period: str, as_of: pd.Timestamp | None
) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for acc, _, ts in rows:
        if as_of is None or ts <= as_of:
            counts[(acc, _slow_period_start(ts, period))] += 1
    return counts


def _slow_starts(rows: list[tuple[str, str, pd.Timestamp]], start: Any) -> dict[str, pd.Timestamp]:
    """The start of each entity in the universe (see event_counts' docstring)."""
    if start is None:
        return {acc: first for acc, (first, _, _) in _slow_first_last(rows).items()}
    if isinstance(start, pd.Series):
        return {str(k): pd.Timestamp(v) for k, v in start.items()}
    return {acc: pd.Timestamp(start) for acc, _, _ in rows}


def _slow_window_rows(
    rows: list[tuple[str, str, pd.Timestamp]], start: Any, window_days: float | None, end: Any
) -> tuple[dict[str, pd.Timestamp], list[tuple[str, str, pd.Timestamp]]]:
    starts = _slow_starts(rows, start)
    kept = []
    for acc, name, ts in rows:
        if acc not in starts or ts < starts[acc]:
            continue
        if window_days is not None and ts >= starts[acc] + pd.Timedelta(days=window_days):
            continue
        if end is not None and ts > pd.Timestamp(end):
            continue
        kept.append((acc, name, ts))
    return starts, kept


# --------------------------------------------------------------------------- strategies

windows = st.one_of(st.none(), st.sampled_from([0.5, 1, 7, 30, 45.25]))
ends = st.one_of(st.none(), st.integers(0, 130).map(lambda d: T0 + pd.Timedelta(days=d)))
activity_filters = st.one_of(
    st.none(),
    st.lists(st.sampled_from([*EVENT_NAMES, "never-seen"]), min_size=1, max_size=3, unique=True),
)


@st.composite
def starts(draw: st.DrawFn) -> Any:
    """None, a scalar, or a Series whose index is a universe overlapping the log's ids."""
    kind = draw(st.sampled_from(["none", "scalar", "series"]))
    if kind == "none":
        return None
    if kind == "scalar":
        return T0 + pd.Timedelta(hours=draw(st.integers(0, 24 * 100)))
    ids = draw(
        st.lists(st.sampled_from([f"a{i}" for i in range(14)]), min_size=0, max_size=8, unique=True)
    )
    hours = draw(st.lists(st.integers(-24 * 5, 24 * 100), min_size=len(ids), max_size=len(ids)))
    return pd.Series(
        [T0 + pd.Timedelta(hours=h) for h in hours],
        index=pd.Index(ids, dtype=object),
        dtype="datetime64[ns]",
    )


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("stamp", "period", "expected"),
    [
        (
            "2024-01-07 23:59:59.999999999",
            "week",
            "2024-01-01",
        ),  # a Sunday: still the week of Mon 1 Jan
        ("2024-01-08 00:00:00", "week", "2024-01-08"),  # Monday starts a new week
        ("2024-01-01 00:00:00", "week", "2024-01-01"),  # 1 Jan 2024 is a Monday
        ("2023-01-01 12:00:00", "week", "2022-12-26"),  # a Sunday; ISO week 52 of 2022
        ("1969-12-31 12:00:00", "week", "1969-12-29"),  # before the epoch (a Wednesday)
        ("1969-12-28 12:00:00", "week", "1969-12-22"),  # before the epoch (a Sunday)
        ("1970-01-01 00:00:00", "week", "1969-12-29"),  # the epoch was a Thursday
        ("2024-01-31 23:59:59.999999999", "month", "2024-01-01"),
        ("2024-02-01 00:00:00", "month", "2024-02-01"),
        ("2024-02-29 13:00:00", "month", "2024-02-01"),  # leap day
        ("1969-12-31 23:00:00", "month", "1969-12-01"),
        ("2024-03-10 23:59:59", "day", "2024-03-10"),
        ("1969-12-31 23:00:00", "day", "1969-12-31"),
    ],
)
def test_period_boundaries(stamp: str, period: str, expected: str) -> None:
    ts = np.array([stamp], dtype="datetime64[ns]")
    assert pd.Timestamp(period_start(period_index(ts, period), period)[0]) == pd.Timestamp(expected)


def test_consecutive_periods_have_consecutive_indices() -> None:
    ts = pd.to_datetime(
        ["2024-01-07", "2024-01-08", "2024-01-15", "2023-12-31", "2024-01-01"]
    ).to_numpy(dtype="datetime64[ns]")  # pandas 3 parses to microseconds
    assert period_index(ts, "week").tolist() == [
        x + period_index(ts, "week")[0] for x in [0, 1, 2, -1, 0]
    ]
    months = pd.to_datetime(["2023-12-15", "2024-01-01", "2024-12-31"]).to_numpy()
    assert np.diff(period_index(months, "month")).tolist() == [1, 11]
    # int64 nanoseconds give the same indices as datetime64
    assert period_index(ts.view(np.int64), "day").tolist() == period_index(ts, "day").tolist()


@given(
    st.lists(st.integers(-(10**18), 3 * 10**18), min_size=1, max_size=50),
    st.sampled_from(PERIOD_NAMES),
)
def test_period_index_matches_pandas(ns: list[int], period: str) -> None:
    stamps = pd.to_datetime(np.asarray(ns, dtype=np.int64))
    idx = period_index(stamps.to_numpy(), period)
    got = pd.to_datetime(period_start(idx, period))
    expected = [_slow_period_start(t, period) for t in stamps]
    assert list(got) == expected
    assert (got <= stamps).all()
    # the next period starts after the timestamp
    assert (pd.to_datetime(period_start(idx + 1, period)) > stamps).all()


def test_bad_period_is_a_value_error_with_hint() -> None:
    ts = np.array(["2024-01-01"], dtype="datetime64[ns]")
    with pytest.raises(ValueError, match=r"period='quarter' is not supported.\nHint: "):
        period_index(ts, "quarter")
    with pytest.raises(ValueError, match="Hint: "):
        period_start(np.array([0]), "year")
    ev = pd.DataFrame({"account_id": ["a"], "event": ["x"], "timestamp": ts})
    with pytest.raises(ValueError, match="Hint: "):
        period_activity(ev, period="weekly")


# --------------------------------------------------------------------------- first / last seen


@given(events_frames(), activity_filters)
def test_first_last_seen_matches_slow(events: pd.DataFrame, activity: list[str] | None) -> None:
    got = first_last_seen(events, activity_events=activity)
    slow = _slow_first_last(_rows(events, activity))
    assert got["account_id"].astype(str).tolist() == sorted(slow)
    for acc, first, last, n in got.itertuples(index=False):
        assert (first, last, n) == slow[str(acc)]
    assert isinstance(got.index, pd.RangeIndex)
    assert got["n_events"].dtype == np.int64


def test_first_last_seen_known_answer() -> None:
    ev = pd.DataFrame(
        {
            "org": ["b", "a", "a", "b", "c"],
            "what": ["login", "login", "invite", "invite", "login"],
            "when": ["2024-01-05", "2024-01-03", "2024-01-01", "2024-01-02", "2024-01-04"],
        }
    )
    got = first_last_seen(
        ev, account_col="org", event_col="what", time_col="when", activity_events=["invite"]
    )
    # by hand: only the two invites count; c never invited
    assert got["org"].astype(str).tolist() == ["a", "b"]
    assert got["first_seen"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
    assert got["n_events"].tolist() == [1, 1]


# --------------------------------------------------------------------------- period activity


@given(events_frames(), st.sampled_from(PERIOD_NAMES), activity_filters, ends)
def test_period_activity_matches_slow(
    events: pd.DataFrame, period: str, activity: list[str] | None, as_of: pd.Timestamp | None
) -> None:
    got = period_activity(events, period=period, activity_events=activity, as_of=as_of)
    slow = _slow_period_activity(_rows(events, activity), period, as_of)
    pairs = list(zip(got["account_id"].astype(str), got["period_start"], strict=True))
    assert pairs == sorted(slow)  # sorted by entity, then period
    assert dict(zip(pairs, got["n_events"], strict=True)) == dict(slow)
    assert isinstance(got.index, pd.RangeIndex)


@settings(max_examples=30)
@given(events_frames(), st.sampled_from(PERIOD_NAMES))
def test_activity_cells_agree_with_period_activity(events: pd.DataFrame, period: str) -> None:
    cells = activity_cells(events, period=period)
    table = period_activity(events, period=period)
    assert cells.period == period
    assert cells.as_of == pd.Timestamp(events["timestamp"].max())
    assert list(cells.entities[cells.entity]) == table["account_id"].astype(str).tolist()
    assert list(period_start(cells.index, period)) == list(table["period_start"])
    assert cells.n_events.tolist() == table["n_events"].tolist()
    assert cells.n_events.sum() == len(events)


def test_period_activity_week_known_answer() -> None:
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b"],
            "event": "x",
            # Sun 7 Jan late, Mon 8 Jan early, Sun 14 Jan; b: Wed 31 Jan and Thu 1 Feb
            "timestamp": pd.to_datetime(
                [
                    "2024-01-07 23:59",
                    "2024-01-08 00:01",
                    "2024-01-14 12:00",
                    "2024-01-31 10:00",
                    "2024-02-01 10:00",
                ]
            ),
        }
    )
    week = period_activity(ev, period="week")
    assert week["period_start"].astype(str).tolist() == ["2024-01-01", "2024-01-08", "2024-01-29"]
    assert week["n_events"].tolist() == [1, 2, 2]
    month = period_activity(ev, period="month")
    assert month["period_start"].astype(str).tolist() == ["2024-01-01", "2024-01-01", "2024-02-01"]
    assert month["n_events"].tolist() == [3, 1, 1]


def test_period_activity_tz_aware_input_uses_utc_periods() -> None:
    # 20:00 on Sunday 7 Jan in New York is 01:00 on Monday 8 Jan in UTC.
    local = pd.to_datetime(["2024-01-07 20:00", "2024-01-31 20:00"]).tz_localize("America/New_York")
    ev = pd.DataFrame({"account_id": ["a", "a"], "event": "x", "timestamp": local})
    assert period_activity(ev, period="week")["period_start"].astype(str).tolist() == [
        "2024-01-08",
        "2024-01-29",
    ]
    assert period_activity(ev, period="month")["period_start"].astype(str).tolist() == [
        "2024-01-01",
        "2024-02-01",
    ]
    naive = ev.assign(timestamp=local.tz_convert("UTC").tz_localize(None))
    pd.testing.assert_frame_equal(
        period_activity(ev, period="day"), period_activity(naive, period="day")
    )


def test_as_of_cut_off_is_inclusive() -> None:
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "event": "x",
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-20"]),
        }
    )
    got = period_activity(ev, period="day", as_of="2024-01-10")
    assert got["period_start"].astype(str).tolist() == ["2024-01-01", "2024-01-10"]
    assert activity_cells(ev, as_of="2024-01-10").as_of == pd.Timestamp("2024-01-10")
    assert period_activity(ev, period="day", as_of="2023-12-31").empty
    with pytest.raises(TypeError, match="Hint: "):
        period_activity(ev, as_of="not a date")


# --------------------------------------------------------------------------- windows


@given(events_frames(), starts(), windows, ends, activity_filters)
def test_event_counts_matches_slow(
    events: pd.DataFrame, start: Any, window: float | None, end: Any, activity: list[str] | None
) -> None:
    got = event_counts(events, start=start, window_days=window, end=end, activity_events=activity)
    starts_, kept = _slow_window_rows(_rows(events, activity), start, window, end)
    counts = Counter((acc, name) for acc, name, _ in kept)
    assert got.index.name == "account_id"
    assert sorted(map(str, got.index)) == sorted(starts_)
    for acc in got.index:
        for name in got.columns:
            assert got.loc[acc, name] == counts[(str(acc), str(name))]
    assert sum(counts.values()) == int(got.to_numpy().sum())
    assert all(dtype == np.int64 for dtype in got.dtypes)


@given(events_frames(), starts(), windows, ends, activity_filters)
def test_window_activity_matches_slow(
    events: pd.DataFrame, start: Any, window: float | None, end: Any, activity: list[str] | None
) -> None:
    got = window_activity(
        events, start=start, window_days=window, end=end, activity_events=activity
    )
    starts_, kept = _slow_window_rows(_rows(events, activity), start, window, end)
    per: dict[str, list[pd.Timestamp]] = defaultdict(list)
    for acc, _, ts in kept:
        per[acc].append(ts)
    assert sorted(map(str, got.index)) == sorted(starts_)
    for label, row in got.iterrows():
        times = per.get(str(label), [])
        assert row["n_events"] == len(times)
        assert row["active_days"] == len({t.normalize() for t in times})
        if times:
            assert (row["first_event"], row["last_event"]) == (min(times), max(times))
        else:
            assert pd.isna(row["first_event"])
            assert pd.isna(row["last_event"])


@given(events_frames(), starts(), windows, ends, activity_filters)
def test_event_sequences_matches_slow(
    events: pd.DataFrame, start: Any, window: float | None, end: Any, activity: list[str] | None
) -> None:
    got = event_sequences(
        events, start=start, window_days=window, end=end, activity_events=activity
    )
    starts_, kept = _slow_window_rows(_rows(events, activity), start, window, end)
    expected = []
    # Entities come in universe order: the Series' order for a Series start, else sorted.
    universe = list(map(str, start.index)) if isinstance(start, pd.Series) else sorted(starts_)
    for acc in [u for u in universe if any(a == u for a, _, _ in kept)]:
        mine = sorted((ts, name) for a, name, ts in kept if a == acc)  # ties: by event name
        for pos, (ts, name) in enumerate(mine):
            expected.append((acc, pos, name, ts, (ts - starts_[acc]) / pd.Timedelta(days=1)))
    actual = list(
        zip(
            got["account_id"].astype(str),
            got["position"],
            got["event"].astype(str),
            got["timestamp"],
            got["days_since_start"],
            strict=True,
        )
    )
    assert [r[:4] for r in actual] == [r[:4] for r in expected]
    assert np.allclose([r[4] for r in actual], [r[4] for r in expected])
    assert isinstance(got.index, pd.RangeIndex)


@given(events_frames(), starts(), windows, ends, activity_filters)
def test_windows_of_a_time_ordered_log_match_the_frame(
    events: pd.DataFrame, start: Any, window: float | None, end: Any, activity: list[str] | None
) -> None:
    # A log in time order picks each window as a slice found by binary search,
    # and memoises facts about the log: same answers as the mask over the frame.
    log = EventLog(events.sort_values("timestamp", kind="stable"))
    kw: dict[str, Any] = {
        "start": start, "window_days": window, "end": end, "activity_events": activity
    }  # fmt: skip
    for fn in (event_counts, window_activity, event_sequences):
        expected = fn(events, **kw)
        for _ in range(2):  # the second call reads the memo
            pd.testing.assert_frame_equal(fn(log, **kw), expected)


def test_event_counts_known_answer_with_series_start() -> None:
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "c"],
            "event": ["invite", "report", "invite", "invite", "invite"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-03", "2024-01-01"]
            ),
        }
    )
    start = pd.Series(
        pd.to_datetime(["2024-01-02", "2024-01-01", "2024-01-01"]), index=["a", "b", "z"]
    )
    got = event_counts(ev, start=start, window_days=7)
    # by hand: a's window [2 Jan, 9 Jan) holds only the report; b holds one invite;
    # z has no events (zeros); c is not in the universe.
    assert got.index.tolist() == ["a", "b", "z"]
    assert got.to_dict("index") == {
        "a": {"invite": 0, "report": 1},
        "b": {"invite": 1, "report": 0},
        "z": {"invite": 0, "report": 0},
    }


@pytest.mark.parametrize("as_log", [False, True], ids=["frame", "time-ordered-log"])
def test_window_is_half_open_and_end_inclusive(as_log: bool) -> None:
    ev = pd.DataFrame(
        {
            "account_id": ["a"] * 3,
            "event": "x",
            "timestamp": pd.to_datetime(
                ["2024-01-01 00:00", "2024-01-08 00:00", "2024-01-07 23:59"]
            ),
        }
    )
    # The log in time order takes the binary-search path; the frame the mask.
    events: pd.DataFrame | EventLog = EventLog(ev.sort_values("timestamp")) if as_log else ev
    got = window_activity(events, window_days=7)
    assert got.loc["a", "n_events"] == 2  # 8 Jan is exactly start + 7 days: outside
    assert window_activity(events, end="2024-01-07 23:59").loc["a", "n_events"] == 2
    assert window_activity(events, start="2024-01-07").loc["a", "active_days"] == 2
    # By hand: [23:59, 00:00 next day) holds only the 23:59 event; [8 Jan, 9 Jan) only 8 Jan 00:00.
    one_day = window_activity(events, start="2024-01-07 23:59", window_days=1 / 1440)
    assert one_day.loc["a", "n_events"] == 1  # [23:59, 00:00): the start is inside
    assert window_activity(events, start="2024-01-08", window_days=1).loc["a", "n_events"] == 1


def test_bad_window_options() -> None:
    ev = pd.DataFrame(
        {"account_id": ["a"], "event": "x", "timestamp": pd.to_datetime(["2024-01-01"])}
    )
    for bad in (0, -1):
        with pytest.raises(ValueError, match=r"must be positive.\nHint: "):
            event_counts(ev, window_days=bad)
    with pytest.raises(TypeError, match="Hint: "):
        event_counts(ev, activity_events="x")
    with pytest.raises(ValueError, match="Hint: "):
        window_activity(ev, event_col=None, activity_events=["x"])
    dup = pd.Series(pd.to_datetime(["2024-01-01"] * 2), index=["a", "a"])
    with pytest.raises(SchemaError, match="duplicate"):
        event_counts(ev, start=dup)
    missing = pd.Series([pd.NaT], index=["a"], dtype="datetime64[ns]")
    with pytest.raises(SchemaError, match="Hint: "):
        event_counts(ev, start=missing)


# --------------------------------------------------------------------------- invariances


def _all_outputs(events: pd.DataFrame, **kw: Any) -> list[pd.DataFrame]:
    return [
        first_last_seen(events),
        period_activity(events, period="week"),
        period_activity(events, period="month", as_of=T0 + pd.Timedelta(days=40)),
        event_counts(events, window_days=30, **kw),
        window_activity(events, window_days=14, **kw),
        event_sequences(events, window_days=21, **kw),
    ]


@settings(max_examples=15)
@given(events_frames(), st.integers(0, 2**16), st.booleans())
def test_results_do_not_depend_on_row_order(
    events: pd.DataFrame, seed: int, series_start: bool
) -> None:
    kw: dict[str, Any] = {}
    if series_start:
        kw["start"] = pd.Series([T0, T0 + pd.Timedelta(days=3)], index=["a1", "a2"])
    for a, b in zip(
        _all_outputs(events, **kw), _all_outputs(shuffled(events, seed), **kw), strict=True
    ):
        pd.testing.assert_frame_equal(a, b)


@settings(max_examples=10)
@given(events_frames(with_users=True))
def test_inputs_are_not_mutated(events: pd.DataFrame) -> None:
    # tz-aware input (localised from UTC: every instant exists, whatever DST does)
    aware = events["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Europe/Paris")
    events = events.assign(timestamp=aware)
    start = pd.Series([T0, T0 + pd.Timedelta(days=3)], index=["a1", "a2"])
    before, start_before = copy.deepcopy(events), start.copy(deep=True)
    _all_outputs(events, start=start)
    activity_cells(events, period="day", activity_events=["login"])
    pd.testing.assert_frame_equal(events, before)
    pd.testing.assert_series_equal(start, start_before)


def test_categorical_input_with_unused_categories() -> None:
    ids = pd.Categorical(["b", "b"], categories=["a", "b", "c"])
    ev = pd.DataFrame(
        {"account_id": ids, "event": "x", "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09"])}
    )
    assert first_last_seen(ev)["account_id"].astype(str).tolist() == ["b"]
    assert window_activity(ev).index.tolist() == ["b"]  # start=None: only entities seen
    assert period_activity(ev)["account_id"].astype(str).tolist() == ["b", "b"]


def test_empty_input() -> None:
    ev = pd.DataFrame(
        {
            "account_id": pd.Series([], dtype=object),
            "event": pd.Series([], dtype=object),
            "timestamp": pd.Series([], dtype="datetime64[ns]"),
        }
    )
    assert first_last_seen(ev).empty
    assert list(first_last_seen(ev).columns) == [
        "account_id",
        "first_seen",
        "last_seen",
        "n_events",
    ]
    assert list(period_activity(ev).columns) == ["account_id", "period_start", "n_events"]
    assert period_activity(ev).empty
    assert activity_cells(ev).n_events.size == 0
    assert event_counts(ev).empty
    assert window_activity(ev).empty
    assert list(event_sequences(ev).columns) == [
        "account_id",
        "position",
        "event",
        "timestamp",
        "days_since_start",
    ]
    # a universe still gets one (zero) row per entity
    start = pd.Series(pd.to_datetime(["2024-01-01"]), index=["z"])
    assert window_activity(ev, start=start)["n_events"].tolist() == [0]
    assert event_counts(ev, start=start).index.tolist() == ["z"]


def test_series_start_with_ids_of_another_type_is_refused() -> None:
    ev = pd.DataFrame(
        {"account_id": [1, 2], "event": "x", "timestamp": pd.to_datetime(["2024-01-01"] * 2)}
    )
    ok = pd.Series(pd.to_datetime(["2024-01-01"]), index=[1])
    assert event_counts(ev, start=ok).loc[1, "x"] == 1
    as_text = pd.Series(pd.to_datetime(["2024-01-01"]), index=["1"])
    with pytest.raises(SchemaError, match=r"string ids but the events hold integer ids.*\nHint: "):
        window_activity(ev, start=as_text)
