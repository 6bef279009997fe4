"""Event-sized reductions behind :mod:`adoptmetrics.engagement`.

Distinct (entity, period) and (entity, feature, period) cells, and each
entity's first and last use of a set of events after a moment: compact
tables computed from the encoded log with numpy (no loop over rows or
entities). Private: the engagement functions are the public face.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.activity._encode import (
    _CHUNK,
    _DENSE_LIMIT,
    _NS_PER_DAY,
    IntArray,
    period_index,
)
from adoptmetrics.activity._sort import _stable_by

__all__ = [
    "distinct_keys",
    "distinct_pairs",
    "early_use_and_return",
    "entity_period_cells",
    "factorize_strings",
    "feature_cells",
    "first_use_after",
    "last_seen_per_entity",
    "period_offsets",
]


def factorize_strings(col: pd.Series) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Codes (-1 for nulls) and distinct values of an object column of strings.

    Arrow's dictionary encoding hashes Python strings about twice as fast as
    ``pd.factorize`` when pyarrow is installed; anything that is not all
    strings (or pyarrow missing) takes ``pd.factorize``.
    """
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        arr = pa.array(col.to_numpy(), type=pa.string(), from_pandas=True)
    except (ImportError, ValueError, TypeError):  # ArrowInvalid/ArrowTypeError subclass these
        codes, uniques = pd.factorize(col)
        return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)
    enc = arr.dictionary_encode()
    indices = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
    values = np.asarray(enc.dictionary.to_pylist(), dtype=object)
    return indices.astype(np.intp), values


def period_offsets(ns: IntArray, period: str, p0: int) -> IntArray:
    """``period_index(ns, period) - p0``, months through a per-day lookup table.

    Converting every timestamp to ``datetime64[M]`` is slow (calendar
    arithmetic per value); the days of a log span a few thousand values, so
    months are looked up from the day number instead. Same result as
    :func:`period_index`.
    """
    if period != "month" or len(ns) == 0:
        out: IntArray = period_index(ns, period)
        out -= p0
        return out
    day = ns // _NS_PER_DAY
    d0 = int(day.min())
    table = period_index(np.arange(d0, int(day.max()) + 1) * _NS_PER_DAY, "month") - p0
    day -= d0
    month: IntArray = table[day]
    return month


def distinct_keys(key: IntArray, size: int) -> IntArray:
    """The sorted distinct values of ``key`` (all in ``[0, size)``).

    A bitmap while ``size`` is small enough (one byte per possible key, no
    sort), else a sort and the first of each run (:func:`numpy.unique`'s hash
    table is an order of magnitude slower on event-sized int64 keys).
    """
    if size <= _DENSE_LIMIT:
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        return np.flatnonzero(seen).astype(np.int64, copy=False)
    small = size <= np.iinfo(np.uint32).max  # half the bytes to sort
    s = np.sort(key.astype(np.uint32) if small else key)
    if len(s) > 1:
        s = s[np.r_[True, s[1:] != s[:-1]]]
    return s.astype(np.int64, copy=False)


#: Keys per window of the windowed distinct pairs: the int32 scratch table (16 MB)
#: stays near the cache, so the scatter and gather into it are not memory bound.
_WINDOW_KEYS = 1 << 22


def distinct_pairs(
    entity: IntArray, period: IntArray, n_entities: int, n_periods: int
) -> tuple[IntArray, IntArray]:
    """The distinct (entity, period) pairs, in no promised order.

    ``entity`` in ``[0, n_entities)``, ``period`` in ``[0, n_periods)``. A
    period-major bitmap while the grid is small next to the rows (one byte
    per pair; time-ordered rows write to a moving window of it, which stays
    in cache); else the pairs are taken a window of consecutive periods at a
    time (about ``_WINDOW_KEYS`` pairs): every row writes its position into
    its pair's slot of a scratch table and is kept if it reads its own
    position back, so exactly one row per pair survives whatever order the
    writes land in — no sort, no hash table, no scan of the whole grid.
    Event logs usually come in time order, so the windows are slices of the
    rows; else a stable counting sort by window groups them first.
    """
    size = n_entities * n_periods
    if size <= min(_DENSE_LIMIT, 16 * len(entity) + _WINDOW_KEYS):
        seen = np.zeros(size, dtype=bool)
        key = period * n_entities
        key += entity
        seen[key] = True
        del key
        cells = np.flatnonzero(seen)
        return cells % n_entities, cells // n_entities
    return _distinct_by_window(entity, period, n_entities, n_periods)


def _distinct_by_window(
    entity: IntArray, period: IntArray, n_entities: int, n_periods: int
) -> tuple[IntArray, IntArray]:
    """:func:`distinct_pairs` a window of consecutive periods at a time."""
    n = len(entity)
    width = max(1, _WINDOW_KEYS // max(n_entities, 1))  # periods per window
    n_win = -(-n_periods // width)
    index_type = np.int32 if n < np.iinfo(np.int32).max else np.int64
    scratch = np.empty(min(width, n_periods) * n_entities, dtype=index_type)

    def first_of_each(local: IntArray) -> npt.NDArray[np.bool_]:
        mine = np.arange(len(local), dtype=index_type)
        scratch[local] = mine
        first: npt.NDArray[np.bool_] = scratch[local] == mine
        return first

    if n_win == 1 or bool((period[1:] >= period[:-1]).all()):
        # In time order: each window is a slice, its temporaries stay in cache.
        bounds = np.searchsorted(period, np.arange(n_win + 1) * width) if n_win > 1 else [0, n]
        ents: list[IntArray] = []
        pers: list[IntArray] = []
        for w in range(n_win):
            e, p = entity[bounds[w] : bounds[w + 1]], period[bounds[w] : bounds[w + 1]]
            local = p - w * width
            local *= n_entities
            local += e
            keep = first_of_each(local)
            ents.append(e[keep])
            pers.append(p[keep])
        return np.concatenate(ents), np.concatenate(pers)
    # Else group the rows by window (a counting sort) and move one key array
    # instead of the entity and period arrays.
    win = period // width
    order = _stable_by(win)
    bounds = np.r_[0, np.cumsum(np.bincount(win, minlength=n_win))]
    del win
    key = period * n_entities
    key += entity
    key = key[order]
    del order
    span = width * n_entities
    out: list[IntArray] = []
    for w in range(n_win):
        part = key[bounds[w] : bounds[w + 1]]
        out.append(part[first_of_each(part - w * span)])
    cells = np.concatenate(out)
    return cells % n_entities, cells // n_entities


def feature_cells(
    entity: IntArray,
    poff: IntArray,
    feature: IntArray,
    *,
    n_periods: int,
    n_entities: int,
    n_features: int,
    active: bool = False,
) -> tuple[IntArray, IntArray, tuple[IntArray, IntArray] | None]:
    """Adopters and events per (feature, period), and optionally the active pairs.

    ``poff`` is each row's period offset (:func:`period_offsets`) and
    ``feature`` its feature code (``-1``: in no feature). Returns
    ``(n_adopters, n_events, pairs)``: the first two ``(n_features,
    n_periods)``, distinct entities with a row of the feature in the period
    and those rows; ``pairs``, with ``active=True``, the distinct (entity,
    period offset) pairs of all rows (as :func:`distinct_pairs`), else None.
    """
    # Rows in no feature go to an extra slot, dropped at the end: cheaper than
    # compressing three event-sized arrays, and they still count as activity.
    slots = n_features + 1
    col = np.where(feature >= 0, feature, n_features)
    col += poff * slots
    n_events = np.bincount(col, minlength=n_periods * slots).reshape(n_periods, slots)
    pairs: tuple[IntArray, IntArray] | None = None
    size = n_entities * n_periods * slots
    if size <= min(_DENSE_LIMIT, 16 * len(entity) + _WINDOW_KEYS):
        # One (period, slot, entity) bitmap gives the adopters and, any slot, the actives.
        seen = np.zeros(size, dtype=bool)
        key = col * n_entities
        del col
        key += entity
        seen[key] = True
        del key
        grid = seen.reshape(n_periods, slots, n_entities)
        adopters = np.count_nonzero(grid, axis=2)
        if active:
            cells = np.flatnonzero(grid.any(axis=1))
            pairs = cells % n_entities, cells // n_entities
    else:
        _, cell_col = distinct_pairs(entity, col, n_entities, n_periods * slots)
        del col
        adopters = np.bincount(cell_col, minlength=n_periods * slots).reshape(n_periods, slots)
        if active:
            pairs = distinct_pairs(entity, poff, n_entities, n_periods)
    # (period, slot) → (feature, period), without the extra slot.
    a = np.ascontiguousarray(adopters[:, :n_features].T, dtype=np.int64)
    e = np.ascontiguousarray(n_events[:, :n_features].T, dtype=np.int64)
    return a, e, pairs


def first_use_after(
    entity: IntArray, ns: IntArray, used: npt.NDArray[np.bool_], after: int, n_entities: int
) -> IntArray:
    """Per entity: first time (ns) of a ``used`` row at or after ``after``; int64 max if none."""
    none = np.iinfo(np.int64).max
    first = np.full(n_entities, none, dtype=np.int64)
    mask = used & (ns >= after)
    np.minimum.at(first, entity[mask], ns[mask])
    return first


def last_seen_per_entity(entity: IntArray, ns: IntArray, n_entities: int) -> IntArray:
    """Per entity: last event time (ns); int64 min if none."""
    last = np.full(n_entities, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, entity, ns)
    return last


def entity_period_cells(
    entity: IntArray,
    ns: IntArray,
    *,
    period: str,
    p0: int,
    n_periods: int,
    n_entities: int,
    poff: IntArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Distinct active (entity, period index) cells, sorted by entity then period.

    ``poff``: the rows' period offsets when already computed (then ``ns`` is unused).
    """
    size = n_entities * n_periods
    if size > _DENSE_LIMIT:  # too big a grid to mark: drop repeated pairs, then sort the rest
        if poff is None:
            poff = period_offsets(ns, period, p0)
        ent, per = distinct_pairs(entity, poff, n_entities, n_periods)
        cells = np.sort(ent * n_periods + per)
        return cells // n_periods, cells % n_periods + p0
    key = np.empty(len(entity), dtype=np.int64)
    for lo in range(0, len(entity), _CHUNK):
        part = key[lo : lo + _CHUNK]
        np.multiply(entity[lo : lo + _CHUNK], n_periods, out=part)
        if poff is None:
            part += period_offsets(ns[lo : lo + _CHUNK], period, p0)
        else:
            part += poff[lo : lo + _CHUNK]
        del part
    cells = distinct_keys(key, size)
    return cells // n_periods, cells % n_periods + p0


def early_use_and_return(
    entity: IntArray,
    ns: IntArray,
    event: IntArray,
    start_ns: IntArray,
    *,
    n_events: int,
    early_ns: int,
    return_ns: tuple[int, int],
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Per entity with a start (``start_ns`` ≥ 0 … int64 min means none): early use and return.

    Returns ``(counts, active_days, returned)``: events of each name in
    ``[start, start + early_ns)`` (entities × event names), distinct active
    days in that window, and whether any event fell in
    ``[start + return_ns[0], start + return_ns[1])``.
    """
    n = len(start_ns)
    has = start_ns != np.iinfo(np.int64).min
    # One pass keeps the rows inside either window, [start, start + reach); the rest
    # works on those few. Offsets are compared as unsigned, so rows before the start
    # (negative) fall out in the same test, and so do entities without a start, given
    # one after every event.
    after_all = int(ns.max()) + 1 if len(ns) else 0
    offset = ns - np.where(has, start_ns, after_all)[entity]
    rows = np.flatnonzero(offset.view(np.uint64) < max(early_ns, return_ns[1], 0))
    ent, offset = entity[rows], offset[rows]
    early = offset < early_ns
    ent_e = ent[early]
    counts = np.bincount(ent_e * n_events + event[rows[early]], minlength=n * n_events)
    day = offset[early] // _NS_PER_DAY
    span = int(day.max()) + 1 if len(day) else 1
    days = distinct_keys(ent_e * span + day, n * span)
    active_days = np.bincount(days // span, minlength=n)
    late = (offset >= return_ns[0]) & (offset < return_ns[1])
    returned = np.zeros(n, dtype=bool)
    returned[ent[late]] = True
    return counts.reshape(n, n_events).astype(np.int64), active_days.astype(np.int64), returned
