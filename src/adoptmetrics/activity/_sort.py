"""Stable sorts of rows by small non-negative integer keys, in O(rows).

Event-sized orders (by entity, by event and entity) are sorts by integer
codes whose range is at most about the number of rows. A counting sort does
them in one pass: pandas' compiled ``groupsort_indexer`` (the sort behind its
groupby), when present. Wider keys, or a pandas without it, go through a
least-significant-digit radix sort in 16-bit digits (numpy's stable argsort
of ``uint16`` is itself a counting sort).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adoptmetrics.activity._encode import IntArray, _Encoded

try:  # a private but long-standing pandas routine (pandas 1.x to 3.x)
    # No stubs ship for pandas' compiled modules.
    from pandas._libs.algos import (  # type: ignore[import-not-found]
        groupsort_indexer as _groupsort_indexer,
    )
except ImportError:  # pragma: no cover - the radix sort below serves then
    _groupsort_indexer = None

_counting_sort: Any = _groupsort_indexer
_RADIX = 16
#: Key ranges up to this (or up to the number of rows) use the one-pass counting
#: sort; its count array has one int64 per key value.
_COUNTING_KEYS = 1 << 20

__all__ = ["_stable_by", "in_time_order", "time_order"]


def in_time_order(enc: _Encoded) -> bool:
    """Whether the log's rows are in time order (memoised on an ``EventLog``'s encoding)."""
    out: bool = enc.memo(("sort", "in_time_order"), lambda: _ascending(enc.ns))
    return out


def _ascending(ns: IntArray) -> bool:
    return len(ns) < 2 or not bool((ns[1:] < ns[:-1]).any())


def time_order(enc: _Encoded) -> IntArray | None:
    """Row order by time; ``None`` when the rows are already in time order."""
    if in_time_order(enc):
        return None
    return np.argsort(enc.ns, kind="stable").astype(np.int64, copy=False)


def _stable_by(key: IntArray, order: IntArray | None = None) -> IntArray:
    """``order`` re-sorted by ``key[order]`` (non-negative ints), stably, in O(n).

    ``order=None`` stands for every row in row order.
    """
    if order is not None and len(order) == 0:
        return order
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64)
    top = int(key.max())
    n = len(key) if order is None else len(order)
    if _counting_sort is not None and top < max(_COUNTING_KEYS, n):
        k = key if order is None else key[order]
        idx, _ = _counting_sort(np.asarray(k, dtype=np.intp), top + 1)
        idx = np.asarray(idx, dtype=np.int64)
        return idx if order is None else order[idx]
    return _radix(key, order, top)


def _radix(key: IntArray, order: IntArray | None, top: int) -> IntArray:
    """LSD radix sort in 16-bit digits; each digit is cut from the whole key in
    row order and only then gathered (two bytes a row)."""
    shift = 0
    while True:
        digit = ((key >> shift) & 0xFFFF).astype(np.uint16) if top >> shift else None
        if digit is None and order is not None:
            return order
        if digit is None:  # an all-zero key: every row, in row order
            digit = np.zeros(len(key), dtype=np.uint16)
        idx = np.argsort(digit if order is None else digit[order], kind="stable")
        order = idx.astype(np.int64, copy=False) if order is None else order[idx]
        shift += _RADIX
        if top >> shift == 0:
            return order
