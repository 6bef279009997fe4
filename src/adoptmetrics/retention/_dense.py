"""Retention counts straight from a presence bitmap, without listing the cells.

With cohorts at each entity's first active period (no ``start=``), an
(entity × period) presence bitmap holds everything retention counts: the first
set column is the cohort, the columns after it the periods retained. Rows are
grouped by (segment, cohort) and each group's block of columns summed, instead
of listing every active cell and keying it. Private.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from adoptmetrics.activity._encode import IntArray
from adoptmetrics.activity._presence import Presence
from adoptmetrics.activity._sort import _stable_by

__all__ = ["MAX_GROUPS", "dense_counts", "first_columns"]

#: Groups are summed one block at a time (a Python loop over groups, not over
#: entities): past this many the cells path counts them instead.
MAX_GROUPS = 4096


def first_columns(pres: Presence) -> tuple[IntArray, IntArray]:
    """Codes of the entities active at least once (ascending) and their first column."""
    first = pres.bitmap.argmax(axis=1)
    active = pres.bitmap[np.arange(len(first)), first]
    entity = np.flatnonzero(active).astype(np.int64)
    return entity, first[entity].astype(np.int64)


def dense_counts(
    pres: Presence,
    entity: IntArray,
    group: npt.NDArray[np.signedinteger],
    group_column: IntArray,
    size: IntArray,
    n_k: int,
    *,
    mode: str,
    need_both: bool,
) -> tuple[IntArray, IntArray]:
    """Retained per (group, k) and, with ``need_both``, retained at k and at k - 1.

    ``entity`` are the active entities' codes, ``group`` each one's group,
    ``group_column`` each group's cohort column in the bitmap and ``size`` its
    number of entities. The same numbers as counting the listed cells (tested).
    """
    n_g, n_p = len(size), pres.bitmap.shape[1]
    retained = np.zeros((n_g, n_k), dtype=np.int64)
    if mode == "on_or_after":
        # Each entity's last active column (a reversed view: no copy), as k from its cohort.
        last = n_p - 1 - np.argmax(pres.bitmap[:, ::-1], axis=1)
        last_k = last[entity] - group_column[group]
        key = group.astype(np.int64) * n_k + last_k
        hist = np.bincount(key, minlength=n_g * n_k).reshape(n_g, n_k)
        retained[:] = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]
        return retained, retained
    # Entities of one group together (a counting sort); each group's rows are
    # gathered in turn, so no second bitmap-sized copy is made.
    members = entity[_stable_by(group)]
    bounds = np.r_[0, np.cumsum(size)]
    both = np.zeros((n_g, n_k), dtype=np.int64) if need_both else retained
    for g in range(n_g):
        c = int(group_column[g])
        block = pres.bitmap[members[bounds[g] : bounds[g + 1]], c:]
        retained[g, : n_p - c] = np.add.reduce(block, axis=0, dtype=np.int64)
        if need_both and n_p - c > 1:
            pairs = block[:, 1:] & block[:, :-1]  # active at k and at k - 1
            both[g, 1 : n_p - c] = np.add.reduce(pairs, axis=0, dtype=np.int64)
    return retained, both
