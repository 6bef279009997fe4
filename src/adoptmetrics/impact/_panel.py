"""Daily activity of every account as cumulative counts, for window queries.

Matching needs, at each exposure day ``d`` and for every account, counts in
windows such as ``[d − pre_days, d)``. Cumulative sums over a dense
(account × day) grid answer each window for all accounts with one
subtraction; the grid only spans the days the exposures need.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.activity import period_index
from adoptmetrics.activity._encode import _NS_PER_DAY, _Encoded

IntArray = npt.NDArray[np.int64]

# int32 cumulative counts: two grids of this many cells take about 4 GB.
_MAX_CELLS = 500_000_000


@attrs.frozen
class Panel:
    """Cumulative daily activity: ``cum[:, k]`` counts days ``[day0, day0 + k)``."""

    ids: pd.Index
    day0: int
    active: npt.NDArray[np.int32]
    events: npt.NDArray[np.int32]
    first_day: IntArray

    @property
    def n_days(self) -> int:
        return int(self.active.shape[1]) - 1

    def count(
        self,
        grid: npt.NDArray[np.int32],
        rows: IntArray | slice,
        lo: IntArray | int,
        hi: IntArray | int,
    ) -> IntArray:
        """Counts in days ``[lo, hi)`` (absolute day indices, clipped to the panel)."""
        n_days = grid.shape[1] - 1
        if isinstance(lo, int) and isinstance(hi, int):  # the common case: one day for all
            a = min(max(lo - self.day0, 0), n_days)
            b = min(max(hi - self.day0, 0), n_days)
            return (grid[rows, b] - grid[rows, a]).astype(np.int64)
        ai = np.clip(np.asarray(lo, dtype=np.int64) - self.day0, 0, n_days)
        bi = np.clip(np.asarray(hi, dtype=np.int64) - self.day0, 0, n_days)
        if isinstance(rows, slice):
            return (grid[:, bi] - grid[:, ai]).astype(np.int64)
        return (grid[rows, bi] - grid[rows, ai]).astype(np.int64)


def _cumulative(counts: npt.NDArray[np.int32], n: int, n_days: int) -> npt.NDArray[np.int32]:
    """Cumulative (n × (n_days + 1)) grid of per-(account, day) ``counts`` (flat, n × n_days)."""
    grid = np.zeros((n, n_days + 1), dtype=np.int32)
    grid[:, 1:] = counts.reshape(n, n_days)
    np.cumsum(grid, axis=1, out=grid)
    # Column-major: each window query reads whole days (columns) for many accounts.
    return np.asfortranarray(grid)


def _check_size(n: int, n_days: int) -> None:
    if n * (n_days + 1) > _MAX_CELLS:
        raise ValueError(
            f"the exposures span {n_days} days for {n} accounts, more than the "
            f"{_MAX_CELLS:,} account-days this in-memory estimator handles.\n"
            "Hint: analyse fewer campaigns or a shorter period at a time."
        )


def _day_counts(
    enc: _Encoded,
    ids: pd.Index,
    *,
    first: int,
    n_days: int,
    as_of: pd.Timestamp,
    event: int | None = None,
) -> tuple[npt.NDArray[np.int32], IntArray | None]:
    """Events per (id, day) over days ``[first, first + n_days)`` (flat, ids × days).

    Only events up to ``as_of`` (and of code ``event`` when given) count. With
    ``event`` None also each id's first active day at any time (int64 max if none).
    A bincount over the encoded events: no sort, no per-cell table.
    """
    n = len(ids)
    never = np.iinfo(np.int64).max
    pos = np.asarray(ids.get_indexer(enc.entities.astype(str)), dtype=np.int64)
    entity, ns = enc.entity, enc.ns
    late = enc.latest is not None and enc.latest > as_of.value
    if late or event is not None:
        keep = ns <= as_of.value
        if event is not None:
            assert enc.event is not None
            keep &= enc.event == event
        entity, ns = entity[keep], ns[keep]
    first_day = None
    if event is None:
        lowest = np.full(len(enc.entities), never, dtype=np.int64)
        np.minimum.at(lowest, entity, ns)
        seen = lowest != never
        first_day = np.full(n, never, dtype=np.int64)
        first_day[pos[seen]] = period_index(lowest[seen], "day")
    # Day d holds the nanoseconds [d * ns_per_day, (d + 1) * ns_per_day).
    inside = (ns >= first * _NS_PER_DAY) & (ns < (first + n_days) * _NS_PER_DAY)
    day = period_index(ns[inside], "day")
    day -= first
    key = pos[entity[inside]]
    key *= n_days
    key += day
    counts: npt.NDArray[np.int32] = np.bincount(key, minlength=n * n_days).astype(np.int32)
    return counts, first_day


def build_panel(
    enc: _Encoded,
    ids: pd.Index,
    *,
    first: int,
    last: int,
    as_of: pd.Timestamp,
) -> Panel:
    """The panel of ``ids`` (string ids) over days ``[first, last)`` from encoded events.

    ``first_day`` is each id's first activity (at any time, not only in the panel).
    """
    n_days = max(int(last - first), 1)
    _check_size(len(ids), n_days)
    counts, first_day = _day_counts(enc, ids, first=first, n_days=n_days, as_of=as_of)
    assert first_day is not None
    return Panel(
        ids=ids,
        day0=int(first),
        active=_cumulative((counts > 0).astype(np.int32), len(ids), n_days),
        events=_cumulative(counts, len(ids), n_days),
        first_day=first_day,
    )


def event_days(
    enc: _Encoded,
    ids: pd.Index,
    event: str,
    *,
    first: int,
    last: int,
    as_of: pd.Timestamp,
) -> npt.NDArray[np.int32]:
    """Cumulative days on which each id did ``event``, over days ``[first, last)``."""
    n_days = max(last - first, 1)
    names = enc.events if enc.events is not None else pd.Index([])
    code = names.get_indexer(pd.Index([event]))[0]
    if code < 0:
        return _cumulative(np.zeros(len(ids) * n_days, dtype=np.int32), len(ids), n_days)
    counts, _ = _day_counts(enc, ids, first=first, n_days=n_days, as_of=as_of, event=int(code))
    return _cumulative((counts > 0).astype(np.int32), len(ids), n_days)
