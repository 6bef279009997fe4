"""Core of the activity layer: period arithmetic and event encoding.

Public names are re-exported by :mod:`adoptmetrics.activity`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import (
    validate_events,
)
from adoptmetrics.activity._engine import EngineEvents, engine_events, engine_raw, lazy_frame

Period = Literal["day", "week", "month"]
PERIODS: tuple[str, ...] = ("day", "week", "month")

_NS_PER_DAY = 86_400 * 10**9
# Dense (entity × period) grids are used while they stay this small; beyond it
# the cells are found by sorting, which is O(n log n) but needs no grid.
_DENSE_LIMIT = 200_000_000
# Rows per chunk when building (entity, period) keys (keeps temporaries in cache).
_CHUNK = 1 << 20

IntArray = npt.NDArray[np.int64]

#: What an events-taking function accepts: a pandas DataFrame, any frame narwhals
#: supports (Polars, PyArrow, DuckDB, Spark, ...) or an ``am.EventLog``. ``Any`` to
#: the type checker: the boundary (``validate_events``, ``_encode``) checks it at run time.
EventsLike: TypeAlias = Any


# --------------------------------------------------------------------------- periods


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(
            f"period={period!r} is not supported.\n"
            f"Hint: use one of {', '.join(map(repr, PERIODS))}."
        )


def period_index(ns: npt.ArrayLike, period: str) -> IntArray:
    """Integer index of the period holding each timestamp.

    ``ns`` is an array of ``datetime64[ns]`` (or int64 nanoseconds since the
    epoch). Days count from 1970-01-01, weeks from Monday 1969-12-29, months
    from January 1970; consecutive periods have consecutive indices.

    Parameters
    ----------
    ns : array of datetime64 or int64
        Timestamps (tz-naive, UTC).
    period : {"day", "week", "month"}
        Period length.

    Returns
    -------
    ndarray of int64
        The period index of each timestamp.

    Examples
    --------
    >>> import numpy as np
    >>> ts = np.array(["2024-01-07", "2024-01-08"], dtype="datetime64[ns]")
    >>> idx = period_index(ts, "week")  # a Sunday, then the next Monday
    >>> int(idx[1] - idx[0])
    1
    """
    _check_period(period)
    arr = np.asarray(ns)
    if arr.dtype.kind == "M":
        arr = arr.astype("datetime64[ns]").view(np.int64)
    arr = arr.astype(np.int64, copy=False)
    if period == "month":
        return _month_index(arr)
    if period == "day":
        return arr // _NS_PER_DAY
    # 1970-01-01 was a Thursday: shifting by 3 days puts week starts on Monday.
    # One in-place floor division: floor((floor(ns / d) + 3) / 7) == floor((ns + 3d) / 7d).
    weeks = arr + 3 * _NS_PER_DAY
    weeks //= 7 * _NS_PER_DAY
    return weeks


def _month_index(ns: IntArray) -> IntArray:
    """Calendar month of each timestamp: the day, then a table over the days spanned
    (numpy's datetime64[M] conversion is several times slower per element)."""
    days = ns // _NS_PER_DAY
    if len(days) < 4096:
        return ns.view("datetime64[ns]").astype("datetime64[M]").view(np.int64)
    lo, hi = int(days.min()), int(days.max())
    if hi - lo > 4 * len(days):  # a sparse span: the table would cost more
        return ns.view("datetime64[ns]").astype("datetime64[M]").view(np.int64)
    table = np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    days -= lo
    return table.view(np.int64)[days]


def period_start(index: npt.ArrayLike, period: str) -> npt.NDArray[np.datetime64]:
    """Start timestamp (``datetime64[ns]``) of each period index from :func:`period_index`.

    Parameters
    ----------
    index : array of int
        Period indices.
    period : {"day", "week", "month"}
        Period length.

    Returns
    -------
    ndarray of datetime64[ns]
        The first instant of each period (Monday 00:00 for weeks).

    Examples
    --------
    >>> import numpy as np
    >>> ts = np.array(["2024-01-10T15:00"], dtype="datetime64[ns]")
    >>> str(period_start(period_index(ts, "week"), "week")[0])[:10]
    '2024-01-08'
    """
    _check_period(period)
    idx = np.asarray(index, dtype=np.int64)
    if period == "month":
        return idx.view("datetime64[M]").astype("datetime64[ns]")
    days = idx if period == "day" else idx * 7 - 3
    return (days * _NS_PER_DAY).view("datetime64[ns]")


# --------------------------------------------------------------------------- encoding


def _categorical(codes: IntArray, categories: pd.Index) -> pd.Categorical:
    """Categorical from integer codes without a Python-level copy."""
    return pd.Categorical.from_codes(codes, categories=categories)


class _Encoded:
    """Events as integer arrays: entity codes, event codes, int64 nanoseconds.

    For a lazy engine (``engine`` set) the arrays are collected only when read;
    :func:`adoptmetrics.activity._cells._cells_from_encoded` and
    ``first_last_seen`` reduce in the engine instead while they are unread.
    ``n_rows`` and ``first`` never collect.
    """

    __slots__ = ("_entity", "_event", "_ns", "cache", "engine", "entities", "events", "latest")

    def __init__(
        self,
        entities: pd.Index,
        entity: IntArray | None,
        ns: IntArray | None,
        events: pd.Index | None,
        event: IntArray | None,
        latest: int | None = None,
        engine: EngineEvents | None = None,
    ) -> None:
        self.entities = entities
        self._entity = entity
        self._ns = ns
        self.events = events
        self._event = event
        # Latest timestamp of the whole log, before any activity_events filter: the
        # default as_of is "the latest data", not the latest qualifying event.
        self.latest = latest
        self.engine = engine
        # An EventLog's encodings memoise derived compact tables here (see _cells).
        self.cache: dict[Any, Any] | None = None

    @property
    def materialised(self) -> bool:
        return self._ns is not None

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``key`` when this is an EventLog's encoding."""
        if self.cache is None:
            return compute()
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def _collect(self) -> None:
        assert self.engine is not None  # only lazy logs start without arrays
        self._entity, self._ns, self._event = engine_raw(self.engine)

    @property
    def entity(self) -> IntArray:
        if self._entity is None:
            self._collect()
        assert self._entity is not None
        return self._entity

    @property
    def ns(self) -> IntArray:
        if self._ns is None:
            self._collect()
        assert self._ns is not None
        return self._ns

    @property
    def event(self) -> IntArray | None:
        if self._ns is None and self.engine is not None and self.engine.events is not None:
            self._collect()
        return self._event

    @property
    def n_rows(self) -> int:
        """Number of (kept) events."""
        if self._ns is None and self.engine is not None:
            return self.engine.n_rows
        return len(self.ns)

    @property
    def first(self) -> int | None:
        """Earliest kept event (int64 ns), ``None`` when there is none."""
        if self._ns is None and self.engine is not None:
            return self.engine.first
        return int(self.ns.min()) if len(self.ns) else None


def _encode(
    events: EventsLike,
    *,
    entity_col: str,
    time_col: str,
    event_col: str | None,
    activity_events: Sequence[str] | None,
    table: str = "events",
) -> _Encoded:
    """Validate and encode; ``activity_events`` keeps only those event names.

    A lazy frame (DuckDB, Polars lazy, Spark) stays in its engine: only the id
    universe and the time range are read here (see :mod:`._engine`).
    """
    if activity_events is not None and event_col is None:
        raise ValueError("activity_events needs event_col.\nHint: pass event_col='<column>'.")
    native = lazy_frame(events)
    if native is not None:
        ee = engine_events(
            native,
            entity_col=entity_col,
            time_col=time_col,
            event_col=event_col,
            activity_events=activity_events,
            table=table,
        )
        if ee is not None:
            return _Encoded(ee.entities, None, None, ee.events, None, ee.latest, ee)
    cached = getattr(events, "_am_encoded", None)
    if cached is not None:
        enc: _Encoded = cached(
            entity_col=entity_col,
            time_col=time_col,
            event_col=event_col,
            activity_events=activity_events,
        )
        return enc
    df = validate_events(
        events, account_col=entity_col, event_col=event_col, time_col=time_col, table=table
    )
    return _keep_events(_encode_valid(df, with_events=event_col is not None), activity_events)


def _encode_valid(df: pd.DataFrame, *, with_events: bool) -> _Encoded:
    """Integer arrays of a validated frame (canonical columns, categorical ids)."""
    ids = df["account_id"]
    entity = ids.cat.codes.to_numpy().astype(np.int64)
    ns = df["timestamp"].to_numpy().view(np.int64)
    latest = int(ns.max()) if len(ns) else None
    ev_index: pd.Index | None = None
    ev_codes: IntArray | None = None
    if with_events:
        ev = df["event"]
        ev_index = ev.cat.categories
        ev_codes = ev.cat.codes.to_numpy().astype(np.int64)
    return _Encoded(ids.cat.categories, entity, ns, ev_index, ev_codes, latest)


def _keep_events(enc: _Encoded, activity_events: Sequence[str] | None) -> _Encoded:
    """Only the rows of ``activity_events`` (the whole log when ``None``)."""
    if activity_events is None:
        return enc
    if isinstance(activity_events, str):
        raise TypeError(
            "activity_events must be a list of event names, not a string.\n"
            f"Hint: pass activity_events=[{activity_events!r}]."
        )
    ev_index, ev_codes = enc.events, enc.event
    if ev_index is None or ev_codes is None:
        raise ValueError("activity_events needs event_col.\nHint: pass event_col='<column>'.")
    wanted = ev_index.get_indexer(pd.Index(list(activity_events)))
    keep = np.isin(ev_codes, wanted[wanted >= 0])
    return _Encoded(
        enc.entities, enc.entity[keep], enc.ns[keep], ev_index, ev_codes[keep], enc.latest
    )


LEVELS = ("account", "user")


def entity_column(level: str, account_col: str, user_col: str | None) -> str:
    """The column whose ids are the entities at ``level`` (``"account"`` or ``"user"``)."""
    if level not in LEVELS:
        raise ValueError(
            f"level must be 'account' or 'user', got {level!r}.\n"
            "Hint: level='user' measures people (needs user_col), level='account' customers."
        )
    if level == "user":
        if user_col is None:
            raise ValueError(
                "level='user' needs a user column, but user_col is None.\n"
                "Hint: pass user_col='<your user id column>'."
            )
        return user_col
    return account_col
