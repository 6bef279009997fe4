"""Active (entity, period) cells without event counts, from a presence bitmap.

Retention needs only *whether* an entity was active in a period. With integer
entity codes and period indices, a dense ``n_entities × n_periods`` bitmap of
bytes filled by one scatter per chunk of events finds the active cells without
sorting or hashing event-sized keys and without an event-sized temporary (on
large logs the two halves of the events fill it in two threads); one
scan of the bitmap lists them, sorted by entity then period (retention counts
its cohorts straight from the bitmap, :func:`presence`). Past
:data:`_BITMAP_LIMIT` cells (or for a lazy engine) the counted cells of
:func:`adoptmetrics.activity._cells._cells_from_encoded` are used instead.
"""

from __future__ import annotations

import functools

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._parallel import halves
from adoptmetrics.activity._cells import _cells_from_encoded
from adoptmetrics.activity._encode import _NS_PER_DAY, IntArray, _Encoded, period_index

__all__ = ["Presence", "active_cells", "cells_listed", "presence"]

#: Rows marked per block (two int64 buffers of this many rows, in cache).
_FILL_BLOCK = 1 << 16
# A bitmap of at most this many bytes (256 MB) ...
_BITMAP_LIMIT = 1 << 28
# ... and at most this many bytes per event (+ a floor): scanning a bitmap much
# larger than the events costs more than the counted cells' sort.
_BYTES_PER_EVENT = 16


def active_cells(enc: _Encoded, *, period: str, as_of: pd.Timestamp) -> tuple[IntArray, IntArray]:
    """(entity, period index) of every active cell up to ``as_of``, sorted by both.

    The same cells as ``_cells_from_encoded(enc, ...)``'s ``entity`` and
    ``index`` (tested); memoised on an EventLog's encoding.
    """
    key = ("active", period, as_of.value)
    cache = enc.cache
    if cache is not None and key in cache:
        hit: tuple[IntArray, IntArray] = cache[key]
        return hit
    counted = cache.get((period, as_of.value)) if cache is not None else None
    out = None if counted is not None else _from_bitmap(enc, period=period, as_of=as_of)
    if out is None:
        cells = counted
        if cells is None:
            cells = _cells_from_encoded(enc, period=period, as_of=as_of)
        out = (cells.entity, cells.index)
    if cache is not None:
        for arr in out:
            arr.flags.writeable = False  # shared by every analysis of the log
        cache[key] = out
    return out


@attrs.frozen
class Presence:
    """Whether each entity was active in each period up to ``as_of``."""

    bitmap: npt.NDArray[np.bool_]  # (entity code, period index - p0)
    p0: int  # period index of the first column: the first event's


def cells_listed(enc: _Encoded, *, period: str, as_of: pd.Timestamp) -> bool:
    """Whether an EventLog's encoding holds these active cells but not their bitmap."""
    cache, key = enc.cache, (period, as_of.value)
    return cache is not None and ("active", *key) in cache and ("presence", *key) not in cache


#: Presence bitmaps up to this size are memoised on an EventLog's encoding.
_CACHE_BYTES = 1 << 25


def presence(enc: _Encoded, *, period: str, as_of: pd.Timestamp) -> Presence | None:
    """The presence bitmap of in-memory events with at least one up to ``as_of``.

    ``None`` for a lazy engine, when no event is at or before ``as_of``, or when
    the bitmap would pass :data:`_BITMAP_LIMIT` (or be much larger than the
    events); memoised on an EventLog's encoding while small.
    """
    if enc.engine is not None and not enc.materialised:
        return None  # a lazy engine reduces in place
    n_rows, first = enc.n_rows, enc.first
    if n_rows == 0 or first is None or as_of.value < first:
        return None
    key = ("presence", period, as_of.value)
    cache = enc.cache
    if cache is not None and key in cache:
        hit: Presence = cache[key]
        return hit
    latest = enc.latest if enc.latest is not None else as_of.value
    # ``first`` is the earliest event; the latest kept one is at most min(latest, as_of).
    bounds = period_index(np.array([first, min(latest, as_of.value)], dtype=np.int64), period)
    p0 = int(bounds[0])
    n_periods = int(bounds[1]) - p0 + 1
    n_cells = len(enc.entities) * n_periods
    if n_cells > min(_BITMAP_LIMIT, _BYTES_PER_EVENT * n_rows + (1 << 22)):
        return None
    bitmap = np.zeros(n_cells, dtype=bool)
    cell_of = _CellOf(p0, n_periods, period, as_of.value if latest > as_of.value else None)
    halves(n_rows, functools.partial(_fill, bitmap, enc.entity, enc.ns, cell_of))
    out = Presence(bitmap.reshape(len(enc.entities), n_periods), p0)
    if cache is not None and n_cells <= _CACHE_BYTES:
        out.bitmap.flags.writeable = False  # shared by every analysis of the log
        cache[key] = out
    return out


def _from_bitmap(
    enc: _Encoded, *, period: str, as_of: pd.Timestamp
) -> tuple[IntArray, IntArray] | None:
    if enc.engine is not None and not enc.materialised:
        return None
    if enc.n_rows == 0 or enc.first is None or as_of.value < enc.first:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    pres = presence(enc, period=period, as_of=as_of)
    if pres is None:
        return None
    n_periods, p0 = pres.bitmap.shape[1], pres.p0
    cells = np.flatnonzero(pres.bitmap)
    del pres
    entity = cells // n_periods
    np.remainder(cells, n_periods, out=cells)  # the period, in place: one cell-sized array fewer
    cells += p0
    return entity, cells


class _CellOf:
    """Bitmap cell of each (entity, time): ``entity * n_periods + period - p0``."""

    __slots__ = ("cut", "n_periods", "p0", "period", "shift", "width")

    def __init__(self, p0: int, n_periods: int, period: str, cut: int | None) -> None:
        self.p0, self.n_periods, self.period, self.cut = p0, n_periods, period, cut
        # Days and weeks: one shifted floor division gives the period minus p0.
        self.width = {"day": _NS_PER_DAY, "week": 7 * _NS_PER_DAY}.get(period)
        self.shift = (3 * _NS_PER_DAY if period == "week" else 0) - p0 * (self.width or 0)


def _fill(
    bitmap: npt.NDArray[np.bool_],
    entity: IntArray,
    ns: IntArray,
    of: _CellOf,
    start: int,
    stop: int,
) -> None:
    """Mark the cells of rows ``start:stop``, a block at a time.

    Two block-sized buffers serve every block (no allocation per block): small
    blocks stay in cache, and fresh memory costs page faults.
    """
    size = min(_FILL_BLOCK, stop - start)
    cell_buf = np.empty(size, dtype=np.int64)
    row_buf = np.empty(size, dtype=np.int64)
    for lo in range(start, stop, _FILL_BLOCK):
        hi = min(lo + _FILL_BLOCK, stop)
        e, t = entity[lo:hi], ns[lo:hi]
        if of.cut is not None:
            kept = t <= of.cut
            e, t = e[kept], t[kept]
        m = len(t)
        cell = cell_buf[:m]
        if of.width is None:
            cell[:] = period_index(t, of.period)
            cell -= of.p0
        else:
            np.add(t, of.shift, out=cell)
            np.floor_divide(cell, of.width, out=cell)
        row = np.multiply(e, of.n_periods, out=row_buf[:m])
        cell += row
        bitmap[cell] = True  # every writer stores True: the two halves never conflict
