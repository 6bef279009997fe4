"""Sorted codes of short Arrow strings by a byte-wise dense rank, no hashing.

Ids exported from a system are usually of one width (``acc028350``,
``A31055``, UUIDs). Their bytes then form an ``n × width`` matrix that is a view
of the Arrow data buffer. Column by column (left to right), each row's code so
far and the rank of its byte among that column's distinct bytes combine into a
new code; whenever the code space grows past :data:`_DENSE` it is re-ranked
through a presence bitmap. Constant columns (prefixes such as ``acc``) are
skipped. The final codes are dense and in the byte-wise (UTF-8, code point)
order of the strings, which is the order ``sorted`` gives: the categories come
out sorted with no sort and no hash table, several times faster than hashing
each string.

Strings of several widths are right-padded with a symbol below every byte.
Nulls, short arrays, very wide strings, nearly one distinct string per row and
anything unexpected return ``None``: the caller then hashes (Arrow's
dictionary encoding).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import numpy.typing as npt

from adoptmetrics._schema._parallel import Halves

__all__ = ["fixed_width_codes"]

#: Below this many rows hashing is as fast.
_MIN_ROWS = 50_000
#: Widest string handled (bytes); wider ids are hashed.
_MAX_WIDTH = 24
#: Rows read to estimate the number of distinct strings, and the fewest distinct
#: strings among them for which ranking beats hashing.
_SAMPLE = 1 << 16
_MIN_DISTINCT = 2048
#: Code space re-ranked once it passes this many cells (a bitmap of this many bytes).
_DENSE = 1 << 22
_BLOCK = 1 << 20


class _Chunk:
    """One Arrow chunk's offsets and bytes (views of its buffers, no copy)."""

    __slots__ = ("data", "lo", "n", "offsets", "width")

    def __init__(self, chunk: Any, lo: int) -> None:
        import pyarrow as pa  # type: ignore[import-untyped]

        n = len(chunk)
        kind: type[np.integer[Any]] = np.int32 if pa.types.is_string(chunk.type) else np.int64
        _, off_buf, data_buf = chunk.buffers()
        size = np.dtype(kind).itemsize
        offsets = np.frombuffer(off_buf, dtype=kind, count=n + 1, offset=chunk.offset * size)
        self.offsets = offsets.astype(np.int64, copy=False)
        end = int(offsets[-1])
        self.data = np.frombuffer(data_buf, dtype=np.uint8, count=end) if end else None
        self.n, self.lo = n, lo
        # One width throughout (checked block by block): the bytes are a matrix.
        w = int(offsets[1] - offsets[0])
        same = end - int(offsets[0]) == w * n and all(
            not (np.diff(offsets[a : a + _BLOCK + 1]) != w).any() for a in range(0, n, _BLOCK)
        )
        self.width = w if same else None

    def max_width(self) -> int:
        if self.width is not None:
            return self.width
        return max(
            int(np.diff(self.offsets[a : a + _BLOCK + 1]).max()) for a in range(0, self.n, _BLOCK)
        )

    def column(self, j: int, out: npt.NDArray[np.int32], padded: bool, a: int, b: int) -> None:
        """Byte ``j`` of rows ``a:b`` into ``out`` (plus one, 0 past the end, when ``padded``)."""
        if not padded:
            assert self.data is not None
            assert self.width is not None
            start = int(self.offsets[0])
            matrix = self.data[start:].reshape(self.n, self.width)
            out[:] = matrix[a:b, j]
            return
        if self.data is None:  # only empty strings
            out[:] = 0
            return
        last = len(self.data) - 1
        for lo in range(a, b, _BLOCK):
            hi = min(lo + _BLOCK, b)
            pos = self.offsets[lo:hi] + j
            inside = pos < self.offsets[lo + 1 : hi + 1]
            np.minimum(pos, last, out=pos)
            part = out[lo - a : lo - a + len(pos)]
            part[:] = self.data[pos]
            part += 1
            part *= inside


def _chunks(chunked: Any) -> list[_Chunk] | None:
    import pyarrow as pa

    out: list[_Chunk] = []
    lo = 0
    for chunk in chunked.chunks:
        if len(chunk) == 0:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return None
        out.append(_Chunk(chunk, lo))
        lo += len(chunk)
    return out or None


def fixed_width_codes(chunked: Any) -> tuple[npt.NDArray[np.int32], Any] | None:
    """(codes, sorted distinct strings as an Arrow array) of a null-free Arrow string column.

    ``None`` for too few rows, nulls, strings wider than :data:`_MAX_WIDTH` bytes
    or nearly one distinct string per row (hashing is then the better route).
    """
    if len(chunked) < _MIN_ROWS or chunked.null_count:
        return None
    # Few distinct strings (event names): hashing runs in cache and wins.
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    sample = chunked.slice(0, _SAMPLE)
    if pc.count_distinct(sample).as_py() < _MIN_DISTINCT:
        return None
    chunks = _chunks(chunked)
    if chunks is None:
        return None
    widths = {c.width for c in chunks}
    # Strings of several widths are right-padded with a symbol below every byte
    # (byte + 1, and 0 past the end), so "ab" sorts before "abc" as it should.
    padded = len(widths) > 1 or None in widths
    width = max(c.max_width() for c in chunks)
    if width == 0 or width > _MAX_WIDTH:
        return None
    n = len(chunked)
    codes = np.zeros(n, dtype=np.int32)
    col = np.empty(n, dtype=np.int32)
    space = 1  # codes so far lie in [0, space)
    with Halves(n) as pair:  # large columns: each step on two halves of the rows at once
        for j in range(width):
            stats = pair.run(functools.partial(_extract, chunks, j, col, padded))
            lut = None
            if padded:  # the pad symbol 0 lies far below the bytes: rank the symbols present
                present = np.flatnonzero(np.sum(stats, axis=0))
                low, high = int(present[0]), int(present[-1])
                if len(present) < high - low + 1:
                    lut = np.zeros(257, dtype=np.int32)
                    lut[present] = np.arange(len(present), dtype=np.int32)
                    low, high = 0, len(present) - 1
            else:
                low, high = int(min(st[0] for st in stats)), int(max(st[1] for st in stats))
            if low == high:
                continue  # a constant column orders nothing
            r = high - low + 1
            if space * r > _DENSE:
                space = _rerank(codes, space, pair)
                if space * r > max(_DENSE, 2 * n):
                    return None  # nearly one id per row: the bitmap would outgrow the rows
            pair.run(functools.partial(_combine, codes, col, r, low, lut))
            space *= r
        del col
        k = _rerank(codes, space, pair)
        # One row of each code gives the distinct strings, already in order (rows
        # with one code hold one string, so either half may write a slot).
        row = np.empty(k, dtype=np.int64)
        pair.run(functools.partial(_row_of_code, codes, row))
    return codes, chunked.take(row)


def _extract(
    chunks: list[_Chunk], j: int, col: npt.NDArray[np.int32], padded: bool, start: int, stop: int
) -> Any:
    """Byte ``j`` of rows ``start:stop`` into ``col``; their symbol counts (padded) or range."""
    for c in chunks:
        a, b = max(start, c.lo) - c.lo, min(stop, c.lo + c.n) - c.lo
        if a < b:
            c.column(j, col[c.lo + a : c.lo + b], padded, a, b)
    part = col[start:stop]
    if padded:
        return np.bincount(part, minlength=257)
    return int(part.min()), int(part.max())  # a half is never empty (see Halves)


def _combine(
    codes: npt.NDArray[np.int32],
    col: npt.NDArray[np.int32],
    r: int,
    low: int,
    lut: npt.NDArray[np.int32] | None,
    start: int,
    stop: int,
) -> None:
    """codes = codes · r + rank of the byte, on rows ``start:stop``."""
    c, k = codes[start:stop], col[start:stop]
    c *= r
    if lut is not None:
        np.take(lut, k, out=k)
    else:
        k -= low
    c += k


def _row_of_code(
    codes: npt.NDArray[np.int32], row: npt.NDArray[np.int64], start: int, stop: int
) -> None:
    for lo in range(start, stop, _BLOCK):
        hi = min(lo + _BLOCK, stop)
        row[codes[lo:hi]] = np.arange(lo, hi, dtype=np.int64)


def _rerank(codes: npt.NDArray[np.int32], space: int, pair: Halves) -> int:
    """Replace ``codes`` (in ``[0, space)``) by their dense rank in place; return the count."""
    seen = np.zeros(space, dtype=bool)
    pair.run(functools.partial(_mark, seen, codes))
    rank = np.cumsum(seen, dtype=np.int32)
    rank -= 1
    k = int(rank[-1]) + 1
    pair.run(functools.partial(_rank, rank, codes))
    return k


def _mark(seen: npt.NDArray[np.bool_], codes: npt.NDArray[np.int32], start: int, stop: int) -> None:
    seen[codes[start:stop]] = True  # both halves write True: no conflict


def _rank(rank: npt.NDArray[np.int32], codes: npt.NDArray[np.int32], start: int, stop: int) -> None:
    part = codes[start:stop]
    np.take(rank, part, out=part, mode="clip")  # in range; clip avoids a buffer copy
