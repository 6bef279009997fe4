"""Expansion: trigger_lift, expansion_scores and backtest_expansion at report scale vs DuckDB SQL.

Run::

    .venv/bin/python benchmarks/bench_expansion.py                   # 50,000 accounts, 24 months
    .venv/bin/python benchmarks/bench_expansion.py --accounts 10000 --shuffle

Data: ``simulate_saas(accounts, months=24, seed=0)`` (50,000 accounts: 8.2M
events, 34k expansions) with string ids, as read from Parquet (cached under
``/tmp/adoptmetrics-bench``). ``--shuffle`` puts the events in random row
order (the library then sorts them by time; a log read in time order skips
that). Each row of the table is one call, in the same process, on the same
pandas frames:

- ``EventLog``: validating and encoding the string ids once;
- ``trigger_lift`` with every event type as a trigger (25 triggers, horizon
  90 days, accounts given), from the pandas frame (one shot, validation
  included) and from the ``EventLog``;
- ``backtest_expansion`` and ``expansion_scores`` with the 8 strongest
  triggers, from the ``EventLog`` (each fits the hazard model on about two
  million account-weeks);
- the baseline: one DuckDB SQL query on the same pandas frames computing the
  event-sized part of ``trigger_lift`` only — per event type, the alerts
  (firings with no firing in the 90 days before, inside the account's at-risk
  time) whose horizon has closed, and how many were followed by an expansion
  within 90 days (``n_fired``, ``n_expanded``). ``trigger_lift`` computes those
  and the person-time rate ratio with clustered intervals; the two counts are
  compared and must agree.

Times are the best of ``--repeat`` runs (``time.perf_counter``); the machine
is shared, so compare ratios measured in the same run.

Last run: see benchmarks/README.md (section ``bench_expansion.py``).
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

import adoptmetrics as am
from adoptmetrics.expansion import backtest_expansion, expansion_scores, trigger_lift

HORIZON = 90

DUCKDB_SQL = """
WITH acc AS (
    SELECT account_id, started_at AS s,
           CASE WHEN churned_at IS NOT NULL AND churned_at <= $as_of THEN churned_at
                ELSE $as_of END AS e,
           churned_at IS NOT NULL AND churned_at <= $as_of AS churned
    FROM accounts WHERE started_at <= $as_of
),
f AS (
    SELECT DISTINCT ev.account_id, ev.event, ev."timestamp" AS t, acc.e, acc.churned
    FROM events ev JOIN acc USING (account_id)
    WHERE ev."timestamp" BETWEEN acc.s AND acc.e
),
g AS (
    SELECT *, LAG(t) OVER (PARTITION BY account_id, event ORDER BY t) AS prev FROM f
),
alerts AS (
    SELECT account_id, event, t, e, churned FROM g
    WHERE prev IS NULL OR t - prev > INTERVAL (CAST($h AS INTEGER)) DAY
),
x AS (
    SELECT x.account_id, x."timestamp" AS xt FROM expansions x JOIN acc USING (account_id)
    WHERE x."timestamp" BETWEEN acc.s AND acc.e
),
hit AS (
    SELECT a.event, a.account_id, a.t, a.e, a.churned, MIN(x.xt) AS first_x
    FROM alerts a LEFT JOIN x
      ON x.account_id = a.account_id AND x.xt > a.t
     AND x.xt <= a.t + INTERVAL (CAST($h AS INTEGER)) DAY
    GROUP BY ALL
)
SELECT event AS trigger,
       COUNT(*) AS n_fired,
       COUNT(first_x) AS n_expanded
FROM hit
WHERE t + INTERVAL (CAST($h AS INTEGER)) DAY <= $as_of
   OR (churned AND e <= t + INTERVAL (CAST($h AS INTEGER)) DAY)
GROUP BY event
ORDER BY event
"""


def _world(accounts: int) -> dict[str, Any]:
    """The simulated world with string ids, read from (or written to) Parquet."""
    d = Path(f"/tmp/adoptmetrics-bench/saas_{accounts}_24_0")
    if not d.exists():
        d.mkdir(parents=True)
        w = am.simulate_saas(accounts, months=24, seed=0)
        for name in ("events", "accounts", "expansions"):
            t = getattr(w, name).copy()
            for c in t.columns:
                if isinstance(t[c].dtype, pd.CategoricalDtype):
                    t[c] = t[c].astype(str).astype(object)
            t.to_parquet(d / f"{name}.parquet", index=False)
        (d / "as_of.txt").write_text(str(w.as_of))
    out: dict[str, Any] = {
        n: pd.read_parquet(d / f"{n}.parquet") for n in ("events", "accounts", "expansions")
    }
    out["as_of"] = pd.Timestamp((d / "as_of.txt").read_text().strip())
    return out


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=50_000)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--shuffle", action="store_true", help="events in random row order")
    a = p.parse_args()
    w = _world(a.accounts)
    ev, acc, xp, as_of = w["events"], w["accounts"], w["expansions"], w["as_of"]
    if a.shuffle:
        ev = ev.iloc[np.random.default_rng(0).permutation(len(ev))].reset_index(drop=True)
    names = sorted(ev["event"].unique())
    triggers = [am.Trigger(n, event=n) for n in names]
    warnings.simplefilter("ignore")
    rows: list[dict[str, Any]] = []

    def add(task: str, seconds: float) -> None:
        rows.append({"task": task, "events": len(ev), "seconds": seconds})
        print(f"  {task}: {seconds:.2f} s", flush=True)

    con = duckdb.connect()
    con.register("events", ev)
    con.register("accounts", acc)
    con.register("expansions", xp)
    params = {"as_of": as_of.to_pydatetime(), "h": HORIZON}
    t_sql, sql = _best(lambda: con.execute(DUCKDB_SQL, params).df(), a.repeat)
    add("DuckDB SQL: alerts and hits per event type (baseline)", t_sql)

    def lift(events: Any) -> pd.DataFrame:
        return trigger_lift(
            events, triggers, expansions=xp, horizon_days=HORIZON, accounts=acc, as_of=as_of
        )

    t, lifted = _best(lambda: lift(ev), a.repeat)
    add(f"trigger_lift, {len(triggers)} triggers, from the frame", t)
    t, log = _best(lambda: am.EventLog(ev), a.repeat)
    add("EventLog(events)", t)
    t, _ = _best(lambda: lift(log), 1)
    add(f"trigger_lift, {len(triggers)} triggers, EventLog (first call sorts)", t)
    t, lifted_log = _best(lambda: lift(log), a.repeat)
    add(f"trigger_lift, {len(triggers)} triggers, EventLog (order memoised)", t)
    pd.testing.assert_frame_equal(lifted, lifted_log, check_exact=True)
    ours = lifted.set_index("trigger").sort_index()[["n_fired", "n_expanded"]]
    theirs = sql.set_index("trigger").sort_index()
    agree = bool((ours.to_numpy() == theirs.to_numpy(dtype=np.int64)).all())
    strong = lifted[(lifted["q_value"] < 0.05) & (lifted["ci_lower"] > 1)]["trigger"]
    top = [am.Trigger(str(n), event=str(n)) for n in strong.head(8)]
    cut = as_of - pd.Timedelta(days=HORIZON)
    t, _ = _best(
        lambda: backtest_expansion(
            log, top, expansions=xp, cutoff=cut, horizon_days=HORIZON, accounts=acc
        ),
        a.repeat,
    )
    add(f"backtest_expansion, {len(top)} triggers, EventLog", t)
    t, _ = _best(
        lambda: expansion_scores(
            log, top, expansions=xp, accounts=acc, as_of=as_of, horizon_days=HORIZON
        ),
        a.repeat,
    )
    add(f"expansion_scores, {len(top)} triggers, EventLog", t)
    table = pd.DataFrame(rows)
    table["÷ DuckDB SQL"] = table["seconds"] / t_sql
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print(f"n_fired / n_expanded equal to the SQL for every trigger: {agree}")


if __name__ == "__main__":
    main()
