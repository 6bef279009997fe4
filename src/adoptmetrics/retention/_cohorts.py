"""Cohort retention: logos, users, features and revenue, with honest censoring.

Definitions (the contract, see ``docs/retention.md``):

* **Entity** — ``level="account"`` (``account_col``) or ``level="user"`` (``user_col``).
* **Activity** — any event, or only ``activity_events`` (feature retention).
* **Cohort** — the period of the entity's start: the start column of
  ``accounts=`` (accounts with no activity count as not retained), a
  ``start=`` Series, or, without either, the entity's first qualifying event.
  ``cohort`` is that period's start timestamp.
* **Period k** — ``k`` periods after the cohort's period (0 = the cohort's
  own period, retained by definition). Weeks start on Monday, months are
  calendar months.
* **Mode** — ``"on"``: active in period ``k``; ``"on_or_after"``: active in
  period ``k`` or any later period up to ``as_of``.
* **as_of** — events after it are ignored; a cell exists when its period
  starts at or before ``as_of`` and is **complete** when its period has ended
  by then: ``start of the next period <= as_of``. Incomplete cells keep their
  counts so far with ``complete=False``.

Every function reads the activity layer's compact (entity × period) cells, not
the raw events, so the work after encoding is proportional to the number of
active cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._stats._intervals import check_confidence, wilson_interval
from adoptmetrics.activity._encode import EventsLike, entity_column
from adoptmetrics.retention._grid import (
    _CELL_COLUMNS,
    METHODS,
    By,
    _cells_frame,
    _chained,
    _check_choice,
    _check_k,
    _grid,
    _with_segments,
)
from adoptmetrics.retention._starts import resolve_starts

__all__ = [
    "cohort_retention",
    "retention_curve",
    "retention_matrix",
    "retention_trend",
]

# --------------------------------------------------------------------------- public API


def cohort_retention(
    events: EventsLike,
    /,
    *,
    period: str = "week",
    mode: str = "on",
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    accounts: pd.DataFrame | None = None,
    start: pd.Series | None = None,
    accounts_account_col: str | None = None,
    start_col: str = "started_at",
    as_of: object = None,
    by: By = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Retention of each start cohort in each later period, with Wilson intervals.

    Parameters
    ----------
    events : DataFrame
        The event log (one row per event).
    period : {"week", "day", "month"}
        Period length; weeks start on Monday, months are calendar months.
    mode : {"on", "on_or_after"}
        ``"on"``: retained at ``k`` when active in period ``k``.
        ``"on_or_after"``: active in period ``k`` or any later period up to
        ``as_of`` (unbounded retention).
    level : {"account", "user"}
        Whose activity is measured: accounts (``account_col``) or users
        (``user_col``).
    account_col, user_col : str
        Column names of the account id and the user id (the user column is
        read only with ``level="user"``).
    time_col, event_col : str
        Column names of the timestamp and the event name.
    activity_events : list of str, optional
        Only these events count, both for the cohort's first event and for
        returns (feature retention).
    accounts : DataFrame, optional
        The accounts table: cohorts come from its start column, so every
        account that started by ``as_of`` is in its cohort, and accounts with
        no activity count as not retained. Every account with events must be
        in it. Only with ``level="account"``.
    start : Series, optional
        Entity id → start timestamp, in place of ``accounts=`` (e.g. a launch
        date per account, or user start dates with ``level="user"``); same
        rules. Without ``accounts`` and ``start``, an entity's cohort is the
        period of its first qualifying event. Events before the start's
        period are ignored; entities starting after ``as_of`` are left out.
    accounts_account_col : str, optional
        The account id column of ``accounts``, when it is not named like the
        events' ``account_col`` (default: the same name).
    start_col : str
        The start column of ``accounts``.
    as_of : timestamp, optional
        End of observation; events after it are ignored. Default: the latest
        event in the log, of any kind (also with ``activity_events``).
    by : str, list of str, mapping, Series or DataFrame, optional
        Segments: column(s) of ``accounts`` (when given and holding them) or
        of ``events`` (fixed per entity), or a mapping entity → segment (a
        Series, a dict, or a DataFrame indexed by entity with one column per
        segment variable). The output column is named after the column, the
        Series' name, or ``segment``.
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per (segment, cohort, period) cell that starts at or before
        ``as_of``, sorted; an empty frame with these columns when there are
        no (qualifying) events:

        - the ``by`` columns, when ``by`` is given.
        - ``cohort``: start of the cohort's period.
        - ``period``: periods since the cohort's period (0, 1, ...).
        - ``cohort_size``: entities in the cohort.
        - ``n_retained``: of them, retained at ``period`` (so far, if incomplete).
        - ``retention_rate``: ``n_retained / cohort_size`` (1 at period 0).
        - ``ci_lower``, ``ci_upper``: Wilson interval of the rate (exactly 1
          at period 0, which is retained by definition).
        - ``complete``: the period ended by ``as_of`` (next period's start
          ``<= as_of``); ``False`` cells hold partial counts.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a", "b", "a"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09",
    ...                                  "2024-01-24", "2024-01-25"])})
    >>> cohort_retention(ev, as_of="2024-01-29")[["period", "n_retained", "complete"]]
       period  n_retained  complete
    0       0           2      True
    1       1           1      True
    2       2           0      True
    3       3           2      True
    4       4           0     False

    With ``accounts=``, cohorts come from the start dates and ``c``, which
    never used the product, counts as not retained:

    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"],
    ...     "started_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-03"])})
    >>> out = cohort_retention(ev, accounts=acc, as_of="2024-01-29")
    >>> out[["period", "cohort_size", "n_retained", "retention_rate"]].head(3)
       period  cohort_size  n_retained  retention_rate
    0       0            3           3        1.000000
    1       1            3           1        0.333333
    2       2            3           0        0.000000
    """
    entity_col = entity_column(level, account_col, user_col)
    conf = check_confidence(confidence)
    grid = _grid(
        events,
        period=period,
        mode=mode,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        starts=resolve_starts(
            accounts=accounts,
            start=start,
            level=level,
            account_col=account_col,
            accounts_account_col=accounts_account_col,
            start_col=start_col,
        ),
        as_of=as_of,
        by=by,
    )
    return _cells_frame(grid, conf)


def retention_matrix(
    events: EventsLike,
    /,
    *,
    period: str = "week",
    mode: str = "on",
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    accounts: pd.DataFrame | None = None,
    start: pd.Series | None = None,
    accounts_account_col: str | None = None,
    start_col: str = "started_at",
    as_of: object = None,
    by: By = None,
) -> pd.DataFrame:
    """The cohort × period table of retention rates, for display.

    Parameters
    ----------
    events : DataFrame
        The event log.
    period, mode, level, account_col, user_col, time_col, event_col
        As in :func:`cohort_retention`.
    activity_events, accounts, start, accounts_account_col, start_col, as_of, by
        As in :func:`cohort_retention`.

    Returns
    -------
    DataFrame
        A wide table for display, indexed by the ``by`` columns (when given)
        and ``cohort``:

        - ``cohort`` (index): start of the cohort's period.
        - ``0``, ``1``, ...: one column per ``period`` with at least one
          complete cell (the columns are named ``period``), holding
          ``retention_rate``. Incomplete and not-yet-started cells are NaN;
          cells with no returns are 0.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"])})
    >>> retention_matrix(ev, as_of="2024-01-22")
    period        0    1    2
    cohort
    2024-01-01  1.0  0.0  1.0
    2024-01-08  1.0  0.0  NaN
    """
    cells = cohort_retention(
        events,
        period=period,
        mode=mode,
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        accounts=accounts,
        start=start,
        accounts_account_col=accounts_account_col,
        start_col=start_col,
        as_of=as_of,
        by=by,
    )
    index = [c for c in cells.columns if c not in _CELL_COLUMNS] + ["cohort"]
    rate = cells["retention_rate"].where(cells["complete"])
    long = cells.assign(retention_rate=rate).set_index([*index, "period"])["retention_rate"]
    out: pd.DataFrame = long.unstack("period")
    out = out.loc[:, out.notna().any(axis=0).to_numpy()]
    if len(cells) == 0:
        out = pd.DataFrame(index=pd.Index([], name="cohort", dtype="datetime64[ns]"))
    out.columns.name = "period"
    return out


def retention_curve(
    events: EventsLike,
    /,
    *,
    period: str = "week",
    mode: str = "on",
    method: str = "pooled",
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    accounts: pd.DataFrame | None = None,
    start: pd.Series | None = None,
    accounts_account_col: str | None = None,
    start_col: str = "started_at",
    as_of: object = None,
    by: By = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One retention curve over all cohorts (per segment), from complete cells only.

    ``method="pooled"``: at each ``k``, Σ retained / Σ cohort size over the
    cohorts whose cell ``k`` is complete. Pooling weights each cohort by its
    size, so the rate is the share of *entities* retained — the quantity an
    analyst means. The mean of cohort percentages instead gives a 3-account
    cohort as much say as a 3,000-account one, and size-squared weights
    (from averaging rates weighted by size, then by size again) over-weight
    the big cohorts. Because the set of complete cohorts shrinks as ``k``
    grows (only the oldest cohorts reach large ``k``), a pooled curve mixes
    cohorts differently at each ``k`` and a pooled ``"on_or_after"`` curve
    can tick upward.

    ``method="chained"``: a life-table estimate, ``r(0) = 1`` and
    ``r(k) = r(k-1) · Σ retained(k) / Σ retained(k-1)``, both sums over the
    cohorts complete at ``k``. Each cohort contributes to every step it was
    observed for, and an ``"on_or_after"`` curve can never rise (it is the
    Kaplan–Meier estimate of the time to the last active period). The
    interval is a Wilson interval with the effective sample size
    ``r(1-r)/Var(r)`` of the delta-method variance (Greenwood's formula for
    ``"on_or_after"``). An ``"on"`` estimate above 1 is capped at 1, with a
    ``UserWarning``; the curve stops where no cohort observed at ``k`` had
    anyone retained at ``k-1``.

    Parameters
    ----------
    events : DataFrame
        The event log.
    period, mode, level, account_col, user_col, time_col, event_col
        As in :func:`cohort_retention`.
    activity_events, accounts, start, accounts_account_col, start_col, as_of, by
        As in :func:`cohort_retention`.
    method : {"pooled", "chained"}
        How cohorts are combined (see above).
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per (segment and) period with at least one complete cell:

        - the ``by`` columns, when ``by`` is given.
        - ``period``: periods since the cohort's start.
        - ``n_cohorts``: cohorts whose cell at ``period`` is complete.
        - ``n_at_risk``: Σ of their cohort sizes.
        - ``n_retained``: Σ of their retained entities.
        - ``retention_rate``: ``n_retained / n_at_risk`` (pooled) or the
          chained estimate.
        - ``ci_lower``, ``ci_upper``: Wilson interval.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a", "c"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08",
    ...                                  "2024-01-08"])})
    >>> retention_curve(ev, as_of="2024-01-22")[["period", "n_at_risk", "n_retained"]]
       period  n_at_risk  n_retained
    0       0          3           3
    1       1          3           1
    2       2          2           0
    """
    entity_col = entity_column(level, account_col, user_col)
    conf = check_confidence(confidence)
    _check_choice("method", method, METHODS)
    grid = _grid(
        events,
        period=period,
        mode=mode,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        starts=resolve_starts(
            accounts=accounts,
            start=start,
            level=level,
            account_col=account_col,
            accounts_account_col=accounts_account_col,
            start_col=start_col,
        ),
        as_of=as_of,
        by=by,
        need_both=method == "chained",
    )
    comp = grid.complete() if len(grid.size) else np.zeros((0, 1), dtype=bool)
    n_seg = int(grid.seg.max()) + 1 if len(grid.seg) else 0
    n_k = grid.retained.shape[1]

    def per_seg(values: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        out = np.zeros((n_seg, n_k))
        np.add.at(out, grid.seg, np.where(comp, values, 0))
        return out

    n_cohorts = per_seg(np.ones_like(grid.retained))
    at_risk = per_seg(np.broadcast_to(grid.size[:, None], grid.retained.shape))
    kept = per_seg(grid.retained)
    if method == "pooled":
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = kept / at_risk
        lo, hi = wilson_interval(kept, at_risk, conf)
    else:
        rate, lo, hi = _chained(grid, comp, per_seg, at_risk, conf)
    lo[:, 0], hi[:, 0] = 1.0, 1.0  # period 0 is retained by definition
    s, k = np.nonzero((at_risk > 0) & np.isfinite(rate))
    return _with_segments(
        grid.segments,
        s,
        {
            "period": k.astype(np.int64),
            "n_cohorts": n_cohorts[s, k].astype(np.int64),
            "n_at_risk": at_risk[s, k].astype(np.int64),
            "n_retained": kept[s, k].astype(np.int64),
            "retention_rate": rate[s, k],
            "ci_lower": lo[s, k],
            "ci_upper": hi[s, k],
        },
    )


def retention_trend(
    events: EventsLike,
    /,
    *,
    at: int = 1,
    period: str = "week",
    mode: str = "on",
    level: str = "account",
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    accounts: pd.DataFrame | None = None,
    start: pd.Series | None = None,
    accounts_account_col: str | None = None,
    start_col: str = "started_at",
    as_of: object = None,
    by: By = None,
    include_incomplete: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The period-``at`` retention of each cohort over calendar time.

    Answers "is week-4 retention improving?": ``at=4, period="week"`` gives
    every cohort's week-4 rate with its interval, oldest cohort first.

    Parameters
    ----------
    events : DataFrame
        The event log.
    at : int
        The period offset to follow (e.g. 4 for week-4 retention).
    period, mode, level, account_col, user_col, time_col, event_col
        As in :func:`cohort_retention`.
    activity_events, accounts, start, accounts_account_col, start_col, as_of, by
        As in :func:`cohort_retention`.
    include_incomplete : bool
        Also return cohorts whose cell ``at`` is still incomplete (partial
        counts, ``complete=False``). Default: complete cells only.
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per (segment and) cohort whose cell ``at`` exists, oldest
        cohort first:

        - the ``by`` columns, when ``by`` is given.
        - ``cohort``: start of the cohort's period.
        - ``period``: always ``at``.
        - ``cohort_size``: entities in the cohort.
        - ``n_retained``: of them, retained at ``at``.
        - ``retention_rate``, ``ci_lower``, ``ci_upper``: rate and Wilson interval.
        - ``complete``: the cell's period ended by ``as_of`` (always True
          unless ``include_incomplete``).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a", "c"], "event": "x",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08",
    ...                                  "2024-01-08"])})
    >>> retention_trend(ev, at=1, as_of="2024-01-22")[["cohort", "retention_rate"]]
          cohort  retention_rate
    0 2024-01-01             0.5
    1 2024-01-08             0.0
    """
    k = _check_k("at", at)
    cells = cohort_retention(
        events,
        period=period,
        mode=mode,
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        accounts=accounts,
        start=start,
        accounts_account_col=accounts_account_col,
        start_col=start_col,
        as_of=as_of,
        by=by,
        confidence=confidence,
    )
    keep = (cells["period"] == k) & (cells["complete"] | bool(include_incomplete))
    return cells[keep.to_numpy()].reset_index(drop=True)
