"""Event-sized numpy work split over two threads (numpy releases the GIL in it).

The machines this runs on have few cores and the work is memory-bound, so
two halves are enough; the split only happens from :data:`HALVES_ROWS` rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["HALVES_ROWS", "Halves", "halves"]

_T = TypeVar("_T")

#: From this many rows work is split in two: below it, starting a thread costs
#: about as much as it saves.
HALVES_ROWS = 2_000_000


def halves(n_rows: int, work: Callable[[int, int], None]) -> None:
    """Run ``work(start, stop)`` over ``[0, n_rows)``: in two threads on large inputs.

    ``work`` must only read shared arrays, or write to them what any other
    writer would write too (such as ``True`` into a presence bitmap). An
    exception in either half is raised here.
    """
    with Halves(n_rows) as pair:
        pair.run(work)


class Halves:
    """The row ranges of one or two halves, and a runner for a step over both.

    For algorithms of several steps with a join between them (each step sees
    the previous step of both halves): ``with Halves(n) as h: h.run(step)``.
    """

    def __init__(self, n_rows: int) -> None:
        mid = n_rows // 2
        two = n_rows >= HALVES_ROWS and (os.cpu_count() or 1) >= 2
        self.ranges = [(0, mid), (mid, n_rows)] if two else [(0, n_rows)]
        self._pool = ThreadPoolExecutor(max_workers=1) if two else None

    def run(self, step: Callable[[int, int], _T]) -> list[_T]:
        """``step(start, stop)`` of every half, in order; the second runs in a thread."""
        if self._pool is None:
            return [step(*self.ranges[0])]
        other = self._pool.submit(step, *self.ranges[1])
        first = step(*self.ranges[0])
        return [first, other.result()]

    def __enter__(self) -> Halves:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
