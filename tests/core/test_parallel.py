"""Event-sized work on two halves of the rows (``_schema/_parallel.py``)."""

from __future__ import annotations

import threading

import pytest

from adoptmetrics._schema import _parallel
from adoptmetrics._schema._parallel import Halves, halves, in_parallel, unsplit


@pytest.fixture(autouse=True)
def _small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_parallel, "HALVES_ROWS", 10)
    monkeypatch.setattr("os.cpu_count", lambda: 2)


def test_large_inputs_are_covered_once_by_two_threads() -> None:
    seen: list[tuple[int, int, int]] = []

    def work(start: int, stop: int) -> None:
        seen.append((start, stop, threading.get_ident()))

    halves(11, work)  # split at 11 // 2 = 5
    assert sorted((a, b) for a, b, _ in seen) == [(0, 5), (5, 11)]
    assert len({t for _, _, t in seen}) == 2


def test_small_inputs_and_busy_cores_keep_one_piece() -> None:
    assert Halves(9).ranges == [(0, 9)]
    with unsplit():
        assert Halves(100).ranges == [(0, 100)]
    with Halves(100) as pair:
        assert pair.ranges == [(0, 50), (50, 100)]
        assert pair.run(lambda a, b: b - a) == [50, 50]  # results in order


def test_an_error_in_either_half_is_raised() -> None:
    def second_fails(start: int, stop: int) -> None:
        if start > 0:
            raise ValueError("second half")

    with pytest.raises(ValueError, match="second half"):
        halves(20, second_fails)


def test_columns_encoded_side_by_side_do_not_split_further(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_parallel, "PARALLEL_ROWS", 1)

    def pieces() -> int:
        return len(Halves(100).ranges)

    assert in_parallel([pieces, pieces], 100) == [2, 2]  # ids and times: split allowed
    assert in_parallel([pieces] * 4, 100) == [1, 1, 1, 1]  # both cores busy already
