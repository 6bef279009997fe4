"""Weekly cohort retention: adoptmetrics vs DuckDB SQL vs plain pandas, same process.

Run::

    .venv/bin/python benchmarks/bench_retention.py            # 1M and 10M events
    .venv/bin/python benchmarks/bench_retention.py --sizes 1000000 --repeat 1

Data: ``make_events(n, n_accounts=100_000, months=18)`` (random row order),
with the account ids held four ways, as users have them:

- ``object``: Python strings, one object per distinct id — what
  ``pd.read_csv`` and ``pd.read_parquet`` give for a string column (pandas 2
  default);
- ``str (pandas 3 default)``: ``pd.StringDtype("pyarrow")``, Arrow-backed, what
  pandas 3 reads string columns as;
- ``arrow``: ``pd.ArrowDtype(pa.string())``;
- ``categorical``;
- ``EventLog``: an ``am.EventLog`` of the object frame, already built (its
  build time is shown in its own row); ``EventLog (again)`` is a second call
  on the same log, which reuses the log's memoised activity cells.

Task: weekly ``mode="on"`` retention, i.e. for every (first-active-week
cohort, weeks since) the number of accounts active in that week, plus cohort
sizes. Each of our runs is one shot from the frame, validation included; DuckDB
runs its SQL on the same pandas frame in the same process (2 threads).

Time is the best of ``--repeat`` runs. Peak memory is the peak of Python-visible
allocations (``tracemalloc``; NumPy and pandas buffers are traced) during one
run, next to the input frame's size; DuckDB allocates natively, outside
tracemalloc, so its peak is not comparable and is not shown. The machine is
shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import make_events

from adoptmetrics import EventLog
from adoptmetrics.retention import cohort_retention

MONDAY = pd.Timestamp("1969-12-29")

DUCKDB_SQL = """
WITH act AS (
    SELECT DISTINCT account_id, date_trunc('week', "timestamp") AS wk FROM ev
),
coh AS (SELECT account_id, min(wk) AS cohort FROM act GROUP BY account_id),
sizes AS (SELECT cohort, count(*) AS cohort_size FROM coh GROUP BY cohort)
SELECT c.cohort, datediff('week', c.cohort, a.wk) AS period, s.cohort_size,
       count(*) AS n_retained
FROM act a JOIN coh c USING (account_id) JOIN sizes s USING (cohort)
GROUP BY c.cohort, period, s.cohort_size
ORDER BY c.cohort, period
"""


def ours(ev: pd.DataFrame) -> pd.DataFrame:
    return cohort_retention(ev, period="week", mode="on")


def ours_on_or_after(ev: pd.DataFrame) -> pd.DataFrame:
    return cohort_retention(ev, period="week", mode="on_or_after")


def plain_pandas(ev: pd.DataFrame) -> pd.DataFrame:
    """What an analyst would write: distinct (account, week), first week, group and count."""
    week = (ev["timestamp"] - MONDAY).dt.days // 7
    act = pd.DataFrame({"account_id": ev["account_id"], "week": week}).drop_duplicates()
    cohort = act.groupby("account_id", observed=True)["week"].transform("min")
    act = act.assign(cohort=cohort, period=act["week"] - cohort)
    sizes = act.loc[act["period"] == 0].groupby("cohort").size().rename("cohort_size")
    out = act.groupby(["cohort", "period"]).size().rename("n_retained").reset_index()
    return out.join(sizes, on="cohort")


def make_duckdb(ev: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("ev", ev)

    def run(_: pd.DataFrame) -> pd.DataFrame:
        out: pd.DataFrame = con.execute(DUCKDB_SQL).df()
        return out

    return run


def measure(
    fn: Callable[[pd.DataFrame], pd.DataFrame], ev: pd.DataFrame, repeat: int, trace: bool
) -> tuple[float, float | None, pd.DataFrame]:
    best = float("inf")
    out = pd.DataFrame()
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn(ev)
        best = min(best, time.perf_counter() - t)
    peak = None
    if trace:
        gc.collect()
        tracemalloc.start()
        fn(ev)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return best, peak, out


def check_same(a: pd.DataFrame, b: pd.DataFrame, label: str) -> None:
    """Nonzero cells must agree (SQL and pandas omit zero cells; we report them).

    Compares the multisets of (period, n_retained) pairs: the cohort labels differ in
    type between engines (timestamps vs week numbers).
    """
    a = a[a["n_retained"] > 0]

    def pairs(f: pd.DataFrame) -> np.ndarray:
        p = np.column_stack([f["period"].to_numpy(np.int64), f["n_retained"].to_numpy(np.int64)])
        return p[np.lexsort((p[:, 1], p[:, 0]))]

    pa, pb = pairs(a), pairs(b)
    if pa.shape != pb.shape or not np.array_equal(pa, pb):
        raise SystemExit(f"result mismatch against {label}")


def id_variants(ev: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The same events with object, Arrow and categorical account ids."""
    import pyarrow as pa

    labels = ev["account_id"].cat.categories.astype(str).to_numpy(dtype=object)
    shared = labels[ev["account_id"].cat.codes.to_numpy()]  # as read_csv/read_parquet give
    ts = ev["timestamp"].to_numpy()
    # dtype=object explicitly: pandas 3 would infer its Arrow-backed ``str`` dtype.
    base = pd.DataFrame({"account_id": pd.Series(shared, dtype=object), "timestamp": ts})
    return {
        "object": base,
        "str (pandas 3 default)": base.astype({"account_id": pd.StringDtype("pyarrow")}),
        "arrow": base.astype({"account_id": pd.ArrowDtype(pa.string())}),
        "categorical": base.astype({"account_id": "category"}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pandas", action="store_true", help="skip the plain-pandas row")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        variants = id_variants(make_events(n, n_accounts=100_000, months=18))
        for ids, ev in variants.items():
            input_mb = ev.memory_usage(deep=True).sum() / 1e6
            duck_fn = make_duckdb(ev)
            duck, _, duck_out = measure(duck_fn, ev, args.repeat, False)
            engines: list[tuple[str, Callable[[pd.DataFrame], pd.DataFrame], int, bool]] = [
                ("adoptmetrics (on)", ours, args.repeat, True),
            ]
            if ids == "object":
                engines.append(("adoptmetrics (on_or_after)", ours_on_or_after, args.repeat, False))
                if not args.no_pandas:
                    engines.append(("plain pandas (on)", plain_pandas, 1, False))
            results = {name: measure(fn, ev, rep, trace) for name, fn, rep, trace in engines}
            check_same(results["adoptmetrics (on)"][2], duck_out, "duckdb")
            if ids == "object":
                gc.collect()
                t = time.perf_counter()
                log = EventLog(ev)
                build = time.perf_counter() - t
                t = time.perf_counter()
                first = cohort_retention(log, period="week", mode="on")  # type: ignore[arg-type]
                once = time.perf_counter() - t
                check_same(first, duck_out, "duckdb (EventLog)")
                again, _, _ = measure(ours, log, args.repeat, False)  # type: ignore[arg-type]
                results["EventLog: build (validate + encode)"] = (build, None, first)
                results["EventLog: cohort_retention"] = (once, None, first)
                results["EventLog: cohort_retention again"] = (again, None, first)
            results["duckdb SQL (on)"] = (duck, None, duck_out)
            for name, (sec, peak, _) in results.items():
                rows.append(
                    {
                        "events": f"{n:,}",
                        "ids": ids,
                        "engine": name,
                        "seconds": round(sec, 3),
                        "vs duckdb": f"{duck / sec:.2f}x",
                        "peak MB": "n/a" if peak is None else round(peak),
                        "input MB": round(input_mb),
                    }
                )
            print(pd.DataFrame(rows[-len(results) :]).to_string(index=False), flush=True)
        del variants
        gc.collect()
    print()
    print(pd.DataFrame(rows).to_string(index=False))
    print("\n'vs duckdb' > 1 means faster than DuckDB on the same frame (same ids).")
    print("Timings are noisy on a shared machine.")


if __name__ == "__main__":
    main()
