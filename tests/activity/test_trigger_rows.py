"""The trigger rows: events sorted by (event, entity, time), per event slice or by one key.

The reference is ``np.lexsort`` on the same codes (an independent sort).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from adoptmetrics.activity import _triggers
from adoptmetrics.activity._encode import _encode
from strategies import events_frames


def _rows(ev: pd.DataFrame) -> tuple[object, ...]:
    enc = _encode(
        ev, entity_col="account_id", time_col="timestamp", event_col="event", activity_events=None
    )
    got = _triggers._sorted_rows(enc, by_event=True)
    assert enc.event is not None
    assert enc.events is not None
    order = np.lexsort((enc.ns, enc.entity, enc.event))
    bounds = np.r_[0, np.cumsum(np.bincount(enc.event, minlength=len(enc.events)))]
    want = (enc.entity[order], enc.ns[order], bounds)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g), w)
    return got


@settings(max_examples=40, deadline=None)
@given(ev=events_frames(min_rows=1, max_rows=150))
def test_rows_sorted_per_event_slice(ev: pd.DataFrame) -> None:
    _rows(ev.sample(frac=1.0, random_state=0))  # rows out of time order too
    _rows(ev.sort_values("timestamp", kind="stable"))


@settings(max_examples=20, deadline=None)
@given(ev=events_frames(min_rows=1, max_rows=150))
def test_rows_sorted_by_one_combined_key(ev: pd.DataFrame) -> None:
    # Past _PER_EVENT_SORTS event names one key (event, entity) sorts them instead.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_triggers, "_PER_EVENT_SORTS", 0)
        _rows(ev.sample(frac=1.0, random_state=1))
