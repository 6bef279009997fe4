"""Benchmark the activity layer against plain-pandas groupby equivalents.

Run from the repository root::

    .venv/bin/python benchmarks/bench_activity.py            # 1M and 10M events
    .venv/bin/python benchmarks/bench_activity.py 1000000    # chosen sizes

For each size and operation it prints our wall time and peak memory next to
the equivalent plain-pandas implementation, run in the same process on the
same frame. Times are the best of ``REPEATS`` runs (perf_counter). Peak memory
is measured in a separate run under ``tracemalloc`` (NumPy and pandas report
their buffers to it): it is the peak of memory allocated *during* the call
above what was allocated before, so the input frame is not counted. On a
shared machine timings are noisy; compare the ratio, not the absolute values.

At the smallest size the results of both implementations are compared, so the
baseline really computes the same thing.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synthetic import make_events

from adoptmetrics.activity import (
    event_counts,
    first_last_seen,
    period_activity,
    window_activity,
)

REPEATS = 2
WINDOW_DAYS = 30
SIZES = (1_000_000, 10_000_000)


# --------------------------------------------------------------------------- plain pandas


def pandas_first_last_seen(ev: pd.DataFrame) -> pd.DataFrame:
    return (
        ev.groupby("account_id", observed=True)["timestamp"]
        .agg(first_seen="min", last_seen="max", n_events="size")
        .reset_index()
    )


def pandas_period_activity_week(ev: pd.DataFrame) -> pd.DataFrame:
    ts = ev["timestamp"]
    day = ts.dt.normalize()
    week = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return (
        pd.DataFrame({"account_id": ev["account_id"], "period_start": week})
        .groupby(["account_id", "period_start"], observed=True)
        .size()
        .rename("n_events")
        .reset_index()
    )


def _pandas_window(ev: pd.DataFrame) -> pd.DataFrame:
    first = ev.groupby("account_id", observed=True)["timestamp"].transform("min")
    ts = ev["timestamp"]
    inside = (ts >= first) & (ts < first + pd.Timedelta(days=WINDOW_DAYS))
    return ev[inside]


def pandas_event_counts(ev: pd.DataFrame) -> pd.DataFrame:
    sub = _pandas_window(ev)
    return sub.groupby(["account_id", "event"], observed=False).size().unstack(fill_value=0)


def pandas_window_activity(ev: pd.DataFrame) -> pd.DataFrame:
    sub = _pandas_window(ev)
    sub = sub.assign(day=sub["timestamp"].dt.normalize())
    return sub.groupby("account_id", observed=True).agg(
        n_events=("timestamp", "size"),
        active_days=("day", "nunique"),
        first_event=("timestamp", "min"),
        last_event=("timestamp", "max"),
    )


OPERATIONS: list[tuple[str, Callable[[pd.DataFrame], object], Callable[[pd.DataFrame], object]]] = [
    ("first_last_seen", first_last_seen, pandas_first_last_seen),
    (
        "period_activity (week)",
        lambda ev: period_activity(ev, period="week"),
        pandas_period_activity_week,
    ),
    (
        "event_counts (30 d)",
        lambda ev: event_counts(ev, window_days=WINDOW_DAYS),
        pandas_event_counts,
    ),
    (
        "window_activity (30 d)",
        lambda ev: window_activity(ev, window_days=WINDOW_DAYS),
        pandas_window_activity,
    ),
]


# --------------------------------------------------------------------------- checks


def check_same(ev: pd.DataFrame) -> None:
    """The baseline computes what ours computes (a benchmark of the wrong thing is worthless)."""
    ours = first_last_seen(ev)
    base = pandas_first_last_seen(ev)
    assert (ours["n_events"].to_numpy() == base["n_events"].to_numpy()).all()
    assert (ours["first_seen"].to_numpy() == base["first_seen"].to_numpy()).all()
    ours_p = period_activity(ev, period="week")
    base_p = pandas_period_activity_week(ev)
    assert (ours_p["n_events"].to_numpy() == base_p["n_events"].to_numpy()).all()
    assert (ours_p["period_start"].to_numpy() == base_p["period_start"].to_numpy()).all()
    ours_c = event_counts(ev, window_days=WINDOW_DAYS)
    base_c = pandas_event_counts(ev).reindex(
        index=ours_c.index, columns=ours_c.columns, fill_value=0
    )
    assert (ours_c.to_numpy() == base_c.to_numpy()).all()
    ours_w = window_activity(ev, window_days=WINDOW_DAYS)
    base_w = pandas_window_activity(ev).reindex(ours_w.index)
    assert (ours_w["n_events"].to_numpy() == base_w["n_events"].to_numpy()).all()
    assert (ours_w["active_days"].to_numpy() == base_w["active_days"].to_numpy()).all()


# --------------------------------------------------------------------------- measuring


def best_time(fn: Callable[[pd.DataFrame], object], ev: pd.DataFrame) -> float:
    best = np.inf
    for _ in range(REPEATS):
        gc.collect()
        t = time.perf_counter()
        fn(ev)
        best = min(best, time.perf_counter() - t)
    return float(best)


def peak_mb(fn: Callable[[pd.DataFrame], object], ev: pd.DataFrame) -> float:
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    fn(ev)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 1e6


def main(sizes: tuple[int, ...]) -> None:
    header = f"{'events':>10}  {'operation':<24} {'ours s':>8} {'ours MB':>8} {'pandas s':>9} {'pandas MB':>9} {'time ratio':>10} {'mem ratio':>9}"
    print("peak memory: tracemalloc peak allocated during the call (input frame excluded)")
    print(
        f"time: best of {REPEATS} runs; ratio = pandas / ours (> 1 means ours is faster / smaller)"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        ev = make_events(n)
        if n == min(sizes):
            check_same(ev)
        for name, ours, base in OPERATIONS:
            t_ours, t_base = best_time(ours, ev), best_time(base, ev)
            m_ours, m_base = peak_mb(ours, ev), peak_mb(base, ev)
            print(
                f"{n:>10,}  {name:<24} {t_ours:>8.2f} {m_ours:>8.0f} {t_base:>9.2f} {m_base:>9.0f} "
                f"{t_base / t_ours:>9.1f}x {m_base / m_ours:>8.1f}x",
                flush=True,
            )
        del ev


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
