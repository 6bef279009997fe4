"""Benchmark: success_paths on 100k accounts × ~20 events in the window, 30 event types.

Prints a table: adoptmetrics.success_paths (whole call: windowing, mining of all
ordered patterns up to length 3, adjusted fits, forward selection) beside a
PrefixSpan count (the ``prefixspan`` package, frequent patterns with the same
minimum support) — run on a subsample and extrapolated linearly when it is too
slow for the full data, which the table says.

Run: ``.venv/bin/python benchmarks/bench_onboarding.py [n_accounts]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from adoptmetrics.onboarding import success_paths

T0 = pd.Timestamp("2024-01-01")


def make_onboarding(n: int, *, n_types: int = 30, mean_events: int = 20, seed: int = 0):
    """Onboarding-shaped log: ~mean_events per account in its first 14 days, a planted pair."""
    rng = np.random.default_rng(seed)
    k = rng.poisson(mean_events, n)
    acc = np.repeat(np.arange(n), k)
    weights = 1.0 / np.arange(1, n_types + 1) ** 0.5
    codes = rng.choice(n_types, size=len(acc), p=weights / weights.sum())
    secs = rng.integers(0, 14 * 86_400, len(acc))
    ids = np.array([f"acc{i:06d}" for i in range(n)])
    names = np.array([f"event_{i:02d}" for i in range(n_types)])
    ev = pd.DataFrame(
        {
            "account_id": pd.Categorical.from_codes(acc, ids),
            "event": pd.Categorical.from_codes(codes, names),
            "timestamp": T0 + pd.to_timedelta(secs, unit="s"),
        }
    )
    # outcome: planted ordered pair event_05 … event_09, plus activity
    order = np.lexsort((secs, acc))
    a_s, c_s, t_s = acc[order], codes[order], secs[order]
    big = np.iinfo(np.int64).max
    first5 = np.full(n, big)
    np.minimum.at(first5, a_s[c_s == 5], t_s[c_s == 5])
    last9 = np.full(n, -1)
    np.maximum.at(last9, a_s[c_s == 9], t_s[c_s == 9])
    pair = (first5 < last9).astype(float)
    eta = -1.0 + np.log(3.0) * pair + 0.05 * (k - mean_events)
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    return ev, pd.Series(y, index=ids)


def prefixspan_seconds(ev: pd.DataFrame, n: int, min_support: float, max_length: int):
    from prefixspan import PrefixSpan  # benchmark-only dependency

    sub = ev.sort_values(["account_id", "timestamp"])
    seqs = sub.groupby("account_id", observed=True)["event"].agg(lambda s: list(s.cat.codes))
    seqs = list(seqs.iloc[:n])
    t = time.perf_counter()
    ps = PrefixSpan(seqs)
    ps.maxlen = max_length
    found = ps.frequent(max(1, int(min_support * len(seqs))))
    return time.perf_counter() - t, len(found)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    ev, y = make_onboarding(n)
    t = time.perf_counter()
    res = success_paths(ev, y, window_days=14, max_length=3, min_support=0.01)
    ours = time.perf_counter() - t
    sub_n = min(n, 5_000)
    ps_t, ps_found = prefixspan_seconds(ev, sub_n, 0.01, 3)
    ps_full = ps_t * n / sub_n
    print(f"accounts: {n:,}   events in windows: {len(ev):,}   event types: 30   max_length: 3")
    print(f"{'method':<44}{'seconds':>10}{'patterns':>10}")
    print(f"{'adoptmetrics.success_paths (full analysis)':<44}{ours:>10.1f}{len(res):>10,}")
    label = f"prefixspan count ({sub_n:,} accts, measured)"
    print(f"{label:<44}{ps_t:>10.1f}{ps_found:>10,}")
    if sub_n < n:
        label = f"prefixspan count ({n:,} accts, extrapolated)"
        print(f"{label:<44}{ps_full:>10.1f}{'':>10}")
    print("selected:", list(res.loc[res["selected"], "pattern"]))


if __name__ == "__main__":
    main()
