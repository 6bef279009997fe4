"""Engagement counts: adoptmetrics vs the equivalent DuckDB SQL, same frame, same process.

Run::

    .venv/bin/python benchmarks/bench_engagement.py                 # 10M events
    .venv/bin/python benchmarks/bench_engagement.py --sizes 1000000 --repeat 1

Data: ``make_events(n, n_accounts=100_000, months=18)`` (rows in random
order) plus a ``user_id`` (eight users per account, 800,000 in all), with the
ids and event names as Python strings (object dtype, ``--ids object``),
pandas 3's default string dtype as read from Parquet (``--ids str``), or as
generated, categorical (``--ids category``). Tasks, each from the same pandas
frame and including our validation and encoding of the ids:

- ``active_counts(period="day")``: distinct active accounts per day (DAU);
- ``stickiness(short="day", long="month", level="account")``: distinct
  accounts per month and the sum of daily actives per month (DAU/MAU);
- the same at ``level="user"``: an 800,000 × 548 user × day grid, too big
  for a bitmap (the distinct pairs come from the windowed scratch table);
- ``lifecycle(period="week")``: new / returning / resurrecting / dormant per week;
- ``feature_adoption(period="month")``: per event name and month, distinct
  adopters and events, and the distinct active accounts per month.

DuckDB runs the same aggregations in SQL on the registered pandas frame (two
threads, like the machine). ``log s`` is ours again on an ``am.EventLog``
built beforehand (validation and encoding paid once, outside the timing; the
first call at a level also encodes that level's ids, so the best of two runs
is the steady state). At the smallest size the script checks that both
give the same counts. Time is the best of ``--repeat`` runs; the machine is
shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import make_events

import adoptmetrics as am
from adoptmetrics.engagement import active_counts, feature_adoption, lifecycle, stickiness


def _stickiness_sql(entity: str) -> str:
    """DAU/MAU of ``entity`` (``account_id`` or ``user_id``) per month, as stickiness computes it."""
    return f"""
        WITH d AS (SELECT DISTINCT {entity}, date_trunc('day', "timestamp") AS day FROM ev),
        dau AS (SELECT day, count(*) AS n FROM d GROUP BY day)
        SELECT m.period, m.n_active, s.dau_sum / m.n_days AS mean_short_active,
               s.dau_sum / m.n_days / m.n_active AS stickiness
        FROM (SELECT date_trunc('month', day) AS period, count(DISTINCT {entity}) AS n_active,
                     count(DISTINCT day) AS n_days FROM d GROUP BY 1) m
        JOIN (SELECT date_trunc('month', day) AS period, sum(n) AS dau_sum FROM dau GROUP BY 1) s
        USING (period) ORDER BY 1
    """


SQL = {
    "active_counts (day)": """
        SELECT date_trunc('day', "timestamp") AS period, count(DISTINCT account_id) AS n_active
        FROM ev GROUP BY 1 ORDER BY 1
    """,
    "stickiness (DAU/MAU)": _stickiness_sql("account_id"),
    "stickiness (users)": _stickiness_sql("user_id"),
    "lifecycle (week)": """
        WITH w AS (
            SELECT DISTINCT account_id, date_trunc('week', "timestamp") AS wk FROM ev
        ),
        f AS (SELECT account_id, min(wk) AS first_wk FROM w GROUP BY account_id),
        x AS (
            SELECT w.account_id, w.wk, f.first_wk,
                   lag(w.wk) OVER (PARTITION BY w.account_id ORDER BY w.wk) AS prev_wk,
                   lead(w.wk) OVER (PARTITION BY w.account_id ORDER BY w.wk) AS next_wk
            FROM w JOIN f USING (account_id)
        ),
        k AS (
            SELECT wk AS period,
                   CASE WHEN wk = first_wk THEN 'new'
                        WHEN prev_wk = wk - INTERVAL 7 DAY THEN 'returning'
                        ELSE 'resurrecting' END AS kind
            FROM x
            UNION ALL
            SELECT wk + INTERVAL 7 DAY AS period, 'dormant' AS kind FROM x
            WHERE (next_wk IS NULL OR next_wk > wk + INTERVAL 7 DAY)
              AND wk + INTERVAL 7 DAY <= (SELECT max(wk) FROM w)
        )
        SELECT period, kind, count(*) AS n FROM k GROUP BY 1, 2 ORDER BY 1, 2
    """,
    "feature_adoption (month)": """
        WITH m AS (SELECT account_id, event, date_trunc('month', "timestamp") AS period FROM ev),
        a AS (SELECT period, count(DISTINCT account_id) AS n_active FROM m GROUP BY 1),
        f AS (SELECT event, period, count(DISTINCT account_id) AS n_adopters, count(*) AS n_events
              FROM m GROUP BY 1, 2)
        SELECT f.event, f.period, a.n_active, f.n_adopters,
               f.n_adopters / a.n_active AS adoption_rate, f.n_events / f.n_adopters AS per
        FROM f JOIN a USING (period) ORDER BY 1, 2
    """,
}

OURS: dict[str, Callable[[Any], pd.DataFrame]] = {
    "active_counts (day)": lambda ev: active_counts(ev, period="day"),
    "stickiness (DAU/MAU)": lambda ev: stickiness(ev, short="day", long="month", level="account"),
    "stickiness (users)": lambda ev: stickiness(ev, short="day", long="month", level="user"),
    "lifecycle (week)": lambda ev: lifecycle(ev, period="week"),
    "feature_adoption (month)": lambda ev: feature_adoption(ev, period="month"),
}


USERS_PER_ACCOUNT = 8


def string_events(n: int, ids: str = "object") -> pd.DataFrame:
    ev = make_events(n, n_accounts=100_000, months=18)
    rng = np.random.default_rng(1)
    acct = ev["account_id"].cat.codes.to_numpy().astype(np.int64)
    user_code = acct * USERS_PER_ACCOUNT + rng.integers(0, USERS_PER_ACCOUNT, n)
    accounts = ev["account_id"].cat.categories.to_numpy(dtype=object)
    users = np.array(
        [f"{a}-u{k}" for a in accounts for k in range(USERS_PER_ACCOUNT)], dtype=object
    )
    if ids == "category":
        ev["user_id"] = pd.Categorical.from_codes(user_code, categories=users)
        return ev
    dtype = object if ids == "object" else "str"
    return pd.DataFrame({
        "account_id": pd.Series(accounts[acct], dtype=dtype),
        "user_id": pd.Series(users[user_code], dtype=dtype),
        "event": ev["event"].astype(str).astype(dtype),
        "timestamp": ev["timestamp"],
    })  # fmt: skip


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def check(name: str, ours: pd.DataFrame, sql: pd.DataFrame) -> None:
    """Counts agree (the smallest size only)."""
    if name == "active_counts (day)":
        got = ours[ours["n_active"] > 0]["n_active"].to_numpy()
        assert np.array_equal(got, sql["n_active"].to_numpy()), name
    elif name.startswith("stickiness"):
        assert np.array_equal(ours["n_active"].to_numpy(), sql["n_active"].to_numpy()), name
    elif name == "lifecycle (week)":
        wide = sql.pivot_table(index="period", columns="kind", values="n", fill_value=0)
        for kind in ("new", "returning", "resurrecting", "dormant"):
            mine = ours.set_index("period")[kind]
            theirs = wide[kind].reindex(mine.index, fill_value=0) if kind in wide else 0 * mine
            assert np.array_equal(mine.to_numpy(), np.asarray(theirs)), (name, kind)
    else:
        mine = ours[ours["n_adopters"] > 0]
        assert mine["n_adopters"].sum() == sql["n_adopters"].sum(), name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--ids", nargs="*", default=["object", "str", "category"])
    args = parser.parse_args()
    header = (
        f"{'events':>11} {'ids':<9} {'operation':<26} {'ours s':>8} {'log s':>7} "
        f"{'duckdb s':>9} {'duckdb/ours':>12} {'duckdb/log':>11}"
    )
    print(header)
    print("-" * len(header))
    for i, n in enumerate(args.sizes):
        for ids in args.ids:
            ev = string_events(n, ids)
            con = duckdb.connect()
            con.execute("SET threads TO 2")
            con.register("ev", ev)
            log = am.EventLog(ev)
            for name, sql in SQL.items():
                t_ours, ours = best(lambda name=name, ev=ev: OURS[name](ev), args.repeat)
                t_log, on_log = best(lambda name=name, log=log: OURS[name](log), args.repeat)
                t_sql, theirs = best(lambda sql=sql, con=con: con.execute(sql).df(), args.repeat)
                if i == 0:
                    check(name, ours, theirs)  # type: ignore[arg-type]
                    pd.testing.assert_frame_equal(on_log, ours)  # type: ignore[arg-type]
                print(
                    f"{n:>11,} {ids:<9} {name:<26} {t_ours:>8.2f} {t_log:>7.2f} {t_sql:>9.2f} "
                    f"{t_sql / t_ours:>11.2f}x {t_sql / t_log:>10.2f}x"
                )
            del log
            con.close()


if __name__ == "__main__":
    main()
