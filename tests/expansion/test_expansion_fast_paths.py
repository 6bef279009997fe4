"""The fast paths of expansion equal plain references on random data.

Each internal shortcut (the radix row order, the sort-free grouped
``searchsorted``, the O(rows) grid lookups, the event order shared through an
``EventLog``) is checked against an explicit Python loop or an independent
numpy/pandas formulation, and the public functions give identical answers
whichever way the events arrive.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adoptmetrics as am
from adoptmetrics import expansion as ex
from adoptmetrics.activity import trigger_firings
from adoptmetrics.activity._sort import _stable_by
from adoptmetrics.activity._triggers import _grouped_searchsorted
from adoptmetrics.expansion._grid import any_in_period, last_at_or_before, period_rows
from adoptmetrics.report._expansion import MAX_CANDIDATES, _frequent_events
from strategies import events_frames

NEVER = np.iinfo(np.int64).min
DAY = 86_400 * 10**9


def _loop_searchsorted(
    dg: np.ndarray, dt: np.ndarray, qg: np.ndarray, qt: np.ndarray, side: str
) -> list[int]:
    # Reference: for each query, rows of smaller groups plus rows of its group
    # at or before (side="right") or strictly before (side="left") its time.
    out = []
    for g, t in zip(qg.tolist(), qt.tolist(), strict=True):
        before = sum(1 for h in dg.tolist() if h < g)
        inside = [u for h, u in zip(dg.tolist(), dt.tolist(), strict=True) if h == g]
        out.append(before + sum(1 for u in inside if (u <= t if side == "right" else u < t)))
    return out


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("side", ["left", "right"])
def test_grouped_searchsorted_matches_a_loop(seed: int, side: str) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(0, 50)), int(rng.integers(0, 30))
    scale = [3, 1000, 10**18, 2**62][seed % 4]  # ties, small, realistic ns, huge spans
    offset = [0, 7, 10**12, 0][seed % 4]  # group ids need not start at 0
    dg = rng.integers(0, 6, n) + offset
    dt = rng.integers(-scale, scale, n)
    order = np.lexsort((dt, dg))
    dg, dt = dg[order], dt[order]
    qg = rng.integers(-1, 8, m) + offset
    qt = rng.integers(-scale, scale, m)
    if n:  # queries that hit data times exactly
        qt[: m // 2] = dt[rng.integers(0, n, m // 2)]
    got = _grouped_searchsorted(dg, dt, qg, qt, side=side)
    assert got.tolist() == _loop_searchsorted(dg, dt, qg, qt, side)


def test_grouped_searchsorted_many_equal_times() -> None:
    # A bucket holding thousands of rows: the binary search inside it, not a scan.
    dg = np.repeat(np.arange(3), 4000)
    dt = np.tile(np.r_[np.zeros(2000, dtype=np.int64), np.ones(2000, dtype=np.int64)], 3)
    qg = np.array([0, 1, 2, 2, 5])
    qt = np.array([0, 1, -1, 0, 0])
    assert _grouped_searchsorted(dg, dt, qg, qt).tolist() == [2000, 8000, 8000, 10000, 12000]
    left = _grouped_searchsorted(dg, dt, qg, qt, side="left")
    assert left.tolist() == [0, 6000, 8000, 8000, 12000]


@pytest.mark.parametrize("counting", [True, False], ids=["counting-sort", "radix-only"])
@pytest.mark.parametrize("seed", range(10))
def test_stable_order_equals_lexsort(
    seed: int, counting: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adoptmetrics.activity import _sort

    if not counting:  # as on a pandas without the compiled counting sort
        monkeypatch.setattr(_sort, "_counting_sort", None)
    rng = np.random.default_rng(seed)
    n = 5000
    top = [5, 70_000, 2**40][seed % 3]  # one, two and three 16-bit digits
    key = rng.integers(0, top, n)
    t = rng.integers(0, 50, n)
    start = np.argsort(t, kind="stable")
    assert np.array_equal(_stable_by(key, start), np.lexsort((t, key)))
    assert np.array_equal(_stable_by(key), np.argsort(key, kind="stable"))
    assert _stable_by(key, start[:0]).tolist() == []


def _loop_last(f_acc: np.ndarray, f_ns: np.ndarray, acc: int, g: int) -> int:
    seen = [int(t) for a, t in zip(f_acc, f_ns, strict=True) if a == acc and t <= g]
    return max(seen) if seen else NEVER


@pytest.mark.parametrize("seed", range(30))
def test_grid_lookups_match_a_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_acc = int(rng.integers(1, 6))
    step = int(rng.choice([DAY, 7 * DAY, 7 * DAY + 1]))
    ref = 400 * DAY + int(rng.integers(0, DAY))
    start = ref - rng.integers(0, 60 * DAY, n_acc)
    end = np.minimum(start + rng.integers(0, 60 * DAY, n_acc), ref)
    grid = period_rows(ref, start, end, step)
    n_f = int(rng.integers(0, 40))
    f_acc = rng.integers(0, n_acc, n_f)
    # Firings inside each account's span, some exactly on a period boundary.
    f_ns = start[f_acc] + (rng.random(n_f) * (end[f_acc] - start[f_acc])).astype(np.int64)
    if n_f:
        k = (ref - f_ns[: n_f // 3]) // step
        f_ns[: n_f // 3] = np.maximum(ref - k * step, start[f_acc[: n_f // 3]])
    order = np.lexsort((f_ns, f_acc))
    f_acc, f_ns = f_acc[order], f_ns[order]
    got = last_at_or_before(grid, f_acc, f_ns)
    expected = [_loop_last(f_acc, f_ns, a, g) for a, g in zip(grid.acc, grid.g, strict=True)]
    assert got.tolist() == expected
    # Expansions: a row is positive when one falls in (g, g + step].
    y = any_in_period(grid, f_acc, f_ns)
    loop = [
        float(any(a == b and g < t <= g + step for b, t in zip(f_acc, f_ns, strict=True)))
        for a, g in zip(grid.acc.tolist(), grid.g.tolist(), strict=True)
    ]
    assert y.tolist() == loop


@settings(max_examples=40, deadline=None)
@given(events_frames(max_rows=60), st.integers(1, 20), st.sampled_from([1.2, 2.0]))
def test_usage_growth_matches_a_loop(ev: pd.DataFrame, window: int, threshold: float) -> None:
    # Reference: at every event, count events in (t - w, t] and (t - 2w, t - w] by a loop.
    out = trigger_firings(ev, metric="usage_growth", threshold=threshold, window_days=window)
    w = pd.Timedelta(days=window)
    expected = set()
    for acc, grp in ev.groupby("account_id"):
        times = sorted(grp["timestamp"])
        for t in times:
            now = sum(1 for u in times if t - w < u <= t)
            before = sum(1 for u in times if t - 2 * w < u <= t - w)
            if before > 0 and now >= threshold * before:
                expected.add((acc, t))
    got = set(zip(out["account_id"].astype(str), out["timestamp"], strict=True))
    assert got == expected


def _world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[am.Trigger]]:
    w = am.datasets.simulate_saas(300, months=12, seed=7)
    ev = w.events.astype({"account_id": str, "user_id": str, "event": str})
    acc = w.accounts.astype({"account_id": str})
    xp = w.expansions.astype({"account_id": str})
    trig = [
        am.Trigger("seat limit", event="seat_limit_reached"),
        am.Trigger("invites", event="invite_teammate", min_count=2, window_days=14),
        am.Trigger("exports", event="export_pdf"),
        am.Trigger("growth", metric="usage_growth", threshold=1.5, window_days=14),
    ]
    return ev, acc, xp, trig


def test_eventlog_shuffled_rows_and_account_order_give_identical_answers() -> None:
    # The shared event order (EventLog), events out of time order (the sort is
    # needed) and accounts out of id order (firings re-sorted by account) must
    # not change a single number.
    ev, acc, xp, trig = _world()
    rng = np.random.default_rng(0)
    shuffled = ev.iloc[rng.permutation(len(ev))].reset_index(drop=True)
    acc_shuffled = acc.iloc[rng.permutation(len(acc))].reset_index(drop=True)
    log = am.EventLog(ev)
    cut = ev["timestamp"].max() - pd.Timedelta(days=90)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for events in (log, shuffled):
            pd.testing.assert_frame_equal(
                ex.trigger_lift(events, trig, expansions=xp, accounts=acc),
                ex.trigger_lift(ev, trig, expansions=xp, accounts=acc),
                check_exact=True,
            )
            # Another account order only reorders floating-point sums.
            pd.testing.assert_frame_equal(
                ex.trigger_lift(events, trig, expansions=xp, accounts=acc_shuffled),
                ex.trigger_lift(ev, trig, expansions=xp, accounts=acc),
                rtol=1e-12,
            )
            pd.testing.assert_frame_equal(
                ex.expansion_scores(events, trig, expansions=xp, accounts=acc_shuffled),
                ex.expansion_scores(ev, trig, expansions=xp, accounts=acc),
                rtol=1e-12,
            )
            pd.testing.assert_frame_equal(
                ex.backtest_expansion(events, trig, expansions=xp, cutoff=cut).summary,
                ex.backtest_expansion(ev, trig, expansions=xp, cutoff=cut).summary,
                check_exact=True,
            )


def test_firings_up_to_a_cutoff_are_the_firings_before_it() -> None:
    # Every trigger condition looks back only, so cutting the log at t keeps
    # exactly the firings at or before t (what lets one event order serve every cutoff).
    ev, _, _, trig = _world()
    cut = ev["timestamp"].quantile(0.6)
    for t in trig:

        def fire(events: pd.DataFrame, end: object = None, t: am.Trigger = t) -> pd.DataFrame:
            return trigger_firings(
                events,
                event=t.event,
                min_count=t.min_count,
                window_days=t.window_days,
                metric=t.metric,
                threshold=t.threshold,
                end=end,
            )

        whole = fire(ev)
        early = fire(ev[ev["timestamp"] <= cut])
        ended = fire(ev, end=cut)
        kept = whole[whole["timestamp"] <= cut].reset_index(drop=True)
        for got in (early, ended):
            pd.testing.assert_frame_equal(
                got.astype({"account_id": str}), kept.astype({"account_id": str})
            )


def test_report_candidates_are_the_most_frequent_events() -> None:
    # Reference: pandas value_counts on strings, ties broken by name.
    rng = np.random.default_rng(3)
    names = [f"e{i:02d}" for i in range(40)]
    ev = pd.DataFrame({"event": rng.choice(names, 2000, p=np.linspace(1, 3, 40) / 80)})
    counts = ev["event"].value_counts()
    expected = sorted(counts.index, key=lambda n: (-counts[n], n))[:MAX_CANDIDATES]
    assert _frequent_events(ev) == expected
    assert _frequent_events(ev.astype("category")) == expected


def test_decayed_features_match_the_formula_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # The features are computed in row blocks, in place; with blocks of 2 rows
    # every block edge is crossed. Reference: the formula, one value at a time.
    from adoptmetrics.expansion import _model

    monkeypatch.setattr(_model, "_DECAY_BLOCK", 2)
    model = _model.ExpansionModel(
        triggers=(am.Trigger("a", event="a"), am.Trigger("b", event="b")),
        intercept=0.0,
        coef=np.zeros(2),
        se=np.zeros(2),
        horizon_days=30.0,
        half_life_days=10.0,
        period_days=7.0,
        weights="learned",
        fitted_through=pd.Timestamp("2024-03-01"),
        n_rows=0,
        n_expansions=0,
    )
    day = 86_400 * 10**9
    never = np.iinfo(np.int64).min
    ns = pd.Timestamp("2024-03-01").value + np.arange(5, dtype=np.int64) * day
    seen = [
        np.array([ns[0], never, ns[2] - 10 * day, never, ns[4] - 3 * day // 2]),
        np.array([never, ns[1] - 20 * day, never, ns[3], never]),
    ]
    got = model._decayed(iter(seen), ns)
    for j, column in enumerate(seen):
        for i, s in enumerate(column):
            want = 0.0 if s == never else 2.0 ** (-((ns[i] - s) / day) / 10.0)
            assert got[i, j] == pytest.approx(want, rel=1e-12)
