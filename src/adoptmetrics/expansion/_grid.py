"""Account-period rows of the expansion hazard model, and lookups on them in O(rows).

Account ``a`` is at risk in the whole periods ``(g, g + step]`` with
``g = ref − k·step`` for ``k = k_lo[a] … k_lo[a] + count[a] − 1``; its rows are
contiguous, in increasing ``k`` (so decreasing ``g``). On that regular grid
"the latest firing at or before ``g``" needs no search: a firing at ``f`` is
visible from the rows with ``k ≤ ⌊(ref − f)/step⌋`` (exact integer
arithmetic), so each firing lands on one row and the rows in between take the
value of the nearest later row of their account.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_NEVER = np.iinfo(np.int64).min


@attrs.frozen(slots=True)
class Grid:
    """Rows: ``acc`` and ``g`` per row; ``k_lo``, ``count`` and ``first`` (row) per account."""

    ref: int
    step: int
    acc: IntArray
    g: IntArray
    k_lo: IntArray
    count: IntArray
    first: IntArray
    row_end: IntArray  # per row: one past its account's last row


def period_rows(ref: int, start: IntArray, end: IntArray, step: int) -> Grid:
    """Every whole period ``(g, g + step]`` inside each account's ``[start, end]``."""
    k_lo = np.ceil((ref - end) / step).astype(np.int64) + 1
    k_hi = np.floor((ref - start) / step).astype(np.int64)
    count = np.maximum(k_hi - k_lo + 1, 0)
    first = np.cumsum(count) - count
    acc = np.repeat(np.arange(len(count), dtype=np.int64), count)
    offset = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(first, count)
    k = k_lo[acc] + offset
    return Grid(ref, step, acc, ref - k * step, k_lo, count, first, (first + count)[acc])


def _row(grid: Grid, acc: IntArray, k: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Row of (account, k), and whether the account has that row."""
    lo = grid.k_lo[acc]
    ok = (k >= lo) & (k < lo + grid.count[acc])
    return grid.first[acc] + (k - lo), ok


def last_at_or_before(grid: Grid, f_acc: IntArray, f_ns: IntArray) -> IntArray:
    """Latest firing at or before each row's ``g`` (``_NEVER`` if none).

    ``(f_acc, f_ns)`` sorted by (account, time), every ``f_ns ≤ ref``. Equals a
    grouped ``searchsorted`` of the rows in the firings.
    """
    n = len(grid.g)
    if n == 0 or len(f_ns) == 0:
        return np.full(n, _NEVER, dtype=np.int64)
    lo = grid.k_lo[f_acc]
    # Visible from rows k ≤ kf; a firing before the account's first g is seen by all of them.
    kf = np.minimum((grid.ref - f_ns) // grid.step, lo + grid.count[f_acc] - 1)
    kf -= lo  # the row's offset in its account; negative: after the account's last g
    ok = kf >= 0
    row = grid.first[f_acc] + kf
    row, f = row[ok], f_ns[ok]
    if len(row) == 0:
        return np.full(n, _NEVER, dtype=np.int64)
    # Rows fall as time rises inside an account: the last firing on a row is its latest.
    last = np.r_[row[1:] != row[:-1], True]
    held_rows = row[last]
    value = np.full(n + 1, _NEVER, dtype=np.int64)  # value[n]: no firing
    value[held_rows] = f[last]
    # Other rows see the nearest later row of their account that holds a firing.
    nearest = np.full(n, n, dtype=np.int64)
    nearest[held_rows] = held_rows
    backwards = nearest[::-1]
    np.minimum.accumulate(backwards, out=backwards)  # in place: one row-sized array fewer
    nearest[nearest >= grid.row_end] = n
    return value[nearest]


def any_in_period(grid: Grid, x_acc: IntArray, x_ns: IntArray) -> FloatArray:
    """1.0 for the rows whose period ``(g, g + step]`` holds an expansion, else 0.0."""
    y = np.zeros(len(grid.g))
    if len(x_ns) == 0:
        return y
    # g < x ≤ g + step  ⟺  k = ⌊(ref − x)/step⌋ + 1 (x ≤ ref).
    row, ok = _row(grid, x_acc, (grid.ref - x_ns) // grid.step + 1)
    y[row[ok]] = 1.0
    return y
