"""The full report on a large simulated world: wall time, time per section, peak RSS.

Run::

    .venv/bin/python benchmarks/bench_report.py                   # simulate_saas(50_000, months=24)
    .venv/bin/python benchmarks/bench_report.py --accounts 5000   # a quick look
    git worktree add /tmp/base <older commit>                      # then, old against new:
    .venv/bin/python benchmarks/bench_report.py --baseline-src /tmp/base/src --repeat 3
    .venv/bin/python benchmarks/bench_report.py --inline --repeat 3  # figures drawn in-process too

The world is simulated once and written as Parquet under ``--dir`` (string ids,
as a user's export would be). The report then runs in a fresh child process:
read the Parquet files with ``pd.read_parquet``, ``ReportData.from_frames``,
``build_report`` with every section. Time per section comes from the report's
progress lines; peak RSS is the child's ``ru_maxrss`` (the whole process:
interpreter, imports, the tables and the report); "with helper" is the peak of
the child and its figure-drawing helper process together, sampled every 20 ms
(Linux). Goals (issue 17): <= 15 s
and <= 1.5 GB at 50,000 accounts over 24 months (about 8.5M events).
The machine is shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

TABLES = ("events", "accounts", "nps", "mrr", "expansions", "exposures")


def write_world(directory: Path, accounts: int, months: int, seed: int) -> None:
    import adoptmetrics as am

    directory.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    world = am.simulate_saas(accounts, months=months, seed=seed)
    for name in TABLES:
        table = getattr(world, name, None)
        if table is None:
            continue
        out = table.copy()
        for col in out.columns:
            if isinstance(out[col].dtype, pd.CategoricalDtype):
                out[col] = out[col].astype(str).astype(object)
        out.to_parquet(directory / f"{name}.parquet", index=False)
    (directory / "as_of.txt").write_text(str(world.as_of))
    print(f"simulated and wrote {directory} in {time.perf_counter() - t:.0f} s", flush=True)


def _rss_mb(pid: int) -> float:
    """Resident memory of one process (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


class _TreeMemory:
    """Peak resident memory of this process plus its child processes (the figure
    helper), sampled every 20 ms; Linux only (``None`` elsewhere)."""

    def __init__(self) -> None:
        self.peak: float | None = 0.0 if Path("/proc/self/status").exists() else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if self.peak is not None:
            self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.02):
            total = _rss_mb(me) + sum(_rss_mb(c) for c in _children(me))
            self.peak = max(self.peak or 0.0, total)

    def stop(self) -> float | None:
        self._stop.set()
        if self.peak is not None:
            self._thread.join()
        return self.peak


def child(directory: Path, figure_process: bool | None) -> None:
    """Read, validate and build the report in this fresh process; JSON on the last line."""
    from adoptmetrics.report import ReportData, build_report
    from adoptmetrics.report._demo import DEMO_OPTIONS

    tree = _TreeMemory()
    t0 = time.perf_counter()
    tables = {
        name: pd.read_parquet(directory / f"{name}.parquet")
        for name in TABLES
        if (directory / f"{name}.parquet").exists()
    }
    t_read = time.perf_counter() - t0
    as_of = (directory / "as_of.txt").read_text().strip()
    data = ReportData.from_frames(
        tables.pop("events"),
        tables.pop("accounts"),
        as_of=as_of,
        options=DEMO_OPTIONS,  # the simulated world's event names, as a config would give them
        **tables,  # type: ignore[arg-type]
    )
    t_data = time.perf_counter() - t0 - t_read
    marks: list[tuple[float, str]] = []

    def progress(line: str) -> None:
        marks.append((time.perf_counter(), line))

    t1 = time.perf_counter()
    page = build_report(data, progress=progress, figure_process=figure_process)
    t_build = time.perf_counter() - t1
    sections = [(la, tb - ta) for (ta, la), (tb, _) in itertools.pairwise(marks)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tree_mb = tree.stop()
    print(
        json.dumps(
            {
                "n_events": len(data.events),
                "read": t_read,
                "validate": t_data,
                "build": t_build,
                "total": time.perf_counter() - t0,
                "peak_mb": peak_mb,
                "tree_mb": tree_mb,
                "html_mb": len(page) / 1e6,
                "steps": sorted(sections, key=lambda s: -s[1])[:12],
            }
        )
    )


def run_child(directory: Path, src: Path | None, *, inline: bool = False) -> dict[str, Any]:
    """One report in a fresh process; ``src`` puts another source tree first on the path;
    ``inline`` draws the figures in the report's own process."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(directory)] + (["--inline"] if inline else []),
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        print(done.stderr[-3000:])
        raise SystemExit("the report failed")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/adoptmetrics-bench"))
    parser.add_argument("--child", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per variant")
    parser.add_argument(
        "--inline",
        action="store_true",
        help="also run this checkout with figure_process=False (figures drawn in the "
        "report's own process, no helper), as another variant; with --child: only that",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="another checkout's src/ folder (e.g. a git worktree of an older commit): "
        "its report runs alternately with this one, and the medians are compared",
    )
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, False if args.inline else None)
        return
    directory = args.dir / f"saas_{args.accounts}_{args.months}_{args.seed}"
    if not (directory / "events.parquet").exists():
        write_world(directory, args.accounts, args.months, args.seed)
    variants: list[tuple[str, Path | None, bool]] = [("this checkout", None, False)]
    if args.inline:
        variants.insert(0, ("this checkout, figures inline", None, True))
    if args.baseline_src is not None:
        variants.insert(0, (f"baseline ({args.baseline_src})", args.baseline_src, False))
    runs: list[tuple[str, dict[str, Any]]] = []
    for _ in range(args.repeat):  # alternate, so a slow spell of the machine hits both
        for name, src, inline in variants:
            runs.append((name, run_child(directory, src, inline=inline)))
    out = runs[-1][1]
    print(f"{out['n_events']:,} events, {args.accounts:,} accounts, {args.months} months")
    table = pd.DataFrame(
        [
            {
                "variant": name,
                "read": r["read"],
                "validate": r["validate"],
                "build": r["build"],
                "total": r["total"],
                "peak MB": r["peak_mb"],
                "with helper MB": r["tree_mb"],
            }
            for name, r in runs
        ]
    )
    print(table.round(2).to_string(index=False))
    medians = table.groupby("variant", sort=False)[["total", "peak MB", "with helper MB"]].median()
    print("\nmedian per variant:")
    print(medians.round(2).to_string())
    if len(variants) > 1:
        base, this = medians["total"].iloc[0], medians["total"].iloc[-1]
        print(f"ratio of medians (this / first variant): {this / base:.2f}")
    print(f"page: {out['html_mb']:.1f} MB")
    print("\nslowest progress steps of the last run (from the report's progress lines):")
    steps = pd.DataFrame(out["steps"], columns=["progress line", "seconds"]).round(2)
    print(steps.to_string(index=False))


if __name__ == "__main__":
    main()
