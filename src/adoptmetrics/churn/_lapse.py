"""Activity-based churn: lapses (private; re-exported by :mod:`adoptmetrics.churn`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoptmetrics import activity
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.churn._data import check_days

__all__ = ["lapse_table"]


def lapse_table(
    events: EventsLike,
    /,
    *,
    inactive_days: int = 30,
    as_of: object = None,
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    activity_events: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Activity-based churn: "no activity for ``inactive_days`` days" as a churn event.

    For products without contracts. Each entity starts on its first active
    day; it *lapses* at its first gap of at least ``inactive_days`` days
    without activity, and its churn date is the last active day before that
    gap. An entity whose last activity is fewer than ``inactive_days``
    complete days before ``as_of`` is still active (censored): nobody can
    know yet whether it has lapsed. Events after ``as_of`` are ignored, so a
    table built "as of" a past date never sees the future. The result has
    the accounts layout, so :func:`churn_curve`, :func:`compare_churn` and
    :func:`fit_churn_model` apply unchanged (join attributes first): it
    carries its end of observation in ``observed_until``, and the churn
    functions censor active entities there (not at the latest start or
    lapse date) when their own ``as_of`` is left out.

    Dates are calendar days (UTC); activity is read through
    :func:`adoptmetrics.activity.activity_cells`.

    Parameters
    ----------
    events : DataFrame
        The event log.
    inactive_days : int
        Days without activity that count as a lapse (e.g. 30).
    as_of : timestamp, optional
        Default the latest event.
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    time_col, event_col : str
        Column names of the timestamp and the event name.
    activity_events : list of str, optional
        Count only these events as activity.

    Returns
    -------
    DataFrame
        One row per entity seen, sorted by id:

        - ``account_id``: the entity (named ``account_id`` whatever
          the level, so that the churn functions accept it).
        - ``started_at``: first active day.
        - ``churned_at``: last active day before the first lapse (NaT if it
          has not lapsed by ``as_of``).
        - ``last_seen``: last active day up to ``as_of``.
        - ``returned``: True when it was active again after its first lapse
          (the lapse still counts as churn).
        - ``observed_until``: the end of observation (``as_of``, by default
          the latest event), the same in every row; the churn functions
          censor active entities at it.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "b"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-01", "2024-02-20"])})
    >>> lapse_table(ev, inactive_days=30, as_of="2024-03-01")
      account_id started_at churned_at  last_seen  returned observed_until
    0          a 2024-01-01 2024-01-03 2024-01-03     False     2024-03-01
    1          b 2024-01-01 2024-01-01 2024-02-20      True     2024-03-01
    """
    n_days = check_days(inactive_days, "inactive_days")
    cells = activity.activity_cells(
        events,
        period="day",
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        as_of=as_of,
    )
    ent, day = cells.entity, cells.index
    if len(ent) == 0:
        raise ValueError("no activity on or before as_of.\nHint: check as_of and activity_events.")
    day_ns = 86_400 * 10**9
    is_last = np.ones(len(ent), dtype=bool)
    is_last[:-1] = ent[1:] != ent[:-1]
    idle = np.empty(len(ent), dtype=np.int64)
    idle[:-1] = day[1:] - day[:-1] - 1
    # Complete idle days after the last active day, up to as_of.
    idle_end = (cells.as_of.value - (day + 1) * day_ns) // day_ns
    idle = np.where(is_last, idle_end, idle)
    lapse = idle >= n_days
    starts = np.flatnonzero(np.concatenate([[True], ent[1:] != ent[:-1]]))
    present = ent[starts]
    first_day = day[starts]
    last_day = day[np.flatnonzero(is_last)]
    lapse_pos = np.flatnonzero(lapse)
    lapsed_ent, first_lapse = np.unique(ent[lapse_pos], return_index=True)
    pos_in = np.searchsorted(present, lapsed_ent)
    churn_day = np.full(len(present), np.iinfo(np.int64).min, dtype=np.int64)
    churn_day[pos_in] = day[lapse_pos[first_lapse]]
    returned = np.zeros(len(present), dtype=bool)
    returned[pos_in] = ~is_last[lapse_pos[first_lapse]]
    to_ts = activity.period_start
    churned_at = pd.Series(to_ts(np.maximum(churn_day, 0), "day"))
    churned_at[churn_day == np.iinfo(np.int64).min] = pd.NaT
    ids = cells.entities[present]
    out = pd.DataFrame(
        {
            "account_id": ids.astype(object)
            if not isinstance(ids.dtype, pd.CategoricalDtype)
            else ids,
            "started_at": to_ts(first_day, "day"),
            "churned_at": churned_at.to_numpy(),
            "last_seen": to_ts(last_day, "day"),
            "returned": returned,
            "observed_until": pd.Series(cells.as_of, index=range(len(present))),
        }
    )
    order = np.argsort(out["account_id"].astype(str).to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)
