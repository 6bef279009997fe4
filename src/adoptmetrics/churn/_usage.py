"""Recent product use per account as of a date: churn covariates a CSM can act on.

Private module of :mod:`adoptmetrics.churn` (re-exported there). The event
scans are the activity layer's :func:`~adoptmetrics.activity.window_activity`
(two consecutive windows of ``window_days`` ending at ``as_of``; nothing
after it is read), so an ``am.EventLog`` is scanned with its shared encoding
and without a second validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics.activity import window_activity
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.churn._data import check_days

__all__ = ["USAGE_COLUMNS", "usage_covariates"]

#: The columns :func:`usage_covariates` adds, in order.
USAGE_COLUMNS = ("active_days", "active_days_change", "days_since_active")

_DAY = pd.Timedelta(days=1)


def usage_covariates(
    events: EventsLike,
    /,
    *,
    as_of: object = None,
    window_days: int = 28,
    account_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> pd.DataFrame:
    """Recent activity of each account as of a date, for churn models and their reasons.

    Three measures a customer-success manager can act on, from the events in
    ``(as_of − 2·window_days, as_of]`` only — nothing after ``as_of`` is read,
    so values computed as of a past date can train a model that is scored
    later without lookahead (fit on covariates as of a cutoff, follow churn
    after it: see :func:`fit_churn_model`'s ``observed_from``).

    Parameters
    ----------
    events : DataFrame or EventLog
        The event log.
    as_of : timestamp, optional
        The date the activity is measured at; default the latest event.
    window_days : int
        Window length ``w`` (default 28).
    account_col, time_col, event_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per account of the log, sorted by ``account_id``:

        - ``account_id``: the account.
        - ``active_days``: distinct calendar days with an event in
          ``(as_of − w, as_of]``.
        - ``active_days_change``: ``active_days`` minus the active days of
          the window before, ``(as_of − 2w, as_of − w]`` (negative: use is
          thinning).
        - ``days_since_active``: whole days from the last event to
          ``as_of``, capped at ``2w`` (also the value of an account with no
          event in the two windows).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "a", "b"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-20",
    ...                                  "2024-01-10"])})
    >>> usage_covariates(ev, as_of="2024-02-25")
      account_id  active_days  active_days_change  days_since_active
    0          a            1                  -1                  5
    1          b            0                  -1                 46
    """
    w = check_days(window_days, "window_days")
    cols = {"account_col": account_col, "time_col": time_col, "event_col": event_col}
    ts = coerce_as_of(as_of, None) if as_of is not None else None
    if ts is None:
        probe = window_activity(events, window_days=None, **cols)
        latest = probe["last_event"].max()
        ts = coerce_as_of(None, None if pd.isna(latest) else pd.Timestamp(latest))
    one_ns = pd.Timedelta(1, unit="ns")
    # Windows (as_of − 2w, as_of − w] and (as_of − w, as_of]: [start, start + w) from 1 ns on.
    before = window_activity(events, start=ts - 2 * w * _DAY + one_ns, window_days=w, **cols)
    recent = window_activity(events, start=ts - w * _DAY + one_ns, window_days=w, end=ts, **cols)
    recent = recent.reindex(before.index)
    last = recent["last_event"].where(recent["last_event"].notna(), before["last_event"])
    gap = (ts.value - last.to_numpy(dtype="datetime64[ns]").view(np.int64)) // _DAY.value
    idle = np.where(last.isna().to_numpy(), np.nan, gap.astype(float))
    active = recent["active_days"].to_numpy(dtype=np.int64)
    out = pd.DataFrame(
        {
            "account_id": before.index.to_numpy(),
            "active_days": active,
            "active_days_change": active - before["active_days"].to_numpy(dtype=np.int64),
            "days_since_active": np.where(np.isnan(idle), 2 * w, np.minimum(idle, 2 * w)).astype(
                np.int64
            ),
        }
    )
    order = np.argsort(out["account_id"].astype(str).to_numpy(), kind="stable")
    return out.take(order).reset_index(drop=True)
