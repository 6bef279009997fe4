"""Every engagement function gives the same answer on every input the activity layer takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import adoptmetrics as am

DEMO = am.load_demo()
EV = DEMO.events[DEMO.events["timestamp"] < "2024-10-01"].reset_index(drop=True)
PLAN = DEMO.accounts.set_index("account_id")["plan"]
LAUNCH = "2024-07-01"


def _inputs() -> dict[str, Callable[[pd.DataFrame], Any]]:
    out: dict[str, Callable[[pd.DataFrame], Any]] = {
        "pandas-object": lambda ev: ev.astype({"account_id": object, "event": object}),
        "eventlog": lambda ev: am.EventLog(ev),
    }
    try:
        import polars as pl

        out["polars"] = pl.from_pandas
        out["polars-lazy"] = lambda ev: pl.from_pandas(ev).lazy()
    except ImportError:  # pragma: no cover - optional
        pass
    try:
        import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

        out["pyarrow"] = lambda ev: pa.Table.from_pandas(ev, preserve_index=False)
    except ImportError:  # pragma: no cover - optional
        pass
    try:
        import duckdb

        out["duckdb"] = duckdb.from_df
    except ImportError:  # pragma: no cover - optional
        pass
    return out


CALLS: dict[str, Callable[[Any], pd.DataFrame]] = {
    "active_counts": lambda ev: am.active_counts(ev, period="week", by="account_id", level="user"),
    "stickiness": lambda ev: am.stickiness(ev, by=PLAN),
    "active_days_distribution": lambda ev: am.active_days_distribution(ev),
    "lifecycle": lambda ev: am.lifecycle(ev, by=PLAN),
    "feature_adoption": lambda ev: am.feature_adoption(ev),
    "adopter_categories": lambda ev: am.adopter_categories(ev, "create_report", launched_at=LAUNCH),
    "adoption_curve": lambda ev: am.adoption_curve(ev, "create_report", launched_at=LAUNCH),
    "feature_retention": lambda ev: am.feature_retention(ev, features=["create_dashboard"]),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("engine", sorted(_inputs()))
def test_same_answer_on_every_engine(name: str, engine: str) -> None:
    expected = CALLS[name](EV)
    got = CALLS[name](_inputs()[engine](EV))
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True).astype(str), expected.reset_index(drop=True).astype(str)
    )


@pytest.mark.parametrize(
    "name", ["active_counts", "stickiness", "active_days_distribution", "lifecycle"]
)
def test_counts_stay_in_a_lazy_engine(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    duckdb = pytest.importorskip("duckdb")
    expected = CALLS[name](EV)

    def no_raw_rows(*args: object, **kwargs: object) -> None:
        raise AssertionError("raw events were collected from the engine")

    monkeypatch.setattr("adoptmetrics.activity._encode.engine_raw", no_raw_rows)
    got = CALLS[name](duckdb.from_df(EV))
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True).astype(str), expected.reset_index(drop=True).astype(str)
    )
