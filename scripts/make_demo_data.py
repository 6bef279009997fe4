"""Regenerate the bundled demo data in ``src/adoptmetrics/datasets/``.

Run from the repository root::

    .venv/bin/python scripts/make_demo_data.py

It simulates ``simulate_saas(**adoptmetrics.datasets._generate.DEMO_OPTIONS)`` and writes
``demo.npz`` (compact integer arrays) and ``demo.json`` (options, numpy
version, planted effects), then checks that ``load_demo()`` reads back exactly
what was simulated.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from adoptmetrics.datasets import _generate as datasets

DATA = Path(__file__).resolve().parents[1] / "src" / "adoptmetrics" / "datasets"


def main() -> None:
    """Write the files, then verify the round trip and print the sizes."""
    datasets._write_demo(DATA)
    demo = datasets.load_demo()
    fresh = datasets.simulate_saas(**datasets.DEMO_OPTIONS)
    for name in ("accounts", "events", "nps", "mrr", "expansions", "exposures"):
        pd.testing.assert_frame_equal(getattr(demo, name), getattr(fresh, name))
    assert demo.truth == fresh.truth
    n = len(demo.accounts)
    print(f"{n} accounts, {len(demo.events)} events ({len(demo.events) / n:.0f} per account)")
    for path in sorted(DATA.glob("demo.*")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
