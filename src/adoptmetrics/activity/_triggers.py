"""Trigger firings for the activity layer (re-exported by :mod:`adoptmetrics.activity`).

Event-sized work is done once per log: the events sorted by (event, entity,
time) — stable counting sorts over small integer codes — after which each
event trigger reads its own contiguous slice. An ``EventLog``
memoises that order, so every analysis of the log shares it.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of, validate_events
from adoptmetrics.activity._encode import (
    _NS_PER_DAY,
    EventsLike,
    IntArray,
    _categorical,
    _encode,
    _encode_valid,
    _Encoded,
)
from adoptmetrics.activity._sort import _stable_by, time_order

# Coarse search keys use at most 2**61 distinct (group, bucket) values, so no
# key arithmetic can overflow int64.
_KEY_SPACE = 2**61
#: Up to this many event names the trigger rows are sorted one event's slice at a time.
_PER_EVENT_SORTS = 4096
#: First element of the memo keys of the trigger row orders on an EventLog's encoding.
_KEY = "trigger_rows"


def _sorted_rows(enc: _Encoded, *, by_event: bool) -> tuple[Any, IntArray, IntArray]:
    """Entity codes and times sorted by ([event,] entity, time), and each event's bounds.

    Each event's rows are one contiguous slice, so a trigger reads its events
    without a gather. Memoised on an ``EventLog``'s encoding (read-only arrays).
    """
    key = (_KEY, by_event)
    if enc.cache is not None and key in enc.cache:
        cached: tuple[Any, IntArray, IntArray] = enc.cache[key]
        return cached
    small = np.int32 if len(enc.entities) < 2**31 else np.int64
    if by_event and enc.event is not None and enc.events is not None:
        out = _by_event_rows(enc, small)
    else:
        order = _stable_by(enc.entity, time_order(enc))
        bounds = np.array([0, len(order)], dtype=np.int64)
        out = (enc.entity.astype(small, copy=False)[order], enc.ns[order], bounds)
    if enc.cache is not None:
        for arr in out:
            arr.flags.writeable = False
        enc.cache[key] = out
    return out


def _by_event_rows(enc: _Encoded, small: type) -> tuple[Any, IntArray, IntArray]:
    """Rows sorted by (event, entity, time): by event first, then each event's slice.

    Gathering the rows by event keeps one sequential stream per event (the
    rows are in time order within each), and each slice is then sorted by
    entity while it is small: half the time of one sort by the combined
    (event, entity) key, whose gather jumps over the whole log.
    """
    event, events = enc.event, enc.events
    assert event is not None
    assert events is not None
    counts = np.bincount(event, minlength=len(events))
    bounds = np.r_[0, np.cumsum(counts)].astype(np.int64)
    if len(events) > _PER_EVENT_SORTS:  # a loop per name would be long: one combined key
        order = _stable_by(event * len(enc.entities) + enc.entity, time_order(enc))
        return enc.entity.astype(small, copy=False)[order], enc.ns[order], bounds
    by_event = _stable_by(event, time_order(enc))
    ent: Any = enc.entity.astype(small, copy=False)[by_event]
    ns = enc.ns[by_event]
    del by_event
    for lo, hi in itertools.pairwise(bounds):  # one pass per event name
        if hi - lo > 1:
            order = _stable_by(ent[lo:hi])
            ent[lo:hi] = ent[lo:hi][order]
            ns[lo:hi] = ns[lo:hi][order]
    return ent, ns, bounds


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
    after equal times). No sort: one ``searchsorted`` on a coarse int64 key
    (the group's rank, then the time in buckets sized so the key cannot
    overflow), then a vectorised binary search inside the few buckets that
    hold data.
    """
    m, n = len(query_t), len(data_t)
    if m == 0 or n == 0:
        return np.zeros(m, dtype=np.int64)
    dg = np.asarray(data_group, dtype=np.int64)
    dt = np.asarray(data_t, dtype=np.int64)
    qg = np.asarray(query_group, dtype=np.int64)
    qt = np.asarray(query_t, dtype=np.int64)
    new = np.r_[True, dg[1:] != dg[:-1]]
    rank_d = np.cumsum(new) - 1
    firsts = dg[new]
    n_groups = len(firsts)
    # Each query's group rank (or, for a group without data, its insertion rank).
    g_min, g_max = int(firsts[0]), int(firsts[-1])
    if g_min >= 0 and g_max <= 4 * (n + m) + 1024:  # integer codes: a lookup table
        present = np.zeros(g_max + 2, dtype=bool)
        present[firsts] = True
        below = np.cumsum(present) - present
        at = np.clip(qg, 0, g_max + 1)
        pos = np.where(qg < 0, 0, below[at])
        found = present[at] & (qg >= 0)
    else:
        pos = np.searchsorted(firsts, qg, side="left")
        found = firsts[np.minimum(pos, n_groups - 1)] == qg
    t_lo, t_hi = int(dt.min()), int(dt.max())
    width = max(1, -(-(t_hi - t_lo + 1) * n_groups // _KEY_SPACE))
    # Buckets 1.. hold data; 0 and the last are empty sentinels.
    stride = (t_hi - t_lo) // width + 3
    key_d = rank_d * stride + (dt - t_lo) // width + 1
    bucket = (np.clip(qt, t_lo, t_hi) - t_lo) // width + 1
    bucket[qt < t_lo] = 0
    bucket[qt > t_hi] = stride - 1
    # A group without data: bucket 0 of its insertion rank lands where it would start.
    key_q = pos * stride + np.where(found, bucket, 0)
    out = np.searchsorted(key_d, key_q, side="left")
    # Queries whose bucket holds data step over its rows up to t (a bucket
    # usually holds one row); the rest finish with a binary search inside it.
    busy = np.flatnonzero(key_d[np.minimum(out, n - 1)] == key_q)
    for _ in range(4):
        if len(busy) == 0:
            return out
        at = out[busy]
        v = dt[at]
        step = v <= qt[busy] if side == "right" else v < qt[busy]
        busy = busy[step]
        out[busy] += 1
        busy = busy[out[busy] < n]
        busy = busy[key_d[out[busy]] == key_q[busy]]
    if len(busy) == 0:
        return out
    lo = out[busy]
    hi = np.searchsorted(key_d, key_q[busy], side="right")
    t = qt[busy]
    active = np.arange(len(busy))
    while len(active):
        a_lo, a_hi = lo[active], hi[active]
        mid = (a_lo + a_hi) // 2
        v = dt[mid]
        go_right = v <= t[active] if side == "right" else v < t[active]
        lo[active] = np.where(go_right, mid + 1, a_lo)
        hi[active] = np.where(go_right, a_hi, mid)
        active = active[lo[active] < hi[active]]
    out[busy] = lo
    return out


def _distinct(ent: IntArray, ns: IntArray) -> tuple[IntArray, IntArray]:
    """Distinct (entity, time) pairs of arrays sorted by (entity, time)."""
    if len(ns) == 0:
        return ent.astype(np.int64), ns
    keep = np.r_[True, (ent[1:] != ent[:-1]) | (ns[1:] != ns[:-1])]
    return ent[keep].astype(np.int64, copy=False), ns[keep]


def _seat_caps(entities: pd.Index, seats: pd.Series | None) -> Any:
    """Seats per entity code (0 where unknown or missing)."""
    cap = np.zeros(len(entities))
    if seats is not None:
        found = pd.Index(seats.index).get_indexer(entities.astype(seats.index.dtype))
        vals = pd.to_numeric(seats, errors="coerce").to_numpy(dtype=float)
        cap = np.where(found >= 0, vals[np.where(found >= 0, found, 0)], 0.0)
        cap = np.nan_to_num(cap, nan=0.0)
    return cap


def _firings(
    enc: _Encoded,
    *,
    event: str | None,
    min_count: int,
    window_days: float,
    metric: str | None,
    threshold: float | None,
    end: int | None = None,
    user: IntArray | None = None,
    seats: pd.Series | None = None,
) -> tuple[IntArray, IntArray]:
    """Firings of one trigger as (entity code, int64 ns), distinct and sorted.

    ``end`` (int64 ns) ignores later events; ``user`` (codes per row of
    ``enc``) and ``seats`` serve ``"active_user_share"``. Every condition
    looks back in time only, so the firings up to any ``end`` are the firings
    of the whole log that are not later than ``end``.
    """
    w = round(window_days * _NS_PER_DAY)
    if event is not None:
        ent_all, ns_all, bounds = _sorted_rows(enc, by_event=True)
        assert enc.events is not None  # encoded with its event column
        code = int(enc.events.get_indexer(pd.Index([event]))[0])
        lo, hi = (int(bounds[code]), int(bounds[code + 1])) if code >= 0 else (0, 0)
        ent, ns = ent_all[lo:hi], ns_all[lo:hi]
        if end is not None and (enc.latest is None or end < enc.latest):
            kept = ns <= end
            ent, ns = ent[kept], ns[kept]
        if min_count <= 1:  # every occurrence fires
            return _distinct(ent, ns)
        back = np.arange(len(ns)) - (min_count - 1)
        ok = back >= 0
        prior = np.where(ok, back, 0)
        fires = ok & (ent[prior] == ent) & (ns - ns[prior] < w)
        return _distinct(ent[fires], ns[fires])
    if metric not in ("usage_growth", "active_user_share"):
        raise ValueError(
            f"metric={metric!r} is unknown.\nHint: use 'usage_growth' or 'active_user_share'."
        )
    ent, ns, _ = _sorted_rows(enc, by_event=False)
    if end is not None:
        kept = ns <= end
        ent, ns = ent[kept], ns[kept]
    ent = ent.astype(np.int64)
    if metric == "usage_growth":
        upto = _grouped_searchsorted(ent, ns, ent, ns)
        mid = _grouped_searchsorted(ent, ns, ent, ns - w)
        low = _grouped_searchsorted(ent, ns, ent, ns - 2 * w)
        current, previous = upto - mid, mid - low
        fires = (previous > 0) & (current >= float(threshold or 0) * previous)
        return _distinct(ent[fires], ns[fires])
    if user is None:
        raise ValueError("an 'active_user_share' trigger needs user ids.\nHint: pass user_col=.")
    # Runs of one user's activity no more than w apart: the user counts as
    # active from a run's first event until w after its last.
    uo = _stable_by(enc.entity, _stable_by(user, time_order(enc)))
    if end is not None:
        uo = uo[enc.ns[uo] <= end]
    ue, uu, ut = enc.entity[uo], user[uo], enc.ns[uo]
    new_run = np.r_[True, (ue[1:] != ue[:-1]) | (uu[1:] != uu[:-1]) | (ut[1:] - ut[:-1] >= w)]
    last_run = np.r_[new_run[1:], True]
    starts_e, starts_t = ue[new_run], ut[new_run]
    ends_e, ends_t = ue[last_run], ut[last_run] + w
    so = _stable_by(starts_e, np.argsort(starts_t, kind="stable"))
    eo = _stable_by(ends_e, np.argsort(ends_t, kind="stable"))
    users_now = _grouped_searchsorted(starts_e[so], starts_t[so], ent, ns) - _grouped_searchsorted(
        ends_e[eo], ends_t[eo], ent, ns
    )
    cap = _seat_caps(enc.entities, seats)
    c = cap[ent] if len(ent) else np.zeros(0)
    fires = (c > 0) & (users_now >= float(threshold or 0) * c)
    return _distinct(ent[fires], ns[fires])


def trigger_firings(
    events: EventsLike,
    /,
    *,
    event: str | None = None,
    min_count: int = 1,
    window_days: float = 30.0,
    metric: str | None = None,
    threshold: float | None = None,
    seats: pd.Series | None = None,
    end: object = None,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    user_col: str = "user_id",
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
    events : DataFrame, any frame narwhals supports, or EventLog
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
    account_col, event_col, time_col, user_col : str
        Column names (``user_col`` is read for ``"active_user_share"`` only).

    Returns
    -------
    DataFrame
        One row per distinct (entity, firing time), sorted:

        - ``<account_col>``: the account id (categorical over every entity in
          the events).
        - ``<time_col>``: when the condition held (the output is an
          events-like table with the column names it was given).

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
    user: IntArray | None = None
    if metric == "active_user_share":
        df = validate_events(
            events,
            account_col=account_col,
            event_col=event_col,
            time_col=time_col,
            user_col=user_col,
        )
        enc = _encode_valid(df, with_events=True)
        user = df["user_id"].cat.codes.to_numpy().astype(np.int64)
    else:
        enc = _encode(
            events,
            entity_col=account_col,
            time_col=time_col,
            event_col=event_col,
            activity_events=None,
        )
    fe, ft = _firings(
        enc,
        event=event,
        min_count=min_count,
        window_days=window_days,
        metric=metric,
        threshold=threshold,
        end=None if end is None else coerce_as_of(end, None, argument="end").value,
        user=user,
        seats=seats,
    )
    return pd.DataFrame(
        {
            account_col: _categorical(fe, enc.entities),
            time_col: ft.view("datetime64[ns]"),
        }
    )
