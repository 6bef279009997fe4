"""Proving string account ids unique without hashing Python objects.

Private helper of the churn boundary (:mod:`adoptmetrics.churn._data`).
Ids read from CSV or Parquet are strings; on pandas 3 (or as
``string[pyarrow]``) they sit in one Arrow byte buffer (Python ``str``
objects are copied into one, a single C pass):

* ids in strictly increasing order (exports ordered by their key) are unique:
  one comparison of neighbours (Arrow's, or pandas' compiled one on Python
  strings, which needs no copy), no sort, no hash;
* otherwise, when every id has the same byte length (zero-padded numbers,
  UUIDs, hashes), each id is a row of 8-byte words read straight from the
  buffer, mixed into one integer key per id. Rows whose keys collide with
  no other key are found by scattering row numbers into a table of about
  twice as many slots (a slot's winner is whichever row landed last; the
  rows beside it are compared with it by key), repeated with a new slot
  function on the few rows left: about half the time of sorting the keys.
  Rows sharing a key with another row are then compared byte for byte, so
  a hash collision is never taken for a duplicate, and every duplicate is
  among them (equal ids have equal keys).

Anything else (a real duplicate, nulls, ids of different lengths,
non-string ids) answers None and the caller takes the exact factorise,
which names the offending rows.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._radix import _Chunk

__all__ = ["proven_unique"]

Words = list[npt.NDArray[np.uint64]]


def proven_unique(ids: pd.Series) -> Literal["ascending", "unique"] | None:
    """Whether string ids are provably unique and non-null.

    ``"ascending"``: in strictly increasing order (so also unique; the
    caller needs no sort to order them); ``"unique"``: ids of one byte
    length, distinct by key and, where keys collide, byte for byte; None:
    not proven (or a duplicate) — the caller checks exactly.
    """
    if ids.dtype == object and len(ids) > 1 and _ascending_objects(ids.to_numpy()):
        return "ascending"  # no copy of Python strings into an Arrow buffer
    flat = _arrow_strings(ids)
    if flat is None:
        return None
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    n = len(flat)
    if n < 2:
        return "ascending" if n == 1 else None
    if _ascending(pc, flat, min(n, 1024)) and _ascending(pc, flat, n):  # shuffled: quick no
        return "ascending"
    words = _fixed_width_words(flat)
    if words is None:
        return None
    shared = _shared_key_rows(_mixed(words))
    if len(shared) and not _rows_distinct(words, shared):
        return None  # a real duplicate: the caller's exact path names the rows
    return "unique"


def _ascending_objects(values: npt.NDArray[np.object_]) -> bool:
    """Whether Python ``str`` ids are in strictly increasing order.

    pandas' compiled monotonicity check compares neighbours and stops at the
    first step down. A ``str`` compares only with ``str``: a null or a number
    among them raises, and the answer is False (the caller checks exactly).
    """
    if not isinstance(values[0], str):
        return False
    try:  # a private but long-standing pandas routine
        from pandas._libs.algos import is_monotonic  # type: ignore[import-not-found]

        increasing, _, strict = is_monotonic(values, False)
    except (ImportError, TypeError, ValueError):
        return False
    return bool(increasing and strict)


def _ascending(pc: Any, flat: Any, m: int) -> bool:
    """Whether the first m strings are in strictly increasing order."""
    return bool(pc.all(pc.less(flat.slice(0, m - 1), flat.slice(1, m - 1))).as_py())


# Odd multipliers (golden ratio, murmur/xxhash primes): one slot function per round.
_MULTIPLIERS = tuple(
    np.uint64(m)
    for m in (
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
    )
)
_TABLE_BITS: int | None = None  # tests pin a tiny table to force slot collisions


def _mixed(words: Words) -> npt.NDArray[np.uint64]:
    """One 64-bit key per id from its words (equal ids give equal keys)."""
    key = np.array(words[0], dtype=np.uint64)  # a fresh contiguous array: mixed in place
    with np.errstate(over="ignore"):
        for w in words[1:]:  # 8-byte words of one id, not rows
            key *= np.uint64(0x9E3779B97F4A7C15)
            key += w
    return key


def _shared_key_rows(key: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """Sorted positions of the rows whose key equals another row's key (exact).

    Each round scatters the remaining rows' positions into a table by a slot
    function of their key; the position left in a slot is its winner. Equal
    keys share a slot, so a winner whose slot-mates all have other keys is
    unique; slot-mates with the winner's key are shared (that key's rows all
    sit in this slot); slot-mates with other keys go to the next round, with
    a new slot function. What is left after the last round is sorted.
    """
    rows: npt.NDArray[np.intp] | None = None  # None: every row, in order
    k = key
    shared: list[npt.NDArray[np.intp]] = []
    for mult in _MULTIPLIERS:
        m = len(k)
        if m < 2:
            break
        bits = _TABLE_BITS or (m - 1).bit_length() + 1  # at least twice m slots
        with np.errstate(over="ignore"):
            slot = k * mult
        slot >>= np.uint64(64 - bits)  # the top bits: they depend on every bit of k
        at = slot.view(np.int64)
        pos = np.arange(m, dtype=np.int32 if m < 2**31 else np.int64)
        table = np.empty(1 << bits, dtype=pos.dtype)  # only written slots are read
        table[at] = pos
        winner = table[at]
        lost = np.flatnonzero(winner != pos)
        won = winner[lost]
        same = k[lost] == k[won]
        here = lost if rows is None else rows[lost]
        if same.any():
            beside = won if rows is None else rows[won]
            shared += [here[same], beside[same].astype(np.intp)]
        left = ~same
        rows, k = here[left], k[lost[left]]
    if len(k) > 1:
        assert rows is not None
        order = np.argsort(k)
        ks = k[order]
        tie = np.flatnonzero(ks[1:] == ks[:-1])
        shared += [rows[order[tie]], rows[order[tie + 1]]]
    if not shared:
        return np.empty(0, dtype=np.intp)
    return np.unique(np.concatenate(shared))


def _rows_distinct(words: Words, rows: npt.NDArray[np.intp]) -> bool:
    """Whether the given ids differ byte for byte (their words cover every byte)."""
    block = np.stack([w[rows] for w in words], axis=1)
    return len(np.unique(block, axis=0)) == len(rows)


def _arrow_strings(ids: pd.Series) -> Any:
    """The ids as one Arrow string array without nulls, or None."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow ships with pandas 3
        return None
    array = ids.array
    try:
        if hasattr(array, "__arrow_array__") and pd.api.types.is_string_dtype(ids.dtype):
            arrow = array.__arrow_array__()
        elif ids.dtype == object:
            # Python str objects (pandas 2's read_csv): one C pass builds the buffer;
            # anything that is not a str (numbers, None) fails and takes the exact path.
            arrow = pa.array(ids.to_numpy(), type=pa.string(), from_pandas=False)
        else:
            return None
        flat = arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if flat.null_count or not (
        pa.types.is_string(flat.type) or pa.types.is_large_string(flat.type)
    ):
        return None
    return flat


def _fixed_width_words(flat: Any) -> Words | None:
    """Each id of an Arrow string array of one byte length as 8-byte words, or None."""
    chunk = _Chunk(flat, 0)  # the boundary's reader of Arrow offsets and bytes
    n, length = chunk.n, chunk.width
    if not length or chunk.data is None:
        return None
    start = int(chunk.offsets[0])
    raw = chunk.data[start : start + n * length]
    if length < 8:
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :length] = raw.reshape(n, length)
        return [padded.view(np.uint64).ravel()]
    # Words at 0, 8, ... and one ending at the last byte (it may overlap the previous
    # one): together they cover every byte, so equal words mean equal ids.
    starts = [*range(0, length - 7, 8)]
    if starts[-1] != length - 8:
        starts.append(length - 8)
    # Strided views into the buffer: no copies (read once by the mixing, then only
    # at the few rows that share a key).
    return [np.ndarray((n,), dtype="<u8", buffer=raw, offset=o, strides=(length,)) for o in starts]
