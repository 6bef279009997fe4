"""Daily activity of every account as cumulative counts, for window queries.

Matching needs, at each exposure day ``d`` and for every account, counts in
windows such as ``[d − pre_days, d)``. Cumulative sums over a dense
(account × day) grid answer each window for all accounts with one
subtraction; the grid only spans the days the exposures need.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.activity import activity_cells

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


def _cumulative(
    entity: IntArray, day: IntArray, weight: IntArray, n: int, day0: int, n_days: int
) -> npt.NDArray[np.int32]:
    keep = (day >= day0) & (day < day0 + n_days)
    grid = np.zeros((n, n_days + 1), dtype=np.int32)
    np.add.at(grid, (entity[keep], day[keep] - day0 + 1), weight[keep].astype(np.int32))
    np.cumsum(grid, axis=1, out=grid)
    # Column-major: each window query reads whole days (columns) for many accounts.
    return np.asfortranarray(grid)


def build_panel(
    events: pd.DataFrame,
    ids: pd.Index,
    *,
    first: int,
    last: int,
    account_col: str,
    time_col: str,
    event_col: str,
    activity_events: Sequence[str] | None,
    as_of: pd.Timestamp,
) -> Panel:
    """The panel of ``ids`` over days ``[first, last)``.

    ``first_day`` is each id's first activity (at any time, not only in the panel).
    """
    cells = activity_cells(
        events,
        period="day",
        account_col=account_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        as_of=as_of,
    )
    pos = ids.get_indexer(cells.entities)
    entity = pos[cells.entity]
    known = entity >= 0
    entity, day, n_events = entity[known], cells.index[known], cells.n_events[known]
    n_days = max(int(last - first), 1)
    if len(ids) * (n_days + 1) > _MAX_CELLS:
        raise ValueError(
            f"the exposures span {n_days} days for {len(ids)} accounts, more than the "
            f"{_MAX_CELLS:,} account-days this in-memory estimator handles.\n"
            "Hint: analyse fewer campaigns or a shorter period at a time."
        )
    first_day = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_day, entity, day)
    return Panel(
        ids=ids,
        day0=int(first),
        active=_cumulative(entity, day, np.ones_like(day), len(ids), first, n_days),
        events=_cumulative(entity, day, n_events, len(ids), first, n_days),
        first_day=first_day,
    )


def event_days(
    events: pd.DataFrame,
    ids: pd.Index,
    event: str,
    *,
    first: int,
    last: int,
    account_col: str,
    time_col: str,
    event_col: str,
    as_of: pd.Timestamp,
) -> npt.NDArray[np.int32]:
    """Cumulative days on which each id did ``event``, over days ``[first, last)``."""
    cells = activity_cells(
        events,
        period="day",
        account_col=account_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=[event],
        as_of=as_of,
    )
    pos = ids.get_indexer(cells.entities)
    entity = pos[cells.entity]
    known = entity >= 0
    day = cells.index[known]
    return _cumulative(entity[known], day, np.ones_like(day), len(ids), first, max(last - first, 1))
