"""Draw the figure of docs/engines.md into docs/img/ (and print the numbers quoted there).

Left: the weekly retention curve of the demo data computed from a pandas frame
and from a DuckDB relation over the same Parquet file (they coincide; the
script checks that the tables are equal). Right: the speed ratios of
bench_retention.py against DuckDB SQL, read from the last run quoted in
benchmarks/README.md (not measured here).

Run with the project's environment:  python docs/figures/engines.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import duckdb
import pandas as pd
from matplotlib.figure import Figure

import adoptmetrics as am
from adoptmetrics.plotting import plot_retention_curve

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
README = ROOT / "benchmarks" / "README.md"


def _save(fig: Figure, name: str) -> None:
    out = IMG / name
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out}")


def bench_retention_ratios() -> pd.DataFrame:
    """The `vs duckdb` column of the bench_retention table in benchmarks/README.md."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## `bench_retention.py`", 1)[1]
    block = section.split("```", 2)[1]
    lines = [line for line in block.splitlines() if line.strip()]
    # Right-aligned columns: each ends where its header's name ends.
    header = lines[0]
    ends = [header.index(name) + len(name) for name in ("events", "ids", "engine", "vs duckdb")]
    rows = []
    for line in lines[1:]:
        ids = line[ends[0] : ends[1]].strip()
        task = line[ends[1] : ends[2]].strip()
        ratio = line[ends[2] : ends[3]].split()[-1]
        if "duckdb SQL" not in task:
            rows.append({"ids": ids, "task": task, "ratio": float(ratio.rstrip("x"))})
    if not rows:
        raise RuntimeError(f"no bench_retention table found in {README}")
    return pd.DataFrame(rows)


def main() -> None:
    IMG.mkdir(exist_ok=True)
    pd.set_option("display.width", 140)
    demo = am.load_demo()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        strings = {"account_id": str, "user_id": str, "event": str}
        demo.events.astype(strings).to_parquet(path, index=False)
        from_pandas = am.retention_curve(pd.read_parquet(path), period="week")
        from_duckdb = am.retention_curve(duckdb.read_parquet(str(path)), period="week")
    pd.testing.assert_frame_equal(from_pandas, from_duckdb)
    print("pandas and DuckDB curves equal: True")
    print(from_duckdb.head(5).round(3).to_string())

    ratios = bench_retention_ratios()
    print(ratios.to_string())

    fig = Figure(figsize=(10.5, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
    plot_retention_curve(from_pandas, ax=left, label="pandas frame")
    left.plot(
        from_duckdb["period"],
        from_duckdb["retention_rate"],
        linestyle="none",
        marker="o",
        markersize=3,
        color="black",
        label="DuckDB relation (same Parquet file)",
    )
    left.set_title("Weekly retention of the demo data: one answer")
    left.legend(loc="upper right", fontsize=8)

    pairs = ratios[["ids", "task"]].itertuples(index=False)
    labels = [f"{ids} ids: {task}".replace("adoptmetrics", "one shot") for ids, task in pairs]
    y = range(len(ratios))
    right.barh(list(y), ratios["ratio"], color="tab:blue")
    right.set_yticks(list(y), labels, fontsize=7)
    right.invert_yaxis()
    right.set_xscale("log")
    right.axvline(1.0, color="black", linewidth=0.8)
    for i, r in enumerate(ratios["ratio"]):
        right.text(r * 1.08, i, f"{r:g}x", va="center", fontsize=7)
    right.set_xlim(0.5, ratios["ratio"].max() * 3)
    right.set_xlabel("DuckDB SQL seconds ÷ ours (above 1: faster)")
    right.set_title(
        "bench_retention.py, 10M events: benchmarks/README.md\n"
        "(shared 2-core machine, load 7-9; ratios move ±30 %)",
        fontsize=8,
    )
    _save(fig, "engines-same-answer.png")


if __name__ == "__main__":
    main()
