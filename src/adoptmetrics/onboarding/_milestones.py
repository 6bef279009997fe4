"""Onboarding: milestones, time to value, funnels and the paths that drive success.

Every function reads the events through :mod:`adoptmetrics.activity` (the
windowed, ordered per-account sequences) and matches ordered patterns with the
vectorised machinery of :mod:`adoptmetrics._paths`.

Windows
-------
An account's window is ``[start, start + window_days)``. ``start=None`` uses
each account's first event; pass ``accounts.set_index("account_id")["started_at"]``
to measure from the contract start instead (then accounts with no events are
included too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoptmetrics._progress import Progress
from adoptmetrics._stats._adjusted_odds import activity_levels, adjusted_odds
from adoptmetrics._stats._intervals import (
    check_confidence,
    kaplan_meier,
    wilson_interval,
)
from adoptmetrics.activity._encode import _NS_PER_DAY
from adoptmetrics.models import Milestone
from adoptmetrics.onboarding import _paths
from adoptmetrics.onboarding._input import (
    StartArg,
    _check_max_length,
    _check_window,
    _event_code,
    _kth,
    _load,
    _outcome_frame,
    _starts,
    _steps,
)

__all__ = [
    "golden_path",
    "milestone_status",
    "onboarding_funnel",
    "success_paths",
    "time_to_value",
]

# --------------------------------------------------------------------------- milestones


def _milestones(
    events: pd.DataFrame,
    milestones: object,
    *,
    window_days: float,
    start: StartArg,
    as_of: object,
    cols: dict[str, str],
) -> tuple[pd.DataFrame, list[Milestone], pd.Timestamp]:
    steps = _steps(milestones, "milestones")
    window = _check_window(window_days)
    starts, as_of_ts = _starts(events, start, as_of, cols)
    starts = starts[starts.notna() & (starts <= as_of_ts)]
    seq, index, _ = _load(
        events, window_days=window, start=starts, end=as_of_ts, accounts=starts.index, cols=cols
    )
    start_ns = starts.to_numpy().astype("datetime64[ns]").view(np.int64)
    frames = []
    all_reached = np.ones(seq.n, dtype=bool)
    done_ns = np.full(seq.n, np.iinfo(np.int64).min, dtype=np.int64)
    for m in steps:
        row = _kth(seq, _event_code(seq, m.event, "milestones"), seq.acc_start, m.min_count)
        reached = row < seq.acc_end
        ns = np.where(
            reached, seq.ns[np.minimum(row, max(seq.n_rows - 1, 0))] if seq.n_rows else 0, 0
        )
        all_reached &= reached
        done_ns = np.maximum(done_ns, np.where(reached, ns, done_ns))
        frames.append((m, reached, ns))
    window_end = start_ns + round(window * _NS_PER_DAY)
    ended = window_end <= as_of_ts.value
    status = np.where(all_reached, "onboarded", np.where(ended, "not_onboarded", "onboarding"))
    out = []
    for m, reached, ns in frames:
        reached_at = np.where(reached, ns, np.iinfo(np.int64).min).view("datetime64[ns]")
        out.append(
            pd.DataFrame(
                {
                    cols["account_col"]: index,
                    "milestone": m.name,
                    "event": m.event,
                    "start": start_ns.view("datetime64[ns]"),
                    "reached": reached,
                    "reached_at": reached_at,
                    "days_to_reach": np.where(reached, (ns - start_ns) / _NS_PER_DAY, np.nan),
                    "onboarded": all_reached,
                    "onboarded_at": np.where(all_reached, done_ns, np.iinfo(np.int64).min).view(
                        "datetime64[ns]"
                    ),
                    "days_to_onboard": np.where(
                        all_reached, (done_ns - start_ns) / _NS_PER_DAY, np.nan
                    ),
                    "status": status,
                }
            )
        )
    frame = pd.concat(out, ignore_index=True)
    # Milestone-major blocks → account-major rows.
    order = (np.arange(seq.n)[:, None] + seq.n * np.arange(len(steps))[None, :]).ravel()
    return frame.iloc[order].reset_index(drop=True), steps, as_of_ts


def milestone_status(
    events: pd.DataFrame,
    milestones: Sequence[Milestone | str],
    /,
    *,
    window_days: float = 30,
    start: StartArg = None,
    as_of: object = None,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
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
    events : DataFrame
        The event log.
    milestones : list of Milestone or str
        The milestones (a string ``"x"`` means ``Milestone("x", "x")``).
    window_days : float
        Window length in days.
    start : Series, timestamp or None
        Window start: ``None`` for each account's first event, or a Series of
        start times indexed by account id (e.g. ``started_at``).
    as_of : timestamp, optional
        Ignore events after it; default the latest event. Accounts starting
        after ``as_of`` are left out.
    account_col, event_col, time_col : str
        Column names.

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
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    frame, _, _ = _milestones(
        events, milestones, window_days=window_days, start=start, as_of=as_of, cols=cols
    )
    return frame


def time_to_value(
    events: pd.DataFrame,
    milestones: Sequence[Milestone | str],
    /,
    *,
    window_days: float = 30,
    start: StartArg = None,
    as_of: object = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
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
    events : DataFrame
        The event log.
    milestones : list of Milestone or str
        What "onboarded" means (see :func:`milestone_status`).
    window_days : float
        Window length in days.
    start : Series, timestamp or None
        Window start (see :func:`milestone_status`).
    as_of : timestamp, optional
        End of observation; default the latest event.
    confidence : float
        Level of the pointwise (log-log) interval.
    account_col, event_col, time_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per day with an onboarding or a censoring:

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
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    frame, steps, as_of_ts = _milestones(
        events, milestones, window_days=window_days, start=start, as_of=as_of, cols=cols
    )
    per = frame.iloc[:: len(steps)]
    onboarded = per["onboarded"].to_numpy()
    start_ns = per["start"].to_numpy().astype("datetime64[ns]").view(np.int64)
    age = (as_of_ts.value - start_ns) / _NS_PER_DAY
    censor_at = np.floor(np.minimum(age, float(window_days)))
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
    events: pd.DataFrame,
    steps: Sequence[Milestone | str],
    /,
    *,
    window_days: float = 30,
    start: StartArg = None,
    ordered: bool = True,
    as_of: object = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
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
    events : DataFrame
        The event log.
    steps : list of Milestone or str
        The steps, in funnel order.
    window_days : float
        Window length in days.
    start : Series, timestamp or None
        Window start (see :func:`milestone_status`).
    ordered : bool
        Require the steps in order.
    as_of : timestamp, optional
        End of observation; default the latest event.
    confidence : float
        Level of the Wilson interval on ``conversion_from_previous``.
    account_col, event_col, time_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per step:

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
    starts, as_of_ts = _starts(events, start, as_of, cols)
    complete = starts.notna() & (starts + pd.Timedelta(days=window) <= as_of_ts)
    starts = starts[complete]
    if len(starts) == 0:
        raise ValueError(
            "no account's window has closed by as_of, so the funnel would be empty.\n"
            "Hint: pass a later as_of or a shorter window_days."
        )
    seq, _, _ = _load(
        events, window_days=window, start=starts, end=as_of_ts, accounts=starts.index, cols=cols
    )
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


# --------------------------------------------------------------------------- success paths


def success_paths(
    events: pd.DataFrame,
    outcome: pd.Series,
    /,
    *,
    window_days: float = 14,
    start: StartArg = None,
    max_length: int = 3,
    min_support: float = 0.01,
    adjust_for: str | None = "activity",
    confidence: float = 0.95,
    progress: bool = False,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
) -> pd.DataFrame:
    """Actions and ordered action sequences that drive onboarding success.

    Every ordered pattern of up to ``max_length`` events (other events in
    between allowed) held by at least ``min_support`` of the accounts is a
    candidate. A pattern is counted at most once per account, only from
    events inside the account's window; ``A…B`` needs a ``B`` strictly later
    in time than an ``A`` (events at the same instant are not ordered).

    **Adjustment.** With ``adjust_for="activity"`` each candidate's odds
    ratio comes from the logistic model ``success ~ log(1 + active_days) +
    pattern``, where ``active_days`` counts the distinct days with any event
    in the window: busy accounts do more of everything and succeed more, so
    an action that is merely common among them gets an odds ratio near 1
    instead of looking like a driver. (A continuous covariate rather than
    strata, because activity has a smooth dose–response and strata would
    leave residual confounding inside each stratum.) ``adjust_for=None``
    gives the marginal statistics: Woolf odds ratios and Pearson χ² p-values
    (Fisher's exact test where an expected count is below 5).

    **Selection.** ``selected`` marks the patterns chosen by forward
    selection: starting from the activity-only model, add the candidate with
    the largest Rao score statistic given those already chosen; stop when
    the best p-value is above ``(1 − confidence) / m`` (Bonferroni over the
    ``m`` candidates). A superset of a real driver, or the reversed order of
    a real ordered pair, adds nothing once the driver is in the model, so it
    is not selected. For selected patterns ``odds_ratio``, the interval and
    ``p_value`` come from the joint model (activity + all selected patterns);
    for the others from the pattern's own activity-adjusted model.
    ``q_value`` is Benjamini–Hochberg over all candidates. At most 25
    patterns are selected; if the selected patterns split the accounts into
    more than 512 (activity level × pattern combination) groups, the
    selection stops checking candidates outside the 300 strongest of its
    first step and warns (many small effects usually mean the activity
    adjustment misses what drives the outcome).

    **Computation.** Candidates are counted with array operations over event
    types and prefixes (never a loop over accounts), and every statistic is
    computed from counts per activity level and outcome, so memory grows
    with the number of events, not candidates × accounts.

    Parameters
    ----------
    events : DataFrame
        The event log.
    outcome : Series of bool
        Success per account, indexed by account id. Its index defines the
        accounts analysed; accounts without events in their window count as
        having done nothing.
    window_days : float
        Window length in days after each account's start.
    start : Series, timestamp or None
        Window start: ``None`` for each account's first event, or start times
        indexed by account id (e.g. ``started_at``).
    max_length : int
        Longest pattern, 1–5.
    min_support : float
        Smallest share of accounts a candidate must be held by (0–1].
    adjust_for : {"activity", None}
        Adjust for activity in the window, or not.
    confidence : float
        Level of the intervals; ``1 − confidence`` is the family-wise level
        of the selection.
    progress : bool
        Report the steps (windowing, mining, selection) on stderr; silent by
        default.
    account_col, event_col, time_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per candidate; selected patterns first (in selection order),
        then by ``p_value``:

        - ``pattern``: tuple of event names.
        - ``length``: number of events in it.
        - ``n_success``, ``n_failure``: accounts holding it, by outcome.
        - ``support_success``, ``support_failure``: those as shares of the
          successful and unsuccessful accounts.
        - ``lift``: success rate among holders ÷ overall success rate.
        - ``odds_ratio``: adjusted (or marginal) odds ratio of success.
        - ``ci_lower``, ``ci_upper``: its confidence interval.
        - ``p_value``: two-sided test of no association.
        - ``q_value``: Benjamini–Hochberg adjusted p-value.
        - ``selected``: chosen by forward selection.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ev = pd.DataFrame({"account_id": np.repeat([f"a{i}" for i in range(40)], 2),
    ...     "event": ["invite", "report"] * 20 + ["report", "invite"] * 20,
    ...     "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.tile([0, 1], 40), "D")})
    >>> won = pd.Series((np.arange(40) < 20) ^ (np.arange(40) % 5 == 0),
    ...                 index=[f"a{i}" for i in range(40)])
    >>> res = success_paths(ev, won, max_length=2, adjust_for=None)
    >>> res.loc[res["selected"], ["pattern", "n_success", "n_failure"]]
                pattern  n_success  n_failure
    0  (invite, report)         16          4
    """
    check_confidence(confidence)
    length = _check_max_length(max_length)
    if adjust_for not in ("activity", None):
        raise ValueError(
            f"adjust_for={adjust_for!r} is not supported.\n"
            "Hint: use adjust_for='activity' (default) or adjust_for=None."
        )
    if isinstance(min_support, bool) or not isinstance(min_support, (int, float)):
        raise TypeError(f"min_support={min_support!r} must be a share such as 0.01.")
    if not 0 < min_support <= 1:
        raise ValueError(
            f"min_support={min_support!r} must be in (0, 1].\n"
            "Hint: it is a share of accounts, e.g. 0.01 for 1 %."
        )
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    steps = Progress("success_paths", total=3, enabled=progress)
    seq, out, active = _outcome_frame(
        events, outcome, window_days=window_days, start=start, cols=cols
    )
    y = out.to_numpy()
    n, n_succ = len(y), int(y.sum())
    steps.step(f"windows: {n:,} accounts, {n_succ:,} successful")
    if n_succ in (0, n):
        raise ValueError(
            f"outcome is {'all True' if n_succ else 'all False'}: nothing to compare.\n"
            "Hint: success_paths needs both successful and unsuccessful accounts."
        )
    adjusted = adjust_for == "activity"
    _, levels, level_of = activity_levels(active if adjusted else None, n)
    n_lev = len(levels)
    cell = level_of * 2 + y
    miner = _paths.Miner(seq, length, max(1, math.ceil(min_support * n)), cell, 2 * n_lev)
    miner.discover()
    m = len(miner.patterns)
    if m == 0:
        raise ValueError(
            f"no pattern is held by min_support={min_support} of the accounts.\n"
            "Hint: lower min_support or widen window_days."
        )
    steps.step(f"counted {m:,} candidate patterns")
    res = adjusted_odds(
        miner, y, active if adjusted else None, counts=miner.counts, confidence=confidence
    )
    selected = res.selected
    n_success, n_failure = res.n_success, res.n_failure
    n_with = n_success + n_failure
    steps.step(f"forward selection: {len(selected)} patterns selected")
    is_sel = np.zeros(m, dtype=bool)
    rank = np.full(m, m, dtype=np.int64)
    if selected:
        is_sel[selected] = True
        rank[selected] = np.arange(len(selected))
    names = seq.names
    patterns = [tuple(names[i] for i in p) for p in miner.patterns]
    base = n_succ / n
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame(
            {
                "pattern": patterns,
                "length": [len(p) for p in patterns],
                "n_success": n_success.astype(np.int64),
                "n_failure": n_failure.astype(np.int64),
                "support_success": n_success / n_succ,
                "support_failure": n_failure / (n - n_succ),
                "lift": (n_success / n_with) / base,
                "odds_ratio": res.odds_ratio,
                "ci_lower": res.ci_lower,
                "ci_upper": res.ci_upper,
                "p_value": res.p_value,
                "q_value": res.q_value,
                "selected": is_sel,
            }
        )
    key = np.array([" ".join(p) for p in patterns], dtype=str)
    order = np.lexsort((key, frame["p_value"].fillna(1.0).to_numpy(), rank))
    return frame.iloc[order].reset_index(drop=True)


def golden_path(
    events: pd.DataFrame,
    outcome: pd.Series,
    /,
    *,
    window_days: float = 14,
    start: StartArg = None,
    max_length: int = 5,
    min_support: float = 0.05,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
) -> pd.DataFrame:
    """The most common ordered path among successful accounts, step by step.

    Starting from nothing, each step appends the event (not already on the
    path) that the most successful accounts performed after completing the
    path so far — a greedy, descriptive summary for docs and reports, not a
    test (use :func:`success_paths` for drivers). It stops at ``max_length``
    or when fewer than ``min_support`` of the successful accounts follow.

    Parameters
    ----------
    events : DataFrame
        The event log.
    outcome : Series of bool
        Success per account, indexed by account id.
    window_days : float
        Window length in days.
    start : Series, timestamp or None
        Window start (see :func:`success_paths`).
    max_length : int
        Longest path, 1–5.
    min_support : float
        Smallest share of successful accounts on the path.
    account_col, event_col, time_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per step:

        - ``step``: position (1 = first).
        - ``event``: the event added at this step.
        - ``pattern``: the path up to and including this step.
        - ``n_success``, ``n_failure``: accounts that followed the path so far.
        - ``support_success``, ``support_failure``: those as shares.
        - ``lift``: success rate on the path ÷ overall success rate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ev = pd.DataFrame({"account_id": np.repeat(["a", "b", "c", "d"], 2),
    ...     "event": ["signup", "invite", "signup", "invite", "signup", "export",
    ...               "signup", "export"],
    ...     "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta([0, 1] * 4, "D")})
    >>> won = pd.Series([True, True, True, False], index=["a", "b", "c", "d"])
    >>> golden_path(ev, won)[["step", "event", "n_success", "n_failure"]]
       step   event  n_success  n_failure
    0     1  signup          3          1
    1     2  invite          2          0
    """
    length = _check_max_length(max_length)
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    seq, out, _ = _outcome_frame(events, outcome, window_days=window_days, start=start, cols=cols)
    y = out.to_numpy()
    n, n_succ = len(y), int(y.sum())
    if n_succ == 0:
        raise ValueError("outcome has no successful account.\nHint: check the outcome Series.")
    table = _paths.next_table(seq)
    after = seq.acc_start.copy()
    on_path = np.ones(n, dtype=bool)
    used: list[int] = []
    rows = []
    for step in range(1, length + 1):
        cand = table[:, after].T.astype(np.int64)  # (n × E) next row of each event
        hits = (cand < seq.acc_end[:, None]) & on_path[:, None]
        score = hits[y].sum(axis=0).astype(float)
        score[used] = -1
        best = int(np.argmax(score))
        if score[best] < max(1.0, min_support * n_succ):
            break
        used.append(best)
        on_path = hits[:, best]
        after = np.where(on_path, seq.nxt[cand[:, best]], seq.acc_end)
        ns_, nf_ = int(on_path[y].sum()), int(on_path[~y].sum())
        rows.append(
            {
                "step": step,
                "event": seq.names[best],
                "pattern": tuple(seq.names[i] for i in used),
                "n_success": ns_,
                "n_failure": nf_,
                "support_success": ns_ / n_succ,
                "support_failure": nf_ / max(n - n_succ, 1),
                "lift": (ns_ / (ns_ + nf_)) / (n_succ / n),
            }
        )
    columns = [
        "step",
        "event",
        "pattern",
        "n_success",
        "n_failure",
        "support_success",
        "support_failure",
        "lift",
    ]
    return pd.DataFrame(rows, columns=columns)
