"""Timestamp parsing at the boundary against pandas told the format.

    python benchmarks/bench_timestamps.py [n_rows]

Baseline: ``pd.to_datetime`` given the right format (what a user who knows the
export would write), on the same strings, in the same process. The boundary
additionally detects the convention, refuses ambiguous or mixed values and
converts offsets to UTC.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from adoptmetrics._schema._timestamps import coerce_timestamps


def _best(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    t = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 86400, n), unit="s"
    )
    berlin = pd.Series(
        t.tz_convert("Europe/Berlin")
        .strftime("%Y-%m-%dT%H:%M:%S%z")
        .str.replace(r"(\d\d)(\d\d)$", r"\1:\2", regex=True)
    )
    naive = t.tz_localize(None)
    iso = pd.Series(naive.strftime("%Y-%m-%d %H:%M:%S"))
    ddmm = pd.Series(naive.strftime("%d/%m/%Y %H:%M"))
    cases = [
        ("Berlin ISO, +01:00/+02:00", berlin, {},
         lambda: pd.to_datetime(berlin, utc=True, format="ISO8601")),
        ("naive ISO", iso, {}, lambda: pd.to_datetime(iso, format="ISO8601")),
        ("dd/mm/yyyy hh:mm, dayfirst=True", ddmm, {"dayfirst": True},
         lambda: pd.to_datetime(ddmm, format="%d/%m/%Y %H:%M")),
        ("dd/mm/yyyy hh:mm, time_format", ddmm, {"time_format": "%d/%m/%Y %H:%M"},
         lambda: pd.to_datetime(ddmm, format="%d/%m/%Y %H:%M")),
    ]  # fmt: skip
    print(f"{'strings':34s} {'rows':>10s} {'boundary s':>11s} {'pandas s':>9s} {'ratio':>6s}")
    for name, values, options, baseline in cases:
        ours = _best(
            lambda v=values, o=options: coerce_timestamps(v, table="events", column="ts", **o)
        )
        base = _best(baseline)
        print(f"{name:34s} {n:>10,} {ours:>11.2f} {base:>9.2f} {ours / base:>6.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
