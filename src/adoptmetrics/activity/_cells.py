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

import attrs
import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics.activity._encode import (
    _CHUNK,
    _DENSE_LIMIT,
    _NS_PER_DAY,
    EventsLike,
    IntArray,
    _categorical,
    _check_period,
    _Encoded,
    entity_column,
)
from adoptmetrics.activity._encode import (
    PERIODS as PERIODS,
)
from adoptmetrics.activity._encode import (
    Period as Period,
)
from adoptmetrics.activity._encode import (
    _encode as _encode,
)
from adoptmetrics.activity._encode import (
    period_index as period_index,
)
from adoptmetrics.activity._encode import (
    period_start as period_start,
)
from adoptmetrics.activity._engine import engine_cells, engine_first_last
from adoptmetrics.activity._triggers import (
    _grouped_searchsorted as _grouped_searchsorted,
)
from adoptmetrics.activity._triggers import (
    trigger_firings as trigger_firings,
)
from adoptmetrics.activity._windows import window_rows

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


# --------------------------------------------------------------------------- first / last seen


def first_last_seen(
    events: EventsLike,
    /,
    *,
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    activity_events: Sequence[str] | None = None,
) -> pd.DataFrame:
    """First and last activity of each entity.

    Parameters
    ----------
    events : DataFrame
        The event log.
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    time_col, event_col : str
        Column names of the timestamp and the event name.
    activity_events : list of str, optional
        Count only these events.

    Returns
    -------
    DataFrame
        One row per entity seen, sorted by entity:

        - ``<account_col>`` (``<user_col>`` at user level): the entity id.
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
    entity_col = entity_column(level, account_col, user_col)
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    n = len(enc.entities)
    if enc.engine is not None and not enc.materialised:
        code, lo, hi, k = engine_first_last(enc.engine)
        counts = np.zeros(n, dtype=np.int64)
        first = np.zeros(n, dtype=np.int64)
        last = np.zeros(n, dtype=np.int64)
        counts[code], first[code], last[code] = k, lo, hi
    else:
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
    events: EventsLike,
    /,
    *,
    period: str = "week",
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
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
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    time_col, event_col : str
        Column names of the timestamp and the event name.
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
    entity_col = entity_column(level, account_col, user_col)
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
    """Active cells of encoded events; memoised on an EventLog's encoding (read-only arrays)."""
    if enc.cache is None:
        return _compute_cells(enc, period=period, as_of=as_of)
    key = (period, None if as_of is None else coerce_as_of(as_of, None).value)
    if key not in enc.cache:
        cells = _compute_cells(enc, period=period, as_of=as_of)
        for arr in (cells.entity, cells.index, cells.n_events):
            arr.flags.writeable = False  # shared by every analysis of the log
        enc.cache[key] = cells
    cached: ActivityCells = enc.cache[key]
    return cached


def _compute_cells(enc: _Encoded, *, period: str, as_of: object) -> ActivityCells:
    default = pd.Timestamp(enc.latest) if enc.latest is not None else None
    if as_of is None and default is None:
        ts = pd.Timestamp("1970-01-01")
    else:
        ts = coerce_as_of(as_of, default)
    if enc.engine is not None and not enc.materialised:
        # A lazy engine: the (entity, period) reduction runs there.
        e, i, n = engine_cells(
            enc.engine, period=period, as_of_ns=None if as_of is None else ts.value
        )
        return ActivityCells(enc.entities, period, e, i, n, ts)
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
    # A dense count grid pays for zeroing and scanning every (entity, period); it wins
    # while the grid is not much larger than the events (weeks), sorting wins beyond
    # (days: 100k accounts x 550 days is a 55M grid for a few million events).
    if n_entities * n_periods <= min(_DENSE_LIMIT, 4 * len(key) + (1 << 20)):
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
    events: EventsLike,
    /,
    *,
    period: str = "week",
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
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
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    time_col, event_col : str
        Column names of the timestamp and the event name.
    activity_events : list of str, optional
        Count only these events.
    as_of : timestamp, optional
        Ignore events after it; default the latest event.

    Returns
    -------
    DataFrame
        One row per entity and period with at least one event, sorted:

        - ``<account_col>`` (``<user_col>`` at user level): the entity id.
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
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        as_of=as_of,
    )
    ids = _categorical(cells.entity, cells.entities)
    return pd.DataFrame(
        {
            entity_column(level, account_col, user_col): ids,
            "period_start": period_start(cells.index, period),
            "n_events": cells.n_events,
        }
    )


# --------------------------------------------------------------------------- windows


def event_counts(
    events: EventsLike,
    /,
    *,
    start: pd.Series | pd.Timestamp | str | None = None,
    window_days: float | None = None,
    end: object = None,
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
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
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    event_col, time_col : str
        Column names of the timestamp and the event name.
    activity_events : list of str, optional
        Count only these events.

    Returns
    -------
    DataFrame
        One row per entity (index named after the account (or user) column) and one ``int64``
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
    entity_col = entity_column(level, account_col, user_col)
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    win = window_rows(enc, start=start, window_days=window_days, end=end)
    if enc.events is None or enc.event is None:
        raise ValueError("event_col is required.\nHint: pass event_col='<column>'.")
    n_ev, universe = len(enc.events), win.universe
    key = win.entity * n_ev + win.pick(enc.event)
    counts = np.bincount(key, minlength=len(universe) * n_ev).reshape(len(universe), n_ev)
    out = pd.DataFrame(counts.astype(np.int64), index=universe, columns=list(enc.events))
    out.index.name = entity_col
    out.columns.name = None
    return out


def window_activity(
    events: EventsLike,
    /,
    *,
    start: pd.Series | pd.Timestamp | str | None = None,
    window_days: float | None = None,
    end: object = None,
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
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
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    event_col, time_col : str
        Column names of the timestamp and the event name.
    activity_events : list of str, optional
        Count only these events.

    Returns
    -------
    DataFrame
        One row per entity (index named after the account (or user) column):

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
    entity_col = entity_column(level, account_col, user_col)
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    win = window_rows(enc, start=start, window_days=window_days, end=end)
    universe = win.universe
    n = len(universe)
    ent = win.entity
    ns = win.pick(enc.ns)
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
    events: EventsLike,
    /,
    *,
    window_days: float | None = None,
    start: pd.Series | pd.Timestamp | str | None = None,
    end: object = None,
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
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
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    event_col, time_col : str
        Column names of the timestamp and the event name.
    activity_events : list of str, optional
        Keep only these events.

    Returns
    -------
    DataFrame
        One row per event in a window, sorted by entity then time:

        - ``<account_col>`` (``<user_col>`` at user level): the entity id (categorical).
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
    entity_col = entity_column(level, account_col, user_col)
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
    )
    win = window_rows(enc, start=start, window_days=window_days, end=end)
    if enc.events is None or enc.event is None:
        raise ValueError("event_col is required.\nHint: pass event_col='<column>'.")
    universe, start_ns = win.universe, win.start_ns
    ent = win.entity
    ns = win.pick(enc.ns)
    ev = win.pick(enc.event)
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
