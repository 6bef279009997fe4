"""The integer-array fast path of the health measures equals straightforward references.

``account_metrics`` counts per window with bincounts over a log kept in day
order (``activity._health_users.HealthLog``). Here every measure is recomputed
on random logs by an explicit per-account loop over plain pandas selections
(the reference), for sorted and unsorted logs, timestamps inside days, users
shared between accounts, string, categorical and ``EventLog`` input, and
snapshot dates on and off midnight. The HealthLog's own reductions are checked
against Python sets and loops as well.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

import adoptmetrics as am
from adoptmetrics.activity._health_users import HealthLog
from adoptmetrics.health import account_metrics, lifecycle_stages, stage_transitions
from adoptmetrics.health._metrics import METRIC_COLUMNS

DAY = pd.Timedelta(days=1)


def _random_world(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n_acc = int(rng.integers(3, 25))
    n = int(rng.integers(0, 400))
    t0 = pd.Timestamp("2024-01-01")
    acc_ids = np.array([f"acc{i:02d}" for i in range(n_acc)], dtype=object)
    a = rng.integers(0, n_acc, n)
    # Users mostly belong to one account; with shared=True some appear in two.
    shared = bool(rng.random() < 0.5)
    u = rng.integers(0, 4, n)
    user = np.array([f"u{a_}-{u_}" for a_, u_ in zip(a, u, strict=True)], dtype=object)
    if shared and n:
        user[rng.random(n) < 0.2] = "shared-user"
    events = pd.DataFrame(
        {
            "account_id": acc_ids[a],
            "user_id": user,
            "event": np.array(["login", "report", "export", "invite", "search"], dtype=object)[
                rng.integers(0, 5, n)
            ],
            # seconds resolution, ~150 days: windows cut inside days
            "timestamp": t0 + pd.to_timedelta(rng.integers(0, 150 * 86400, n), unit="s"),
        }
    )
    if rng.random() < 0.5:
        events = events.sort_values("timestamp", kind="stable").reset_index(drop=True)
    start = t0 + pd.to_timedelta(rng.integers(-30 * 86400, 100 * 86400, n_acc), unit="s")
    churn = pd.Series(start + pd.to_timedelta(rng.integers(1, 200, n_acc), unit="D"))
    churn = churn.where(rng.random(n_acc) >= 0.6)
    seats = rng.integers(0, 6, n_acc).astype(float)
    seats[rng.random(n_acc) < 0.2] = np.nan
    accounts = pd.DataFrame(
        {"account_id": acc_ids, "started_at": start, "churned_at": churn, "seats": seats}
    )
    k = int(rng.integers(0, 30))
    nps = pd.DataFrame(
        {
            "account_id": acc_ids[rng.integers(0, n_acc, k)],
            # whole days: ties at one latest time are averaged
            "timestamp": t0 + pd.to_timedelta(rng.integers(0, 150, k), unit="D"),
            "score": rng.integers(0, 11, k),
        }
    )
    return events, accounts, nps


def _reference(
    events: pd.DataFrame,
    accounts: pd.DataFrame | None,
    nps: pd.DataFrame | None,
    t: pd.Timestamp,
    window_days: float,
) -> pd.DataFrame:
    """account_metrics by an explicit loop over accounts (plain pandas selections)."""
    w = pd.Timedelta(days=window_days)
    upto = events[events["timestamp"] <= t]
    feats = set(upto["event"])
    if accounts is not None:
        alive = accounts[
            (accounts["started_at"] <= t) & ~(accounts["churned_at"] <= t).fillna(False)
        ]
        ids = list(alive["account_id"])
        starts = dict(zip(alive["account_id"], alive["started_at"], strict=True))
        seats = dict(zip(alive["account_id"], alive["seats"], strict=True))
    else:
        first = upto.groupby("account_id")["timestamp"].min()
        ids = list(first.index)
        starts = first.to_dict()
        seats = {}
    rows = []
    for a in sorted(ids, key=str):  # one account at a time
        mine = upto[upto["account_id"] == a]
        cur = mine[mine["timestamp"] > t - w]
        prev = mine[(mine["timestamp"] > t - 2 * w) & (mine["timestamp"] <= t - w)]
        young = not starts[a] <= t - 2 * w
        u_cur, u_prev = cur["user_id"].nunique(), prev["user_id"].nunique()
        s = seats.get(a, np.nan)
        score = np.nan
        if nps is not None:
            answers = nps[(nps["account_id"] == a) & (nps["timestamp"] <= t)]
            if len(answers):
                score = answers.loc[
                    answers["timestamp"] == answers["timestamp"].max(), "score"
                ].mean()
        rows.append(
            {
                "account_id": a,
                "active_days": cur["timestamp"].dt.normalize().nunique(),
                "active_users": float(u_cur),
                "seats": s,
                "seat_utilization": u_cur / s if s > 0 else np.nan,
                "user_growth": u_cur / u_prev if u_prev > 0 and not young else np.nan,
                "usage_trend": len(cur) / len(prev) if len(prev) and not young else np.nan,
                "breadth": len(set(cur["event"])) / len(feats) if feats else 0.0,
                "days_since_active": (t - mine["timestamp"].max()) / DAY if len(mine) else np.nan,
                "nps": score,
                "tenure_days": (t - starts[a]) / DAY if accounts is not None else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["account_id", *METRIC_COLUMNS])


def _same(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(ours["account_id"]) == list(ref["account_id"])
    for col in METRIC_COLUMNS:
        np.testing.assert_allclose(
            ours[col].to_numpy(dtype=float),
            ref[col].to_numpy(dtype=float),
            rtol=1e-12,
            atol=1e-9,
            equal_nan=True,
            err_msg=col,
        )


@pytest.mark.parametrize("seed", range(12))
def test_account_metrics_equal_a_per_account_loop(seed: int) -> None:
    events, accounts, nps = _random_world(seed)
    if not len(events):
        return
    rng = np.random.default_rng(seed + 100)
    t = events["timestamp"].min() + pd.Timedelta(seconds=int(rng.integers(0, 150 * 86400)))
    window = float(rng.choice([7, 30, 12.5]))
    as_categorical = events.astype({"account_id": "category", "user_id": "category"})
    inputs = [events, as_categorical, am.EventLog(events)]
    if importlib.util.find_spec("pyarrow") is not None:  # Arrow-backed strings
        inputs.append(
            events.astype({"account_id": "string[pyarrow]", "user_id": "string[pyarrow]"})
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seats 0 or missing
        for ev in inputs:
            ours = account_metrics(ev, accounts=accounts, nps=nps, as_of=t, window_days=window)
            _same(ours, _reference(events, accounts, nps, t, window))
        ours = account_metrics(events, as_of=t, window_days=window)
        _same(ours, _reference(events, None, None, t, window))


@pytest.mark.parametrize("seed", range(6))
def test_stages_same_from_a_frame_a_shuffled_frame_and_an_event_log(seed: int) -> None:
    events, accounts, nps = _random_world(seed)
    if len(events) < 20:
        return
    t = events["timestamp"].max()
    shuffled = events.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    rules = am.health.StageRules(milestones=["invite", "report"], onboarding_days=45)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = [
            lifecycle_stages(ev, accounts, nps=nps, as_of=t, rules=rules, history_months=4)
            for ev in (events, shuffled, am.EventLog(events))
        ]
        flows = [
            stage_transitions(ev, accounts, nps=nps, start=t - pd.Timedelta(days=40), end=t)
            for ev in (events, shuffled, am.EventLog(events))
        ]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0], other)
    for other in flows[1:]:
        pd.testing.assert_frame_equal(flows[0], other)


@pytest.mark.parametrize("seed", range(8))
def test_health_log_reductions_equal_sets_and_loops(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_acc = 500, 7
    acc = rng.integers(0, n_acc, n)
    ns = (rng.integers(0, 40 * 86400, n) * 10**9).astype(np.int64)  # unsorted, inside days
    event = rng.integers(0, 4, n)
    users = np.array([f"u{x}" for x in rng.integers(0, 12, n)], dtype=object)  # shared
    log = HealthLog(
        pd.Index([f"a{i}" for i in range(n_acc)]),
        acc,
        ns,
        pd.Index(["e0", "e1", "e2", "e3"]),
        event,
        users,
    )
    day = ns // (86400 * 10**9)
    for _ in range(5):
        lo, hi = sorted(int(x) for x in rng.integers(-86400 * 10**9, 41 * 86400 * 10**9, 2))
        win = log.window(lo, hi)
        inside = (ns > lo) & (ns <= hi)
        for a in range(n_acc):
            rows = inside & (acc == a)
            assert win.n_events()[a] == rows.sum()
            assert win.active_days()[a] == len(set(day[rows]))
            assert win.active_users()[a] == len(set(users[rows]))
            feats = [["e0", "e1"], ["e2"], ["nope"]]
            code = {"e0": 0, "e1": 1, "e2": 2, "e3": 3}
            done = set(event[rows].tolist())
            used = sum(any(code.get(e) in done for e in names) for names in feats)
            assert win.features_used(feats)[a] == used
        # an event in two features: the per-feature loop
        assert (win.features_used([["e0"], ["e0", "e1"]]) >= win.features_used([["e0"]])).all()
    times = sorted(int(x) for x in rng.integers(0, 41 * 86400 * 10**9, 4))
    for t, last in zip(times, log.last_seen(times), strict=True):
        for a in range(n_acc):
            mine = ns[(acc == a) & (ns <= t)]
            assert (np.isnan(last[a]) and not len(mine)) or last[a] == mine.max()
    start = rng.integers(0, 20 * 86400, n_acc).astype(np.int64) * 10**9
    counts = log.event_counts_since(["e1", "e3"], start, times[-1])
    for a in range(n_acc):
        for k, e in enumerate((1, 3)):
            rows = (acc == a) & (event == e) & (ns >= start[a]) & (ns <= times[-1])
            assert counts[a, k] == rows.sum()


def test_a_null_user_in_a_measured_window_is_an_error_naming_the_column() -> None:
    events, accounts, _ = _random_world(3)
    last = events["timestamp"].max()
    events.loc[events["timestamp"].idxmax(), "user_id"] = None
    with pytest.raises(am.SchemaError, match="user_id"):
        account_metrics(events, as_of=last)
    # outside the windows the null is never read
    early = events["timestamp"].min() + pd.Timedelta(days=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        account_metrics(events, accounts=accounts, as_of=early - pd.Timedelta(days=190))


def test_milestone_at_the_exact_start_counts() -> None:
    # The start is exact (not recovered from a float tenure): an invite at the
    # very start second reaches the milestone.
    start = pd.Timestamp("2024-03-01 09:17:23.123456789")
    events = pd.DataFrame(
        {
            "account_id": ["a", "a"],
            "user_id": ["u", "u"],
            "event": ["invite", "login"],
            "timestamp": [start, start + pd.Timedelta(days=3, seconds=7)],
        }
    )
    accounts = pd.DataFrame({"account_id": ["a"], "started_at": [start]})
    rules = am.health.StageRules(milestones=["invite"])
    out = lifecycle_stages(
        events, accounts, as_of=start + pd.Timedelta(days=4, seconds=11), rules=rules
    )
    assert not any("milestones not reached" in r for r in out["reasons"].iloc[0])
