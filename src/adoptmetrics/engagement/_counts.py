"""How many are active, how habitually: active counts, stickiness, active-days histogram."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.activity._encode import EventsLike, IntArray, period_index, period_start
from adoptmetrics.activity._engagement_cells import distinct_pairs, period_offsets
from adoptmetrics.engagement._common import (
    NS_PER_DAY,
    By,
    Log,
    check_period,
    finish,
    load,
    period_ends,
    period_range,
    wilson,
)
from adoptmetrics.engagement._common import empty_b as _b
from adoptmetrics.engagement._common import empty_dt as _dt
from adoptmetrics.engagement._common import empty_f as _f
from adoptmetrics.engagement._common import empty_i as _i

__all__ = ["active_counts", "active_days_distribution", "stickiness"]

_ORDER = {"day": 0, "week": 1, "month": 2}
FloatArray = npt.NDArray[np.float64]


def _cells(log: Log, period: str) -> tuple[IntArray, IntArray, int, int]:
    """Distinct (entity, period) cells of the log, and the period range [p0, p1]."""
    p0, p1 = period_range(log, period)
    ent, idx = log.cells(period, p0, p1 - p0 + 1)
    return ent, idx, p0, p1


def _per_segment(log: Log, ent: IntArray, poff: IntArray, n_p: int) -> IntArray:
    """Rows per (segment, period offset), flattened segment-major."""
    if log.n_seg == 1:  # no segment lookup per row
        return np.bincount(poff, minlength=n_p).astype(np.int64)
    key = log.seg[ent] * n_p
    key += poff
    return np.bincount(key, minlength=log.n_seg * n_p).astype(np.int64)


def _grid(log: Log | None, p0: int, p1: int) -> tuple[IntArray, IntArray]:
    """(segment, period) pairs of the output: every segment × every period in range."""
    n_seg = 1 if log is None else log.n_seg
    n_p = p1 - p0 + 1
    return np.repeat(np.arange(n_seg), n_p), np.tile(np.arange(p0, p1 + 1), n_seg)


def active_counts(
    events: EventsLike,
    /,
    *,
    period: str = "day",
    level: str = "account",
    by: By = None,
    as_of: object = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
) -> pd.DataFrame:
    """Distinct active accounts (or users) per calendar period: DAU, WAU, MAU.

    Parameters
    ----------
    events : DataFrame
        The event log (one row per event); any event counts as activity.
    period : {"day", "week", "month"}
        Calendar period (UTC); weeks start on Monday.
    level : {"account", "user"}
        Whose activity is counted: accounts (``account_col``) or users
        (``user_col``).
    by : str or Series, optional
        Segments: a column of the events fixed per entity, or a Series mapping
        id → segment (at user level an account → segment mapping also works,
        through each user's account).
    as_of : timestamp, optional
        End of observation; later events are ignored. Default: the latest event.
    account_col, user_col, time_col : str
        Column names of the account id, the user id and the timestamp.

    Returns
    -------
    DataFrame
        One row per (segment,) period from the first event's period to the
        period holding ``as_of``, silent periods included (as 0):

        - the ``by`` column (named after it, ``segment`` for an unnamed Series),
          when ``by`` is given.
        - ``period``: start of the period.
        - ``n_active``: distinct entities with at least one event in it.
        - ``complete``: the period was over at ``as_of``; ``False`` rows hold
          the count so far.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a", "a"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 10:00",
    ...                                  "2024-01-01 11:00", "2024-01-03 12:00"])})
    >>> active_counts(ev)
          period  n_active  complete
    0 2024-01-01         2      True
    1 2024-01-02         0      True
    2 2024-01-03         1     False
    """
    check_period("period", period)
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
        return finish({"period": _dt([]), "n_active": _i([]), "complete": _b([])}, None, _i([]), by)
    p0, p1 = period_range(log, period)
    n_p = p1 - p0 + 1
    engine = log.engine_counts({"p": period})
    if engine is not None:
        counts = np.zeros(n_p, dtype=np.int64)
        counts[engine["p"].to_numpy() - p0] = engine["n_active"].to_numpy()
    else:
        ent, poff = log.pairs(period, p0, n_p)
        counts = _per_segment(log, ent, poff, n_p)
    seg, pidx = _grid(log, p0, p1)
    body = {
        "period": period_start(pidx, period),
        "n_active": counts.astype(np.int64),
        "complete": period_ends(pidx, period) <= log.as_of.value,
    }
    return finish(body, log, seg, by)


def stickiness(
    events: EventsLike,
    /,
    *,
    short: str = "day",
    long: str = "month",
    level: str = "user",
    by: By = None,
    as_of: object = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Stickiness per long period: mean short-period actives ÷ long-period actives (DAU/MAU).

    ``mean_short_active`` is the mean, over *every* short period inside the
    long one, of the distinct entities active in it — a short period with no
    activity counts as 0 (an average over active days only would overstate
    habit). A week that straddles two months is split: each part counts as a
    short period of its month, so every short period lies inside its long one
    and stickiness stays in [0, 1]. Only the observed part of a long period
    counts: short periods before the first event or after ``as_of`` are left
    out of the mean (the last period is then marked incomplete).

    Parameters
    ----------
    events : DataFrame
        The event log; any event counts as activity.
    short, long : {"day", "week", "month"}
        The short and long periods; ``short`` must be shorter than ``long``
        (DAU/MAU: ``"day"``/``"month"``, DAU/WAU: ``"day"``/``"week"``,
        WAU/MAU: ``"week"``/``"month"``).
    level : {"user", "account"}
        Whose activity is counted (default users, as DAU/MAU usually is).
    by : str or Series, optional
        Segments, as in :func:`active_counts`.
    as_of : timestamp, optional
        End of observation; default the latest event.
    account_col, user_col, time_col : str
        Column names of the account id, the user id and the timestamp.
    confidence : float
        Level of the interval.

    Returns
    -------
    DataFrame
        One row per (segment,) long period from the first event to ``as_of``:

        - the ``by`` column, when ``by`` is given.
        - ``period``: start of the long period.
        - ``n_active``: distinct entities active in the long period.
        - ``mean_short_active``: mean over the short periods inside it of the
          distinct entities active in each (silent ones count as 0).
        - ``stickiness``: ``mean_short_active / n_active`` (NaN when no one
          was active) — equally, the mean over active entities of the share
          of short periods they were active in.
        - ``ci_lower``, ``ci_upper``: Wilson interval with the ``n_active``
          entities as the sample. Each entity's share lies in [0, 1], so its
          variance is at most p(1 − p): the interval is conservative and
          never of zero width.
        - ``complete``: the long period was over at ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"])})
    >>> out = stickiness(ev, short="day", long="week", as_of="2024-01-07 23:59")
    >>> out[["period", "n_active", "mean_short_active", "stickiness"]]
          period  n_active  mean_short_active  stickiness
    0 2024-01-01         2           0.428571    0.214286
    """
    check_period("short", short)
    check_period("long", long)
    if _ORDER[short] >= _ORDER[long]:
        raise ValueError(
            f"short={short!r} must be a shorter period than long={long!r}.\n"
            "Hint: e.g. short='day', long='month' for DAU/MAU, or short='week', long='month'."
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
    cols = ["period", "n_active", "mean_short_active", "stickiness", "ci_lower", "ci_upper"]
    if log is None:
        empty: dict[str, object] = {c: _f([]) for c in cols}
        empty.update({"period": _dt([]), "n_active": _i([]), "complete": _b([])})
        return finish(empty, None, _i([]), by)
    l0, l1 = period_range(log, long)
    n_l = l1 - l0 + 1
    engine = _engine_stickiness(log, short, long, l0, n_l)
    if engine is not None:
        short_active, n_active = engine
    else:
        short_active, n_active = _stickiness_counts(log, short, long, l0, n_l)
    seg, lidx = _grid(log, l0, l1)
    n_short = _short_periods_observed(lidx, long, short, log)
    mean_short = short_active / n_short
    rate, lo, hi = wilson(mean_short, n_active, confidence)
    body = {
        "period": period_start(lidx, long),
        "n_active": n_active.astype(np.int64),
        "mean_short_active": mean_short,
        "stickiness": rate,
        "ci_lower": lo,
        "ci_upper": hi,
        "complete": period_ends(lidx, long) <= log.as_of.value,
    }
    return finish(body, log, seg, by)


def _engine_stickiness(
    log: Log, short: str, long: str, l0: int, n_l: int
) -> tuple[FloatArray, IntArray] | None:
    """Short-period actives summed per long period and long-period actives, in the engine.

    Grouping by (long, short) period splits a week straddling two months, as
    the in-memory path does.
    """
    by_long = log.engine_counts({"l": long})
    if by_long is None:
        return None
    parts = log.engine_counts({"l": long, "s": short})
    assert parts is not None  # lazy and unsegmented, as for by_long
    short_active = np.bincount(
        parts["l"].to_numpy() - l0, weights=parts["n_active"].to_numpy(), minlength=n_l
    ).astype(np.float64)
    n_active = np.zeros(n_l, dtype=np.int64)
    n_active[by_long["l"].to_numpy() - l0] = by_long["n_active"].to_numpy()
    return short_active, n_active


def _stickiness_counts(
    log: Log, short: str, long: str, l0: int, n_l: int
) -> tuple[FloatArray, IntArray]:
    """Short-period actives summed per (segment, long period) and long-period actives."""
    n_ent = len(log.entities)
    d0, d1 = period_range(log, "day")
    ent, day = log.pairs("day", d0, d1 - d0 + 1)
    # The observed days cut into short periods, each split where a long one begins, so
    # every part lies in one long period; per day its part, per part its long period.
    day_ns = np.arange(d0, d1 + 1, dtype=np.int64) * NS_PER_DAY
    long_of_day = period_index(day_ns, long) - l0
    if short == "day":
        lp = long_of_day[day]
    else:  # days of one entity in one part count once
        new_part = np.r_[True, np.diff(period_index(day_ns, short)) != 0]
        new_part[1:] |= np.diff(long_of_day) != 0
        ent, part = distinct_pairs(ent, (np.cumsum(new_part) - 1)[day], n_ent, int(new_part.sum()))
        lp = long_of_day[new_part][part]
    del day
    short_active = _per_segment(log, ent, lp, n_l).astype(float)
    ent, lp = distinct_pairs(ent, lp, n_ent, n_l)
    return short_active, _per_segment(log, ent, lp, n_l)


def _short_periods_observed(lidx: IntArray, long: str, short: str, log: Log) -> IntArray:
    """Short periods (or parts of them) inside each long period's observed days."""
    first_day = np.maximum(period_start(lidx, long).view(np.int64), log.first_ns) // NS_PER_DAY
    last_day = np.minimum(period_ends(lidx, long) - 1, log.as_of.value) // NS_PER_DAY
    a = period_index(first_day * NS_PER_DAY, short)
    b = period_index(last_day * NS_PER_DAY, short)
    out: IntArray = np.maximum(b - a + 1, 1).astype(np.int64)
    return out


def active_days_distribution(
    events: EventsLike,
    /,
    *,
    period: str = "month",
    level: str = "user",
    by: By = None,
    as_of: object = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How many days of each period the active entities were active (PostHog's stickiness).

    Parameters
    ----------
    events : DataFrame
        The event log; any event counts as activity.
    period : {"month", "week", "day"}
        The period whose active days are counted.
    level : {"user", "account"}
        Whose activity is counted.
    by : str or Series, optional
        Segments, as in :func:`active_counts`.
    as_of : timestamp, optional
        End of observation; default the latest event.
    account_col, user_col, time_col : str
        Column names of the account id, the user id and the timestamp.
    confidence : float
        Level of the Wilson intervals of ``share``.

    Returns
    -------
    DataFrame
        One row per (segment,) period and ``days_active`` = 1 … days in the
        period (zeros included):

        - the ``by`` column, when ``by`` is given.
        - ``period``: start of the period.
        - ``days_active``: number of distinct active days in the period.
        - ``n_active``: entities active on exactly that many days.
        - ``share``: ``n_active`` ÷ entities active in the period at all.
        - ``ci_lower``, ``ci_upper``: Wilson interval of ``share``.
        - ``complete``: the period was over at ``as_of`` (an incomplete
          period cannot yet reach its higher day counts).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02"])})
    >>> out = active_days_distribution(ev, period="week", as_of="2024-01-07 23:59")
    >>> out[["days_active", "n_active", "share"]].head(3)
       days_active  n_active  share
    0            1         1    0.5
    1            2         1    0.5
    2            3         0    0.0
    """
    check_period("period", period)
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
        body: dict[str, object] = {
            "period": _dt([]),
            "days_active": _i([]),
            "n_active": _i([]),
            "share": _f([]),
            "ci_lower": _f([]),
            "ci_upper": _f([]),
            "complete": _b([]),
        }
        return finish(body, None, _i([]), by)
    ent, day, _, _ = _cells(log, "day")
    pp = period_offsets(day * NS_PER_DAY, period, 0)
    p0, p1 = period_range(log, period)
    n_p = p1 - p0 + 1
    # Runs of (entity, period) in the sorted day cells: their lengths are the active days.
    new = np.r_[True, (ent[1:] != ent[:-1]) | (pp[1:] != pp[:-1])]
    starts = np.flatnonzero(new)
    n_days = np.diff(np.r_[starts, len(ent)])
    run_seg = log.seg[ent[starts]]
    run_p = pp[starts] - p0
    max_days = 31
    hist = np.bincount(
        (run_seg * n_p + run_p) * (max_days + 1) + n_days,
        minlength=log.n_seg * n_p * (max_days + 1),
    ).reshape(log.n_seg, n_p, max_days + 1)
    pidx = np.arange(p0, p1 + 1)
    length = (period_ends(pidx, period) - period_start(pidx, period).view(np.int64)) // NS_PER_DAY
    # One row per (segment, period, k) with 1 <= k <= days in the period.
    k = np.arange(max_days + 1)
    valid = (k[None, :] >= 1) & (k[None, :] <= length[:, None])  # (period, k)
    seg_i, p_i, k_i = np.nonzero(np.broadcast_to(valid, hist.shape))
    n_k = hist[seg_i, p_i, k_i]
    total = hist.sum(axis=2)[seg_i, p_i]
    share, lo, hi = wilson(n_k, total, confidence)
    out = {
        "period": period_start(pidx[p_i], period),
        "days_active": k_i.astype(np.int64),
        "n_active": n_k.astype(np.int64),
        "share": share,
        "ci_lower": lo,
        "ci_upper": hi,
        "complete": period_ends(pidx[p_i], period) <= log.as_of.value,
    }
    return finish(out, log, seg_i.astype(np.int64), by)
