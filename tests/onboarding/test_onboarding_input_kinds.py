"""Onboarding gives the same answer however ids and timestamps are held (pandas 2 or 3)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from adoptmetrics.datasets import load_demo
from adoptmetrics.onboarding import (
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)

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


STEPS = ["invite_teammate", "create_report"]
T = dict[str, pd.DataFrame]


def _outcome(t: T) -> pd.Series:
    return t["accounts"].set_index("account_id")["onboarding_success"]


CALLS: dict[str, Callable[[T], pd.DataFrame]] = {
    "milestone_status": lambda t: milestone_status(t["events"], STEPS, accounts=t["accounts"]),
    "milestone_status_first_event": lambda t: milestone_status(t["events"], STEPS),
    "onboarding_funnel": lambda t: onboarding_funnel(
        t["events"], STEPS, accounts=t["accounts"], by="plan"
    ),
    "time_to_value": lambda t: time_to_value(
        t["events"], STEPS[:1], start=t["accounts"].set_index("account_id")["started_at"]
    ),
    "success_paths": lambda t: success_paths(
        t["events"], _outcome(t), accounts=t["accounts"], max_length=2
    ),
    "golden_path": lambda t: golden_path(
        t["events"], _outcome(t), accounts=t["accounts"], max_length=3
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(CALLS))
def test_same_answer_for_every_way_of_holding_the_data(
    tables: dict[str, pd.DataFrame], kind: str, name: str
) -> None:
    _same_answer(tables, kind, CALLS[name])
