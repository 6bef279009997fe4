"""The same demo tables held the ways users hold them, for the ``*_input_kinds`` tests.

pandas 2 frames (object ids, nanoseconds) are the reference; pandas 3 reads
strings as ``str`` and datetimes as microseconds, and users hold categorical
or Arrow ids and second/millisecond timestamps too.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from adoptmetrics.datasets import load_demo

KINDS: dict[str, tuple[str, Any]] = {
    "us-str": ("us", "str"),
    "s-category": ("s", "category"),
    "ms-arrow": ("ms", "string[pyarrow]"),
}
_ID_COLS = ("account_id", "user_id", "event", "plan", "industry", "region")


def held_as(frame: pd.DataFrame, unit: str, ids: Any) -> pd.DataFrame:
    """``frame`` with datetimes in ``unit`` and id-like columns as ``ids``."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].astype(np.dtype(f"datetime64[{unit}]"))
        elif col in _ID_COLS:
            out[col] = out[col].astype(ids)
    return out


def demo_tables(n_accounts: int = 300) -> dict[str, pd.DataFrame]:
    """The demo's tables restricted to its first ``n_accounts`` accounts."""
    demo = load_demo()
    keep = set(demo.accounts["account_id"].astype(str).iloc[:n_accounts])

    def sub(f: pd.DataFrame) -> pd.DataFrame:
        return f[f["account_id"].astype(str).isin(keep)].reset_index(drop=True)

    frames = {
        "events": demo.events,
        "accounts": demo.accounts,
        "nps": demo.nps,
        "mrr": demo.mrr,
        "expansions": demo.expansions,
    }
    return {k: sub(v) for k, v in frames.items()}


def assert_same_answer(
    tables: dict[str, pd.DataFrame], kind: str, call: Callable[..., Any]
) -> None:
    """``call`` gives the same frame (dtypes included) for the reference and ``kind``."""
    unit, ids = KINDS[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # caveats are the same for both; compared elsewhere
        want = call({k: held_as(v, "ns", object) for k, v in tables.items()})
        got = call({k: held_as(v, unit, ids) for k, v in tables.items()})
    pd.testing.assert_frame_equal(got, want)
