"""Trigger firings for the activity layer (re-exported by :mod:`adoptmetrics.activity`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of, validate_events
from adoptmetrics.activity._encode import (
    _NS_PER_DAY,
    IntArray,
    _categorical,
)


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
    share = metric == "active_user_share"
    df = validate_events(
        events,
        account_col=account_col,
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
            account_col: _categorical(fe[distinct], entities),
            time_col: ft[distinct].view("datetime64[ns]"),
        }
    )
