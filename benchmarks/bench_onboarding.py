"""Benchmark: success_paths on 100k accounts × ~20 events in the window, 30 event types.

Prints a table: ``adoptmetrics.success_paths`` (whole call: windowing, mining of
all ordered patterns up to length 3, adjusted fits, forward selection) with its
``tracemalloc`` peak (memory allocated during the call above what was allocated
before it; NumPy and pandas report their buffers), beside a PrefixSpan count
(the ``prefixspan`` package, frequent patterns with the same minimum support)
run on a subsample of 5,000 accounts and extrapolated linearly to the full data
(the table says which numbers are measured and which extrapolated); the script
checks that both find the same patterns with the same counts on that subsample.

The generator follows the onboarding part of the datasets spec: each account
has a log-normal activity level ``A``; busier accounts have more events, more
active days and more of the decoys ``event_28``/``event_29``; success is
``logistic(b0 + log(3)·P + log(2)·C + 0.8·log(1 + active_days))`` with ``P`` =
``event_05`` then later ``event_09`` and ``C`` = ``event_07`` anywhere.

A second table times the report's five onboarding calls on string ids, each
on the frame against all on one shared ``EventLog``.

Run: ``.venv/bin/python benchmarks/bench_onboarding.py [n_accounts]``
"""

from __future__ import annotations

import math
import sys
import time
import tracemalloc

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.onboarding import success_paths

T0 = pd.Timestamp("2024-01-01")
AS_OF = T0 + pd.Timedelta(days=60)
N_TYPES = 30
PAIR, SINGLE, DECOYS = (5, 9), 7, (28, 29)


def make_onboarding(
    n: int, *, mean_events: int = 20, seed: int = 0
) -> tuple[pd.DataFrame, pd.Series]:
    """Onboarding-shaped log (first 14 days of each account) and its planted outcome."""
    rng = np.random.default_rng(seed)
    act = rng.lognormal(0.0, 0.5, n)
    act /= act.mean()
    k = rng.poisson(mean_events * act)
    acc = np.repeat(np.arange(n), k)
    weights = 1.0 / np.arange(1, N_TYPES + 1) ** 0.5
    weights[list(DECOYS)] = 0.0
    codes = rng.choice(N_TYPES, size=len(acc), p=weights / weights.sum())
    # decoys: their share of an account's events grows with its activity level
    decoy = rng.random(len(acc)) < 0.06 * np.minimum(act[acc], 3.0)
    codes = np.where(decoy, rng.choice(DECOYS, size=len(acc)), codes)
    # busier accounts spread their events over more of the 14 days
    days_used = 1 + rng.binomial(13, 1 / (1 + np.exp(-2.0 * np.log(act))))
    day = (rng.random(len(acc)) * days_used[acc]).astype(np.int64)
    # nanosecond times: no two events of an account at the same instant (PrefixSpan orders
    # by position, adoptmetrics by time, so ties would make the two counts differ)
    ns = (day * 86_400 + rng.random(len(acc)) * 86_400) * 1e9
    t_ns = ns.astype(np.int64)
    active_days = np.zeros(n, dtype=np.int64)
    np.add.at(active_days, np.unique(acc * 14 + day) // 14, 1)
    big = np.iinfo(np.int64).max
    first_a = np.full(n, big, dtype=np.int64)
    np.minimum.at(first_a, acc[codes == PAIR[0]], t_ns[codes == PAIR[0]])
    last_b = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_b, acc[codes == PAIR[1]], t_ns[codes == PAIR[1]])
    pair = (first_a < last_b).astype(float)
    single = np.bincount(acc[codes == SINGLE], minlength=n) > 0
    eta = -3.1 + np.log(3.0) * pair + np.log(2.0) * single + 0.8 * np.log1p(active_days)
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    ids = pd.Index([f"acc{i:06d}" for i in range(n)])
    names = pd.Index([f"event_{i:02d}" for i in range(N_TYPES)])
    ev = pd.DataFrame(
        {
            "account_id": pd.Categorical.from_codes(acc.tolist(), categories=ids),
            "event": pd.Categorical.from_codes(codes.tolist(), categories=names),
            "timestamp": T0 + pd.to_timedelta(t_ns, unit="ns"),
        }
    )
    return ev, pd.Series(y, index=ids)


def prefixspan_count(
    ev: pd.DataFrame, n: int, min_support: float, max_length: int
) -> tuple[float, dict[tuple[str, ...], int], list[str]]:
    """PrefixSpan on the first ``n`` accounts with events: seconds, counts, the accounts."""
    from prefixspan import PrefixSpan  # benchmark-only dependency

    sub = ev.sort_values(["account_id", "timestamp"])
    codes: npt.NDArray[np.int64] = sub["event"].cat.codes.to_numpy().astype(np.int64)
    accs = sub["account_id"].cat.codes.to_numpy()
    cut = np.flatnonzero(np.diff(accs)) + 1
    seqs = [s.tolist() for s in np.split(codes, cut)][:n]
    ids = [str(sub["account_id"].iloc[i]) for i in np.r_[0, cut][:n]]
    names = list(ev["event"].cat.categories)
    t = time.perf_counter()
    ps = PrefixSpan(seqs)
    ps.maxlen = max_length
    found = ps.frequent(max(1, math.ceil(min_support * len(seqs))))
    seconds = time.perf_counter() - t
    return seconds, {tuple(names[c] for c in p): k for k, p in found}, ids


def report_flow(ev: pd.DataFrame, y: pd.Series) -> None:
    """The report's five onboarding calls, each on the frame vs all on one EventLog.

    Ids as object strings (as read from CSV or Parquet). On the log the
    validation, the encoding and the windowed sequences are computed once and
    shared; the outputs are checked equal. CPU time is shown beside wall time:
    it moves far less with the load of a shared machine.
    """
    from adoptmetrics import EventLog
    from adoptmetrics.onboarding import (
        golden_path,
        milestone_status,
        onboarding_funnel,
        time_to_value,
    )

    frame = ev.assign(
        account_id=ev["account_id"].astype(str).astype(object),
        event=ev["event"].astype(str).astype(object),
    )
    steps = ["event_00", "event_01", "event_03"]
    kw = {"window_days": 14, "as_of": AS_OF}

    def calls(events: object) -> list[pd.DataFrame]:
        return [
            milestone_status(events, steps, **kw),
            onboarding_funnel(events, steps, **kw),
            time_to_value(events, steps, **kw),
            success_paths(events, y, max_length=3, **kw),
            golden_path(events, y, max_length=3, **kw),
        ]

    rows = []
    for label, make in (
        ("each call on the frame", lambda: frame),
        ("one EventLog (built inside the timing)", lambda: EventLog(frame)),
    ):
        wall, cpu = time.perf_counter(), time.process_time()
        out = calls(make())
        rows.append((label, time.perf_counter() - wall, time.process_time() - cpu, out))
    same = all(a.equals(b) for a, b in zip(rows[0][3], rows[1][3], strict=True))
    print(f"\nthe report's five onboarding calls, object string ids, {len(frame):,} events")
    print(f"{'input':<42}{'wall s':>8}{'cpu s':>8}{'ratio':>8}")
    for label, wall, cpu, _ in rows:
        print(f"{label:<42}{wall:>8.2f}{cpu:>8.2f}{rows[0][2] / cpu:>7.1f}x")
    print(f"same outputs: {same}")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    ev, y = make_onboarding(n)
    report_flow(ev, y)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t = time.perf_counter()
    # every 14-day window has closed by as_of, so all accounts are analysed
    res = success_paths(ev, y, window_days=14, max_length=3, min_support=0.01, as_of=AS_OF)
    ours = time.perf_counter() - t
    peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()
    sub_n = min(n, 5_000)
    ps_t, ps_found, ids = prefixspan_count(ev, sub_n, 0.01, 3)
    # the same count on the same accounts, for agreement
    sub_ev = ev[ev["account_id"].isin(ids)]
    sub_res = success_paths(
        sub_ev, y[ids], max_length=3, min_support=0.01, adjust_for=None, as_of=AS_OF
    )
    got = dict(zip(sub_res["pattern"], sub_res["n_success"] + sub_res["n_failure"], strict=True))
    print(f"accounts: {n:,}   events: {len(ev):,}   event types: {N_TYPES}   max_length: 3")
    print(f"{'method':<50}{'seconds':>9}{'peak MB':>9}{'patterns':>10}")
    label = "adoptmetrics.success_paths (full analysis)"
    print(f"{label:<50}{ours:>9.1f}{peak:>9.0f}{len(res):>10,}")
    label = f"prefixspan count ({sub_n:,} accounts, measured)"
    print(f"{label:<50}{ps_t:>9.1f}{'':>9}{len(ps_found):>10,}")
    if sub_n < n:
        label = f"prefixspan count ({n:,} accounts, extrapolated)"
        print(f"{label:<50}{ps_t * n / sub_n:>9.1f}{'':>9}{'':>10}")
    print(f"same patterns and counts as prefixspan on those {sub_n:,} accounts: {got == ps_found}")
    sel = res.loc[res["selected"], ["pattern", "odds_ratio", "ci_lower", "ci_upper"]]
    print("selected (truth: (event_05, event_09) OR 3, (event_07,) OR 2):")
    print(sel.to_string(index=False))


if __name__ == "__main__":
    main()
