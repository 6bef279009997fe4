"""Event-sized reductions inside a lazy engine (DuckDB, Polars lazy, PySpark, ...).

A lazy events frame is never collected whole. :func:`engine_events` checks its
schema, counts nulls and reads the id universe and the time range with small
aggregate queries; :func:`engine_cells` and :func:`engine_first_last` reduce it
to one row per (entity, period) or per entity inside the engine through
narwhals. Periods are integer arithmetic on epoch days computed from the year
and the day of the year (``dt.truncate`` with multi-unit periods and
``dt.timestamp`` are not available on every engine). Functions that need the
events one by one (windows, sequences) collect only the columns they read, after the
``activity_events`` filter ran in the engine (:func:`engine_raw`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import narwhals.stable.v2 as nw
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._frames import _one_dictionary, require_columns, to_narwhals
from adoptmetrics._schema._validate import SchemaError

IntArray = npt.NDArray[np.int64]

_E, _T, _V = "__am_entity", "__am_time", "__am_event"


def lazy_frame(events: object) -> Any | None:
    """The narwhals LazyFrame of ``events`` when it is lazy, else ``None``."""
    if isinstance(events, pd.DataFrame):
        return None
    try:
        frame = nw.from_native(events, pass_through=False)  # type: ignore[call-overload]
    except TypeError:
        return None
    return frame if isinstance(frame, nw.LazyFrame) else None


def epoch_day(t: Any) -> Any:
    """Days since 1970-01-01 of a datetime expression.

    ``365 * years + leap days + day of year``: three floor divisions of the year
    only (each becomes a CASE on SQL engines, so nesting them would multiply the
    query's size and time).
    """
    y = t.dt.year().cast(nw.Int64)
    leap_days = (y - 1969) // 4 - (y - 1901) // 100 + (y - 1601) // 400
    return 365 * (y - 1970) + leap_days + t.dt.ordinal_day().cast(nw.Int64) - 1


def period_expr(t: Any, period: str) -> Any:
    """The :func:`~adoptmetrics.activity.period_index` of a datetime expression."""
    if period == "month":
        return (t.dt.year().cast(nw.Int64) - 1970) * 12 + t.dt.month().cast(nw.Int64) - 1
    day = epoch_day(t)
    return day if period == "day" else (day + 3) // 7


def _ns(value: Any) -> int:
    return int(pd.Timestamp(value).value)


@attrs.frozen
class EngineEvents:
    """A lazy event log reduced to canonical columns, with its small facts read."""

    frame: Any  # narwhals LazyFrame: __am_entity, __am_time (naive UTC)[, __am_event]
    entities: pd.Index
    events: pd.Index | None
    latest: int | None  # before the activity_events filter
    first: int | None  # after it
    n_rows: int  # after it


def engine_events(
    frame: Any,
    *,
    entity_col: str,
    time_col: str,
    event_col: str | None,
    activity_events: Sequence[str] | None,
    table: str = "events",
) -> EngineEvents | None:
    """Canonical lazy events, or ``None`` when the time column is not a datetime (collect)."""
    frame = to_narwhals(frame, table)
    required = {"account_col": entity_col, "time_col": time_col}
    if event_col is not None:
        required["event_col"] = event_col
    require_columns(frame, table, required)
    dtype = frame.collect_schema()[time_col]
    if not isinstance(dtype, nw.Datetime):
        return None  # strings or epoch numbers: parsed by the pandas boundary
    t = nw.col(time_col)
    if dtype.time_zone is not None:
        t = t.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    cols = [nw.col(entity_col).alias(_E), t.alias(_T)]
    if event_col is not None:
        cols.append(nw.col(event_col).alias(_V))
    canon = frame.select(*cols)
    facts = [
        nw.col(_T).max().alias("latest"),
        nw.len().alias("n"),
        nw.col(_E).is_null().cast(nw.Int64).sum().alias("null_e"),
        nw.col(_T).is_null().cast(nw.Int64).sum().alias("null_t"),
    ]
    if event_col is not None:
        facts.append(nw.col(_V).is_null().cast(nw.Int64).sum().alias("null_v"))
    row = canon.select(*facts).collect().rows(named=True)[0]
    for key, column, what in (
        ("null_e", entity_col, "ids"),
        ("null_t", time_col, "timestamps"),
        ("null_v", event_col, "event names"),
    ):
        if row.get(key):
            raise SchemaError(
                table,
                column,
                f"has {int(row[key])} missing {what}",
                "drop or fill those rows in the engine before calling "
                f"(e.g. filter {column} IS NOT NULL).",
            )
    latest = None if row["latest"] is None else _ns(row["latest"])
    events_index: pd.Index | None = None
    if event_col is not None:
        names = _arrow(_distinct(canon, _V))[_V].to_pandas()
        events_index = pd.Index(np.sort(names.to_numpy(dtype=object)))
    if activity_events is not None:
        if isinstance(activity_events, str):
            raise TypeError(
                "activity_events must be a list of event names, not a string.\n"
                f"Hint: pass activity_events=[{activity_events!r}]."
            )
        canon = canon.filter(nw.col(_V).is_in(list(activity_events)))
    small = canon.select(nw.col(_T).min().alias("first"), nw.len().alias("n")).collect()
    srow = small.rows(named=True)[0]
    ids = _arrow(_distinct(canon, _E))[_E].to_pandas()
    entities = pd.Index(np.sort(ids.to_numpy(dtype=object)))
    first = None if srow["first"] is None else _ns(srow["first"])
    return EngineEvents(canon, entities, events_index, latest, first, int(srow["n"]))


def _distinct(frame: Any, column: str) -> Any:
    """Distinct values by a plain hash aggregate (a lazy ``unique`` may rank every row)."""
    return frame.group_by(column).agg(nw.len().alias("__am_n")).select(column)


def _codes(values: Any, index: pd.Index) -> IntArray:
    """Positions in ``index`` of collected ids, hashing only the distinct ones (Arrow)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)
    if not isinstance(arr, pa.ChunkedArray):
        arr = pa.chunked_array([arr])
    if pa.types.is_string_view(arr.type):
        arr = arr.cast(pa.large_string())
    # Chunk by chunk (no combined copy of the strings); a chunked dictionary
    # encoding gives every chunk the same dictionary (else they are unified).
    if pa.types.is_dictionary(arr.type):
        enc = arr.unify_dictionaries() if arr.num_chunks > 1 else arr
    else:
        enc = _one_dictionary(pc.dictionary_encode(arr))
    codes: IntArray = np.empty(len(arr), dtype=np.int64)
    if enc.num_chunks == 0:
        return codes
    dictionary = enc.chunk(0).dictionary.to_pandas().to_numpy(dtype=object)
    lookup = index.get_indexer(pd.Index(dictionary)).astype(np.int64)
    lo = 0
    for chunk in enc.chunks:
        part = chunk.indices.to_numpy(zero_copy_only=False)
        np.take(lookup, part, out=codes[lo : lo + len(part)])
        lo += len(part)
    return codes


def _arrow(frame: Any) -> Any:
    """A collected narwhals frame as a pyarrow Table."""
    return frame.collect().to_arrow()


def engine_raw(ee: EngineEvents) -> tuple[IntArray, IntArray, IntArray | None]:
    """The (filtered) events one by one: entity codes, int64 ns, event codes."""
    cols = [_E, _T] + ([_V] if ee.events is not None else [])
    table = _arrow(ee.frame.select(*cols))
    entity = _codes(table[_E], ee.entities)
    ns = _ns_array(table[_T])
    event = _codes(table[_V], ee.events) if ee.events is not None else None
    return entity, ns, event


def _ns_array(col: Any) -> IntArray:
    values: IntArray = (
        col.to_pandas().to_numpy().astype("datetime64[ns]").view(np.int64).astype(np.int64)
    )
    return values


#: Estimated (entity, period) groups per query in an in-process engine: above it
#: a reduction runs as several queries over ranges of ids, so the engine's hash
#: table (about 130 bytes a group with string ids in DuckDB) and the collected
#: strings stay small (40M events, 5.9M weekly cells: peak RSS 1.5 -> 0.8 GB,
#: 1.5-2 s more for the four extra scans).
CELLS_PER_QUERY = 2_000_000
#: The same for distinct counts, where nothing per cell is collected (40M events,
#: daily actives: one query 1.9 GB, 2.5M a query 0.5 GB in 13 s, 5M 0.6 GB in 9 s).
PAIRS_PER_QUERY = 5_000_000
_IN_PROCESS = (nw.Implementation.DUCKDB, nw.Implementation.POLARS)
_DAYS = {"day": 1, "week": 7, "month": 28}  # a month as 28 days: counts at most


@attrs.frozen
class _Cut:
    """The events up to ``as_of`` and how many cells a reduction of them may give."""

    frame: Any
    n_events: int | None  # None: not known without a query
    n_cells: float


def _cut(ee: EngineEvents, as_of_ns: int | None, period: str) -> _Cut:
    frame, last = ee.frame, ee.latest
    n_events: int | None = ee.n_rows
    if as_of_ns is not None and (ee.latest is None or as_of_ns < ee.latest):
        limit = pd.Timestamp(as_of_ns).to_pydatetime()
        frame = frame.filter(nw.col(_T) <= limit)
        last, n_events = as_of_ns, None
    n_cells = 0.0
    if ee.first is not None and last is not None and last >= ee.first:
        periods = (last - ee.first) / 86_400e9 / _DAYS[period] + 2
        n_cells = min(float(ee.n_rows), len(ee.entities) * periods)
    return _Cut(frame, n_events, n_cells)


def _id_ranges(
    ee: EngineEvents, n_cells: float, per_query: int | None = None
) -> list[tuple[Any, Any]]:
    """``(low, high)`` id bounds splitting the cells into queries (``None``: open).

    Consecutive cuts of our sorted ids: every id falls in some range whatever
    the engine's order, and in exactly one when that order is ours, so a sum of
    the events over the ranges tells whether they overlapped.
    """
    per_query = CELLS_PER_QUERY if per_query is None else per_query
    parts = int(min(np.ceil(n_cells / per_query), 16, len(ee.entities)))
    if parts < 2 or ee.frame.implementation not in _IN_PROCESS:
        return [(None, None)]
    dtype = ee.frame.collect_schema()[_E]
    if not (dtype == nw.String or dtype.is_integer()):
        return [(None, None)]  # e.g. categorical: its order may not be its labels'
    cuts = [ee.entities[len(ee.entities) * k // parts] for k in range(1, parts)]
    return list(zip([None, *cuts], [*cuts, None], strict=True))


def _in_range(frame: Any, low: Any, high: Any) -> Any:
    if low is not None:
        frame = frame.filter(nw.col(_E) >= low)
    if high is not None:
        frame = frame.filter(nw.col(_E) < high)
    return frame


def _events_in(cut: _Cut) -> int:
    if cut.n_events is not None:
        return cut.n_events
    return int(cut.frame.select(nw.len().alias("n")).collect().item(0, 0))


def _sorted_cells(entity: IntArray, index: IntArray, n: IntArray) -> list[IntArray]:
    """The cells ordered by entity, then period (one stable sort of one key)."""
    if not len(index):
        return [entity, index, n]
    p0 = int(index.min())
    key = entity * (int(index.max()) - p0 + 1)
    key += index
    key -= p0
    order = np.argsort(key, kind="stable")
    del key
    return [entity[order], index[order], n[order]]


def _cells(frame: Any, ee: EngineEvents, period: str) -> list[IntArray]:
    """One query's cells, sorted."""
    cells = (
        frame.select(nw.col(_E), period_expr(nw.col(_T), period).alias("p"))
        .group_by(_E, "p")
        .agg(nw.len().alias("n"))
        .collect()
        .to_arrow()
    )
    entity = _codes(cells[_E], ee.entities)
    index = cells["p"].to_numpy().astype(np.int64)
    n = cells["n"].to_numpy().astype(np.int64)
    del cells  # the collected strings are no longer needed: free them before sorting
    return _sorted_cells(entity, index, n)


def engine_cells(
    ee: EngineEvents, *, period: str, as_of_ns: int | None
) -> tuple[IntArray, IntArray, IntArray]:
    """Active (entity code, period index, n_events), sorted, reduced in the engine."""
    cut = _cut(ee, as_of_ns, period)
    ranges = _id_ranges(ee, cut.n_cells)
    parts = []
    ordered = True
    for low, high in ranges:
        part = _cells(_in_range(cut.frame, low, high), ee, period)
        if len(part[0]):
            lo = 0 if low is None else ee.entities.get_loc(low)
            hi = len(ee.entities) if high is None else ee.entities.get_loc(high)
            ordered &= bool(lo <= part[0][0] and part[0][-1] < hi)
        parts.append(part)
    if len(parts) == 1:
        e, i, n = parts[0]
        return e, i, n
    if sum(int(part[2].sum()) for part in parts) != _events_in(cut):
        del parts  # the engine orders ids otherwise and its ranges overlapped
        e, i, n = _cells(cut.frame, ee, period)
        return e, i, n
    e, i, n = (np.concatenate([part[k] for part in parts]) for k in range(3))
    if not ordered:  # disjoint ranges, but not in our order of ids
        e, i, n = _sorted_cells(e, i, n)
    return e, i, n


def engine_distinct_counts(
    ee: EngineEvents, periods: dict[str, str], *, as_of_ns: int | None
) -> pd.DataFrame:
    """Distinct entities active per combination of period indices, counted in the engine.

    ``periods`` maps an output column to a period (``{"p": "day"}``); the result
    has those int64 columns, ``n_active`` and ``n_events``, sorted by them. Only
    the counts are collected, not the (entity, period) cells; distinct counts of
    disjoint ranges of ids add up.
    """
    names = list(periods)
    finest = min(periods.values(), key=_DAYS.__getitem__)
    cut = _cut(ee, as_of_ns, finest)
    keys = [period_expr(nw.col(_T), unit).alias(name) for name, unit in periods.items()]

    def count(frame: Any) -> pd.DataFrame:
        out: pd.DataFrame = (
            frame.select(nw.col(_E), *keys)
            .group_by(*names)
            .agg(nw.col(_E).n_unique().alias("n_active"), nw.len().alias("n_events"))
            .collect()
            .to_pandas()
        )
        return out.astype("int64")

    ranges = _id_ranges(ee, cut.n_cells, PAIRS_PER_QUERY)
    parts = [count(_in_range(cut.frame, lo, hi)) for lo, hi in ranges]
    if len(parts) > 1 and sum(int(p["n_events"].sum()) for p in parts) != _events_in(cut):
        parts = [count(cut.frame)]  # the engine orders ids otherwise: ranges overlapped
    both = pd.concat(parts, ignore_index=True)
    out = both.groupby(names, sort=True, as_index=False)[["n_active", "n_events"]].sum()
    return out.astype("int64")


def engine_first_last(ee: EngineEvents) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Per entity seen: code, first ns, last ns, number of events (in the engine)."""
    out = (
        ee.frame.group_by(_E)
        .agg(
            nw.col(_T).min().alias("first"),
            nw.col(_T).max().alias("last"),
            nw.len().alias("n"),
        )
        .collect()
        .to_arrow()
    )
    entity = _codes(out[_E], ee.entities)
    order = np.argsort(entity, kind="stable")

    def ns(col: str) -> IntArray:
        return _ns_array(out[col])[order]

    return (
        entity[order],
        ns("first"),
        ns("last"),
        out["n"].to_numpy().astype(np.int64)[order],
    )


__all__ = [
    "CELLS_PER_QUERY",
    "PAIRS_PER_QUERY",
    "EngineEvents",
    "engine_cells",
    "engine_distinct_counts",
    "engine_events",
    "engine_first_last",
    "engine_raw",
    "epoch_day",
    "lazy_frame",
    "period_expr",
]
