"""Expansion gives the same answer however ids and timestamps are held (pandas 2 or 3)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from adoptmetrics.datasets import load_demo
from adoptmetrics.expansion import (
    backtest_expansion,
    expansion_scores,
    expansions_from_mrr,
    fit_expansion_model,
    trigger_lift,
)
from adoptmetrics.models import Trigger

# How the same table reaches us: pandas 2 frames (object ids, nanoseconds) as the
# reference; pandas 3 reads strings as ``str`` and datetimes as microseconds, and
# users hold categorical or Arrow ids and second/millisecond timestamps too.
KINDS: dict[str, tuple[str, Any]] = {
    "us-str": ("us", "str"),
    "s-category": ("s", "category"),
    "ms-arrow": ("ms", "string[pyarrow]"),
}
_ID_COLS = ("account_id", "user_id", "event", "plan", "industry", "region")


def _held_as(frame: pd.DataFrame, unit: str, ids: Any) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].astype(np.dtype(f"datetime64[{unit}]"))
        elif col in _ID_COLS:
            out[col] = out[col].astype(ids)
    return out


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    demo = load_demo()
    keep = set(demo.accounts["account_id"].astype(str).iloc[:300])

    def sub(f: pd.DataFrame) -> pd.DataFrame:
        return f[f["account_id"].astype(str).isin(keep)].reset_index(drop=True)

    frames = {
        "events": demo.events, "accounts": demo.accounts, "nps": demo.nps,
        "mrr": demo.mrr, "expansions": demo.expansions,
    }  # fmt: skip
    return {k: sub(v) for k, v in frames.items()}


def _same_answer(tables: dict[str, pd.DataFrame], kind: str, call: Callable[..., Any]) -> None:
    unit, ids = KINDS[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # caveats are the same for both; compared elsewhere
        want = call({k: _held_as(v, "ns", object) for k, v in tables.items()})
        got = call({k: _held_as(v, unit, ids) for k, v in tables.items()})
    pd.testing.assert_frame_equal(got, want)


TRIGGERS = [
    Trigger("shares", event="share_report", min_count=2, window_days=30),
    Trigger("growth", metric="usage_growth", threshold=1.5, window_days=30),
]
T = dict[str, pd.DataFrame]


def _kw(t: T) -> dict[str, Any]:
    return {"expansions": t["expansions"], "accounts": t["accounts"]}


CALLS: dict[str, Callable[[T], pd.DataFrame]] = {
    "expansions_from_mrr": lambda t: expansions_from_mrr(t["mrr"]),
    "trigger_lift": lambda t: trigger_lift(t["events"], TRIGGERS, **_kw(t)),
    "expansion_scores": lambda t: expansion_scores(t["events"], TRIGGERS, **_kw(t)),
    "fit_expansion_model": lambda t: fit_expansion_model(t["events"], TRIGGERS, **_kw(t)).summary,
    "backtest_expansion": lambda t: (
        backtest_expansion(t["events"], TRIGGERS, cutoff="2025-01-01", **_kw(t)).summary
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(CALLS))
def test_same_answer_for_every_way_of_holding_the_data(
    tables: dict[str, pd.DataFrame], kind: str, name: str
) -> None:
    _same_answer(tables, kind, CALLS[name])
