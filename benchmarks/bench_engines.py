"""Events held by other engines: pandas, Polars, PyArrow, DuckDB, Spark inputs; a big Parquet file.

Run::

    .venv/bin/python benchmarks/bench_engines.py                       # 2M events, no Spark
    .venv/bin/python benchmarks/bench_engines.py --events 2000000 --spark
    .venv/bin/python benchmarks/bench_engines.py --events 0 --parquet-events 40000000

Part 1 (``--events``): ``make_events(n, n_accounts=100_000, months=18)`` with
string account ids, held by each engine; every function is called on each
input. Lazy inputs (Polars LazyFrame, DuckDB relation, Spark) keep the events
in their engine: ``activity_cells``, ``first_last_seen`` and
``cohort_retention`` are reduced there and only the compact (account × week)
cells are collected; ``active_counts`` and ``stickiness`` (no segments) count
distinct accounts there and collect only the counts.

Part 2 (``--parquet-events``): a Parquet file of that many events (written
once, in chunks, under ``--dir``), read through a DuckDB relation
(``duckdb.read_parquet``). Each function runs in a fresh child process whose
peak resident memory (``ru_maxrss``) is reported, next to DuckDB SQL doing the
weekly retention counts on the same file, and to loading the file into pandas.
The machine is shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import make_events

import adoptmetrics as am
from adoptmetrics.activity import activity_cells, first_last_seen

FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "activity_cells(week)": lambda ev: activity_cells(ev, period="week", event_col=None),
    "first_last_seen": lambda ev: first_last_seen(ev, event_col=None),
    "cohort_retention(week)": lambda ev: am.cohort_retention(ev, period="week"),
    "active_counts(day)": lambda ev: am.engagement.active_counts(ev, period="day"),
    "stickiness(account)": lambda ev: am.engagement.stickiness(ev, level="account"),
}

DUCKDB_SQL = """
WITH act AS (SELECT DISTINCT account_id, date_trunc('week', "timestamp") AS wk FROM {src}),
coh AS (SELECT account_id, min(wk) AS cohort FROM act GROUP BY account_id)
SELECT c.cohort, datediff('week', c.cohort, a.wk) AS period, count(*) AS n_retained
FROM act a JOIN coh c USING (account_id) GROUP BY ALL
"""


def string_events(n: int, seed: int = 0) -> pd.DataFrame:
    ev = make_events(n, n_accounts=100_000, months=18, seed=seed)
    labels = ev["account_id"].cat.categories.astype(str).to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "account_id": labels[ev["account_id"].cat.codes.to_numpy()],
            "timestamp": ev["timestamp"].to_numpy(),
        }
    )


def inputs(ev: pd.DataFrame, spark: bool) -> dict[str, Any]:
    import polars as pl
    import pyarrow as pa

    table = pa.Table.from_pandas(ev, preserve_index=False)
    out: dict[str, Any] = {
        "pandas (object ids)": ev,
        "polars": pl.from_arrow(table),
        "polars lazy": pl.from_arrow(table).lazy(),  # type: ignore[union-attr]
        "pyarrow": table,
        "duckdb relation": duckdb.from_arrow(table),
    }
    if spark:
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[2]")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        out["spark"] = session.createDataFrame(table.to_pandas()).cache()
        out["spark"].count()
    return out


def part1(n: int, repeat: int, spark: bool) -> None:
    ev = string_events(n)
    rows = []
    base: dict[str, float] = {}
    for label, frame in inputs(ev, spark).items():
        for fname, fn in FUNCTIONS.items():
            best = float("inf")
            for _ in range(repeat):
                gc.collect()
                t = time.perf_counter()
                fn(frame)
                best = min(best, time.perf_counter() - t)
            base.setdefault(fname, best)
            rows.append(
                {
                    "events": f"{n:,}",
                    "input": label,
                    "function": fname,
                    "seconds": round(best, 3),
                    "vs pandas input": f"{best / base[fname]:.2f}x",
                }
            )
            print(rows[-1], flush=True)
    print(pd.DataFrame(rows).to_string(index=False))


def write_parquet(path: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = 5_000_000
    writer = None
    for i, lo in enumerate(range(0, n, chunk)):
        part = string_events(min(chunk, n - lo), seed=i)
        table = pa.Table.from_pandas(part, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        del part, table
        gc.collect()
    if writer is not None:
        writer.close()


def child(task: str, path: str) -> None:
    """One task in this (fresh) process; prints seconds and peak RSS as JSON."""
    t = time.perf_counter()
    if task == "duckdb SQL (weekly retention)":
        con = duckdb.connect()
        con.execute("SET threads TO 2")
        con.execute(DUCKDB_SQL.format(src=f"read_parquet('{path}')")).df()
    elif task == "pd.read_parquet (load only)":
        pd.read_parquet(path)
    else:
        rel = duckdb.read_parquet(path)
        FUNCTIONS[task](rel)
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def part2(n: int, directory: Path, tasks: list[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"events_{n}.parquet"
    if not path.exists():
        t = time.perf_counter()
        write_parquet(path, n)
        print(f"wrote {path} in {time.perf_counter() - t:.0f} s", flush=True)
    rows = []
    for task in tasks:
        done = subprocess.run(
            [sys.executable, __file__, "--child", task, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            rows.append({"task": task, "seconds": "failed", "peak RSS MB": done.stderr[-200:]})
        else:
            out = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(
                {
                    "task": task,
                    "seconds": round(out["seconds"], 2),
                    "peak RSS MB": round(out["peak_mb"]),
                }
            )
        print(rows[-1], flush=True)
    print(f"\n{n:,} events in {path.name} ({path.stat().st_size / 1e6:.0f} MB), via DuckDB")
    print(pd.DataFrame(rows).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--parquet-events", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/adoptmetrics-bench"))
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=[
            "activity_cells(week)",
            "first_last_seen",
            "cohort_retention(week)",
            "active_counts(day)",
            "stickiness(account)",
            "duckdb SQL (weekly retention)",
        ],
    )
    parser.add_argument("--child", nargs=2, metavar=("TASK", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.events:
        part1(args.events, args.repeat, args.spark)
    if args.parquet_events:
        part2(args.parquet_events, args.dir, args.tasks)


if __name__ == "__main__":
    main()
