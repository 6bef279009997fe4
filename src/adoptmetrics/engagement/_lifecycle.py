"""Lifecycle: new, returning, resurrecting and dormant entities per period (PostHog's lifecycle)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import SchemaError, coerce_timestamps, validate_accounts
from adoptmetrics.activity._encode import EventsLike, IntArray, period_index, period_start
from adoptmetrics.engagement._common import (
    By,
    check_period,
    empty_b,
    empty_dt,
    empty_f,
    empty_i,
    finish,
    load,
    period_ends,
    period_range,
)

__all__ = ["lifecycle"]

_COUNTS = ("new", "returning", "resurrecting", "dormant", "n_active")


def lifecycle(
    events: EventsLike,
    /,
    *,
    period: str = "week",
    level: str = "account",
    start: pd.Series | pd.DataFrame | None = None,
    by: By = None,
    as_of: object = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    start_col: str = "started_at",
) -> pd.DataFrame:
    """New, returning, resurrecting and dormant entities per period, and the quick ratio.

    An entity active in period ``p`` is *new* if its first activity ever (or
    its ``start``, when given) falls in ``p``; *returning* if it was also
    active in ``p − 1``; otherwise *resurrecting* (it was active before, then
    silent for at least one period). *Dormant* counts the entities active in
    ``p − 1`` and not in ``p`` — a positive count (plots draw it below zero).
    Hence ``n_active = new + returning + resurrecting`` and
    ``n_active(p) = n_active(p − 1) + new + resurrecting − dormant`` in every
    row.

    Parameters
    ----------
    events : DataFrame
        The event log; any event counts as activity.
    period : {"week", "day", "month"}
        Calendar period (UTC); weeks start on Monday.
    level : {"account", "user"}
        Whose activity is counted.
    start : Series or DataFrame, optional
        When each entity started: a Series id → timestamp, or the accounts
        table (``account_col`` and ``start_col``; account level only). An
        entity is then *new* in its start's period (if active there); one
        first active after it is *resurrecting*, as in PostHog. Every entity
        with events needs a start; events before its start's period are
        ignored.
    by : str or Series, optional
        Segments, as in :func:`active_counts`.
    as_of : timestamp, optional
        End of observation; later events are ignored. Default: the latest event.
    account_col, user_col, time_col : str
        Column names of the account id, the user id and the timestamp.
    start_col : str
        Start column of the accounts table when ``start`` is one.

    Returns
    -------
    DataFrame
        One row per (segment,) period from the first event's period to the
        period holding ``as_of``:

        - the ``by`` column, when ``by`` is given.
        - ``period``: start of the period.
        - ``new``, ``returning``, ``resurrecting``: the active entities by kind.
        - ``dormant``: active in the previous period, not in this one (≥ 0).
        - ``n_active``: ``new + returning + resurrecting``.
        - ``quick_ratio``: ``(new + resurrecting) / dormant``: above 1 the
          active base grows; NaN when nobody went dormant.
        - ``complete``: the period was over at ``as_of``; in an incomplete
          period ``dormant`` includes entities that may still come back.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "a"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-08",
    ...                                  "2024-01-22"])})
    >>> out = lifecycle(ev, as_of="2024-01-28 23:59")
    >>> out[["period", "new", "returning", "resurrecting", "dormant", "n_active"]]
          period  new  returning  resurrecting  dormant  n_active
    0 2024-01-01    1          0             0        0         1
    1 2024-01-08    1          1             0        0         2
    2 2024-01-15    0          0             0        2         0
    3 2024-01-22    0          0             1        0         1
    >>> out["quick_ratio"].tolist()
    [nan, nan, 0.0, nan]
    """
    check_period("period", period)
    if start is not None and level != "account" and isinstance(start, pd.DataFrame):
        raise ValueError(
            "start=<accounts table> works at level='account' only.\n"
            "Hint: at level='user' pass a Series mapping user id → start time."
        )
    log = load(
        events,
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=None,
        by=by,
        as_of=as_of,
    )
    if log is None:
        body: dict[str, object] = {"period": empty_dt([])}
        body.update({c: empty_i([]) for c in _COUNTS})
        body.update({"quick_ratio": empty_f([]), "complete": empty_b([])})
        return finish(body, None, empty_i([]), by)
    p0, p1 = period_range(log, period)
    n_ent = len(log.entities)
    ent, idx = log.cells(period, p0, p1 - p0 + 1)
    if start is None:
        first_p = np.zeros(n_ent, dtype=np.int64)
        run_start = np.r_[True, ent[1:] != ent[:-1]] if len(ent) else np.zeros(0, dtype=bool)
        first_p[ent[run_start]] = idx[run_start]
    else:
        first_p = _start_periods(start, log.entities, ent, period, account_col, start_col)
        keep = idx >= first_p[ent]
        ent, idx = ent[keep], idx[keep]
    if len(ent):
        p0 = min(p0, int(idx.min()))
    n_p = p1 - p0 + 1
    same = ent[1:] == ent[:-1]
    prev_active = np.r_[False, same & (idx[1:] == idx[:-1] + 1)]
    next_active = np.r_[same & (idx[1:] == idx[:-1] + 1), False]
    is_new = idx == first_p[ent]
    seg = log.seg[ent]
    key = seg * n_p + (idx - p0)
    size = log.n_seg * n_p

    def count(mask: npt.NDArray[np.bool_], k: IntArray = key) -> IntArray:
        return np.bincount(k[mask], minlength=size).astype(np.int64)

    new = count(is_new)
    returning = count(~is_new & prev_active)
    resurrecting = count(~is_new & ~prev_active)
    # Dormant in the period after an active cell with no activity in it (up to as_of).
    goes = ~next_active & (idx < p1)
    dormant = count(goes, key + 1)
    n_active = new + returning + resurrecting
    with np.errstate(invalid="ignore", divide="ignore"):
        quick = np.where(dormant > 0, (new + resurrecting) / np.maximum(dormant, 1), np.nan)
    seg_i = np.repeat(np.arange(log.n_seg), n_p)
    pidx = np.tile(np.arange(p0, p1 + 1), log.n_seg)
    out = {
        "period": period_start(pidx, period),
        "new": new,
        "returning": returning,
        "resurrecting": resurrecting,
        "dormant": dormant,
        "n_active": n_active,
        "quick_ratio": quick,
        "complete": period_ends(pidx, period) <= log.as_of.value,
    }
    return finish(out, log, seg_i.astype(np.int64), by)


def _start_periods(
    start: pd.Series | pd.DataFrame,
    entities: pd.Index,
    ent: IntArray,
    period: str,
    account_col: str,
    start_col: str,
) -> IntArray:
    """Period index of each entity's start; every entity with activity must have one."""
    if isinstance(start, pd.DataFrame):
        acc = validate_accounts(start, account_col=account_col, start_col=start_col, churn_col=None)
        series = pd.Series(acc["started_at"].to_numpy(), index=acc["account_id"].astype(object))
    elif isinstance(start, pd.Series):
        if start.index.has_duplicates:
            raise SchemaError(
                "start", "index", "has duplicate ids", "pass one start time per entity."
            )
        series = pd.Series(
            coerce_timestamps(start, table="start", column=str(start.name or "start")).to_numpy(),
            index=start.index,
        )
    else:
        raise TypeError(
            f"start must be a Series (id → start time) or the accounts table, "
            f"not {type(start).__name__}.\n"
            "Hint: start=accounts.set_index('account_id')['started_at'] or start=accounts."
        )
    pos = series.index.get_indexer(entities.astype(series.index.dtype, copy=False))
    active = np.zeros(len(entities), dtype=bool)
    active[ent] = True
    values = series.to_numpy()
    ns = np.where(pos >= 0, values[np.maximum(pos, 0)].view(np.int64) if len(values) else 0, 0)
    missing = active & ((pos < 0) | (ns == np.iinfo(np.int64).min))
    if missing.any():
        raise SchemaError(
            "start",
            None,
            f"gives no start for {int(missing.sum())} entities with events, "
            f"e.g. {list(entities[missing][:3])}",
            "give every entity in the events a start time (ids must have the same type "
            "as in the events), or pass start=None to use each entity's first activity.",
        )
    out: IntArray = period_index(ns, period)
    return out
