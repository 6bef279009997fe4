"""Frames of any engine at the boundary: recognise them, check columns, bring them to pandas.

Every events-taking function reaches :func:`adoptmetrics._schema._validate.validate_events`
(directly or through the activity encoder), which calls :func:`to_pandas` here
first. A pandas frame passes through untouched; any other frame that narwhals
supports is converted once:

* eager frames (Polars DataFrame, PyArrow Table, ...) column by column through
  Arrow, string columns dictionary-encoded by Arrow straight into pandas
  categoricals (no Python objects, no second factorise);
* lazy frames (Polars LazyFrame, DuckDB relation, PySpark DataFrame, ...) are
  checked against their schema first (a missing column is a clear error before
  any work runs), then the columns are selected inside the engine and collected.

The activity layer keeps lazy frames lazy where it can (see
``adoptmetrics.activity._engine``); this module is the fallback that makes every
function accept every frame.
"""

from __future__ import annotations

import difflib
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from adoptmetrics._schema._radix import fixed_width_codes

__all__ = [
    "frame_columns",
    "is_lazy",
    "to_narwhals",
    "to_pandas",
]


def _unsupported(obj: object, table: str) -> TypeError:
    return TypeError(
        f"{table} must be a pandas DataFrame or another frame that narwhals supports, "
        f"got {type(obj).__module__}.{type(obj).__name__}.\n"
        "Hint: pass a pandas or Polars DataFrame/LazyFrame, a PyArrow Table, a DuckDB "
        "relation, a PySpark DataFrame or an am.EventLog (e.g. pd.read_parquet(path))."
    )


def to_narwhals(obj: object, table: str) -> Any:
    """Wrap a native frame in narwhals (a DataFrame or a LazyFrame); clear error otherwise."""
    if isinstance(obj, (nw.DataFrame, nw.LazyFrame)):
        return obj
    native: Any = obj
    try:
        return nw.from_native(native, pass_through=False)
    except TypeError:
        raise _unsupported(obj, table) from None


def is_lazy(obj: object) -> bool:
    """Is ``obj`` a lazy frame (a Polars LazyFrame, a DuckDB relation, a Spark DataFrame...)."""
    if isinstance(obj, pd.DataFrame):
        return False
    native: Any = obj
    try:
        frame = nw.from_native(native, pass_through=False)
    except TypeError:
        return False
    return isinstance(frame, nw.LazyFrame)


def frame_columns(frame: Any) -> list[str]:
    """Column names of a narwhals frame without running a lazy query."""
    names: list[str] = list(frame.collect_schema().names())
    return names


def require_columns(frame: Any, table: str, columns: dict[str, str]) -> None:
    """Refuse a frame missing any of ``columns`` (argument name → column), before work runs."""
    present = frame_columns(frame)
    for argument, column in columns.items():
        if column in present:
            continue
        from adoptmetrics._schema._validate import SchemaError

        close = difflib.get_close_matches(column, present, n=1, cutoff=0.5)
        hint = f"pass {argument}='<your column>' to name the column that holds it"
        if close:
            hint = f"did you mean {close[0]!r}? Pass {argument}={close[0]!r}"
        raise SchemaError(table, column, f"is missing; the table has columns {present}", hint + ".")


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    """An Arrow table to pandas, string and dictionary columns as categoricals."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    cols: dict[str, Any] = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            if pa.types.is_string_view(t):
                col = col.cast(pa.large_string())
            col = pc.dictionary_encode(col.combine_chunks())
        elif pa.types.is_dictionary(t):
            col = col.unify_dictionaries() if col.num_chunks > 1 else col
        cols[name] = col.to_pandas()
    return pd.DataFrame(cols, copy=False)


def to_pandas(obj: object, table: str, *, required: dict[str, str] | None = None) -> pd.DataFrame:
    """``obj`` as a pandas frame (pandas frames pass through untouched).

    ``required`` (argument name → column) is checked against the schema before
    anything runs, so a lazy frame missing a column fails without a query. Every
    column is collected: callers may read more columns (``by=``) than they name.
    """
    if isinstance(obj, pd.DataFrame):
        return obj
    from_log = getattr(obj, "to_pandas", None)
    if from_log is not None and hasattr(obj, "_am_validated_events"):
        logged: pd.DataFrame = from_log()  # an EventLog: its validated frame
        return logged
    frame = to_narwhals(obj, table)
    if required:
        require_columns(frame, table, required)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    if frame.implementation.is_pandas():
        native: pd.DataFrame = frame.to_native()
        return native
    try:
        arrow = frame.to_arrow()
    except Exception:
        out: pd.DataFrame = frame.to_pandas()
        return out
    return _arrow_to_pandas(arrow)


def _sorted_categorical(table: Any, codes: Any, uniques: Any) -> pd.Categorical:
    """A categorical with sorted categories from unsorted factorise output.

    ``codes`` index ``table`` (small: one entry per distinct key, -1 for null),
    whose entries index ``uniques``. The sort is over the distinct ids only, and
    the rank map is composed with ``table`` before the one event-sized take.
    """
    import numpy as np

    uniques = pd.Index(uniques)
    order = uniques.argsort()
    rank = np.empty(len(order) + 1, dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    rank[-1] = -1  # table entries of -1 (null) stay -1
    small = rank[np.asarray(table)]
    final = small[codes]
    dtype = pd.CategoricalDtype(uniques[order])
    # The codes are in range by construction: skip from_codes' event-sized check.
    return pd.Categorical.from_codes(final, dtype=dtype, validate=False)


def _factorize(values: Any) -> tuple[Any, Any, Any]:
    """Factorise ``values`` as (table, codes, uniques): row i holds uniques[table[codes[i]]].

    Object arrays are hashed by object identity first: strings read by
    ``pd.read_csv`` or from Parquet share one Python object per distinct value,
    so hashing the object addresses (int64) and then only the few distinct
    objects by value is several times faster than hashing every string. Equal
    addresses are the same object, and distinct objects with equal values are
    merged in the second step, so the result is the same either way. Nulls get
    table entry -1.
    """
    import ctypes

    import numpy as np

    n = len(values)
    if values.dtype == object and n >= 50_000:
        values = np.ascontiguousarray(values)
        # The addresses of the objects (the array keeps them alive meanwhile).
        addresses = np.ctypeslib.as_array((ctypes.c_ssize_t * n).from_address(values.ctypes.data))
        # A sample first: one object per row (e.g. after astype(str)) gains nothing.
        sample = addresses[: 1 << 16]
        shared = len(np.unique(sample)) <= 0.9 * len(sample)
        pcodes, pointers = pd.factorize(addresses) if shared else (None, values)
        if shared and len(pointers) <= n // 4:
            one_each = np.empty(len(pointers), dtype=np.int64)
            one_each[pcodes] = np.arange(n, dtype=np.int64)  # any row of each object will do
            vcodes, uniques = pd.factorize(values[one_each], use_na_sentinel=True)
            return vcodes, pcodes, uniques
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # Codes index uniques directly; the table's last entry maps a null (-1) to -1.
    return np.append(np.arange(len(uniques), dtype=np.int64), -1), codes, uniques


def _one_dictionary(encoded: Any) -> Any:
    """Dictionary-encoded chunks over one dictionary.

    Arrow's chunked ``dictionary_encode`` hashes all chunks with one memo table and
    gives every chunk the same final dictionary: then the indices already agree and
    ``unify_dictionaries`` (which re-hashes every chunk's dictionary, seconds for
    many chunks of many distinct ids) is skipped. Identical buffers are checked.
    """
    chunks = encoded.chunks
    if len(chunks) <= 1:
        return encoded
    first = chunks[0].dictionary

    def key(d: Any) -> tuple[Any, ...]:
        return (len(d), d.offset, *(b.address if b is not None else None for b in d.buffers()))

    if all(key(c.dictionary) == key(first) for c in chunks[1:]):
        return encoded
    return encoded.unify_dictionaries()


def encode_ids(series: pd.Series) -> tuple[pd.Series, int]:
    """``series`` as a categorical with sorted categories, and its number of nulls.

    The fastest route per dtype, one pass over the rows: categoricals as they
    are; Arrow-backed strings of one width by a byte-wise rank (see
    :mod:`._radix`), other Arrow-backed strings through Arrow's dictionary encoding; object
    arrays through one hash factorise (by object identity first, see
    :func:`_factorize`). Nulls come out of that pass (no separate ``isna``); the
    sort is over the distinct ids only. When the ids cannot be ordered (mixed
    types) pandas' own conversion is used.
    """
    import numpy as np

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return series, int(np.count_nonzero(series.cat.codes.to_numpy() < 0))
    found: tuple[Any, Any, Any] | None = None
    if getattr(dtype, "storage", None) == "pyarrow" or isinstance(dtype, pd.ArrowDtype):
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            chunked = pa.chunked_array(pa.array(series.array))
            if chunked.null_count:
                return series, int(chunked.null_count)
            fixed = fixed_width_codes(chunked)
            if fixed is not None:  # ids of one width: sorted codes without hashing
                codes, ordered = fixed
                dtype = pd.CategoricalDtype(pd.Index(ordered.to_pandas()))
                cat = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
                return pd.Series(cat, index=series.index, name=series.name, copy=False), 0
            enc = _one_dictionary(pc.dictionary_encode(chunked))
            if enc.num_chunks == 0:
                found = (np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), [])
            else:
                codes = np.concatenate(
                    [c.indices.to_numpy(zero_copy_only=False) for c in enc.chunks]
                )
                uniques = enc.chunks[0].dictionary.to_pandas()
                found = (np.arange(len(uniques), dtype=np.int64), codes, uniques)
        except (ImportError, TypeError, ValueError, AttributeError):
            found = None
    if found is None:
        found = _factorize(series.to_numpy())
    table, codes, uniques = found
    table = np.asarray(table)
    nulls = int(np.count_nonzero(table[codes] < 0)) if (table < 0).any() else 0
    if nulls:
        return series, nulls
    try:
        cat = _sorted_categorical(table, codes, uniques)
    except TypeError:  # ids of mixed types cannot be sorted
        return series.astype("category"), 0
    return pd.Series(cat, index=series.index, name=series.name, copy=False), 0
