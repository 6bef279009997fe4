"""Proving string account ids unique without hashing Python objects.

Private helper of the churn boundary (:mod:`adoptmetrics.churn._data`).
Ids read from CSV or Parquet are strings; on pandas 3 (or as
``string[pyarrow]``) they sit in one Arrow byte buffer (Python ``str``
objects are copied into one, a single C pass):

* ids in strictly increasing order (exports ordered by their key) are unique:
  one Arrow comparison of neighbours, no sort, no hash;
* otherwise, when every id has the same byte length (zero-padded numbers,
  UUIDs, hashes), each id is a row of 8-byte words read straight from the
  buffer, mixed into one integer per id and sorted (a sort streams through
  memory; a hash table of random keys does not): distinct keys prove
  distinct ids.

Anything else (a hash collision, a real duplicate, nulls, ids of different
lengths, non-string ids) answers False and the caller takes the exact
factorise, which names the offending rows.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["proven_unique"]

Words = list[npt.NDArray[np.uint64]]


def proven_unique(ids: pd.Series) -> Literal["ascending", "unique"] | None:
    """Whether string ids are provably unique and non-null.

    ``"ascending"``: in strictly increasing order (so also unique; the
    caller needs no sort to order them); ``"unique"``: ids of one byte
    length with distinct hashes; None: not proven — the caller checks exactly.
    """
    flat = _arrow_strings(ids)
    if flat is None:
        return None
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    n = len(flat)
    if n < 2:
        return "ascending" if n == 1 else None
    ascending = pc.less(flat.slice(0, n - 1), flat.slice(1))
    if pc.all(ascending).as_py():
        return "ascending"
    words = _fixed_width_words(flat)
    if words is None:
        return None
    key = words[0]  # a fresh array: mixed in place
    with np.errstate(over="ignore"):
        for w in words[1:]:  # 8-byte words of one id, not rows
            key *= np.uint64(0x9E3779B97F4A7C15)
            key += w
    key.sort()
    return "unique" if bool(np.all(key[1:] != key[:-1])) else None


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
    n = len(flat)
    _, offsets_buf, data_buf = flat.buffers()
    large = "large" in str(flat.type)
    width = np.int64 if large else np.int32
    first = flat.offset
    offsets = np.frombuffer(offsets_buf, dtype=width)[first : first + n + 1]
    length = int(offsets[1] - offsets[0])
    if length == 0 or int(offsets[-1] - offsets[0]) != n * length:
        return None
    if not np.all(np.diff(offsets) == length):
        return None
    raw = np.frombuffer(data_buf, dtype=np.uint8, count=n * length, offset=int(offsets[0]))
    if length < 8:
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :length] = raw.reshape(n, length)
        return [padded.view(np.uint64).ravel()]
    # Words at 0, 8, ... and one ending at the last byte (it may overlap the previous
    # one): together they cover every byte, so equal words mean equal ids.
    starts = [*range(0, length - 7, 8)]
    if starts[-1] != length - 8:
        starts.append(length - 8)
    return [
        np.ndarray((n,), dtype="<u8", buffer=raw, offset=o, strides=(length,)).astype(np.uint64)
        for o in starts
    ]
