"""Draw the figures of docs/report.md (the overview section) into docs/img/.

Run with the project's environment:  python docs/figures/overview.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from adoptmetrics.datasets import load_demo
from adoptmetrics.plotting import plot_activity_overview

IMG = Path(__file__).resolve().parents[1] / "img"


def main() -> None:
    IMG.mkdir(exist_ok=True)
    data = load_demo()
    ax = Figure(figsize=(8.0, 3.6), layout="constrained").subplots()
    plot_activity_overview(data.events, as_of=data.as_of, ax=ax)
    out = IMG / "overview-activity.png"
    fig = ax.get_figure(root=True)
    assert fig is not None
    fig.savefig(out, dpi=110, metadata={"Software": None})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
