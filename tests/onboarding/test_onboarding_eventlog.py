"""Onboarding on one shared EventLog: the same answers as on the frame, computed once.

The reference is each function called on the frame (validated and encoded per
call); the log is built with other column names, so the log's own mapping is
exercised too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import adoptmetrics as am
from adoptmetrics.activity._encode import _encode
from adoptmetrics.onboarding import (
    _windows,
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)
from input_kinds import demo_tables

STEPS = ["invite_teammate", "create_report"]
_KEY = _windows._KEY


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo_tables()


def _outcome(acc: pd.DataFrame) -> pd.Series:
    return acc.set_index("account_id")["onboarding_success"]


CALLS: dict[str, Callable[[object, pd.DataFrame], pd.DataFrame]] = {
    "milestone_status": lambda ev, acc: milestone_status(ev, STEPS, accounts=acc),
    "first_event_starts": lambda ev, acc: milestone_status(ev, STEPS),
    "onboarding_funnel": lambda ev, acc: onboarding_funnel(ev, STEPS, accounts=acc, by="plan"),
    "time_to_value": lambda ev, acc: time_to_value(
        ev, STEPS[:1], start=acc.set_index("account_id")["started_at"]
    ),
    "success_paths": lambda ev, acc: success_paths(
        ev, _outcome(acc), accounts=acc, max_length=2, min_support=0.05
    ),
    "golden_path": lambda ev, acc: golden_path(ev, _outcome(acc), accounts=acc, max_length=3),
}


def _entries(cache: dict[object, object] | None) -> list[object]:
    """The onboarding windows memoised on an encoding."""
    assert cache is not None
    return [v for k, v in cache.items() if isinstance(k, tuple) and len(k) == 3 and k[0] == _KEY]


def _quiet(call: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_log_gives_the_frames_answer(tables: dict[str, pd.DataFrame], name: str) -> None:
    ev, acc = tables["events"], tables["accounts"]
    want = _quiet(lambda: CALLS[name](ev, acc))
    renamed = ev.rename(columns={"account_id": "org", "event": "what", "timestamp": "ts"})
    log = am.EventLog(renamed, account_col="org", event_col="what", time_col="ts")
    got = _quiet(lambda: CALLS[name](log, acc))
    pd.testing.assert_frame_equal(got, want)


def test_every_call_on_one_log_matches_fresh_calls(tables: dict[str, pd.DataFrame]) -> None:
    # In the report's order on one log (shared windows and cuts), then each on a fresh log.
    ev, acc = tables["events"], tables["accounts"]
    shared = am.EventLog(ev)
    together = [_quiet(lambda c=c: c(shared, acc)) for c in CALLS.values()]  # type: ignore[misc]
    alone = [_quiet(lambda c=c: c(am.EventLog(ev), acc)) for c in CALLS.values()]  # type: ignore[misc]
    for a, b in zip(together, alone, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_windows_are_memoised_per_population_and_recomputed_for_new_starts(
    tables: dict[str, pd.DataFrame],
) -> None:
    ev, acc = tables["events"], tables["accounts"]
    log = am.EventLog(ev)
    enc = _encode(log, entity_col="account_id", time_col="timestamp", event_col="event",
                  activity_events=None)  # fmt: skip
    milestone_status(log, STEPS, accounts=acc, window_days=14)
    first = _entries(enc.cache)
    milestone_status(log, STEPS, accounts=acc, window_days=14)
    again = _entries(enc.cache)
    assert len(first) == 1
    assert again[0] is first[0]  # reused, not recomputed
    # starts one day later: a new population, recomputed, and the frame's answer
    later = acc.assign(started_at=acc["started_at"] + pd.Timedelta(days=1))
    got = milestone_status(log, STEPS, accounts=later, window_days=14)
    pd.testing.assert_frame_equal(got, milestone_status(ev, STEPS, accounts=later, window_days=14))


def test_the_memo_keeps_only_the_latest_windows(tables: dict[str, pd.DataFrame]) -> None:
    ev, acc = tables["events"], tables["accounts"]
    log = am.EventLog(ev)
    for w in range(1, 9):
        milestone_status(log, STEPS, accounts=acc, window_days=w)
    enc = _encode(log, entity_col="account_id", time_col="timestamp", event_col="event",
                  activity_events=None)  # fmt: skip
    assert enc.cache is not None
    kept = sorted(k[1] for k in enc.cache if isinstance(k, tuple) and k[0] == _KEY and len(k) == 3)
    assert kept == [5.0, 6.0, 7.0, 8.0]


def test_shared_sequences_are_read_only(tables: dict[str, pd.DataFrame]) -> None:
    # Cuts are shared between calls: an accidental in-place write must fail loudly.
    ev, acc = tables["events"], tables["accounts"]
    log = am.EventLog(ev)
    cols = {"account_col": "account_id", "event_col": "event", "time_col": "timestamp"}
    starts = acc.set_index("account_id")["started_at"]
    starts.index = pd.Index(np.asarray(starts.index, dtype=object))
    w = _windows.population_windows(
        log, starts, window=14.0, end=pd.Timestamp(ev["timestamp"].max()), cols=cols
    )
    seq, active = _windows.subset(w, pd.Index(starts.index[:50]))
    with pytest.raises(ValueError, match="read-only"):
        active[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        seq.acc_start[0] = 1


def test_by_an_events_column_works_on_a_log() -> None:
    # A segment column of the events (constant per account) read through the log's frame.
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b", "c"],
            "event": ["signup", "invite", "signup", "invite", "signup"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03", "2024-01-01"]
            ),
            "tier": ["x", "x", "y", "y", "x"],
        }
    )
    want = onboarding_funnel(ev, ["signup", "invite"], window_days=7, as_of="2024-03-01", by="tier")
    got = onboarding_funnel(
        am.EventLog(ev), ["signup", "invite"], window_days=7, as_of="2024-03-01", by="tier"
    )
    pd.testing.assert_frame_equal(got, want)
    assert got["n_accounts"].tolist() == [2, 1, 1, 1]  # by hand: x = {a, c}, y = {b}
