"""Event-sized numpy work in threads (numpy and Arrow release the GIL in it): the
columns of an events table encoded side by side, and one column's work split in
two halves.

The machines this runs on have few cores and the work is memory-bound, so
two halves are enough; the split only happens from :data:`HALVES_ROWS` rows.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

__all__ = ["HALVES_ROWS", "PARALLEL_ROWS", "Halves", "halves", "in_parallel", "unsplit"]

_T = TypeVar("_T")

#: From this many rows work is split in two: below it, starting a thread costs
#: about as much as it saves.
HALVES_ROWS = 2_000_000

# Set while several columns are already encoded side by side: both cores are
# busy, and a thread more per column would only add memory (one malloc arena each).
_BUSY: ContextVar[bool] = ContextVar("adoptmetrics_cores_busy", default=False)


@contextmanager
def unsplit() -> Iterator[None]:
    """Inside (in this thread), :class:`Halves` keeps the rows in one piece."""
    token = _BUSY.set(True)
    try:
        yield
    finally:
        _BUSY.reset(token)


#: Rows from which the columns of an events table are encoded in parallel threads
#: (the encodings run in numpy and Arrow, which release the GIL).
PARALLEL_ROWS = 1_000_000


def in_parallel(tasks: list[Callable[[], _T]], n_rows: int) -> list[_T]:
    """Each task's result, in order; the first failing task (in order) raises.

    The tasks start from the last: the user ids, when given, come last and have
    the most distinct values, so the longest task starts first.
    """
    workers = min(len(tasks), os.cpu_count() or 1)
    if n_rows < PARALLEL_ROWS or workers < 2:
        return [task() for task in tasks]
    if len(tasks) > 2:  # three or four columns side by side fill the cores already
        tasks = [functools.partial(_unsplit_call, task) for task in tasks]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(task) for task in reversed(tasks)][::-1]
        return [f.result() for f in futures]


def _unsplit_call(task: Callable[[], _T]) -> _T:
    with unsplit():  # no second thread per column: it would only add memory
        return task()


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
        two = n_rows >= HALVES_ROWS and (os.cpu_count() or 1) >= 2 and not _BUSY.get()
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
