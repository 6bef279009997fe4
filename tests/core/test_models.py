"""Records: every validator of Account, Event, NPSResponse and Milestone, and round trips.

(Trigger's validators are tested with the expansion module.) Expected values
are written by hand; the round trips are hypothesis properties.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoptmetrics import SchemaError
from adoptmetrics.models import Account, Event, Milestone, NPSResponse, from_frame, to_frame

T0 = pd.Timestamp("2024-01-01")
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=8)
optional_text = st.one_of(st.none(), st.sampled_from(["basic", "pro", "enterprise", "é ü"]))
timestamps = st.integers(0, 3 * 365 * 86_400).map(lambda s: T0 + pd.Timedelta(seconds=s))


@st.composite
def accounts(draw: st.DrawFn, *, attribute_keys: tuple[str, ...] = ()) -> Account:
    start = draw(timestamps)
    churn_days = draw(st.one_of(st.none(), st.integers(0, 900)))
    return Account(
        draw(ids),
        started_at=start,
        churned_at=None if churn_days is None else start + pd.Timedelta(days=churn_days),
        plan=draw(optional_text),
        industry=draw(optional_text),
        seats=draw(st.one_of(st.none(), st.integers(0, 5000))),
        mrr=draw(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))),
        attributes={k: draw(st.sampled_from(["EU", "US", "APAC"])) for k in attribute_keys},
    )


events = st.builds(
    Event,
    account_id=ids,
    event=st.sampled_from(["login", "invite", "report"]),
    timestamp=timestamps,
    user_id=st.one_of(st.none(), ids),
)
responses = st.builds(
    NPSResponse,
    account_id=ids,
    score=st.integers(0, 10),
    timestamp=st.one_of(st.none(), timestamps),
    user_id=st.one_of(st.none(), ids),
)
milestones = st.builds(
    Milestone, name=ids, event=st.sampled_from(["invite", "report"]), min_count=st.integers(1, 20)
)


# --------------------------------------------------------------------------- Account


def test_account_parses_timestamps_and_converts_time_zones() -> None:
    acc = Account("a", started_at="2024-01-05T10:00+02:00", churned_at=dt.date(2024, 3, 1))
    assert acc.started_at == pd.Timestamp("2024-01-05 08:00")
    assert acc.started_at.tzinfo is None
    assert acc.churned_at == pd.Timestamp("2024-03-01")


@pytest.mark.parametrize("missing", [None, pd.NaT, float("nan")])
def test_account_missing_churn_means_active(missing: Any) -> None:
    assert Account("a", "2024-01-01", churned_at=missing).churned_at is None


def test_account_churn_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match=r"churned_at .* is before started_at .*\nHint: "):
        Account("a", started_at="2024-03-01", churned_at="2024-02-29")


def test_account_churn_on_start_day_is_allowed() -> None:
    acc = Account("a", started_at="2024-03-01", churned_at="2024-03-01")
    assert acc.churned_at == acc.started_at


@pytest.mark.parametrize("bad", ["", "   ", None])
def test_account_empty_id_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"account_id must not be empty.\nHint: "):
        Account(bad, "2024-01-01")


def test_account_missing_or_bad_start_is_refused() -> None:
    with pytest.raises(ValueError, match="NaT"):
        Account("a", None)
    with pytest.raises(TypeError, match=r"'soon' is not a timestamp.\nHint: "):
        Account("a", "soon")
    with pytest.raises(TypeError, match="Hint: "):
        Account("a", "2024-01-01", churned_at="later")


@pytest.mark.parametrize("seats", [-1, True])
def test_account_bad_seats_are_refused(seats: Any) -> None:
    with pytest.raises(ValueError, match=r"seats=.* must be ≥ 0.\nHint: "):
        Account("a", "2024-01-01", seats=seats)


@pytest.mark.parametrize("mrr", [-0.01, float("nan")])
def test_account_bad_mrr_is_refused(mrr: float) -> None:
    with pytest.raises(ValueError, match=r"mrr=.* must be ≥ 0.\nHint: "):
        Account("a", "2024-01-01", mrr=mrr)


def test_account_attributes_may_not_shadow_fields() -> None:
    with pytest.raises(ValueError, match=r"attributes \['plan'\] repeat built-in fields.\nHint: "):
        Account("a", "2024-01-01", attributes={"plan": "pro", "region": "EU"})


def test_account_is_frozen_and_slotted() -> None:
    acc = Account("a", "2024-01-01")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        acc.plan = "pro"  # type: ignore[misc]
    assert not hasattr(acc, "__dict__")


def test_account_equality_ignores_attributes_and_is_hashable() -> None:
    a = Account("a", "2024-01-01", attributes={"region": "EU"})
    b = Account("a", "2024-01-01", attributes={"region": "US"})
    assert a == b
    assert hash(a) == hash(b)


# --------------------------------------------------------------------------- Event


def test_event_fields() -> None:
    ev = Event("a", "login", "2024-01-01T09:30Z", user_id="u1")
    assert ev.timestamp == pd.Timestamp("2024-01-01 09:30")
    assert ev.user_id == "u1"


@pytest.mark.parametrize(("account", "name"), [("", "login"), ("a", ""), ("a", " ")])
def test_event_empty_id_or_name_is_refused(account: str, name: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        Event(account, name, "2024-01-01")


def test_event_needs_a_timestamp() -> None:
    with pytest.raises(ValueError, match="NaT"):
        Event("a", "login", pd.NaT)
    with pytest.raises(TypeError, match="not a timestamp"):
        Event("a", "login", "tomorrow-ish")


# --------------------------------------------------------------------------- NPSResponse


@pytest.mark.parametrize("score", [-1, 11, 100, 9.0, 8.5, "9", None, True])
def test_nps_score_must_be_integer_0_to_10(score: Any) -> None:
    with pytest.raises(ValueError, match=r"NPS score .* is not a whole number 0–10.\nHint: "):
        NPSResponse("a", score=score)


@pytest.mark.parametrize("score", [0, 10, np.int64(9), np.int8(7)])
def test_nps_score_accepts_python_and_numpy_integers(score: Any) -> None:
    assert NPSResponse("a", score=score).score == score


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_nps_category_boundaries(score: int, category: str) -> None:
    assert NPSResponse("a", score=score).category == category


def test_nps_empty_account_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        NPSResponse("", score=5)


# --------------------------------------------------------------------------- Milestone


@pytest.mark.parametrize("count", [0, -1, 1.5, True, "2"])
def test_milestone_min_count_must_be_a_positive_whole_number(count: Any) -> None:
    with pytest.raises(ValueError, match=r"min_count=.* must be a whole number ≥ 1.\nHint: "):
        Milestone("Invited", "invite", min_count=count)


@pytest.mark.parametrize(("name", "event"), [("", "invite"), ("Invited", "")])
def test_milestone_empty_name_or_event_is_refused(name: str, event: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        Milestone(name, event)


def test_milestone_default_count() -> None:
    assert Milestone("Invited", "invite").min_count == 1
    assert Milestone("Invited", "invite", min_count=np.int64(3)).min_count == 3  # type: ignore[arg-type]


# --------------------------------------------------------------------------- to_frame / from_frame


def test_to_frame_columns_and_dtypes() -> None:
    frame = to_frame(
        [Account("a", "2024-01-01", seats=3), Account("b", "2024-02-01", churned_at="2024-03-01")]
    )
    assert list(frame.columns) == [
        "account_id",
        "started_at",
        "churned_at",
        "plan",
        "industry",
        "seats",
        "mrr",
    ]
    assert frame["started_at"].dtype == "datetime64[ns]"
    assert frame["churned_at"].dtype == "datetime64[ns]"
    assert frame["churned_at"].isna().tolist() == [True, False]
    nps = to_frame([NPSResponse("a", 9), NPSResponse("b", 3, "2024-01-01")])
    assert list(nps.columns) == ["account_id", "user_id", "timestamp", "score"]
    assert nps["score"].dtype == np.int64
    assert nps["timestamp"].dtype == "datetime64[ns]"
    ev = to_frame([Event("a", "login", "2024-01-01")])
    assert list(ev.columns) == ["account_id", "user_id", "event", "timestamp"]
    ms = to_frame([Milestone("m", "x", 2)])
    assert list(ms.columns) == ["name", "event", "min_count"]


def test_to_frame_bad_input() -> None:
    with pytest.raises(ValueError, match="Hint: "):
        to_frame([])
    with pytest.raises(TypeError, match="single type"):
        to_frame([Event("a", "x", "2024-01-01"), NPSResponse("a", 1)])
    with pytest.raises(TypeError, match="does not know"):
        to_frame([object()])  # type: ignore[list-item]


def test_from_frame_bad_input() -> None:
    with pytest.raises(SchemaError, match=r"NPSResponse: column 'score' is missing.*\nHint: "):
        from_frame(pd.DataFrame({"account_id": ["a"]}), NPSResponse)
    with pytest.raises(TypeError, match="needs a DataFrame"):
        from_frame([{"account_id": "a", "score": 1}], NPSResponse)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="does not know"):
        from_frame(pd.DataFrame({"a": [1]}), dict)  # type: ignore[type-var]


def test_from_frame_validates_every_row() -> None:
    with pytest.raises(ValueError, match="NPS score 11"):
        from_frame(pd.DataFrame({"account_id": ["a", "b"], "score": [9, 11]}), NPSResponse)
    with pytest.raises(ValueError, match="NPS score None"):
        from_frame(pd.DataFrame({"account_id": ["a", "b"], "score": [9, np.nan]}), NPSResponse)
    bad = pd.DataFrame(
        {"account_id": ["a"], "started_at": ["2024-03-01"], "churned_at": ["2024-01-01"]}
    )
    with pytest.raises(ValueError, match="is before started_at"):
        from_frame(bad, Account)


def test_from_frame_extra_columns_become_attributes() -> None:
    frame = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "started_at": ["2024-01-01", "2024-01-02"],
            "region": ["EU", None],
            "tier": [1, 2],
        }
    )
    out = from_frame(frame, Account)
    assert out[0].attributes == {"region": "EU", "tier": 1}
    assert out[1].attributes == {"region": None, "tier": 2}
    assert type(out[0].attributes["tier"]) is int  # numpy scalars become Python scalars
    assert out[0].churned_at is None


@given(st.lists(accounts(), min_size=1, max_size=8))
def test_accounts_round_trip(records: list[Account]) -> None:
    back = from_frame(to_frame(records), Account)
    assert back == records
    assert [r.attributes for r in back] == [{} for _ in records]


@given(st.lists(accounts(attribute_keys=("region", "segment")), min_size=1, max_size=8))
def test_account_attributes_round_trip(records: list[Account]) -> None:
    frame = to_frame(records)
    assert list(frame.columns[-2:]) == ["region", "segment"]
    back = from_frame(frame, Account)
    assert back == records
    assert [r.attributes for r in back] == [dict(r.attributes) for r in records]


@given(st.lists(events, min_size=1, max_size=8))
def test_events_round_trip(records: list[Event]) -> None:
    assert from_frame(to_frame(records), Event) == records


@given(st.lists(responses, min_size=1, max_size=8))
def test_nps_responses_round_trip(records: list[NPSResponse]) -> None:
    back = from_frame(to_frame(records), NPSResponse)
    assert back == records
    assert all(type(r.score) is int for r in back)


@given(st.lists(milestones, min_size=1, max_size=8))
def test_milestones_round_trip(records: list[Milestone]) -> None:
    assert from_frame(to_frame(records), Milestone) == records


@given(st.lists(accounts(), min_size=1, max_size=8))
def test_frame_round_trip(records: list[Account]) -> None:
    frame = to_frame(records)
    again = to_frame(from_frame(frame, Account))
    pd.testing.assert_frame_equal(frame, again)
