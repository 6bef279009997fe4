"""campaign_impact on an EventLog, the daily panel and the nearest-control search.

References: the frame path (the log must give the same result), an explicit
loop over events (the panel), scipy's cKDTree (the direct scan's neighbours).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from impact_sim import simulate
from scipy.spatial import cKDTree

import adoptmetrics as am
from adoptmetrics.activity._encode import _encode
from adoptmetrics.impact import campaign_impact
from adoptmetrics.impact._matching import nearest
from adoptmetrics.impact._panel import build_panel, event_days

T0 = pd.Timestamp("2024-01-01")


@pytest.mark.parametrize("outcome", ["active", "active_days", "login"])
def test_a_log_gives_the_frames_answer(outcome: str) -> None:
    w = simulate(n=300, days=150, seed=3)
    ev = w.events.assign(event="login")
    renamed = ev.rename(columns={"account_id": "org", "timestamp": "ts"})
    log = am.EventLog(renamed, account_col="org", time_col="ts")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = campaign_impact(ev, w.exposures, accounts=w.accounts, outcome=outcome)
        got = campaign_impact(log, w.exposures, accounts=w.accounts, outcome=outcome)
    for name in ("summary", "balance", "placebo", "curves", "pairs"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name))


def test_panel_counts_by_an_explicit_loop() -> None:
    rng = np.random.default_rng(0)
    n = 400
    ev = pd.DataFrame(
        {
            "account_id": rng.choice([f"a{i}" for i in range(30)], n),
            "event": rng.choice(["x", "y"], n),
            "timestamp": T0 + pd.to_timedelta(rng.integers(0, 40 * 86_400, n), unit="s"),
        }
    )
    as_of = T0 + pd.Timedelta(days=35)  # later events are ignored
    enc = _encode(ev, entity_col="account_id", time_col="timestamp", event_col="event",
                  activity_events=None)  # fmt: skip
    ids = pd.Index(sorted({*ev["account_id"], "never"}))  # an account without events
    first = int(T0.value // 86_400_000_000_000) + 5
    panel = build_panel(enc, ids, first=first, last=first + 20, as_of=as_of)
    x_days = event_days(enc, ids, "y", first=first, last=first + 20, as_of=as_of)
    events = np.zeros((len(ids), 20), dtype=np.int64)
    active_y = np.zeros((len(ids), 20), dtype=bool)
    first_day = np.full(len(ids), np.iinfo(np.int64).max)
    for acct, what, ts in ev.itertuples(index=False):  # the explicit loop
        if ts > as_of:
            continue
        i, day = ids.get_loc(acct), ts.value // 86_400_000_000_000
        first_day[i] = min(first_day[i], day)
        if first <= day < first + 20:
            events[i, day - first] += 1
            active_y[i, day - first] |= what == "y"
    np.testing.assert_array_equal(np.diff(panel.events, axis=1), events)
    np.testing.assert_array_equal(np.diff(panel.active, axis=1), events > 0)
    np.testing.assert_array_equal(np.diff(x_days, axis=1), active_y)
    np.testing.assert_array_equal(panel.first_day, first_day)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("n_queries", [1, 10, 200])
def test_nearest_finds_the_kd_trees_neighbours(k: int, n_queries: int) -> None:
    rng = np.random.default_rng(n_queries + k)
    points = rng.normal(size=(5_000, 4))
    queries = rng.normal(size=(n_queries, 4))
    _, want = cKDTree(points).query(queries, k=k)
    got = nearest(points, queries, k)
    np.testing.assert_array_equal(got, np.asarray(want).reshape(n_queries, k))
