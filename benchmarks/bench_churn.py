"""Churn: ``churn_curve`` vs DuckDB SQL, and ``fit_churn_model`` vs lifelines, same process.

Run::

    .venv/bin/python benchmarks/bench_churn.py                      # 5M accounts, 1M x 10 Cox
    .venv/bin/python benchmarks/bench_churn.py --accounts 1000000 --cox-rows 200000

Data: accounts with string ids (``acc0000000``, ... as read from CSV/Parquet,
numpy object dtype), starts uniform over three years, exponential lifetimes
(mean 400 days), 10 % never churn; ``as_of`` cuts the last year's churns.

* Life table, with the ids as numpy objects (pandas 2's ``read_csv``), as
  pandas 3's default ``str`` dtype (Arrow-backed) and as ``string[pyarrow]``;
  the rows come in id order (as exports ordered by their key do) and, in the
  ``shuffled`` rows, in random order (``object, shuffled`` keeps each string
  object where it was, as a shuffle or sort in memory does; ``object,
  shuffled file`` has new objects made in row order, as ``read_csv`` of a
  shuffled file makes them):
  ``churn_curve(accounts, as_of=...)`` (validation, censoring,
  whole-day durations, Kaplan–Meier with Greenwood bands) against DuckDB
  computing the same life table — churns and accounts at risk per whole day
  of tenure — from the same pandas frame by SQL (no bands). The two tables
  are checked equal. The library proves the ids unique and not null (ids in
  ascending order by one comparison of neighbours; shuffled ids of one
  length by a sort of one integer per id); the SQL does not read them.
* Cox: ``fit_churn_model`` on ``--cox-rows`` accounts × 10 numeric
  covariates against lifelines' ``CoxPHFitter`` (when installed) on
  ``--lifelines-rows`` rows of the same data; hazard ratios are compared on
  the lifelines subsample.

Time is the best of ``--repeat`` runs. The machine is shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from adoptmetrics.churn import churn_curve, fit_churn_model

T0 = pd.Timestamp("2022-01-01")
AS_OF = pd.Timestamp("2024-12-31")


def make_accounts(n: int, *, covariates: int = 0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = T0.value + rng.integers(0, 3 * 365 * 86_400, n) * 10**9
    x = rng.normal(size=(n, covariates))
    risk = np.exp(x[:, :3] @ np.array([0.3, -0.2, 0.1])[: min(3, covariates)]) if covariates else 1
    life = (rng.exponential(400.0, n) / risk * 86_400 * 10**9).astype(np.int64)
    churn = np.where(rng.random(n) < 0.9, start + life, np.iinfo(np.int64).min)
    ids = np.char.add("acc", np.char.zfill(np.arange(n).astype(str), 7)).astype(object)
    frame = pd.DataFrame(
        {
            "account_id": ids,
            "started_at": pd.to_datetime(start),
            "churned_at": pd.to_datetime(np.where(churn == np.iinfo(np.int64).min, None, churn)),
        }
    )
    # pandas 3 infers its str dtype from an object array of strings: keep the objects.
    frame["account_id"] = frame["account_id"].astype(object)
    for k in range(covariates):
        frame[f"x{k}"] = x[:, k]
    return frame


LIFE_TABLE_SQL = """
WITH d AS (
    SELECT
        CAST(floor((epoch_ns(CASE WHEN churned_at <= $as_of THEN churned_at ELSE $as_of END)
                    - epoch_ns(started_at)) / 86400e9) AS BIGINT) AS duration,
        churned_at IS NOT NULL AND churned_at <= $as_of AS churned
    FROM acc
    WHERE started_at <= $as_of
), t AS (
    SELECT duration, count(*) AS n_left, sum(CAST(churned AS BIGINT)) AS n_churned
    FROM d GROUP BY duration
)
SELECT duration AS time,
       sum(n_left) OVER (ORDER BY duration DESC) AS n_at_risk,
       n_churned
FROM t ORDER BY duration
"""


def duckdb_life_table(con: duckdb.DuckDBPyConnection, acc: pd.DataFrame) -> pd.DataFrame:
    con.register("acc", acc)
    out = con.execute(LIFE_TABLE_SQL, {"as_of": AS_OF.to_pydatetime()}).df()
    con.unregister("acc")
    return out


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5_000_000)
    parser.add_argument("--cox-rows", type=int, default=1_000_000)
    parser.add_argument("--lifelines-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"## churn_curve vs DuckDB life table, {args.accounts:,} string-id accounts\n")
    acc = make_accounts(args.accounts)
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    print("| ids | engine | seconds | ratio to DuckDB |")
    print("|---|---|---:|---:|")
    same = True
    kinds = ["object", "string[pyarrow]"]
    if int(pd.__version__.split(".")[0]) >= 3:
        kinds.insert(1, "str")  # pandas 3's default string dtype
    frames = [
        (k, acc if k == "object" else acc.assign(account_id=acc["account_id"].astype(k)))
        for k in kinds
    ]
    shuffle = np.random.default_rng(2).permutation(len(acc))
    frames += [(f"{k}, shuffled", f.take(shuffle)) for k, f in frames if k != "string[pyarrow]"]
    # A shuffled file read by read_csv: new string objects, made in row order (the
    # "object, shuffled" frame keeps the objects where they were, as a sort in memory does).
    fresh = dict(frames)["object, shuffled"]
    objects = fresh["account_id"].to_numpy().astype(str).astype(object)
    frames.append(("object, shuffled file", fresh.assign(account_id=objects)))
    for kind, frame in frames:
        t_lib, curve = best(lambda f=frame: churn_curve(f, as_of=AS_OF), args.repeat)
        t_db, table = best(lambda f=frame: duckdb_life_table(con, f), args.repeat)
        mine = curve[["time", "n_at_risk", "n_churned"]]
        sql = table[table["n_churned"] > 0].reset_index(drop=True)
        ours = mine[mine["n_churned"] > 0].reset_index(drop=True)
        same &= np.array_equal(ours.to_numpy(np.int64), sql.to_numpy(np.int64))
        print(f"| {kind} | adoptmetrics churn_curve | {t_lib:.2f} | {t_lib / t_db:.2f} |")
        print(f"| {kind} | DuckDB SQL life table | {t_db:.2f} | 1.00 |")
    print(f"\nlife tables equal (days with churn): {same}\n")

    print("## fit_churn_model, 10 numeric covariates\n")
    cox = make_accounts(args.cox_rows, covariates=10, seed=1)
    names = [f"x{k}" for k in range(10)]
    t_fit, model = best(
        lambda: fit_churn_model(cox, covariates=names, as_of=AS_OF), max(1, args.repeat - 2)
    )
    rows = [("adoptmetrics fit_churn_model", args.cox_rows, t_fit)]
    try:
        from lifelines import CoxPHFitter
    except ImportError:
        CoxPHFitter = None
    if CoxPHFitter is not None and args.lifelines_rows:
        sub = cox.iloc[: args.lifelines_rows]
        t_sub, m_sub = best(lambda: fit_churn_model(sub, covariates=names, as_of=AS_OF), 1)
        rows.append(("adoptmetrics fit_churn_model", args.lifelines_rows, t_sub))
        churned = sub["churned_at"].notna() & (sub["churned_at"] <= AS_OF)
        end = sub["churned_at"].where(churned, AS_OF)
        frame = sub[names].assign(
            duration=((end - sub["started_at"]) // pd.Timedelta(days=1)).astype(float),
            churned=churned.astype(int),
        )

        def fit_lifelines() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return CoxPHFitter().fit(frame, duration_col="duration", event_col="churned")

        t_ll, cph = best(fit_lifelines, 1)
        rows.append(("lifelines CoxPHFitter", args.lifelines_rows, t_ll))
        hr = m_sub.summary.set_index("covariate")["hazard_ratio"]
        rel = float(np.max(np.abs(hr / cph.hazard_ratios_[hr.index] - 1)))
        print(f"max relative difference of hazard ratios vs lifelines: {rel:.1e}\n")
    print("| fit | rows | seconds |")
    print("|---|---:|---:|")
    for name, n, t in rows:
        print(f"| {name} | {n:,} | {t:.2f} |")
    print(f"\nconcordance {model.concordance:.3f}, {model.n_churned:,} churns")


if __name__ == "__main__":
    main()
