"""Onboarding milestones: who reached them (:func:`milestone_status`), how fast
(:func:`time_to_value`) and in which order (:func:`onboarding_funnel`).

An account's window is ``[start, start + window_days)``; starts come from
``accounts=`` (its ``start_col``), from ``start=`` (account id → start time),
or else from each account's first event.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoptmetrics._stats._intervals import check_confidence, kaplan_meier, wilson_interval
from adoptmetrics.activity import EventLog
from adoptmetrics.activity._encode import _NS_PER_DAY, EventsLike
from adoptmetrics.models import Milestone
from adoptmetrics.onboarding._input import (
    StartArg,
    _check_window,
    _event_code,
    _kth,
    _load,
    _steps,
)
from adoptmetrics.onboarding._population import (
    NothingToAnalyse,
    Population,
    by_series,
    per_segment,
    resolve_population,
)
from adoptmetrics.onboarding._windows import as_log

__all__ = ["milestone_status", "onboarding_funnel", "time_to_value"]

# --------------------------------------------------------------------------- milestones


def _milestones(
    log: EventLog,
    steps: list[Milestone],
    *,
    window: float,
    pop: Population,
    ids: pd.Index | None,
    cols: dict[str, str],
) -> pd.DataFrame:
    """Per account and milestone; ``ids`` restricts the accounts (a segment)."""
    as_of_ts = pop.as_of
    starts = pop.starts if ids is None else pop.starts.reindex(ids).dropna()
    starts = starts[starts <= as_of_ts]
    index = pd.Index(starts.index)
    seq, _ = _load(log, pop, window=window, accounts=index, cols=cols)
    start_ns = starts.to_numpy().astype("datetime64[ns]").view(np.int64)
    never = np.iinfo(np.int64).min
    n, k = seq.n, len(steps)
    reached = np.zeros((n, k), dtype=bool)  # account-major: row per account, column per step
    reached_ns = np.zeros((n, k), dtype=np.int64)
    for j, m in enumerate(steps):
        row = _kth(seq, _event_code(seq, m.event, "milestones"), seq.acc_start, m.min_count)
        hit = row < seq.acc_end
        reached[:, j] = hit
        if seq.n_rows:
            reached_ns[:, j] = np.where(hit, seq.ns[np.minimum(row, seq.n_rows - 1)], 0)
    all_reached = reached.all(axis=1)
    done_ns = np.where(reached, reached_ns, never).max(axis=1, initial=never)
    window_end = start_ns + round(window * _NS_PER_DAY)
    ended = window_end <= as_of_ts.value
    status = np.where(all_reached, "onboarded", np.where(ended, "not_onboarded", "onboarding"))
    with np.errstate(invalid="ignore"):
        days_to_reach = np.where(reached, (reached_ns - start_ns[:, None]) / _NS_PER_DAY, np.nan)
    onboarded_at = np.where(all_reached, done_ns, never)
    # One row per account and milestone, accounts in order, milestones in the order given.
    return pd.DataFrame(
        {
            cols["account_col"]: index.repeat(k),
            "milestone": np.tile(np.array([m.name for m in steps]), n),
            "event": np.tile(np.array([m.event for m in steps]), n),
            "start": np.repeat(start_ns, k).view("datetime64[ns]"),
            "reached": reached.ravel(),
            "reached_at": np.where(reached, reached_ns, never).ravel().view("datetime64[ns]"),
            "days_to_reach": days_to_reach.ravel(),
            "onboarded": np.repeat(all_reached, k),
            "onboarded_at": np.repeat(onboarded_at, k).view("datetime64[ns]"),
            "days_to_onboard": np.repeat(
                np.where(all_reached, (done_ns - start_ns) / _NS_PER_DAY, np.nan), k
            ),
            "status": np.repeat(status, k),
        }
    )


def _population(
    events: EventLog,
    *,
    accounts: pd.DataFrame | None,
    start: StartArg,
    start_col: str,
    accounts_account_col: str | None,
    as_of: object,
    cols: dict[str, str],
) -> Population:
    return resolve_population(
        events, accounts=accounts, start=start, start_col=start_col,
        accounts_account_col=accounts_account_col, as_of=as_of, cols=cols,
    )  # fmt: skip


def milestone_status(
    events: EventsLike,
    milestones: Sequence[Milestone | str],
    /,
    *,
    window_days: float = 30,
    accounts: pd.DataFrame | None = None,
    start: StartArg = None,
    as_of: object = None,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    start_col: str = "started_at",
    accounts_account_col: str | None = None,
) -> pd.DataFrame:
    """Which onboarding milestones each account reached inside its window, and when.

    A milestone ``Milestone(name, event, min_count)`` is reached at the
    ``min_count``-th occurrence of ``event`` inside ``[start, start +
    window_days)``. An account is *onboarded* when it reached every milestone
    inside its window. An account that has not (yet) is ``"onboarding"``
    while its window is still open at ``as_of`` and ``"not_onboarded"`` once
    the window has closed — recent accounts are not counted as failures.

    Parameters
    ----------
    events : DataFrame or EventLog
        The event log; an :class:`adoptmetrics.EventLog` is validated and
        encoded once for every call that shares it.
    milestones : list of Milestone or str
        The milestones (a string ``"x"`` means ``Milestone("x", "x")``).
    window_days : float
        Window length in days.
    accounts : DataFrame, optional
        The accounts table: window starts from its ``start_col`` (accounts
        without events are then included too).
    start : Series or timestamp, optional
        Window starts given directly: account id → start time. With neither
        ``accounts`` nor ``start``, each account's first event.
    as_of : timestamp, optional
        Ignore events after it; default the latest event. Accounts starting
        after ``as_of`` are left out.
    account_col, event_col, time_col : str
        Column names of the events.
    start_col : str
        Start column of ``accounts``.
    accounts_account_col : str, optional
        Id column of ``accounts`` when it differs from ``account_col``.

    Returns
    -------
    DataFrame
        One row per account and milestone (accounts in id order, milestones
        in the order given):

        - ``<account_col>``: the account id.
        - ``milestone``: the milestone's name.
        - ``event``: its event.
        - ``start``: start of the account's window.
        - ``reached``: reached inside the window (and by ``as_of``).
        - ``reached_at``: when (``NaT`` if not reached).
        - ``days_to_reach``: days from ``start`` (``NaN`` if not reached).
        - ``onboarded``: the account reached every milestone in its window.
        - ``onboarded_at``: when the last milestone was reached (``NaT`` if not).
        - ``days_to_onboard``: days from ``start`` to ``onboarded_at``.
        - ``status``: ``"onboarded"``, ``"onboarding"`` (window still open at
          ``as_of``) or ``"not_onboarded"``.

    Examples
    --------
    >>> import pandas as pd
    >>> import adoptmetrics as am
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b"],
    ...     "event": ["signup", "invite", "signup"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02"])})
    >>> st = milestone_status(ev, [am.Milestone("Invited", "invite")], window_days=7,
    ...                       as_of="2024-02-01")
    >>> st[["account_id", "reached", "days_to_reach", "status"]]
      account_id  reached  days_to_reach         status
    0          a     True            2.0      onboarded
    1          b    False            NaN  not_onboarded
    """
    steps = _steps(milestones, "milestones")
    window = _check_window(window_days)
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    log = as_log(events, cols)
    pop = _population(
        log, accounts=accounts, start=start, start_col=start_col,
        accounts_account_col=accounts_account_col, as_of=as_of, cols=cols,
    )  # fmt: skip
    return _milestones(log, steps, window=window, pop=pop, ids=None, cols=cols)


def time_to_value(
    events: EventsLike,
    milestones: Sequence[Milestone | str],
    /,
    *,
    window_days: float = 30,
    accounts: pd.DataFrame | None = None,
    start: StartArg = None,
    as_of: object = None,
    by: str | pd.Series | None = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    start_col: str = "started_at",
    accounts_account_col: str | None = None,
) -> pd.DataFrame:
    """Kaplan–Meier curve of the days from start to onboarded (all milestones reached).

    Accounts still inside their window at ``as_of`` are censored at their
    current age; accounts whose window closed without onboarding are
    censored at ``window_days`` (they can no longer onboard by definition).
    Durations are whole days since start (day 0 = the first 24 hours). The
    estimate is :func:`adoptmetrics._stats.kaplan_meier`, the same one the
    churn curves use.

    Parameters
    ----------
    events : DataFrame or EventLog
        The event log; an :class:`adoptmetrics.EventLog` is validated and
        encoded once for every call that shares it.
    milestones : list of Milestone or str
        What "onboarded" means (see :func:`milestone_status`).
    window_days : float
        Window length in days.
    accounts : DataFrame, optional
        The accounts table: window starts from its ``start_col``.
    start : Series or timestamp, optional
        Window starts given directly (see :func:`milestone_status`).
    as_of : timestamp, optional
        End of observation; default the latest event.
    by : str or Series, optional
        One curve per segment: a column of ``accounts`` or of the events
        (constant per account), or a Series account id → segment.
    confidence : float
        Level of the pointwise (log-log) interval.
    account_col, event_col, time_col : str
        Column names of the events.
    start_col : str
        Start column of ``accounts``.
    accounts_account_col : str, optional
        Id column of ``accounts`` when it differs from ``account_col``.

    Returns
    -------
    DataFrame
        One row per day with an onboarding or a censoring (per segment with
        ``by``, the segment column first):

        - ``<by>``: the segment (only with ``by``; named after the column or
          the Series, ``segment`` when it has no name).
        - ``time``: days since start.
        - ``n_at_risk``: accounts not yet onboarded and still observed.
        - ``n_onboarded``: accounts onboarded that day.
        - ``n_censored``: accounts censored that day.
        - ``onboarded_rate``: estimated share onboarded by the end of that day.
        - ``ci_lower``, ``ci_upper``: its confidence interval.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "c", "c"],
    ...     "event": ["signup", "invite", "signup", "signup", "invite"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-01",
    ...                                  "2024-01-01", "2024-01-06"])})
    >>> ttv = time_to_value(ev, ["invite"], window_days=10, as_of="2024-03-01")
    >>> ttv[["time", "n_at_risk", "n_onboarded", "onboarded_rate"]]
       time  n_at_risk  n_onboarded  onboarded_rate
    0     2          3            1        0.333333
    1     5          2            1        0.666667
    2    10          1            0        0.666667
    """
    check_confidence(confidence)
    steps = _steps(milestones, "milestones")
    window = _check_window(window_days)
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    log = as_log(events, cols)
    pop = _population(
        log, accounts=accounts, start=start, start_col=start_col,
        accounts_account_col=accounts_account_col, as_of=as_of, cols=cols,
    )  # fmt: skip

    def run(ids: pd.Index | None) -> pd.DataFrame:
        frame = _milestones(log, steps, window=window, pop=pop, ids=ids, cols=cols)
        if len(frame) == 0:
            raise NothingToAnalyse("no account started by as_of.\nHint: check as_of.")
        return _ttv_curve(frame, len(steps), window, pop.as_of, confidence)

    segments = by_series(by, pd.Index(pop.starts.index), pop=pop, events=events, cols=cols)
    if segments is None:
        return run(None)
    return per_segment(segments, run, function="time_to_value")


def _ttv_curve(
    frame: pd.DataFrame, n_steps: int, window: float, as_of: pd.Timestamp, confidence: float
) -> pd.DataFrame:
    per = frame.iloc[::n_steps]
    onboarded = per["onboarded"].to_numpy()
    start_ns = per["start"].to_numpy().astype("datetime64[ns]").view(np.int64)
    age = (as_of.value - start_ns) / _NS_PER_DAY
    censor_at = np.floor(np.minimum(age, window))
    durations = np.where(
        onboarded, np.floor(per["days_to_onboard"].fillna(0).to_numpy()), censor_at
    )
    km = kaplan_meier(durations.astype(np.int64), onboarded, confidence=confidence)
    return pd.DataFrame(
        {
            "time": km["time"],
            "n_at_risk": km["n_at_risk"],
            "n_onboarded": km["n_events"],
            "n_censored": km["n_censored"],
            "onboarded_rate": 1 - km["survival"],
            "ci_lower": 1 - km["ci_upper"],
            "ci_upper": 1 - km["ci_lower"],
        }
    )


def onboarding_funnel(
    events: EventsLike,
    steps: Sequence[Milestone | str],
    /,
    *,
    window_days: float = 30,
    accounts: pd.DataFrame | None = None,
    start: StartArg = None,
    as_of: object = None,
    by: str | pd.Series | None = None,
    ordered: bool = True,
    confidence: float = 0.95,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    start_col: str = "started_at",
    accounts_account_col: str | None = None,
) -> pd.DataFrame:
    """Accounts reaching each onboarding step inside their window.

    With ``ordered=True`` step ``k`` counts when the account completed steps
    ``1..k`` in that order (other events in between allowed; a step's
    ``min_count`` occurrences must all come strictly after the previous step
    was completed). With ``ordered=False`` it counts accounts that reached
    steps ``1..k`` in any order. Only accounts whose window has closed by
    ``as_of`` are counted, so recent accounts do not drag the rates down.

    Parameters
    ----------
    events : DataFrame or EventLog
        The event log; an :class:`adoptmetrics.EventLog` is validated and
        encoded once for every call that shares it.
    steps : list of Milestone or str
        The steps, in funnel order.
    window_days : float
        Window length in days.
    accounts : DataFrame, optional
        The accounts table: window starts from its ``start_col``.
    start : Series or timestamp, optional
        Window starts given directly (see :func:`milestone_status`).
    as_of : timestamp, optional
        End of observation; default the latest event.
    by : str or Series, optional
        One funnel per segment: a column of ``accounts`` or of the events
        (constant per account), or a Series account id → segment.
    ordered : bool
        Require the steps in order.
    confidence : float
        Level of the Wilson interval on ``conversion_from_previous``.
    account_col, event_col, time_col : str
        Column names of the events.
    start_col : str
        Start column of ``accounts``.
    accounts_account_col : str, optional
        Id column of ``accounts`` when it differs from ``account_col``.

    Returns
    -------
    DataFrame
        One row per step (per segment with ``by``, the segment column first):

        - ``<by>``: the segment (only with ``by``; named after the column or
          the Series, ``segment`` when it has no name).
        - ``step``: position (1 = first).
        - ``name``: the step's name.
        - ``event``: its event.
        - ``n_accounts``: accounts that reached it (and all steps before).
        - ``conversion_from_previous``: ``n_accounts`` ÷ the previous step's
          (for step 1, ÷ all accounts in the funnel).
        - ``conversion_from_first``: ``n_accounts`` ÷ step 1's.
        - ``ci_lower``, ``ci_upper``: Wilson interval of
          ``conversion_from_previous``.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "b", "c"],
    ...     "event": ["signup", "invite", "invite", "signup", "signup"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01",
    ...                                  "2024-01-02", "2024-01-01"])})
    >>> f = onboarding_funnel(ev, ["signup", "invite"], window_days=7, as_of="2024-02-01")
    >>> f[["step", "name", "n_accounts", "conversion_from_previous"]]
       step    name  n_accounts  conversion_from_previous
    0     1  signup           3                  1.000000
    1     2  invite           1                  0.333333
    """
    check_confidence(confidence)
    items = _steps(steps, "steps")
    window = _check_window(window_days)
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    log = as_log(events, cols)
    pop = _population(
        log, accounts=accounts, start=start, start_col=start_col,
        accounts_account_col=accounts_account_col, as_of=as_of, cols=cols,
    )  # fmt: skip

    def run(ids: pd.Index | None) -> pd.DataFrame:
        starts = pop.starts if ids is None else pop.starts.reindex(ids).dropna()
        return _funnel(log, items, starts, window, pop, ordered, confidence, cols)

    segments = by_series(by, pd.Index(pop.starts.index), pop=pop, events=events, cols=cols)
    if segments is None:
        return run(None)
    return per_segment(segments, run, function="onboarding_funnel")


def _funnel(
    log: EventLog,
    items: list[Milestone],
    starts: pd.Series,
    window: float,
    pop: Population,
    ordered: bool,
    confidence: float,
    cols: dict[str, str],
) -> pd.DataFrame:
    complete = starts + pd.Timedelta(days=window) <= pop.as_of
    starts = starts[complete]
    if len(starts) == 0:
        raise NothingToAnalyse(
            "no account's window has closed by as_of, so the funnel would be empty.\n"
            "Hint: pass a later as_of or a shorter window_days."
        )
    seq, _ = _load(log, pop, window=window, accounts=pd.Index(starts.index), cols=cols)
    reached = np.ones(seq.n, dtype=bool)
    after = seq.acc_start.copy()
    counts = []
    for m in items:
        code = _event_code(seq, m.event, "steps")
        row = _kth(seq, code, after if ordered else seq.acc_start, m.min_count)
        reached &= row < seq.acc_end
        if ordered:
            after = np.where(reached, seq.nxt[np.minimum(row, seq.n_rows)], seq.acc_end)
        counts.append(int(reached.sum()))
    n_acc = np.asarray(counts, dtype=float)
    prev = np.r_[seq.n, n_acc[:-1]]
    lower, upper = wilson_interval(n_acc, prev, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "step": np.arange(1, len(items) + 1),
                "name": [m.name for m in items],
                "event": [m.event for m in items],
                "n_accounts": n_acc.astype(np.int64),
                "conversion_from_previous": n_acc / prev,
                "conversion_from_first": n_acc / n_acc[0] if n_acc[0] else np.nan,
                "ci_lower": lower,
                "ci_upper": upper,
            }
        )
