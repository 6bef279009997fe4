"""account_metrics: known answers on a hand log, NaN for missing inputs, properties, bad input.

Every expected number below is counted by hand from the log in ``_log()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoptmetrics import SchemaError
from adoptmetrics.activity._health_users import distinct_users
from adoptmetrics.health import account_metrics
from strategies import accounts_frames, events_frames, shuffled

AS_OF = "2024-03-01"


def _log() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # Current window (2024-01-31, 2024-03-01], previous (2024-01-01, 2024-01-31].
    rows = [
        ("a", "u1", "login", "2024-01-05 10:00"),  # previous window
        ("a", "u2", "report", "2024-01-10 10:00"),  # previous window
        ("a", "u1", "login", "2024-02-10 09:00"),
        ("a", "u3", "report", "2024-02-10 15:00"),
        ("a", "u1", "export", "2024-02-20 09:00"),
        ("a", "u1", "login", "2024-03-05 09:00"),  # after as_of: never read
        ("b", "u9", "search", "2024-02-16 00:00"),
        ("c", "u5", "login", "2023-12-01 00:00"),
        ("d", "u7", "login", "2024-01-20 00:00"),  # d churned before as_of
    ]
    ev = pd.DataFrame(rows, columns=["account_id", "user_id", "event", "timestamp"])
    ev["timestamp"] = pd.to_datetime(ev["timestamp"])
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d", "e", "f"],
            "started_at": pd.to_datetime(
                ["2023-11-01", "2024-02-15", "2023-06-01", "2023-01-01", "2024-04-01", "2023-01-01"]
            ),
            "churned_at": pd.to_datetime(pd.Series([None, None, None, "2024-02-01", None, None])),
            "seats": [4, 0, np.nan, 3, 5, 2],
        }
    )
    nps = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "a"],
            "timestamp": pd.to_datetime(["2024-01-15", "2024-02-15", "2024-02-15", "2024-03-10"]),
            "score": [3, 8, 10, 0],
        }
    )
    return ev, acc, nps


def test_metrics_on_a_hand_log() -> None:
    ev, acc, nps = _log()
    with pytest.warns(UserWarning, match="'seats' is 0 or missing for 2 accounts"):
        m = account_metrics(ev, accounts=acc, nps=nps, as_of=AS_OF)
    m = m.set_index("account_id")
    # d churned before as_of and e starts after it: not measured.
    assert list(m.index) == ["a", "b", "c", "f"]
    a, b, c, f = (m.loc[k] for k in "abcf")
    # a: 3 current events on 2 days by u1, u3; 2 previous events by u1, u2.
    assert a["active_days"] == 2
    assert a["active_users"] == 2
    assert a["seats"] == 4
    assert a["seat_utilization"] == 0.5
    assert a["user_growth"] == 1.0
    assert a["usage_trend"] == 1.5
    # features seen up to as_of: login, report, export, search; a used three.
    assert a["breadth"] == 0.75
    assert a["days_since_active"] == pytest.approx(9 + 15 / 24)
    assert a["nps"] == 9.0  # two answers at the latest time: their mean; 2024-03-10 not read
    assert a["tenure_days"] == 121
    # b: young (started after as_of - 60 d): growth and trend are NaN; seats 0 → NaN.
    assert b["active_days"] == 1
    assert b["active_users"] == 1
    assert np.isnan(b["seat_utilization"])
    assert np.isnan(b["user_growth"])
    assert np.isnan(b["usage_trend"])
    assert b["breadth"] == 0.25
    assert b["days_since_active"] == 14
    assert b["tenure_days"] == 15
    assert np.isnan(b["nps"])
    # c: quiet since December; no users in either window → growth NaN, not 0/0.
    assert c["active_days"] == 0
    assert c["active_users"] == 0
    assert c["breadth"] == 0
    assert np.isnan(c["user_growth"])
    assert np.isnan(c["usage_trend"])
    assert c["days_since_active"] == 91
    assert np.isnan(c["seat_utilization"])
    # f: never active.
    assert f["active_days"] == 0
    assert np.isnan(f["days_since_active"])


def test_missing_inputs_give_nan_columns() -> None:
    ev, _, _ = _log()
    m = account_metrics(ev.drop(columns="user_id"), as_of=AS_OF).set_index("account_id")
    # Without accounts: every account with an event up to as_of (d included).
    assert list(m.index) == ["a", "b", "c", "d"]
    for col in ("active_users", "seats", "seat_utilization", "user_growth", "nps", "tenure_days"):
        assert m[col].isna().all(), col
    # Without a start date the first event stands in: a's (01-05) is after the previous
    # window opened (01-01), so its trend is not measurable.
    assert m["usage_trend"].isna()["a"]
    assert m.loc["a", "active_days"] == 2


def test_features_mapping_and_unknown_features() -> None:
    ev, acc, _ = _log()
    feats = {"reporting": ["report", "export"], "search": ["search"]}
    with pytest.warns(UserWarning, match="is 0 or missing"):
        m = account_metrics(ev, accounts=acc, as_of=AS_OF, features=feats)
    assert m.set_index("account_id")["breadth"].to_dict()["a"] == 0.5
    with pytest.warns(UserWarning, match="never occur"):
        account_metrics(ev, accounts=acc.assign(seats=1), as_of=AS_OF, features=["nope", "login"])


def test_nothing_after_as_of_is_read() -> None:
    ev, acc, nps = _log()
    with pytest.warns(UserWarning, match="is 0 or missing"):
        base = account_metrics(ev, accounts=acc, nps=nps, as_of=AS_OF)
    later = pd.DataFrame(
        {
            "account_id": ["a", "b", "zz"],
            "user_id": ["u8", "u8", "u8"],
            "event": ["brand_new", "login", "login"],
            "timestamp": pd.to_datetime(
                ["2024-03-02 00:00:00", "2024-05-01 00:00:00", "2024-03-01 00:00:01"]
            ),
        }
    )
    more_nps = pd.concat([nps, nps.assign(timestamp=pd.Timestamp("2024-04-01"), score=0)])
    churn_later = acc.assign(churned_at=acc["churned_at"].fillna(pd.Timestamp("2024-06-01")))
    with pytest.warns(UserWarning, match="is 0 or missing"):
        after = account_metrics(
            pd.concat([ev, later]), accounts=churn_later, nps=more_nps, as_of=AS_OF
        )
    pd.testing.assert_frame_equal(base, after)


def test_distinct_users_counts_pairs() -> None:
    # u1 belongs to two accounts: counted once in each (an explicit loop would do the same).
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b", "b"],
            "user_id": ["u1", "u1", "u1", "u2", "u2"],
            "timestamp": pd.to_datetime(["2024-01-01"] * 5),
        }
    )
    assert distinct_users(ev).to_dict() == {"a": 1, "b": 2}


@given(events_frames(with_users=True), accounts_frames(max_rows=12), st.integers(0, 10**6))
def test_shuffled_rows_same_output_and_inputs_untouched(
    ev: pd.DataFrame, acc: pd.DataFrame, seed: int
) -> None:
    ev_copy, acc_copy = ev.copy(), acc.copy()
    as_of = ev["timestamp"].max()
    a = account_metrics(ev, accounts=acc, as_of=as_of)
    b = account_metrics(shuffled(ev, seed), accounts=shuffled(acc, seed + 1), as_of=as_of)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ev, ev_copy)
    pd.testing.assert_frame_equal(acc, acc_copy)
    assert (a["breadth"].between(0, 1)).all()
    assert (a["active_days"] <= 31).all()
    util = a["seat_utilization"].dropna()
    assert np.isfinite(util).all()
    assert (util >= 0).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"window_days": 0}, ValueError, "window_days=0"),
        ({"window_days": "30"}, TypeError, "window_days"),
        ({"features": "login"}, TypeError, "not the string"),
        ({"features": []}, ValueError, "features is empty"),
        ({"as_of": "not a date"}, TypeError, "as_of"),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    ev, acc, _ = _log()
    with pytest.raises(error, match=match):
        account_metrics(ev, accounts=acc.assign(seats=1), **kwargs)  # type: ignore[arg-type]


def test_bad_tables() -> None:
    ev, acc, nps = _log()
    with pytest.raises(SchemaError, match=r"seats.*negative"):
        account_metrics(ev, accounts=acc.assign(seats=[4, -1, 1, 1, 1, 1]))
    with pytest.raises(SchemaError, match="'seats'"):
        account_metrics(ev, accounts=acc.assign(seats="many"))
    with pytest.raises(SchemaError, match="events: column 'timestamp' is missing"):
        account_metrics(ev.drop(columns="timestamp"))
    with pytest.raises(SchemaError, match="nps: column 'score'"):
        account_metrics(ev, nps=nps.assign(score=11))
    with pytest.raises(TypeError, match="events must be a pandas DataFrame"):
        account_metrics([1, 2])
    # seats_col=None: seat measures are NaN, without a warning.
    m = account_metrics(ev, accounts=acc, seats_col=None, as_of=AS_OF)
    assert m["seats"].isna().all()
