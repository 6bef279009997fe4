"""campaign_impact at scale: 10M events, 100k accounts, 20,000 exposures.

Run::

    .venv/bin/python benchmarks/bench_impact.py                  # 10M events
    .venv/bin/python benchmarks/bench_impact.py --events 1000000

Data: ``make_events(n, n_accounts=100_000, months=18)`` with the account ids
turned into strings (object dtype, as read from CSV or Parquet). Exposures:
20,000 accounts drawn among those active in the month before their exposure
day, over 60 distinct days in months 9–15 (one campaign).

Baseline (same process, same pandas frame): DuckDB SQL computing what a
"touched vs not touched" analysis computes — for every exposure, the
pre-period active days and events and whether the account was active in the
following 28 days — which is the event-sized part of the work. adoptmetrics
additionally matches every exposure to controls from the risk set at its day
(nearest neighbours per exposure day), computes the balance table, the placebo and the curves.
Time is the best of ``--repeat`` runs; the goal of issue 18 is under 30 s. A
third row runs ``campaign_impact`` on an ``EventLog`` built beforehand (as the
report shares one): no validation or id encoding inside the timing.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import T0, make_events

from adoptmetrics import EventLog
from adoptmetrics.impact import campaign_impact

DUCKDB_SQL = """
WITH days AS (
    SELECT account_id, CAST("timestamp" AS DATE) AS d, count(*) AS n
    FROM ev GROUP BY account_id, d
)
SELECT x.account_id,
       count(*) FILTER (WHERE days.d >= x.t - 28 AND days.d < x.t) AS pre_active_days,
       coalesce(sum(days.n) FILTER (WHERE days.d >= x.t - 28 AND days.d < x.t), 0) AS pre_events,
       count(*) FILTER (WHERE days.d > x.t AND days.d <= x.t + 28) > 0 AS active_after
FROM ex x LEFT JOIN days ON days.account_id = x.account_id
GROUP BY x.account_id
"""


def make_exposures(ev: pd.DataFrame, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = T0 + pd.to_timedelta(rng.integers(270, 450, size=60), unit="D")
    last = ev.groupby("account_id", observed=True)["timestamp"].max()
    first = ev.groupby("account_id", observed=True)["timestamp"].min()
    day = days[rng.integers(0, len(days), size=len(last))]
    ok = (first.to_numpy() < day - pd.Timedelta(days=28)) & (last.to_numpy() > day)
    pool = np.flatnonzero(ok)
    pick = rng.choice(pool, size=min(n, len(pool)), replace=False)
    return pd.DataFrame(
        {
            "account_id": last.index.to_numpy()[pick],
            "campaign": "outreach",
            "exposed_at": np.asarray(day)[pick],
        }
    )


def best_of(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--exposures", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    ev = make_events(args.events, n_accounts=100_000, months=18)
    ev["account_id"] = ev["account_id"].astype(str).astype(object)
    ex = make_exposures(ev, args.exposures)
    con = duckdb.connect()
    con.register("ev", ev)
    con.register("ex", ex.assign(t=ex["exposed_at"].dt.floor("D").dt.date))

    def ours() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            campaign_impact(ev, ex)

    t_ours = best_of(ours, args.repeat)
    t_duck = best_of(lambda: con.execute(DUCKDB_SQL).df(), args.repeat)
    log = EventLog(ev)  # built once, as the report shares it

    def on_log() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            campaign_impact(log, ex)

    t_log = best_of(on_log, args.repeat)
    print(
        f"{'events':>12} {'accounts':>9} {'exposures':>9} {'task':<44} {'seconds':>8} {'ratio':>6}"
    )
    print(
        f"{len(ev):>12,} {100_000:>9,} {len(ex):>9,} "
        f"{'DuckDB SQL: pre-period + outcome per exposure':<44} {t_duck:>8.2f} {1.0:>6.2f}"
    )
    print(
        f"{len(ev):>12,} {100_000:>9,} {len(ex):>9,} "
        f"{'adoptmetrics campaign_impact (matched)':<44} {t_ours:>8.2f} {t_ours / t_duck:>6.2f}"
    )
    print(
        f"{len(ev):>12,} {100_000:>9,} {len(ex):>9,} "
        f"{'  the same on a prebuilt EventLog':<44} {t_log:>8.2f} {t_log / t_duck:>6.2f}"
    )


if __name__ == "__main__":
    main()
