"""The monthly MRR bridge: adoptmetrics.mrr_bridge vs DuckDB SQL (window functions), same process.

Run::

    python benchmarks/bench_mrr_bridge.py                      # 10k, 100k, 300k accounts
    python benchmarks/bench_mrr_bridge.py --accounts 10000 --repeat 1

Data: ``n`` accounts over 36 months with string ids (as read from CSV), each
with a start month, a churn month for about half of them, a 5 % chance of a
missing month (a gap: churn, then reactivation), some MRR-0 rows, and
expansions and contractions. Task: per month, new / expansion / reactivation /
contraction / churned MRR and their counts. DuckDB starts from the same
pandas frame and computes the bridge with ``lag``/``lead`` over each account's
months; its result is checked against ours (same numbers) before timing.
Time is the best of ``--repeat`` runs; the machine is shared, so timings are
noisy.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from adoptmetrics.retention import mrr_bridge

MONTHS = 36

DUCKDB_SQL = """
WITH m AS (SELECT account_id, month, mrr FROM mrr WHERE mrr > 0),
s AS (
    SELECT account_id, month, mrr,
           lag(month) OVER w AS pm, lag(mrr) OVER w AS pv, lead(month) OVER w AS nm
    FROM m WINDOW w AS (PARTITION BY account_id ORDER BY month)
),
moves AS (
    SELECT month,
        CASE WHEN pm IS NULL THEN mrr ELSE 0 END AS new_mrr,
        CASE WHEN pm = month - INTERVAL 1 MONTH AND mrr > pv THEN mrr - pv ELSE 0 END
            AS expansion_mrr,
        CASE WHEN pm < month - INTERVAL 1 MONTH THEN mrr ELSE 0 END AS reactivation_mrr,
        CASE WHEN pm = month - INTERVAL 1 MONTH AND mrr < pv THEN pv - mrr ELSE 0 END
            AS contraction_mrr,
        0.0 AS churned_mrr,
        (pm IS NULL)::INT AS n_new,
        (pm = month - INTERVAL 1 MONTH AND mrr > pv)::INT AS n_expanded,
        (pm < month - INTERVAL 1 MONTH)::INT AS n_reactivated,
        (pm = month - INTERVAL 1 MONTH AND mrr < pv)::INT AS n_contracted,
        0 AS n_churned
    FROM s
    UNION ALL
    SELECT month + INTERVAL 1 MONTH, 0, 0, 0, 0, mrr, 0, 0, 0, 0, 1
    FROM s
    WHERE (nm IS NULL OR nm > month + INTERVAL 1 MONTH)
      AND month + INTERVAL 1 MONTH <= (SELECT max(month) FROM mrr)
)
SELECT month,
    sum(new_mrr) AS new_mrr, sum(expansion_mrr) AS expansion_mrr,
    sum(reactivation_mrr) AS reactivation_mrr, sum(contraction_mrr) AS contraction_mrr,
    sum(churned_mrr) AS churned_mrr, sum(n_new) AS n_new, sum(n_expanded) AS n_expanded,
    sum(n_reactivated) AS n_reactivated, sum(n_contracted) AS n_contracted,
    sum(n_churned) AS n_churned
FROM moves GROUP BY month ORDER BY month
"""

COMPARED = [
    "new_mrr",
    "expansion_mrr",
    "reactivation_mrr",
    "contraction_mrr",
    "churned_mrr",
    "n_new",
    "n_expanded",
    "n_reactivated",
    "n_contracted",
    "n_churned",
]


def make_mrr(n_accounts: int, seed: int = 0) -> pd.DataFrame:
    """Account × month MRR with gaps, zeros, expansions and contractions (string ids)."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, MONTHS - 1, n_accounts)
    churn = np.where(rng.random(n_accounts) < 0.5, rng.integers(1, MONTHS + 1, n_accounts), MONTHS)
    end = np.clip(np.maximum(churn, start + 1), None, MONTHS)
    length = end - start
    acc = np.repeat(np.arange(n_accounts), length)
    offset = np.arange(len(acc)) - np.repeat(np.cumsum(length) - length, length)
    month = start[acc] + offset
    base = rng.choice([29.0, 49.0, 99.0, 199.0, 499.0], n_accounts)
    steps = rng.choice([0.8, 1.0, 1.0, 1.0, 1.0, 1.25], len(acc))
    # Expansion and contraction as a running product within each account.
    log_level = np.cumsum(np.log(steps))
    log_level -= np.repeat(log_level[np.cumsum(length) - length], length)
    value = np.round(base[acc] * np.exp(log_level), 2)
    value[rng.random(len(acc)) < 0.01] = 0.0  # paused months
    keep = rng.random(len(acc)) >= 0.05  # missing months (gaps)
    frame = pd.DataFrame(
        {
            "account_id": np.char.add("acct-", acc[keep].astype(str)).astype(object),
            "month": pd.Timestamp("2022-01-01").to_period("M").to_timestamp()
            + pd.to_timedelta(0, unit="D"),
            "mrr": value[keep],
        }
    )
    months = pd.date_range("2022-01-01", periods=MONTHS, freq="MS")
    frame["month"] = months[month[keep]]
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def duck(con: duckdb.DuckDBPyConnection, mrr: pd.DataFrame) -> pd.DataFrame:
    con.register("mrr", mrr)
    out: pd.DataFrame = con.execute(DUCKDB_SQL).df()
    con.unregister("mrr")
    return out


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    con = duckdb.connect()
    print("| accounts | MRR rows | adoptmetrics | DuckDB SQL | DuckDB / ours |")
    print("|---|---|---|---|---|")
    for n in args.accounts:
        mrr = make_mrr(n)
        ours = mrr_bridge(mrr)
        theirs = duck(con, mrr)
        theirs["month"] = pd.to_datetime(theirs["month"]).astype("datetime64[ns]")
        merged = ours.merge(theirs, on="month", how="left", suffixes=("", "_sql")).fillna(0)
        for col in COMPARED:  # same answer before timing
            np.testing.assert_allclose(merged[col], merged[f"{col}_sql"], rtol=1e-9, atol=1e-6)
        t_ours = best(lambda mrr=mrr: mrr_bridge(mrr), args.repeat)  # type: ignore[misc]
        t_duck = best(lambda mrr=mrr: duck(con, mrr), args.repeat)  # type: ignore[misc]
        print(
            f"| {n:,} | {len(mrr):,} | {t_ours:.3f} s | {t_duck:.3f} s | {t_duck / t_ours:.1f}× |"
        )


if __name__ == "__main__":
    main()
