"""The data boundary: every error of issue 2 item 3, coercions, and no mutation.

Every SchemaError test checks that the message names the table, the column and
the fix (the text after ``Hint:``); the expected values are written by hand.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

import adoptmetrics as am
from adoptmetrics._schema._validate import (
    SchemaError,
    coerce_as_of,
    coerce_timestamps,
    refuse_future,
    require_rows,
    validate_accounts,
    validate_events,
    validate_expansions,
    validate_mrr,
    validate_nps,
    warn_after_as_of,
)
from strategies import accounts_frames, events_frames, mrr_frames, nps_frames

# 2024-01-01T00:00:00Z and 2024-01-02T00:00:00Z as epoch seconds.
EPOCH_S = np.array([1_704_067_200, 1_704_153_600], dtype=np.int64)
EXPECTED = [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]


def _events(ts: Any, **extra: Any) -> pd.DataFrame:
    n = len(ts)
    return pd.DataFrame(
        {"account_id": [f"a{i}" for i in range(n)], "event": ["x"] * n, "timestamp": ts, **extra}
    )


def _raises(
    call: Callable[[], object], *, table: str, column: str | None, match: str | None = None
) -> SchemaError:
    """Run ``call``; assert a SchemaError naming the table, the column and a fix."""
    with pytest.raises(SchemaError, match=match) as info:
        call()
    err = info.value
    msg = str(err)
    assert isinstance(err, ValueError)
    assert err.table == table
    assert msg.startswith(table)
    if column is not None:
        assert err.column == column
        assert repr(column) in msg
    assert "\nHint: " in msg
    assert len(err.hint) > 10
    assert err.hint in msg
    return err


# --------------------------------------------------------------------------- input type


@pytest.mark.parametrize(
    "validate",
    [validate_events, validate_accounts, validate_nps, validate_mrr, validate_expansions],
)
@pytest.mark.parametrize("bad", [None, [1, 2], {"account_id": ["a"]}, pd.Series([1.0])])
def test_non_dataframe_is_a_type_error(validate: Callable[..., pd.DataFrame], bad: object) -> None:
    with pytest.raises(TypeError, match="must be a pandas DataFrame") as info:
        validate(bad)
    assert "Hint:" in str(info.value)


def test_schema_error_is_exported_and_a_value_error() -> None:
    assert am.SchemaError is SchemaError
    assert issubclass(SchemaError, ValueError)


def test_schema_error_shows_at_most_five_rows() -> None:
    err = SchemaError("events", "account_id", "is bad", "fix it.", rows=list(range(9)))
    assert err.rows == [0, 1, 2, 3, 4]
    assert "0, 1, 2, 3, 4)" in str(err)
    assert "5" not in str(err).split("rows:")[1].split(")")[0]


# --------------------------------------------------------------------------- columns


def test_missing_column_suggests_the_closest_name() -> None:
    df = pd.DataFrame({"acount_id": ["a"], "event": ["x"], "timestamp": ["2024-01-01"]})
    err = _raises(lambda: validate_events(df), table="events", column="account_id")
    assert "did you mean 'acount_id'? Pass account_col='acount_id'" in str(err)
    assert "['acount_id', 'event', 'timestamp']" in str(err)


def test_missing_column_without_a_close_match_names_the_option() -> None:
    df = pd.DataFrame({"account_id": ["a"], "event": ["x"], "when": ["2024-01-01"]})
    err = _raises(lambda: validate_events(df), table="events", column="timestamp")
    assert "pass time_col='<your column>'" in str(err)


@pytest.mark.parametrize(
    ("validate", "frame", "table", "column", "option"),
    [
        (
            validate_accounts,
            {"account_id": ["a"], "start": ["2024-01-01"]},
            "accounts",
            "started_at",
            "start_col",
        ),
        (
            validate_nps,
            {"account_id": ["a"], "scores": [9], "timestamp": ["2024-01-01"]},
            "nps",
            "score",
            "score_col",
        ),
        (
            validate_mrr,
            {"account_id": ["a"], "month": ["2024-01-01"], "revenue": [1.0]},
            "mrr",
            "mrr",
            "mrr_col",
        ),
        (
            validate_events,
            {"account_id": ["a"], "name": ["x"], "timestamp": ["2024-01-01"]},
            "events",
            "event",
            "event_col",
        ),
    ],
)
def test_missing_column_in_every_table(
    validate: Callable[..., pd.DataFrame],
    frame: dict[str, list[Any]],
    table: str,
    column: str,
    option: str,
) -> None:
    err = _raises(lambda: validate(pd.DataFrame(frame)), table=table, column=column)
    assert f"{option}=" in str(err)


def test_missing_churn_column_only_refused_when_required() -> None:
    df = pd.DataFrame({"account_id": ["a"], "started_at": ["2024-01-01"]})
    out = validate_accounts(df)
    assert out["churned_at"].isna().all()
    assert out["churned_at"].dtype == "datetime64[ns]"
    _raises(
        lambda: validate_accounts(df, require_churn=True), table="accounts", column="churned_at"
    )


def test_col_options_rename_to_canonical_names_and_keep_extras() -> None:
    df = pd.DataFrame(
        {
            "org": ["o1", "o2"],
            "what": ["login", "invite"],
            "when": ["2024-01-01", "2024-01-02"],
            "person": ["u1", "u2"],
            "country": ["FR", "DE"],
        }
    )
    out = validate_events(
        df, account_col="org", event_col="what", time_col="when", user_col="person"
    )
    assert list(out.columns) == ["account_id", "event", "timestamp", "user_id", "country"]
    assert out["account_id"].tolist() == ["o1", "o2"]
    assert out["timestamp"].tolist() == EXPECTED
    assert out["user_id"].dtype == "category"


def test_renamed_columns_are_named_by_the_users_name_in_errors() -> None:
    df = pd.DataFrame({"org": ["o1", None], "event": ["x", "y"], "when": ["2024-01-01"] * 2})
    err = _raises(
        lambda: validate_events(df, account_col="org", time_col="when"),
        table="events",
        column="org",
    )
    assert "account_col=" in str(err)
    df2 = pd.DataFrame({"org": ["o1", "o2"], "event": ["x", "y"], "when": ["2024-01-01", "soon"]})
    _raises(
        lambda: validate_events(df2, account_col="org", time_col="when"),
        table="events",
        column="when",
    )


def test_accounts_renaming() -> None:
    df = pd.DataFrame(
        {"id": ["a", "b"], "signup": ["2024-01-01", "2024-01-02"], "lost": [None, "2024-03-01"]}
    )
    out = validate_accounts(df, account_col="id", start_col="signup", churn_col="lost")
    assert list(out.columns) == ["account_id", "started_at", "churned_at"]
    assert out["churned_at"].isna().tolist() == [True, False]


# --------------------------------------------------------------------------- timestamps


def test_timestamps_from_iso_strings() -> None:
    out = validate_events(_events(["2024-01-01", "2024-01-02T00:00:00"]))
    assert out["timestamp"].dtype == "datetime64[ns]"
    assert out["timestamp"].tolist() == EXPECTED


def test_iso_and_unambiguous_day_month_strings_in_one_column() -> None:
    # 25/01 reads only day first, 01/01 the same both ways: nothing is ambiguous.
    out = validate_events(_events(["2024-01-01", "25/01/2024 10:00", "01/01/2024"]))
    assert out["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-25 10:00"),
        pd.Timestamp("2024-01-01"),
    ]


@pytest.mark.parametrize(
    "values",
    [
        ["01/02/2024 10:00", "03/04/2024"],
        # one value reads only day first; 02/01 would still be read two ways
        ["02/01/2024", "16/01/2024"],
        ["02.01.2024", "03.01.2024"],
    ],
)
def test_ambiguous_day_month_strings_are_refused_with_a_hint(values: list[str]) -> None:
    err = _raises(
        lambda: validate_events(_events(values)),
        table="events",
        column="timestamp",
        match="read both as dd/mm and as mm/dd",
    )
    assert err.rows[0] == 0
    assert "dayfirst=True" in err.hint
    assert "time_format" in err.hint


def test_dayfirst_reads_one_convention_for_the_whole_column() -> None:
    values = pd.Series(["02/01/2024", "16/01/2024", "03/02/2024 14:30"])
    day = coerce_timestamps(values, table="events", column="ts", dayfirst=True)
    assert day.tolist() == [
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-16"),
        pd.Timestamp("2024-02-03 14:30"),
    ]
    month = coerce_timestamps(values.iloc[[0, 2]], table="events", column="ts", dayfirst=False)
    assert month.tolist() == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-02 14:30")]


def test_dayfirst_reads_values_of_several_shapes() -> None:
    # The first value's format is the fast path; other shapes are read one by one.
    values = pd.Series(["02/01/2024", "3/1/24", "16/01/2024 10:00:05", "17.01.2024"])
    out = coerce_timestamps(values, table="events", column="ts", dayfirst=True)
    assert out.tolist() == [
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-03"),
        pd.Timestamp("2024-01-16 10:00:05"),
        pd.Timestamp("2024-01-17"),
    ]


def test_dayfirst_false_refuses_a_day_first_value() -> None:
    err = _raises(
        lambda: coerce_timestamps(
            pd.Series(["02/01/2024", "16/01/2024"]), table="events", column="ts", dayfirst=False
        ),
        table="events",
        column="ts",
        match="not timestamps",
    )
    assert err.rows == [1]


def test_mixed_day_first_and_month_first_values_are_refused() -> None:
    _raises(
        lambda: coerce_timestamps(
            pd.Series(["16/01/2024", "01/16/2024"]), table="events", column="ts"
        ),
        table="events",
        column="ts",
        match="mixes dd/mm dates",
    )


def test_time_format_is_used_for_every_value() -> None:
    out = coerce_timestamps(
        pd.Series(["02/01/2024 10:00", "16/01/2024 11:00"]),
        table="events",
        column="ts",
        time_format="%d/%m/%Y %H:%M",
    )
    assert out.tolist() == [pd.Timestamp("2024-01-02 10:00"), pd.Timestamp("2024-01-16 11:00")]
    err = _raises(
        lambda: coerce_timestamps(
            pd.Series(["2024-01-02"]), table="events", column="ts", time_format="%d/%m/%Y"
        ),
        table="events",
        column="ts",
        match="not timestamps",
    )
    assert "%d/%m/%Y" in err.hint


@pytest.mark.parametrize(("option", "value"), [("dayfirst", "yes"), ("time_format", "iso")])
def test_bad_time_options_are_type_errors(option: str, value: Any) -> None:
    options: dict[str, Any] = {option: value}
    with pytest.raises(TypeError, match="Hint:"):
        coerce_timestamps(pd.Series(["2024-01-01"]), table="events", column="ts", **options)


@pytest.mark.parametrize(
    ("unit", "factor"), [("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)]
)
def test_timestamps_from_epoch_numbers(unit: str, factor: int) -> None:
    out = validate_events(_events(EPOCH_S * factor))
    assert out["timestamp"].dtype == "datetime64[ns]", unit
    assert out["timestamp"].tolist() == EXPECTED


def test_epoch_float_seconds_keep_fractions() -> None:
    out = validate_events(_events(EPOCH_S.astype(float) + 0.5))
    assert out["timestamp"].tolist() == [t + pd.Timedelta("500ms") for t in EXPECTED]


def test_epoch_numbers_out_of_range() -> None:
    _raises(
        lambda: validate_events(_events([1e30, 1.0])),
        table="events",
        column="timestamp",
        match="too large",
    )


def test_tz_aware_datetime_column_is_converted_to_utc_naive() -> None:
    local = pd.to_datetime(["2024-01-01 01:00", "2024-07-01 02:00"]).tz_localize("Europe/Paris")
    out = validate_events(_events(local))
    assert out["timestamp"].dtype == "datetime64[ns]"
    # Paris is UTC+1 in winter and UTC+2 in summer.
    assert out["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01 00:00"),
        pd.Timestamp("2024-07-01 00:00"),
    ]


def test_tz_aware_strings_with_one_offset_are_converted_to_utc() -> None:
    out = validate_events(_events(["2024-01-01T00:00+01:00", "2024-01-01T05:00+01:00"]))
    assert out["timestamp"].tolist() == [
        pd.Timestamp("2023-12-31 23:00"),
        pd.Timestamp("2024-01-01 04:00"),
    ]


def test_z_and_zero_offset_are_the_same_zone() -> None:
    out = validate_events(_events(["2024-01-01T00:00Z", "2024-01-01T05:00+00:00"]))
    assert out["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01 00:00"),
        pd.Timestamp("2024-01-01 05:00"),
    ]


def test_python_datetimes_of_one_zone_are_accepted_across_dst() -> None:
    values = pd.Series(
        [
            pd.Timestamp("2024-01-01", tz="Europe/Paris"),
            pd.Timestamp("2024-07-01", tz="Europe/Paris"),
        ],
        dtype=object,
    )
    out = validate_events(_events(values))
    assert out["timestamp"].tolist() == [
        pd.Timestamp("2023-12-31 23:00"),
        pd.Timestamp("2024-06-30 22:00"),
    ]


def test_berlin_offsets_across_daylight_saving_are_exact_instants() -> None:
    # Berlin switches from +01:00 to +02:00 at 2024-03-31 02:00 local (01:00 UTC).
    values = ["2024-03-31T01:30:00+01:00", "2024-03-31T03:30:00+02:00", "2024-07-01T12:00+02:00"]
    out = validate_events(_events(values))
    assert out["timestamp"].tolist() == [
        pd.Timestamp("2024-03-31 00:30"),
        pd.Timestamp("2024-03-31 01:30"),
        pd.Timestamp("2024-07-01 10:00"),
    ]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(
            [
                pd.Timestamp("2024-01-01", tz="Europe/Paris"),
                pd.Timestamp("2024-01-01", tz="America/New_York"),
            ],
            dtype=object,
        ),
        [
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ],
    ],
    ids=["timestamps", "datetimes"],
)
def test_aware_values_of_several_zones_are_converted_to_utc(values: Any) -> None:
    out = validate_events(_events(values))
    # Paris midnight is 23:00 UTC the day before, New York midnight 05:00 UTC.
    expected = pd.Timedelta(hours=6) if isinstance(values, pd.Series) else pd.Timedelta(hours=5)
    assert out["timestamp"].iloc[1] - out["timestamp"].iloc[0] == expected


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-01T00:00+01:00", "2024-01-01T00:00"],
        [dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2024, 1, 1)],
    ],
    ids=["strings", "datetimes"],
)
def test_tz_aware_mixed_with_naive_is_refused(values: Any) -> None:
    err = _raises(
        lambda: validate_events(_events(values)),
        table="events",
        column="timestamp",
        match="mixes time-zone-aware and naive",
    )
    assert err.rows == [1]


def test_unparseable_strings_are_refused_with_examples_and_rows() -> None:
    df = _events(["2024-01-01", "yesterday", "2024-01-03", "soon"])
    err = _raises(
        lambda: validate_events(df), table="events", column="timestamp", match="not timestamps"
    )
    assert err.rows == [1, 3]
    assert "'yesterday'" in str(err)
    assert "pd.to_datetime" in err.hint


def test_boolean_timestamps_are_refused() -> None:
    _raises(
        lambda: validate_events(_events([True, False])),
        table="events",
        column="timestamp",
        match="booleans",
    )


def test_missing_timestamps_are_refused() -> None:
    err = _raises(
        lambda: validate_events(_events(["2024-01-01", None])), table="events", column="timestamp"
    )
    assert err.rows == [1]


def test_other_datetime_units_become_nanoseconds() -> None:
    out = validate_events(_events(np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[s]")))
    assert out["timestamp"].dtype == "datetime64[ns]"
    assert out["timestamp"].tolist() == EXPECTED


def test_coerce_as_of() -> None:
    assert coerce_as_of(None, pd.Timestamp("2024-01-01")) == pd.Timestamp("2024-01-01")
    assert coerce_as_of("2024-01-01T01:00+01:00", None) == pd.Timestamp("2024-01-01")
    with pytest.raises(ValueError, match="Hint:"):
        coerce_as_of(None, None)
    with pytest.raises(TypeError, match="Hint:"):
        coerce_as_of("not a date", None)
    with pytest.raises(ValueError, match="Hint:"):
        coerce_as_of(pd.NaT, None)


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("validate", "frame", "table"),
    [
        (
            validate_events,
            {"account_id": ["a", None], "event": ["x", "y"], "timestamp": ["2024-01-01"] * 2},
            "events",
        ),
        (
            validate_accounts,
            {"account_id": ["a", np.nan], "started_at": ["2024-01-01"] * 2},
            "accounts",
        ),
        (
            validate_nps,
            {"account_id": ["a", None], "score": [1, 2], "timestamp": ["2024-01-01"] * 2},
            "nps",
        ),
        (
            validate_mrr,
            {"account_id": [None, "a"], "month": ["2024-01-01"] * 2, "mrr": [1.0, 2.0]},
            "mrr",
        ),
        (
            validate_expansions,
            {"account_id": ["a", None], "timestamp": ["2024-01-01"] * 2},
            "expansions",
        ),
    ],
)
def test_null_ids_are_refused(
    validate: Callable[..., pd.DataFrame], frame: dict[str, list[Any]], table: str
) -> None:
    err = _raises(
        lambda: validate(pd.DataFrame(frame)), table=table, column="account_id", match="missing ids"
    )
    assert len(err.rows) == 1


def test_null_user_ids_are_refused() -> None:
    df = _events(["2024-01-01", "2024-01-02"], user_id=["u1", None])
    _raises(lambda: validate_events(df, user_col="user_id"), table="events", column="user_id")


def test_null_event_names_are_refused() -> None:
    df = pd.DataFrame(
        {"account_id": ["a", "b"], "event": ["x", None], "timestamp": ["2024-01-01"] * 2}
    )
    err = _raises(
        lambda: validate_events(df), table="events", column="event", match="missing event"
    )
    assert err.rows == [1]


@pytest.mark.parametrize("ids", [["a", "b", "a"], [3, 1, 3], pd.Categorical(["a", "b", "a"])])
def test_ids_become_categorical(ids: Any) -> None:
    df = pd.DataFrame(
        {"account_id": ids, "event": ["x", "y", "x"], "timestamp": ["2024-01-01"] * 3}
    )
    out = validate_events(df)
    assert isinstance(out["account_id"].dtype, pd.CategoricalDtype)
    assert isinstance(out["event"].dtype, pd.CategoricalDtype)
    assert out["account_id"].astype(object).tolist() == list(ids)


def test_duplicate_accounts_are_refused() -> None:
    df = pd.DataFrame({"account_id": ["a", "b", "a"], "started_at": ["2024-01-01"] * 3})
    err = _raises(
        lambda: validate_accounts(df), table="accounts", column="account_id", match="duplicate"
    )
    assert err.rows == [2]
    assert "drop_duplicates" in err.hint


def test_churn_before_start_is_refused() -> None:
    df = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "started_at": ["2024-01-01", "2024-03-01", "2024-03-01"],
            "churned_at": ["2024-02-01", "2024-02-01", "2024-03-01"],
        }
    )
    err = _raises(
        lambda: validate_accounts(df), table="accounts", column="churned_at", match="earlier"
    )
    assert err.rows == [1]  # churn on the start day (row 2) is allowed


def test_churn_before_start_names_the_users_column() -> None:
    df = pd.DataFrame({"id": ["a"], "s": ["2024-03-01"], "lost": ["2024-01-01"]})
    _raises(
        lambda: validate_accounts(df, account_col="id", start_col="s", churn_col="lost"),
        table="accounts",
        column="lost",
    )


def test_missing_start_dates_are_refused() -> None:
    df = pd.DataFrame({"account_id": ["a", "b"], "started_at": ["2024-01-01", None]})
    _raises(lambda: validate_accounts(df), table="accounts", column="started_at", match="missing")


@pytest.mark.parametrize("missing", [None, np.nan, pd.NaT])
def test_missing_churn_dates_mean_active(missing: Any) -> None:
    df = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "started_at": ["2024-01-01"] * 2,
            "churned_at": [missing, "2024-02-01"],
        }
    )
    out = validate_accounts(df)
    assert out["churned_at"].dtype == "datetime64[ns]"
    assert out["churned_at"].isna().tolist() == [True, False]


# --------------------------------------------------------------------------- nps


def _nps(scores: Any) -> pd.DataFrame:
    n = len(scores)
    return pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "score": scores,
            "timestamp": ["2024-01-01"] * n,
        }
    )


@pytest.mark.parametrize("scores", [[-1, 5], [5, 11], [5, 100], [5, np.inf]])
def test_nps_scores_outside_0_to_10(scores: list[float]) -> None:
    err = _raises(
        lambda: validate_nps(_nps(scores)), table="nps", column="score", match="outside 0–10"
    )
    assert err.rows == ([0] if scores[0] == -1 else [1])


def test_nps_non_integer_scores() -> None:
    err = _raises(
        lambda: validate_nps(_nps([9.0, 7.5])), table="nps", column="score", match="non-integer"
    )
    assert err.rows == [1]


@pytest.mark.parametrize("scores", [[9, None], [9.0, np.nan], pd.array([9, None], dtype="Int64")])
def test_nps_missing_scores(scores: Any) -> None:
    err = _raises(
        lambda: validate_nps(_nps(scores)), table="nps", column="score", match="missing scores"
    )
    assert err.rows == [1]


@pytest.mark.parametrize("scores", [["9", "10"], [True, False], pd.Categorical([9, 10])])
def test_nps_wrong_dtype(scores: Any) -> None:
    err = _raises(lambda: validate_nps(_nps(scores)), table="nps", column="score", match="dtype")
    assert "pd.to_numeric" in err.hint


def test_nps_float_whole_numbers_become_int64() -> None:
    out = validate_nps(_nps([9.0, 0.0, 10.0]))
    assert out["score"].dtype == np.int64
    assert out["score"].tolist() == [9, 0, 10]


def test_nps_renaming_and_optional_time() -> None:
    df = pd.DataFrame({"org": ["a"], "answer": [8]})
    out = validate_nps(df, account_col="org", score_col="answer", time_col=None)
    assert list(out.columns) == ["account_id", "score"]
    err = _raises(
        lambda: validate_nps(
            pd.DataFrame({"org": ["a"], "answer": [11]}),
            account_col="org",
            score_col="answer",
            time_col=None,
        ),
        table="nps",
        column="answer",
    )
    assert "0–10" in str(err)


# --------------------------------------------------------------------------- mrr


def _mrr(values: Any, months: Any = None) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "account_id": ["a"] * n,
            "month": months if months is not None else [f"2024-{m + 1:02d}-01" for m in range(n)],
            "mrr": values,
        }
    )


@pytest.mark.parametrize("values", [[10.0, -1.0], [10.0, np.nan], [10.0, np.inf]])
def test_mrr_negative_missing_or_infinite(values: list[float]) -> None:
    err = _raises(lambda: validate_mrr(_mrr(values)), table="mrr", column="mrr")
    assert err.rows == [1]
    assert "non-negative" in err.hint


def test_mrr_wrong_dtype() -> None:
    _raises(lambda: validate_mrr(_mrr(["10", "20"])), table="mrr", column="mrr", match="dtype")


def test_mrr_duplicate_account_months_are_refused() -> None:
    # Two dates in the same calendar month are the same account-month.
    df = _mrr([10.0, 20.0], months=["2024-01-01", "2024-01-15"])
    err = _raises(
        lambda: validate_mrr(df), table="mrr", column="account_id × month", match="duplicate"
    )
    assert err.rows == [1]
    assert "groupby" in err.hint


def test_mrr_months_are_normalised_to_month_start() -> None:
    out = validate_mrr(_mrr([1.0, 2.0], months=["2024-01-15", "2024-02-29 13:00"]))
    assert out["month"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert out["mrr"].dtype == np.float64


# --------------------------------------------------------------------------- empty tables


@pytest.mark.parametrize(
    ("validate", "columns"),
    [
        (validate_events, ["account_id", "event", "timestamp"]),
        (validate_accounts, ["account_id", "started_at", "churned_at"]),
        (validate_nps, ["account_id", "score", "timestamp"]),
        (validate_mrr, ["account_id", "month", "mrr"]),
        (validate_expansions, ["account_id", "timestamp"]),
    ],
)
def test_empty_tables_with_the_columns_are_valid_and_typed(
    validate: Callable[..., pd.DataFrame], columns: list[str]
) -> None:
    out = validate(pd.DataFrame({c: [] for c in columns}))
    assert len(out) == 0
    assert isinstance(out["account_id"].dtype, pd.CategoricalDtype)
    for col in ("timestamp", "started_at", "churned_at", "month"):
        if col in out.columns:
            assert out[col].dtype == "datetime64[ns]"


def test_empty_table_without_columns_names_the_missing_column() -> None:
    _raises(lambda: validate_events(pd.DataFrame()), table="events", column="account_id")


# --------------------------------------------------------------------------- no mutation


def _assert_unchanged(before: pd.DataFrame, after: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(before, after)
    assert list(before.columns) == list(after.columns)
    assert before.dtypes.equals(after.dtypes)


@given(events_frames(with_users=True))
def test_validate_events_does_not_mutate(events: pd.DataFrame) -> None:
    events = events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    before = copy.deepcopy(events)
    out = validate_events(events, user_col="user_id")
    _assert_unchanged(before, events)
    assert out is not events
    assert out["timestamp"].tolist() == pd.to_datetime(before["timestamp"]).tolist()


@given(accounts_frames())
def test_validate_accounts_does_not_mutate(accounts: pd.DataFrame) -> None:
    before = copy.deepcopy(accounts)
    out = validate_accounts(accounts)
    _assert_unchanged(before, accounts)
    assert out["account_id"].astype(str).tolist() == before["account_id"].tolist()
    assert list(out.columns) == ["account_id", "started_at", "churned_at", "plan", "seats"]


@given(nps_frames())
def test_validate_nps_does_not_mutate(nps: pd.DataFrame) -> None:
    nps = nps.assign(score=nps["score"].astype(float))
    before = copy.deepcopy(nps)
    out = validate_nps(nps)
    _assert_unchanged(before, nps)
    assert out["score"].tolist() == before["score"].astype(int).tolist()


@given(mrr_frames())
def test_validate_mrr_does_not_mutate(mrr: pd.DataFrame) -> None:
    before = copy.deepcopy(mrr)
    validate_mrr(mrr)
    _assert_unchanged(before, mrr)


def test_tz_aware_and_categorical_inputs_are_not_mutated() -> None:
    df = pd.DataFrame(
        {
            "account_id": pd.Categorical(["a", "b"]),
            "event": pd.Categorical(["x", "y"]),
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("Asia/Tokyo"),
        }
    )
    before = copy.deepcopy(df)
    out = validate_events(df)
    out.loc[0, "timestamp"] = pd.Timestamp(
        "2000-01-01"
    )  # writing the result leaves the input alone
    _assert_unchanged(before, df)


def test_error_paths_do_not_mutate() -> None:
    df = pd.DataFrame({"account_id": ["a", "a"], "started_at": [1_704_067_200, 1_704_153_600]})
    before = copy.deepcopy(df)
    with pytest.raises(SchemaError):
        validate_accounts(df)
    _assert_unchanged(before, df)


# --------------------------------------------------------------------------- future rows, header


def test_default_as_of_later_than_now_is_refused() -> None:
    with pytest.raises(SchemaError, match="later than the moment of this call") as info:
        coerce_as_of(None, pd.Timestamp("2099-01-01"), table="events", column="timestamp")
    assert info.value.table == "events"
    assert "as_of=" in info.value.hint
    # an explicit as_of is the caller's choice: accepted even in the future
    assert coerce_as_of("2099-01-01", pd.Timestamp("2099-01-01")) == pd.Timestamp("2099-01-01")
    assert coerce_as_of(None, pd.Timestamp("2024-01-01")) == pd.Timestamp("2024-01-01")


def test_refuse_future_names_the_rows() -> None:
    ts = pd.Series(pd.to_datetime(["2024-01-01", "2099-01-01", "2024-02-01", "2099-01-01"]))
    with pytest.raises(SchemaError, match="2 timestamps later") as info:
        refuse_future(ts, table="events", column="ts")
    assert info.value.rows == [1, 3]
    assert info.value.column == "ts"
    refuse_future(ts.iloc[[0, 2]], table="events", column="ts")  # nothing later: no error


def test_rows_after_as_of_are_counted_in_a_warning() -> None:
    ts = pd.Series(pd.to_datetime(["2024-01-01", "2099-01-01", "2024-02-01"]))
    with pytest.warns(UserWarning, match="events: 1 rows have 'ts' after as_of"):
        later = warn_after_as_of(ts, pd.Timestamp("2024-06-30"), table="events", column="ts")
    assert later.tolist() == [False, True, False]


@pytest.mark.parametrize(
    "validate", [validate_events, validate_accounts, validate_nps, validate_mrr]
)
def test_duplicate_column_names_are_a_schema_error(
    validate: Callable[..., pd.DataFrame],
) -> None:
    df = pd.DataFrame(
        [["a", "2024-01-01", "2024-01-02", 1, "x"]],
        columns=["account_id", "timestamp", "timestamp", "score", "event"],
    )
    df = df.assign(started_at="2024-01-01", month="2024-01-01", mrr=1.0)
    df.columns = [*df.columns[:-4], "account_id", "started_at", "month", "mrr"]
    with pytest.raises(SchemaError, match="appears 2 times"):
        validate(df)


def test_duplicate_time_column_in_coerce_timestamps() -> None:
    df = pd.DataFrame([["2024-01-01", "2024-01-02"]], columns=["ts", "ts"])
    with pytest.raises(SchemaError, match="'ts' appears 2 times"):
        coerce_timestamps(df["ts"], table="events", column="ts")


def test_header_only_table_has_no_rows() -> None:
    with pytest.raises(SchemaError, match="no rows") as info:
        require_rows(pd.DataFrame({"account_id": []}), "accounts")
    assert info.value.table == "accounts"
    require_rows(pd.DataFrame({"account_id": ["a"]}), "accounts")


def test_duplicate_accounts_are_counted_once_per_extra_row() -> None:
    # rows 2 and 4 repeat 'a'; row 3 repeats 'b': three extra rows (counted by hand)
    df = pd.DataFrame(
        {"account_id": ["a", "b", "a", "b", "a", "c"], "started_at": ["2024-01-01"] * 6}
    )
    err = _raises(
        lambda: validate_accounts(df), table="accounts", column="account_id", match="3 duplicate"
    )
    assert err.rows == [2, 3, 4]


def test_validated_account_ids_are_sorted_categories_and_keep_the_rows() -> None:
    df = pd.DataFrame({"account_id": ["c", "a", "b"], "started_at": ["2024-01-01"] * 3})
    out = validate_accounts(df.astype({"account_id": "str"}))
    assert list(out["account_id"].cat.categories) == ["a", "b", "c"]
    assert out["account_id"].astype(object).tolist() == ["c", "a", "b"]
    null = df.assign(account_id=pd.Series(["c", None, "b"], dtype=object))
    _raises(lambda: validate_accounts(null), table="accounts", column="account_id", match="missing")


def test_arrow_ids_in_many_chunks_encode_like_pandas() -> None:
    """Chunked Arrow strings (as read from Parquet row groups) skip the dictionary
    unification only when the chunks share one dictionary; the codes match pandas'
    own sorted categorical either way."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    from adoptmetrics._schema._frames import _one_dictionary, encode_ids

    rng = np.random.default_rng(3)
    values = [f"u{v}" for v in rng.integers(0, 500, size=5000)]
    chunked = pa.chunked_array([values[i : i + 700] for i in range(0, 5000, 700)])
    series = pd.Series(pd.arrays.ArrowStringArray(chunked))
    out, nulls = encode_ids(series)
    assert nulls == 0
    expected = pd.Series(values).astype("category")
    assert list(out.cat.categories) == list(expected.cat.categories)
    assert out.astype(object).tolist() == values
    # separately encoded chunks have different dictionaries: they are unified
    separate = pa.chunked_array([pc.dictionary_encode(pa.array(c)) for c in (["b", "a"], ["c"])])
    one = _one_dictionary(separate)
    decoded = [
        chunk.dictionary[j].as_py() for chunk in one.chunks for j in chunk.indices.to_pylist()
    ]
    assert decoded == ["b", "a", "c"]
    assert all(len(c.dictionary) == 3 for c in one.chunks)


def _log_with_a_placeholder_date() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b"],
            "event": "login",
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02", "2099-01-01"]),
        }
    )


def test_explicit_as_of_ignores_future_rows_with_a_warning() -> None:
    import adoptmetrics as am

    ev = _log_with_a_placeholder_date()
    with pytest.raises(SchemaError, match="later than the moment of this call"):
        am.cohort_retention(ev)
    with pytest.warns(UserWarning, match=r"up to 2099-01-01.*rows after as_of=2024-01-31"):
        out = am.cohort_retention(ev, as_of="2024-01-31")
    # The same numbers as without the placeholder row.
    clean = am.cohort_retention(ev.iloc[:3], as_of="2024-01-31")
    pd.testing.assert_frame_equal(out, clean)


def test_explicit_as_of_before_past_rows_does_not_warn() -> None:
    # A backtest's cutoff: later rows are history, not future-dated data.
    import warnings

    import adoptmetrics as am

    ev = _log_with_a_placeholder_date().iloc[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        am.cohort_retention(ev, as_of="2024-01-05")
        am.account_metrics(ev, as_of="2024-01-05")


# --------------------------------------------------------------------------- parallel columns


@given(events_frames(with_users=True))
def test_events_columns_encoded_in_threads_match_one_by_one(events: pd.DataFrame) -> None:
    # Large tables encode their columns in threads: the same frame as in order.
    import adoptmetrics._schema._parallel as v

    serial = validate_events(events, user_col="user_id")
    old = v.PARALLEL_ROWS
    v.PARALLEL_ROWS = 0
    try:
        threaded = validate_events(events, user_col="user_id")
    finally:
        v.PARALLEL_ROWS = old
    pd.testing.assert_frame_equal(threaded, serial)


def test_threaded_columns_raise_the_first_problem_in_column_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Null account ids, bad timestamps and null users at once: the account column
    # is reported, as when the columns are checked one by one.
    import adoptmetrics._schema._parallel as v

    monkeypatch.setattr(v, "PARALLEL_ROWS", 0)
    ev = pd.DataFrame(
        {
            "account_id": ["a", None],
            "event": ["x", None],
            "timestamp": ["2024-01-01", "not a time"],
            "user_id": ["u", None],
        }
    )
    with pytest.raises(am.SchemaError, match="account_id"):
        validate_events(ev, user_col="user_id")
    with pytest.raises(am.SchemaError, match="timestamp"):
        validate_events(ev.assign(account_id="a"), user_col="user_id")
    with pytest.raises(am.SchemaError, match="missing event names"):
        validate_events(ev.assign(account_id="a", timestamp="2024-01-01"), user_col="user_id")
    with pytest.raises(am.SchemaError, match="user_id"):
        validate_events(
            ev.assign(account_id="a", timestamp="2024-01-01", event="x"), user_col="user_id"
        )
