"""The events inside each entity's window ``[start, start + window_days)``, up to ``end``.

Shared by ``event_counts``, ``window_activity`` and ``event_sequences``. A
window picks rows without event-sized temporaries where it can: a log in time
order (the usual export) gives a window with one start for every entity, or
just an ``end``, as a contiguous slice found by binary search, so only the
rows inside are read. Per-entity starts need a mask over the rows in range.
Facts about the whole log (which entities occur, each one's first event,
whether the log is in time order) are memoised on an ``EventLog``'s encoding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._timestamps import coerce_timestamps
from adoptmetrics._schema._validate import SchemaError, coerce_as_of
from adoptmetrics.activity._encode import _NS_PER_DAY, IntArray, _Encoded
from adoptmetrics.activity._sort import in_time_order

BoolArray = npt.NDArray[np.bool_]
_MAX = np.iinfo(np.int64).max


class Window:
    """The rows of one window: ``universe`` (entities, in code order), their
    ``start_ns``, and ``entity`` (universe code of each picked row)."""

    __slots__ = ("_mask", "_rows", "entity", "start_ns", "universe")

    def __init__(
        self,
        universe: pd.Index,
        start_ns: IntArray,
        rows: slice,
        mask: BoolArray | None,
        entity: IntArray,
    ) -> None:
        self.universe = universe
        self.start_ns = start_ns
        self._rows = rows
        self._mask = mask
        self.entity = entity

    def pick(self, values: Any) -> Any:
        """The window's rows of a row-aligned array of the log."""
        part = values[self._rows]
        return part if self._mask is None else part[self._mask]


def _seen(enc: _Encoded) -> tuple[BoolArray, IntArray]:
    """Which entity codes occur in the rows, and each one's rank among them."""

    def compute() -> tuple[BoolArray, IntArray]:
        seen = np.bincount(enc.entity, minlength=len(enc.entities)) > 0
        return seen, np.cumsum(seen) - 1

    out: tuple[BoolArray, IntArray] = enc.memo(("window", "seen"), compute)
    return out


def _first_ns(enc: _Encoded) -> IntArray:
    """Each entity code's first event (int64 ns; the int64 maximum when it has none)."""

    def compute() -> IntArray:
        first = np.full(len(enc.entities), _MAX, dtype=np.int64)
        np.minimum.at(first, enc.entity, enc.ns)
        return first

    out: IntArray = enc.memo(("window", "first"), compute)
    return out


def _time_range(enc: _Encoded, lo: int | None, hi: int | None) -> tuple[slice, BoolArray | None]:
    """Rows with ``lo ≤ ns < hi`` (``None``: unbounded): a slice when the log is in time order."""
    ns = enc.ns
    if lo is None and hi is None:
        return slice(None), None
    if in_time_order(enc):
        a = 0 if lo is None else int(np.searchsorted(ns, lo, side="left"))
        b = len(ns) if hi is None else int(np.searchsorted(ns, hi, side="left"))
        return slice(a, max(a, b)), None
    mask = (ns >= lo) if lo is not None else None
    if hi is not None:
        mask = (ns < hi) if mask is None else mask & (ns < hi)
    return slice(None), mask


def _series_starts(enc: _Encoded, start: pd.Series) -> tuple[pd.Index, IntArray, IntArray]:
    """(universe, start ns per universe entity, universe position of each entity code or −1)."""
    if start.index.hasnans:
        raise SchemaError(
            "start", "index", "has missing entity ids", "drop rows with a null index."
        )
    if start.index.has_duplicates:
        raise SchemaError(
            "start",
            "index",
            "has duplicate entity ids",
            "pass one start timestamp per entity (e.g. accounts.set_index('account_id')).",
        )
    ts = coerce_timestamps(start, table="start", column=str(start.name or "start"))
    universe = pd.Index(start.index)
    kinds = (universe.inferred_type, enc.entities.inferred_type)
    # Cast only ids of one kind (pandas 3 would cast integers to matching strings).
    same = enc.entities if kinds[0] != kinds[1] else enc.entities.astype(universe.dtype)
    pos = np.asarray(universe.get_indexer(same), dtype=np.int64)
    if len(pos) and len(universe) and not (pos >= 0).any() and kinds[0] != kinds[1]:
        raise SchemaError(
            "start",
            "index",
            f"holds {kinds[0]} ids but the events hold {kinds[1]} ids, so none match",
            "make both the same type, e.g. start.index = start.index.astype(str) "
            "and events[entity_col].astype(str).",
        )
    return universe, ts.to_numpy().view(np.int64).copy(), pos


def _and(mask: BoolArray | None, other: BoolArray) -> BoolArray:
    return other if mask is None else mask & other


def window_rows(
    enc: _Encoded,
    *,
    start: pd.Series | pd.Timestamp | str | None,
    window_days: float | None,
    end: object,
) -> Window:
    """Rows inside each entity's window ``[start, start + window_days)`` and ``≤ end``.

    ``start=None``: each entity's first event; a Series (entity → timestamp):
    its index is the universe and other entities' rows are dropped; a scalar:
    the same start for every entity seen in the events.
    """
    if window_days is not None and not window_days > 0:
        raise ValueError(
            f"window_days={window_days!r} must be positive.\nHint: pass e.g. window_days=30."
        )
    width = None if window_days is None else round(window_days * _NS_PER_DAY)
    stop = None if end is None else coerce_as_of(end, None, argument="end").value + 1
    if isinstance(start, pd.Series):
        universe, start_ns, pos = _series_starts(enc, start)
        # Each entity code's window [lo, hi): empty for entities outside the universe.
        found = pos >= 0
        opens = np.where(found, start_ns[np.where(found, pos, 0)] if len(start_ns) else 0, _MAX)
        closes = np.full(len(pos), _MAX, dtype=np.int64) if width is None else opens + width
        closes[~found] = np.iinfo(np.int64).min
        rows, mask = _time_range(enc, None, stop)
        ns, ent = enc.ns[rows], enc.entity[rows]
        inside = (ns >= opens[ent]) & (ns < closes[ent])
        mask = _and(mask, inside)
        return Window(universe, start_ns, rows, mask, pos[ent[mask]])
    seen, rank = _seen(enc)
    universe = enc.entities[seen]
    if start is None:
        first = _first_ns(enc)
        rows, mask = _time_range(enc, None, stop)
        if width is not None:  # each entity's own window end
            ends = np.where(seen, first, 0) + width  # no overflow from unseen entities
            mask = _and(mask, enc.ns[rows] < ends[enc.entity[rows]])
        start_ns = first[seen]
    else:
        t0 = coerce_as_of(start, None, argument="start").value
        hi = None if width is None else t0 + width
        if stop is not None:
            hi = stop if hi is None else min(hi, stop)
        rows, mask = _time_range(enc, t0, hi)
        start_ns = np.full(len(universe), t0, dtype=np.int64)
    ent = enc.entity[rows]
    return Window(universe, start_ns, rows, mask, rank[ent if mask is None else ent[mask]])
