"""Bad inputs at the engine boundary and the EventLog contract."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import adoptmetrics as am
from adoptmetrics._schema._frames import encode_ids
from adoptmetrics.activity import activity_cells, first_last_seen

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")


def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org": ["a", "a", "b", "c", "b"],
            "who": ["u1", "u2", "u3", "u4", "u3"],
            "what": ["login", "report", "login", "login", "report"],
            "ts": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-09 00:00",
                    "2024-01-02 00:00",
                    "2024-02-01 00:00",
                    "2024-02-20 00:00",
                ]
            ),
        }
    )


COLS = {"account_col": "org", "time_col": "ts", "event_col": "what", "user_col": "who"}


def test_a_frame_narwhals_cannot_read_is_a_type_error_with_a_hint() -> None:
    with pytest.raises(TypeError, match=r"(?s)events must be a pandas DataFrame.*Hint: .*EventLog"):
        am.cohort_retention({"account_id": ["a"]})


@pytest.mark.parametrize("make", [lambda e: pl.from_pandas(e).lazy(), duckdb.from_df])
def test_a_lazy_frame_missing_a_column_fails_before_any_query(make: object) -> None:
    lazy = make(events())  # type: ignore[operator]
    missing = r"(?s)column 'timestamp' is missing.*Hint: .*time_col"
    with pytest.raises(am.SchemaError, match=missing):
        am.cohort_retention(lazy, account_col="org")
    with pytest.raises(am.SchemaError, match="did you mean 'org'"):
        first_last_seen(lazy, account_col="orgs", time_col="ts")


def test_a_lazy_frame_with_null_ids_is_refused() -> None:
    ev = events().assign(org=pd.Series(["a", None, "b", "c", "b"], dtype=object))
    with pytest.raises(am.SchemaError, match="1 missing ids"):
        activity_cells(pl.from_pandas(ev).lazy(), account_col="org", time_col="ts", event_col=None)


def test_eventlog_conflicting_column_options_name_the_fix() -> None:
    log: Any = am.EventLog(events(), **COLS)
    with pytest.raises(ValueError, match=r"(?s)account_col='x' conflicts.*Hint: drop account_col"):
        am.cohort_retention(log, account_col="x")
    with pytest.raises(ValueError, match="time_col='when' conflicts"):
        am.lapse_table(log, time_col="when")
    # The log's own names and the canonical defaults are both fine.
    a = am.cohort_retention(log, account_col="org", time_col="ts")
    b = am.cohort_retention(log)
    pd.testing.assert_frame_equal(a, b)


def test_eventlog_matches_the_frame_and_reads_users() -> None:
    ev = events()
    log: Any = am.EventLog(ev, **COLS)
    want = am.cohort_retention(ev, account_col="org", time_col="ts", event_col="what")
    pd.testing.assert_frame_equal(am.cohort_retention(log), want)
    users = first_last_seen(log, level="user")
    assert list(users["user_id"].astype(str)) == ["u1", "u2", "u3", "u4"]
    assert len(log) == 5
    assert "org" in repr(log)
    pd.testing.assert_frame_equal(ev, events())  # input never mutated


def test_eventlog_as_of_drops_later_events_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="1 events after as_of"):
        log = am.EventLog(events(), **COLS, as_of="2024-02-10")
    assert len(log) == 4
    lazy = duckdb.from_df(events())
    with pytest.warns(UserWarning, match="1 events after as_of"):
        llog = am.EventLog(lazy, **COLS, as_of="2024-02-10")
    assert len(llog) == 4


def test_eventlog_shares_cells_read_only() -> None:
    log: Any = am.EventLog(events(), **COLS)
    cells = activity_cells(log, period="week")
    assert activity_cells(log, period="week") is cells
    with pytest.raises(ValueError, match="read-only"):
        cells.n_events[0] = 5


def test_an_eventlog_of_an_eventlog_is_refused() -> None:
    log = am.EventLog(events(), **COLS)
    with pytest.raises(TypeError, match="already an EventLog"):
        am.EventLog(log)


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", "b", "c"],
        pd.array(["b", "a", "b", "c"], dtype="string[pyarrow]"),
        pd.Series(["b", "a", "b", "c"]).astype(pd.ArrowDtype(pa.string())),
        [3, 1, 3, 2],
    ],
)
def test_encode_ids_sorts_categories_on_every_route(values: object) -> None:
    s = pd.Series(values)
    out, nulls = encode_ids(s)
    assert nulls == 0
    assert list(out.cat.categories) == sorted(set(s))
    assert list(out.astype(object)) == list(s.astype(object))


def test_encode_ids_identity_route_counts_nulls_and_merges_equal_strings() -> None:
    # Many rows sharing few objects (the identity route), plus equal strings
    # held by distinct objects and a null.
    base = np.array(["x", "y", "z"], dtype=object)
    values = base[np.arange(200_000) % 3]
    values[5] = "".join(["x"])  # equal value, distinct object
    out, nulls = encode_ids(pd.Series(values))
    assert nulls == 0
    assert list(out.cat.categories) == ["x", "y", "z"]
    assert (out.astype(object).to_numpy() == values).all()
    values[7] = None
    assert encode_ids(pd.Series(values, dtype=object))[1] == 1


def test_retention_on_a_duckdb_relation_collects_no_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """cohort_retention and retention_curve reduce in DuckDB: the events are never
    collected one by one (engine_raw is what would collect them)."""
    from adoptmetrics.activity import _encode

    def refuse(*args: object, **kwargs: object) -> Any:
        raise AssertionError("the events were collected")

    monkeypatch.setattr(_encode, "engine_raw", refuse)
    frame = events()
    con = duckdb.connect()
    rel = con.from_df(frame)
    for fn in (am.cohort_retention, am.retention_curve):
        got = fn(rel, account_col="org", time_col="ts", period="week")
        expected = fn(frame, account_col="org", time_col="ts", period="week")
        pd.testing.assert_frame_equal(got, expected)
    log = am.EventLog(rel, account_col="org", time_col="ts", event_col="what", user_col="who")
    pd.testing.assert_frame_equal(
        am.cohort_retention(log, period="month"),
        am.cohort_retention(frame, account_col="org", time_col="ts", period="month"),
    )
