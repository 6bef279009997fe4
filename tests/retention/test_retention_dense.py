"""Retention counted straight from the presence bitmap equals counting the listed cells.

The reference is the same public function with the bitmap path switched off
(``_grid._presence`` returning ``None``), which counts the sorted active cells;
that path is itself pinned to hand-computed numbers in ``test_retention.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adoptmetrics as am
from adoptmetrics.retention import _dense, _grid
from strategies import events_frames

PLANS = {f"a{i}": ("pro" if i % 3 else "free") for i in range(12)}

CALLS: dict[str, Any] = {
    "on": lambda ev, **kw: am.cohort_retention(ev, **kw),
    "on_or_after": lambda ev, **kw: am.cohort_retention(ev, mode="on_or_after", **kw),
    "chained": lambda ev, **kw: am.retention_curve(ev, method="chained", **kw),
    "pooled": lambda ev, **kw: am.retention_curve(ev, **kw),
    "matrix": lambda ev, **kw: am.retention_matrix(ev, **kw),
}


def _cells_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_grid, "_presence", lambda enc, period, ts: None)


def _both(call: str, ev: pd.DataFrame, **kw: Any) -> tuple[Any, Any]:
    with pytest.MonkeyPatch.context() as mp:
        spy: list[int] = []
        real = _dense.dense_counts

        def counted(*a: Any, **k: Any) -> Any:
            spy.append(1)
            return real(*a, **k)

        mp.setattr(_grid, "dense_counts", counted)
        dense = CALLS[call](ev, **kw)
        assert spy, "the bitmap path did not run"
    with pytest.MonkeyPatch.context() as mp:
        _cells_path(mp)
        cells = CALLS[call](ev, **kw)
    return dense, cells


@settings(max_examples=40, deadline=None)
@given(
    ev=events_frames(min_rows=1, max_rows=120, max_days=200),
    call=st.sampled_from(sorted(CALLS)),
    period=st.sampled_from(["day", "week", "month"]),
    segmented=st.booleans(),
    cut=st.sampled_from([None, 30, 90]),
)
def test_bitmap_counts_equal_cell_counts(
    ev: pd.DataFrame, call: str, period: str, segmented: bool, cut: int | None
) -> None:
    kw: dict[str, Any] = {"period": period}
    if segmented:
        kw["by"] = pd.Series(PLANS, name="plan")
    first = ev["timestamp"].min()
    if cut is not None:
        kw["as_of"] = first + pd.Timedelta(days=cut)
    dense, cells = _both(call, ev, **kw)
    pd.testing.assert_frame_equal(dense, cells)


def test_an_event_log_reuses_its_bitmap() -> None:
    demo = am.load_demo()
    log = am.EventLog(demo.events)
    first = am.cohort_retention(log, period="week")
    pd.testing.assert_frame_equal(am.cohort_retention(log, period="week"), first)
    enc = next(iter(log._encoded.values()))
    assert enc.cache is not None
    assert any(key[0] == "presence" for key in enc.cache)
    with pytest.raises(ValueError, match="read-only"):
        next(v for k, v in enc.cache.items() if k[0] == "presence").bitmap[0, 0] = True


def test_many_groups_are_counted_from_the_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past MAX_GROUPS the groups are not summed one by one: the cells path runs.
    demo = am.load_demo()
    plan = demo.accounts.set_index("account_id")["plan"]
    want = am.cohort_retention(demo.events, period="week", by=plan)
    monkeypatch.setattr(_grid, "MAX_GROUPS", 1)
    monkeypatch.setattr(_grid, "dense_counts", lambda *a, **k: pytest.fail("dense path ran"))
    pd.testing.assert_frame_equal(am.cohort_retention(demo.events, period="week", by=plan), want)


def test_known_answer_from_the_bitmap() -> None:
    # By hand: a is active in weeks 0, 1, 3; b in weeks 0, 2; c in week 1 only.
    # Cohort week 0 = {a, b}: retained 2, 1, 1, 1 (on) and 2, 2, 2, 1 (on or after);
    # cohort week 1 = {c}: 1, 0, 0.
    t0 = pd.Timestamp("2024-01-01")  # a Monday
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b", "c"],
            "timestamp": [t0 + pd.Timedelta(weeks=w, hours=1) for w in (0, 1, 3, 0, 2, 1)],
        }
    )
    on = am.cohort_retention(ev, period="week")
    after = am.cohort_retention(ev, period="week", mode="on_or_after")
    assert on["n_retained"].tolist() == [2, 1, 1, 1, 1, 0, 0]
    assert after["n_retained"].tolist() == [2, 2, 2, 1, 1, 0, 0]
    assert np.array_equal(on["cohort_size"].to_numpy(), [2, 2, 2, 2, 1, 1, 1])
