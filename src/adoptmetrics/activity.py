"""The activity layer: the only code that scans raw event logs.

Everything here is vectorised numpy over integer codes (entity ids are
categorical, timestamps are int64 nanoseconds); there is no Python loop over
rows or entities. The functions return compact tables — one row per entity,
or per active (entity, period) cell — that the analytics modules read.

Periods
-------
``"day"`` is a calendar day (UTC), ``"week"`` an ISO week starting on Monday,
``"month"`` a calendar month. A period is identified by its start timestamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema import SchemaError, coerce_as_of, coerce_timestamps, validate_events

__all__ = [
    "ActivityCells",
    "activity_cells",
    "event_counts",
    "event_sequences",
    "first_last_seen",
    "period_activity",
    "period_index",
    "period_start",
    "trigger_firings",
    "window_activity",
]

Period = Literal["day", "week", "month"]
PERIODS: tuple[str, ...] = ("day", "week", "month")

_NS_PER_DAY = 86_400 * 10**9
# Dense (entity × period) grids are used while they stay this small; beyond it
# the cells are found by sorting, which is O(n log n) but needs no grid.
_DENSE_LIMIT = 200_000_000
# Rows per chunk when building (entity, period) keys (keeps temporaries in cache).
_CHUNK = 1 << 20

IntArray = npt.NDArray[np.int64]


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
        return arr.view("datetime64[ns]").astype("datetime64[M]").view(np.int64)
    if period == "day":
        return arr // _NS_PER_DAY
    # 1970-01-01 was a Thursday: shifting by 3 days puts week starts on Monday.
    # One in-place floor division: floor((floor(ns / d) + 3) / 7) == floor((ns + 3d) / 7d).
    weeks = arr + 3 * _NS_PER_DAY
    weeks //= 7 * _NS_PER_DAY
    return weeks


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
    # pandas-stubs types codes as Sequence[int]; an int ndarray is what pandas uses inside.
    return pd.Categorical.from_codes(codes, categories=categories)  # type: ignore[arg-type]


@attrs.frozen(slots=True)
class _Encoded:
    """Events as integer arrays: entity codes, event codes, int64 nanoseconds."""

    entities: pd.Index
    entity: IntArray
    ns: IntArray
    events: pd.Index | None
    event: IntArray | None
    # Latest timestamp of the whole log, before any activity_events filter: the
    # default as_of is "the latest data", not the latest qualifying event.
    latest: int | None = None


def _encode(
    events: pd.DataFrame,
    *,
    entity_col: str,
    time_col: str,
    event_col: str | None,
    activity_events: Sequence[str] | None,
    table: str = "events",
) -> _Encoded:
    """Validate and encode; ``activity_events`` keeps only those event names."""
    if activity_events is not None and event_col is None:
        raise ValueError("activity_events needs event_col.\nHint: pass event_col='<column>'.")
    df = validate_events(
        events, account_col=entity_col, event_col=event_col, time_col=time_col, table=table
    )
    ids = df["account_id"]
    entity = ids.cat.codes.to_numpy().astype(np.int64)
    ns = df["timestamp"].to_numpy().view(np.int64)
    latest = int(ns.max()) if len(ns) else None
    ev_index: pd.Index | None = None
    ev_codes: IntArray | None = None
    if event_col is not None:
        ev = df["event"]
        ev_index = ev.cat.categories
        ev_codes = ev.cat.codes.to_numpy().astype(np.int64)
    if activity_events is not None:
        if isinstance(activity_events, str):
            raise TypeError(
                "activity_events must be a list of event names, not a string.\n"
                f"Hint: pass activity_events=[{activity_events!r}]."
            )
        if ev_index is None or ev_codes is None:
            raise ValueError("activity_events needs event_col.\nHint: pass event_col='<column>'.")
        wanted = ev_index.get_indexer(pd.Index(list(activity_events)))
        keep = np.isin(ev_codes, wanted[wanted >= 0])
        entity, ns, ev_codes = entity[keep], ns[keep], ev_codes[keep]
    return _Encoded(ids.cat.categories, entity, ns, ev_index, ev_codes, latest)


def _start_per_entity(
    enc: _Encoded,
    start: pd.Series | pd.Timestamp | str | None,
    *,
    argument: str = "start",
) -> tuple[pd.Index, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Resolve ``start`` to (entity universe, start ns per entity, row→entity, row kept).

    ``None``: each entity's first event. A Series (entity → timestamp): its
    index is the universe; rows of other entities are dropped. A scalar: the
    same start for every entity seen in the events.
    """
    n = len(enc.entities)
    if start is None:
        first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, enc.entity, enc.ns)
        seen = first != np.iinfo(np.int64).max
        remap = np.cumsum(seen) - 1
        return (
            enc.entities[seen],
            first[seen],
            remap[enc.entity],
            np.ones(len(enc.entity), dtype=bool),
        )
    if isinstance(start, pd.Series):
        if start.index.hasnans:
            raise SchemaError(
                argument, "index", "has missing entity ids", "drop rows with a null index."
            )
        if start.index.has_duplicates:
            raise SchemaError(
                argument,
                "index",
                "has duplicate entity ids",
                "pass one start timestamp per entity (e.g. accounts.set_index('account_id')).",
            )
        ts = coerce_timestamps(start, table=argument, column=str(start.name or "start"))
        universe = pd.Index(start.index)
        pos = universe.get_indexer(enc.entities.astype(universe.dtype, copy=False))
        kinds = (universe.inferred_type, enc.entities.inferred_type)
        if len(pos) and len(universe) and not (pos >= 0).any() and kinds[0] != kinds[1]:
            raise SchemaError(
                argument,
                "index",
                f"holds {kinds[0]} ids but the events hold {kinds[1]} ids, so none match",
                "make both the same type, e.g. start.index = start.index.astype(str) "
                "and events[entity_col].astype(str).",
            )
        row_pos = pos[enc.entity] if len(enc.entity) else np.zeros(0, dtype=np.int64)
        keep = row_pos >= 0
        return universe, ts.to_numpy().view(np.int64).copy(), row_pos.astype(np.int64), keep
    ts0 = coerce_as_of(start, None, argument=argument)
    seen = np.zeros(n, dtype=bool)
    seen[enc.entity] = True
    remap = np.cumsum(seen) - 1
    return (
        enc.entities[seen],
        np.full(int(seen.sum()), ts0.value, dtype=np.int64),
        remap[enc.entity],
        np.ones(len(enc.entity), dtype=bool),
    )


# --------------------------------------------------------------------------- first / last seen


def first_last_seen(
    events: pd.DataFrame,
    /,
    *,
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    activity_events: Sequence[str] | None = None,
) -> pd.DataFrame:
    """First and last activity of each entity.

    Parameters
    ----------
    events : DataFrame
        The event log.
    entity_col, time_col, event_col : str
        Column names of the entity id, the timestamp and the event name.
    activity_events : list of str, optional
        Count only these events.

    Returns
    -------
    DataFrame
        One row per entity seen, sorted by entity:

        - ``<entity_col>``: the entity id.
        - ``first_seen``: timestamp of its first event.
        - ``last_seen``: timestamp of its last event.
        - ``n_events``: number of events.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "login",
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05"])})
    >>> first_last_seen(ev)
      account_id first_seen  last_seen  n_events
    0          a 2024-01-01 2024-01-05         2
    1          b 2024-01-03 2024-01-03         1
    """
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    n = len(enc.entities)
    counts = np.bincount(enc.entity, minlength=n)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, enc.entity, enc.ns)
    np.maximum.at(last, enc.entity, enc.ns)
    seen = counts > 0
    return pd.DataFrame(
        {
            entity_col: pd.Categorical(enc.entities[seen], categories=enc.entities[seen]),
            "first_seen": first[seen].view("datetime64[ns]"),
            "last_seen": last[seen].view("datetime64[ns]"),
            "n_events": counts[seen].astype(np.int64),
        }
    )


# --------------------------------------------------------------------------- period cells


@attrs.frozen(slots=True)
class ActivityCells:
    """The compact (entity × period) activity representation.

    One entry per active cell, sorted by entity then period. This is what
    retention and the other analytics read instead of the raw events; an
    engine that runs where the data lives (DuckDB, Spark) would hand back
    exactly these arrays.

    Attributes
    ----------
    entities : pandas.Index
        Entity ids; ``entity`` holds positions into it.
    period : str
        ``"day"``, ``"week"`` or ``"month"``.
    entity : ndarray of int64
        Entity position of each active cell.
    index : ndarray of int64
        Period index (see :func:`period_index`) of each active cell.
    n_events : ndarray of int64
        Events in each cell.
    as_of : pandas.Timestamp
        Events after this time were ignored.
    """

    entities: pd.Index
    period: str
    entity: IntArray
    index: IntArray
    n_events: IntArray
    as_of: pd.Timestamp


def activity_cells(
    events: pd.DataFrame,
    /,
    *,
    period: str = "week",
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    activity_events: Sequence[str] | None = None,
    as_of: object = None,
) -> ActivityCells:
    """Active (entity, period) cells as compact arrays; see :class:`ActivityCells`.

    Parameters
    ----------
    events : DataFrame
        The event log.
    period : {"day", "week", "month"}
        Period length; weeks start on Monday.
    entity_col, time_col, event_col : str
        Column names.
    activity_events : list of str, optional
        Count only these events.
    as_of : timestamp, optional
        Ignore events after it; default the latest event.

    Returns
    -------
    ActivityCells
        Arrays ``entity``, ``index``, ``n_events`` (one entry per active cell).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "a"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-15"])})
    >>> cells = activity_cells(ev, period="week")
    >>> cells.n_events.tolist()
    [2, 1]
    """
    _check_period(period)
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    return _cells_from_encoded(enc, period=period, as_of=as_of)


def _cells_from_encoded(enc: _Encoded, *, period: str, as_of: object) -> ActivityCells:
    default = pd.Timestamp(enc.latest) if enc.latest is not None else None
    if as_of is None and default is None:
        ts = pd.Timestamp("1970-01-01")
    else:
        ts = coerce_as_of(as_of, default)
    entity, ns = enc.entity, enc.ns
    if as_of is not None and len(ns) and ns.max() > ts.value:
        keep = ns <= ts.value
        entity, ns = entity[keep], ns[keep]
    empty = np.zeros(0, dtype=np.int64)
    if len(ns) == 0:
        return ActivityCells(enc.entities, period, empty, empty, empty, ts)
    bounds = period_index(np.array([ns.min(), ns.max()], dtype=np.int64), period)
    p0 = int(bounds[0])
    n_periods = int(bounds[1]) - p0 + 1
    n_entities = len(enc.entities)
    # Built in cache-sized chunks: the only event-sized array allocated is ``key``.
    key = np.empty(len(ns), dtype=np.int64)
    for lo in range(0, len(ns), _CHUNK):
        part = key[lo : lo + _CHUNK]
        np.multiply(entity[lo : lo + _CHUNK], n_periods, out=part)
        part += period_index(ns[lo : lo + _CHUNK], period)
        part -= p0
        del part  # a view of ``key``: it must not keep ``key`` alive below
    if n_entities * n_periods <= _DENSE_LIMIT:
        counts = np.bincount(key, minlength=n_entities * n_periods)
        del key
        cells = np.flatnonzero(counts)
        n_events = counts[cells].astype(np.int64, copy=False)
        del counts
        return ActivityCells(
            enc.entities, period, cells // n_periods, cells % n_periods + p0, n_events, ts
        )
    cells, n = np.unique(key, return_counts=True)
    return ActivityCells(
        enc.entities, period, cells // n_periods, cells % n_periods + p0, n.astype(np.int64), ts
    )


def period_activity(
    events: pd.DataFrame,
    /,
    *,
    period: str = "week",
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    activity_events: Sequence[str] | None = None,
    as_of: object = None,
) -> pd.DataFrame:
    """Entity × period activity as a compact table (active cells only).

    Parameters
    ----------
    events : DataFrame
        The event log.
    period : {"day", "week", "month"}
        Period length; weeks start on Monday, months are calendar months.
    entity_col, time_col, event_col : str
        Column names.
    activity_events : list of str, optional
        Count only these events.
    as_of : timestamp, optional
        Ignore events after it; default the latest event.

    Returns
    -------
    DataFrame
        One row per entity and period with at least one event, sorted:

        - ``<entity_col>``: the entity id.
        - ``period_start``: start of the period.
        - ``n_events``: events in that period.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-07", "2024-01-08", "2024-01-09"])})
    >>> period_activity(ev, period="week")
      account_id period_start  n_events
    0          a   2024-01-01         1
    1          a   2024-01-08         1
    2          b   2024-01-08         1
    """
    cells = activity_cells(
        events,
        period=period,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        as_of=as_of,
    )
    ids = _categorical(cells.entity, cells.entities)
    return pd.DataFrame(
        {
            entity_col: ids,
            "period_start": period_start(cells.index, period),
            "n_events": cells.n_events,
        }
    )


# --------------------------------------------------------------------------- windows


def _window_rows(
    enc: _Encoded,
    *,
    start: pd.Series | pd.Timestamp | str | None,
    window_days: float | None,
    end: object,
) -> tuple[pd.Index, IntArray, npt.NDArray[np.bool_], IntArray]:
    """Rows inside each entity's window [start, start + window_days) and ≤ end."""
    if window_days is not None and not window_days > 0:
        raise ValueError(
            f"window_days={window_days!r} must be positive.\nHint: pass e.g. window_days=30."
        )
    universe, start_ns, row_entity, keep = _start_per_entity(enc, start)
    if keep.all():  # the common case: no event-sized np.where temporaries
        row_start = start_ns[row_entity]
    else:
        row_start = np.where(
            keep, start_ns[np.where(keep, row_entity, 0)] if len(start_ns) else 0, 0
        )
    inside = keep & (enc.ns >= row_start)
    if window_days is not None:
        row_start += round(window_days * _NS_PER_DAY)  # in place: now the window end
        inside &= enc.ns < row_start
    if end is not None:
        end_ts = coerce_as_of(end, None, argument="end")
        inside &= enc.ns <= end_ts.value
    return universe, start_ns, inside, row_entity


def event_counts(
    events: pd.DataFrame,
    /,
    *,
    start: pd.Series | pd.Timestamp | str | None = None,
    window_days: float | None = None,
    end: object = None,
    entity_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    activity_events: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Count each event per entity inside a window after each entity's start.

    Parameters
    ----------
    events : DataFrame
        The event log.
    start : Series, timestamp or None
        ``None``: each entity's first event. A Series mapping entity id →
        start timestamp: its index defines the returned entities (entities
        without events get zeros; events of other entities are ignored). A
        single timestamp: the same start for every entity.
    window_days : float, optional
        Window length; the window is ``[start, start + window_days)``.
        ``None``: no upper bound other than ``end``.
    end : timestamp, optional
        Ignore events after it (e.g. ``as_of``).
    entity_col, event_col, time_col : str
        Column names.
    activity_events : list of str, optional
        Count only these events.

    Returns
    -------
    DataFrame
        One row per entity (index named ``<entity_col>``) and one ``int64``
        column per event name:

        - ``<event name>``: how often the entity did that event in its window
          (a column for every event name in the log, zeros included).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "a"],
    ...     "event": ["invite", "report", "invite", "invite"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-02-20"])})
    >>> event_counts(ev, window_days=30)
                invite  report
    account_id
    a                1       1
    b                1       0
    """
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    universe, _, inside, row_entity = _window_rows(
        enc, start=start, window_days=window_days, end=end
    )
    if enc.events is None or enc.event is None:
        raise ValueError("event_col is required.\nHint: pass event_col='<column>'.")
    n_ev = len(enc.events)
    key = row_entity[inside] * n_ev + enc.event[inside]
    counts = np.bincount(key, minlength=len(universe) * n_ev).reshape(len(universe), n_ev)
    out = pd.DataFrame(counts.astype(np.int64), index=universe, columns=list(enc.events))
    out.index.name = entity_col
    out.columns.name = None
    return out


def window_activity(
    events: pd.DataFrame,
    /,
    *,
    start: pd.Series | pd.Timestamp | str | None = None,
    window_days: float | None = None,
    end: object = None,
    entity_col: str = "account_id",
    event_col: str | None = "event",
    time_col: str = "timestamp",
    activity_events: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Activity level of each entity inside a window after its start.

    The window and ``start`` work as in :func:`event_counts`.

    Parameters
    ----------
    events : DataFrame
        The event log.
    start : Series, timestamp or None
        Window start per entity (see :func:`event_counts`).
    window_days : float, optional
        Window length in days.
    end : timestamp, optional
        Ignore events after it.
    entity_col, event_col, time_col : str
        Column names.
    activity_events : list of str, optional
        Count only these events.

    Returns
    -------
    DataFrame
        One row per entity (index named ``<entity_col>``):

        - ``n_events``: events in the window.
        - ``active_days``: distinct calendar days with an event in the window.
        - ``first_event``: first event time in the window (``NaT`` if none).
        - ``last_event``: last event time in the window (``NaT`` if none).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "a", "b"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00",
    ...                                  "2024-01-03 08:00", "2024-01-02 10:00"])})
    >>> window_activity(ev, window_days=7)[["n_events", "active_days"]]
                n_events  active_days
    account_id
    a                  3            2
    b                  1            1
    """
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    universe, _, inside, row_entity = _window_rows(
        enc, start=start, window_days=window_days, end=end
    )
    n = len(universe)
    ent = row_entity[inside]
    ns = enc.ns[inside]
    n_events = np.bincount(ent, minlength=n)
    active_days = np.zeros(n, dtype=np.int64)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    if len(ent):
        np.minimum.at(first, ent, ns)
        np.maximum.at(last, ent, ns)
        # Days counted from each entity's first day in the window: the grid is
        # entities × (window length), not entities × (whole span of the log).
        days = ns // _NS_PER_DAY
        days -= (first // _NS_PER_DAY)[ent]
        span = int(days.max()) + 1
        if n * span <= _DENSE_LIMIT:
            grid = np.zeros(n * span, dtype=bool)
            grid[ent * span + days] = True
            active_days = grid.reshape(n, span).sum(axis=1).astype(np.int64)
        else:
            uniq = np.unique(ent * span + days)
            active_days = np.bincount(uniq // span, minlength=n).astype(np.int64)
    has = n_events > 0
    first_ts = np.where(has, first, np.iinfo(np.int64).min).view("datetime64[ns]")
    last_ts = np.where(has, last, np.iinfo(np.int64).min).view("datetime64[ns]")
    out = pd.DataFrame(
        {
            "n_events": n_events.astype(np.int64),
            "active_days": active_days,
            "first_event": first_ts,
            "last_event": last_ts,
        },
        index=universe,
    )
    out.index.name = entity_col
    return out


def event_sequences(
    events: pd.DataFrame,
    /,
    *,
    window_days: float | None = None,
    start: pd.Series | pd.Timestamp | str | None = None,
    end: object = None,
    entity_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    activity_events: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Ordered per-entity event sequences inside a window after each entity's start.

    Ties in time are broken by event name, so the order does not depend on the
    row order of the input. The window and ``start`` work as in
    :func:`event_counts`.

    Parameters
    ----------
    events : DataFrame
        The event log.
    window_days : float, optional
        Window length in days after each entity's start.
    start : Series, timestamp or None
        Window start per entity (see :func:`event_counts`).
    end : timestamp, optional
        Ignore events after it.
    entity_col, event_col, time_col : str
        Column names.
    activity_events : list of str, optional
        Keep only these events.

    Returns
    -------
    DataFrame
        One row per event in a window, sorted by entity then time:

        - ``<entity_col>``: the entity id (categorical).
        - ``position``: 0-based position of the event in the entity's sequence.
        - ``event``: the event name (categorical).
        - ``timestamp``: when it happened.
        - ``days_since_start``: days from the entity's start to the event.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "a"],
    ...     "event": ["report", "signup", "invite"],
    ...     "timestamp": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-03-01"])})
    >>> event_sequences(ev, window_days=14)[["account_id", "position", "event"]]
      account_id  position   event
    0          a         0  signup
    1          a         1  report
    """
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    universe, start_ns, inside, row_entity = _window_rows(
        enc, start=start, window_days=window_days, end=end
    )
    if enc.events is None or enc.event is None:
        raise ValueError("event_col is required.\nHint: pass event_col='<column>'.")
    ent = row_entity[inside]
    ns = enc.ns[inside]
    ev = enc.event[inside]
    # Event names sort by their rank, so ties break alphabetically.
    rank = np.argsort(np.argsort(np.asarray(enc.events.astype(str))))
    order = np.lexsort((rank[ev] if len(ev) else ev, ns, ent))
    ent, ns, ev = ent[order], ns[order], ev[order]
    boundaries = np.r_[True, ent[1:] != ent[:-1]] if len(ent) else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(boundaries, np.arange(len(ent)), 0))
    position = np.arange(len(ent)) - group_start
    return pd.DataFrame(
        {
            entity_col: _categorical(ent, universe),
            "position": position.astype(np.int64),
            "event": _categorical(ev, enc.events),
            "timestamp": ns.view("datetime64[ns]"),
            "days_since_start": (ns - start_ns[ent]) / _NS_PER_DAY,
        }
    )


# --------------------------------------------------------------------------- trigger firings


def _grouped_searchsorted(
    data_group: IntArray,
    data_t: IntArray,
    query_group: IntArray,
    query_t: IntArray,
    *,
    side: str = "right",
) -> IntArray:
    """``searchsorted`` of each query inside its own group of sorted data.

    ``data`` must be sorted by (group, t). Returns, per query, the global index
    at which it would be inserted among the data of its group (``side="right"``:
    after equal times). One merge sort; no per-group loop and no key arithmetic
    that could overflow.
    """
    n, m = len(data_t), len(query_t)
    group = np.concatenate([data_group, query_group])
    t = np.concatenate([data_t, query_t])
    is_query = np.r_[np.zeros(n, dtype=np.int8), np.ones(m, dtype=np.int8)]
    tie = is_query if side == "right" else 1 - is_query
    order = np.lexsort((tie, t, group))
    data_before = np.cumsum(is_query[order] == 0)
    out = np.empty(m, dtype=np.int64)
    pos = np.flatnonzero(is_query[order] == 1)
    out[order[pos] - n] = data_before[pos]
    return out


def trigger_firings(
    events: pd.DataFrame,
    /,
    *,
    event: str | None = None,
    min_count: int = 1,
    window_days: float = 30.0,
    metric: str | None = None,
    threshold: float | None = None,
    seats: pd.Series | None = None,
    end: object = None,
    entity_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    user_col: str | None = None,
) -> pd.DataFrame:
    """Times at which a rolling-window condition holds, checked at every event.

    With ``event``: each occurrence of ``event`` that completes at least
    ``min_count`` occurrences within the trailing ``window_days`` (the window
    ``(t − window_days, t]``). With ``metric="usage_growth"``: each event at
    which events in ``(t − w, t]`` ÷ events in ``(t − 2w, t − w]`` is at least
    ``threshold`` (the earlier window must hold an event). With
    ``metric="active_user_share"``: each event at which the distinct users
    active in ``(t − w, t]`` ÷ ``seats`` is at least ``threshold`` (entities
    without positive seats never fire). Vectorised with sorted arrays.

    Parameters
    ----------
    events : DataFrame
        The event log.
    event : str, optional
        Event name (an event trigger).
    min_count : int
        Occurrences needed within the window (event triggers).
    window_days : float
        Trailing window length ``w`` in days.
    metric : {"usage_growth", "active_user_share"}, optional
        Threshold metric (instead of ``event``).
    threshold : float, optional
        Threshold for ``metric``.
    seats : Series, optional
        Entity id → seats, for ``"active_user_share"``.
    end : timestamp, optional
        Ignore events after it.
    entity_col, event_col, time_col, user_col : str
        Column names (``user_col`` is needed for ``"active_user_share"``).

    Returns
    -------
    DataFrame
        One row per distinct (entity, firing time), sorted:

        - ``<entity_col>``: the entity id (categorical over every entity in
          the events).
        - ``timestamp``: when the condition held.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": "a", "event": "invite",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-03-01"])})
    >>> trigger_firings(ev, event="invite", min_count=2, window_days=30)
      account_id  timestamp
    0          a 2024-01-05
    """
    if (event is None) == (metric is None):
        raise ValueError("give exactly one of event= or metric=.\nHint: event='invite_sent'.")
    if not window_days > 0:
        raise ValueError(f"window_days={window_days!r} must be positive.\nHint: window_days=30.")
    share = metric == "active_user_share"
    if share and user_col is None:
        raise ValueError(
            "metric='active_user_share' needs user ids.\nHint: pass user_col='user_id'."
        )
    df = validate_events(
        events,
        account_col=entity_col,
        event_col=event_col,
        time_col=time_col,
        user_col=user_col if share else None,
    )
    entities = df["account_id"].cat.categories
    ent = df["account_id"].cat.codes.to_numpy().astype(np.int64)
    ns = df["timestamp"].to_numpy().view(np.int64)
    keep = np.ones(len(ns), dtype=bool)
    if end is not None:
        keep &= ns <= coerce_as_of(end, None, argument="end").value
    if event is not None:
        codes = df["event"].cat.categories.get_indexer(pd.Index([event]))
        keep &= df["event"].cat.codes.to_numpy() == codes[0]
    user = (
        df["user_id"].cat.codes.to_numpy().astype(np.int64)
        if share
        else np.zeros(len(ns), dtype=np.int64)
    )[keep]
    ent, ns = ent[keep], ns[keep]
    order = np.lexsort((ns, ent))
    ent, ns = ent[order], ns[order]
    w = round(window_days * _NS_PER_DAY)
    if event is not None:
        back = np.arange(len(ns)) - (min_count - 1)
        ok = back >= 0
        prior = np.where(ok, back, 0)
        fires = ok & (ent[prior] == ent) & (ns - ns[prior] < w)
    elif metric == "usage_growth":
        upto = _grouped_searchsorted(ent, ns, ent, ns)
        mid = _grouped_searchsorted(ent, ns, ent, ns - w)
        low = _grouped_searchsorted(ent, ns, ent, ns - 2 * w)
        current, previous = upto - mid, mid - low
        fires = (previous > 0) & (current >= float(threshold or 0) * previous)
    elif share:
        user = user[order]
        uo = np.lexsort((ns, user, ent))
        ue, uu, ut = ent[uo], user[uo], ns[uo]
        new_run = np.r_[True, (ue[1:] != ue[:-1]) | (uu[1:] != uu[:-1]) | (ut[1:] - ut[:-1] >= w)]
        last_run = np.r_[new_run[1:], True]
        starts_e, starts_t = ue[new_run], ut[new_run]
        ends_e, ends_t = ue[last_run], ut[last_run] + w
        so, eo = np.lexsort((starts_t, starts_e)), np.lexsort((ends_t, ends_e))
        users_now = _grouped_searchsorted(
            starts_e[so], starts_t[so], ent, ns
        ) - _grouped_searchsorted(ends_e[eo], ends_t[eo], ent, ns)
        cap = np.zeros(len(entities))
        if seats is not None:
            found = pd.Index(seats.index).get_indexer(entities.astype(seats.index.dtype))
            vals = pd.to_numeric(seats, errors="coerce").to_numpy(dtype=float)
            cap = np.where(found >= 0, vals[np.where(found >= 0, found, 0)], 0.0)
            cap = np.nan_to_num(cap, nan=0.0)
        c = cap[ent] if len(ent) else np.zeros(0)
        fires = (c > 0) & (users_now >= float(threshold or 0) * c)
    else:
        raise ValueError(
            f"metric={metric!r} is unknown.\nHint: use 'usage_growth' or 'active_user_share'."
        )
    fe, ft = ent[fires], ns[fires]
    distinct = np.r_[True, (fe[1:] != fe[:-1]) | (ft[1:] != ft[:-1])] if len(fe) else fires[:0]
    return pd.DataFrame(
        {
            entity_col: _categorical(fe[distinct], entities),
            "timestamp": ft[distinct].view("datetime64[ns]"),
        }
    )
