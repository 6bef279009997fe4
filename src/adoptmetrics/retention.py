"""Cohort retention: logos, users, features and revenue, with honest censoring.

Definitions (the contract, see ``docs/retention.md``):

* **Entity** — ``entity_col`` (``"account_id"``; ``"user_id"`` for user retention).
* **Activity** — any event, or only ``activity_events`` (feature retention).
* **Cohort** — the period of the entity's first qualifying event, or of its
  ``cohort_start`` timestamp. ``cohort`` is that period's start timestamp.
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

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema import SchemaError, coerce_as_of, coerce_timestamps, validate_mrr
from adoptmetrics._stats import check_confidence, wilson_interval
from adoptmetrics.activity import (
    PERIODS,
    _cells_from_encoded,
    _encode,
    period_index,
    period_start,
)

__all__ = [
    "cohort_retention",
    "retention_curve",
    "retention_matrix",
    "retention_trend",
    "revenue_retention",
]

MODES: tuple[str, ...] = ("on", "on_or_after")
METHODS: tuple[str, ...] = ("pooled", "chained")

IntArray = npt.NDArray[np.int64]
By = str | Sequence[str] | Mapping[Any, Any] | pd.Series | pd.DataFrame | None

_CELL_COLUMNS = [
    "cohort",
    "period",
    "cohort_size",
    "n_retained",
    "retention_rate",
    "ci_lower",
    "ci_upper",
    "complete",
]


# --------------------------------------------------------------------------- options


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"{name}={value!r} is not supported.\nHint: use one of {', '.join(map(repr, allowed))}."
        )
    return value


def _check_k(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(
            f"{name}={value!r} must be a whole number of periods >= 0.\n"
            f"Hint: e.g. {name}=4 for week-4 retention with period='week'."
        )
    return int(value)


# --------------------------------------------------------------------------- segments


def _by_columns(by: By) -> list[str] | None:
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence) and not isinstance(by, (pd.Series, pd.DataFrame)):
        cols = list(by)
        if not cols or not all(isinstance(c, str) for c in cols):
            raise TypeError(
                f"by={by!r} must name columns of the table.\n"
                "Hint: pass by='plan' or by=['plan', 'region'], or a mapping entity → segment."
            )
        return cols
    return None


def _by_frame(by: By, table: pd.DataFrame, entity_col: str, table_name: str) -> pd.DataFrame:
    """``by`` as a frame indexed by entity (one column per segment variable)."""
    cols = _by_columns(by)
    if cols is not None:
        for c in cols:
            if c not in table.columns:
                raise SchemaError(
                    table_name,
                    c,
                    "(named by by=) is missing; the table has columns "
                    f"{list(map(str, table.columns))}",
                    "pass by=<a column of the table>, or a mapping entity → segment "
                    "such as accounts.set_index('account_id')['plan'].",
                )
        pairs = table[[entity_col, *cols]].drop_duplicates()
        varies = pairs[entity_col].duplicated().to_numpy()
        if varies.any():
            raise SchemaError(
                table_name,
                ", ".join(cols),
                "(named by by=) takes several values for one entity, e.g. "
                f"{list(pairs[entity_col][varies].astype(object).head(3))}",
                "a segment must be fixed per entity: pass a mapping entity → segment instead "
                "(e.g. the value at the start, from the accounts table).",
            )
        frame = pairs.set_index(entity_col)
        frame.index = pd.Index(frame.index.to_numpy())
        return frame
    if isinstance(by, pd.DataFrame):
        frame = by
    elif isinstance(by, pd.Series):
        frame = by.to_frame(name=str(by.name) if by.name is not None else "segment")
    elif isinstance(by, Mapping):
        frame = pd.Series(dict(by), dtype=object).to_frame(name="segment")
    else:
        raise TypeError(
            f"by must be a column name, a list of names, a mapping, a Series or a DataFrame, "
            f"not {type(by).__name__}.\n"
            "Hint: e.g. by=accounts.set_index('account_id')['plan']."
        )
    if frame.index.has_duplicates:
        raise SchemaError(
            "by",
            "index",
            "has duplicate entity ids",
            "pass one segment per entity (e.g. accounts.set_index('account_id')['plan']).",
        )
    return frame


def _empty_segments(by: By) -> pd.DataFrame | None:
    """The (empty) segment frame of an empty result: the right column names."""
    if by is None:
        return None
    cols = _by_columns(by)
    if cols is None:
        frame = _by_frame(by, pd.DataFrame(), "", "events")
        cols = [str(c) for c in frame.columns]
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})


def _segments(
    labels: pd.Index, by: By, table: pd.DataFrame, entity_col: str, table_name: str
) -> tuple[IntArray, pd.DataFrame | None]:
    """Segment code of each entity in ``labels`` and the segment values (one row each)."""
    if by is None:
        return np.zeros(len(labels), dtype=np.int64), None
    frame = _by_frame(by, table, entity_col, table_name)
    try:
        pos = frame.index.get_indexer(labels.astype(frame.index.dtype, copy=False))
    except (TypeError, ValueError):
        pos = frame.index.get_indexer(labels)
    sub = frame.iloc[np.maximum(pos, 0)].reset_index(drop=True) if len(frame) else frame
    missing = (pos < 0) | (sub.isna().any(axis=1).to_numpy() if len(sub) else pos < 0)
    if missing.any():
        raise SchemaError(
            "by",
            None,
            f"gives no segment for {int(missing.sum())} entities, e.g. {list(labels[missing][:3])}",
            "give every entity a segment (fill gaps with e.g. 'unknown'); entity ids "
            "must have the same type as in the events table.",
        )
    cols = list(frame.columns)
    grouped = sub.groupby(cols, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy().astype(np.int64)
    values = grouped.size().index.to_frame(index=False)
    return codes, values


# --------------------------------------------------------------------------- the cell grid


@attrs.frozen(slots=True)
class _Grid:
    """Retention counts per (segment, cohort) group and period offset k."""

    period: str
    as_of: pd.Timestamp
    last: int  # period index of as_of
    segments: pd.DataFrame | None  # one row per segment code
    seg: IntArray  # per group
    cohort: IntArray  # per group: period index of the cohort
    size: IntArray  # per group
    retained: IntArray  # (group, k)
    both: IntArray  # (group, k): retained at k and at k-1 (for the chained variance)

    def exists(self) -> npt.NDArray[np.bool_]:
        k = np.arange(self.retained.shape[1])
        out: npt.NDArray[np.bool_] = self.cohort[:, None] + k[None, :] <= self.last
        return out

    def complete(self) -> npt.NDArray[np.bool_]:
        k = np.arange(self.retained.shape[1])
        nxt = self.cohort[:, None] + k[None, :] + 1
        ends = period_start(nxt.ravel(), self.period).view(np.int64).reshape(nxt.shape)
        out: npt.NDArray[np.bool_] = ends <= self.as_of.value
        return out


def _empty_grid(period: str, as_of: pd.Timestamp, segments: pd.DataFrame | None) -> _Grid:
    e = np.zeros(0, dtype=np.int64)
    z = np.zeros((0, 1), dtype=np.int64)
    return _Grid(period, as_of, 0, segments, e, e, e, z, z)


def _grid(
    events: pd.DataFrame,
    *,
    period: str,
    mode: str,
    entity_col: str,
    time_col: str,
    event_col: str | None,
    activity_events: Sequence[str] | None,
    cohort_start: pd.Series | None,
    as_of: object,
    by: By,
) -> _Grid:
    _check_choice("period", period, PERIODS)
    _check_choice("mode", mode, MODES)
    if cohort_start is not None and not isinstance(cohort_start, pd.Series):
        raise TypeError(
            f"cohort_start must be a pandas Series (entity → start time), "
            f"not {type(cohort_start).__name__}.\n"
            "Hint: cohort_start=accounts.set_index('account_id')['started_at']."
        )
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col if activity_events is not None else None,
        activity_events=activity_events,
    )
    if len(enc.ns) == 0 and (cohort_start is None or as_of is None):
        return _empty_grid(period, pd.Timestamp("1970-01-01"), _empty_segments(by))
    first_ns = int(enc.ns.min()) if len(enc.ns) else None
    ts = coerce_as_of(as_of, pd.Timestamp(int(enc.ns.max())) if len(enc.ns) else None)
    if first_ns is not None and ts.value < first_ns:
        raise ValueError(
            f"as_of={ts} is earlier than every event (the first is {pd.Timestamp(first_ns)}).\n"
            "Hint: pass an as_of at or after the first event, or None for the latest event."
        )
    cells = _cells_from_encoded(enc, period=period, as_of=ts)
    last = int(period_index(np.array([ts.value]), period)[0])
    if cohort_start is None:
        run = np.r_[True, cells.entity[1:] != cells.entity[:-1]] if len(cells.entity) else []
        first = np.flatnonzero(run)
        labels = enc.entities[cells.entity[first]]
        cohort = cells.index[first]
        cell_u = np.cumsum(run, dtype=np.int64) - 1
        cell_k = cells.index - cohort[cell_u]
    else:
        labels, start_ns = _cohort_starts(cohort_start, enc.entities, cells.entity)
        started = start_ns <= ts.value
        if not started.any():
            return _empty_grid(period, ts, _empty_segments(by))
        remap = np.where(started, np.cumsum(started) - 1, -1)
        labels, cohort = labels[started], period_index(start_ns[started], period)
        epos = _events_to_cohort(cohort_start, enc.entities)
        upos = np.where(epos >= 0, remap[np.maximum(epos, 0)], -1)  # events entity → label
        cell_u = upos[cells.entity]
        ok = cell_u >= 0
        cell_k = cells.index - np.where(ok, cohort[np.maximum(cell_u, 0)], 0)
        keep = ok & (cell_k >= 0)
        cell_u, cell_k = cell_u[keep], cell_k[keep]
    seg, segments = _segments(labels, by, events, entity_col, "events")
    c0 = int(cohort.min())
    n_c = last - c0 + 1
    gkey, ginv = np.unique(seg * n_c + (cohort - c0), return_inverse=True)
    ginv = ginv.astype(np.int64)
    n_g, n_k = len(gkey), n_c
    size = np.bincount(ginv, minlength=n_g).astype(np.int64)
    cell_g = ginv[cell_u]
    if mode == "on":
        flat = np.bincount(cell_g * n_k + cell_k, minlength=n_g * n_k)
        retained = flat.reshape(n_g, n_k).astype(np.int64)
        retained[:, 0] = size  # period 0 is retained by definition
        # Active at k and at k-1 (cells are sorted by entity, then period).
        prev = np.r_[False, (cell_u[1:] == cell_u[:-1]) & (cell_k[1:] == cell_k[:-1] + 1)]
        both_mask = prev | (cell_k == 1)
        both = np.bincount(
            cell_g[both_mask] * n_k + cell_k[both_mask], minlength=n_g * n_k
        ).reshape(n_g, n_k)
    else:
        last_k = np.zeros(len(labels), dtype=np.int64)
        np.maximum.at(last_k, cell_u, cell_k)
        hist = np.bincount(ginv * n_k + last_k, minlength=n_g * n_k).reshape(n_g, n_k)
        retained = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1].astype(np.int64)
        both = retained
    return _Grid(
        period,
        ts,
        last,
        segments,
        (gkey // n_c).astype(np.int64),
        (gkey % n_c + c0).astype(np.int64),
        size,
        retained,
        both.astype(np.int64),
    )


def _cohort_starts(
    cohort_start: pd.Series, entities: pd.Index, active: IntArray
) -> tuple[pd.Index, IntArray]:
    """Validate ``cohort_start``; every entity with activity must have a start."""
    if cohort_start.index.hasnans:
        raise SchemaError(
            "cohort_start", "index", "has missing entity ids", "drop rows with a null index."
        )
    if cohort_start.index.has_duplicates:
        raise SchemaError(
            "cohort_start",
            "index",
            "has duplicate entity ids",
            "pass one start per entity, e.g. accounts.set_index('account_id')['started_at'].",
        )
    ts = coerce_timestamps(
        cohort_start, table="cohort_start", column=str(cohort_start.name or "start")
    )
    epos = _events_to_cohort(cohort_start, entities)
    seen = np.zeros(len(entities), dtype=bool)
    seen[active] = True
    unknown = seen & (epos < 0)
    if unknown.any():
        raise SchemaError(
            "cohort_start",
            "index",
            f"has no start for {int(unknown.sum())} entities that have events, e.g. "
            f"{list(entities[unknown][:3])}",
            "add their start times, or drop their events first with "
            "events[events['<entity_col>'].isin(cohort_start.index)]; ids must have the same "
            "type as in the events table.",
        )
    return pd.Index(cohort_start.index), ts.to_numpy().view(np.int64).copy()


def _events_to_cohort(cohort_start: pd.Series, entities: pd.Index) -> IntArray:
    universe = pd.Index(cohort_start.index)
    try:
        pos = universe.get_indexer(entities.astype(universe.dtype, copy=False))
    except (TypeError, ValueError):
        pos = universe.get_indexer(entities)
    return np.asarray(pos, dtype=np.int64)


# --------------------------------------------------------------------------- frames


def _with_segments(
    grid_segments: pd.DataFrame | None, seg: IntArray, body: dict[str, Any]
) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    if grid_segments is not None:
        for c in grid_segments.columns:
            cols[str(c)] = grid_segments[c].to_numpy()[seg]
    cols.update(body)
    return pd.DataFrame(cols)


def _cells_frame(grid: _Grid, confidence: float) -> pd.DataFrame:
    exists = grid.exists()
    complete = grid.complete()
    g, k = np.nonzero(exists)
    size = grid.size[g]
    kept = grid.retained[g, k]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = kept / size
    lo, hi = wilson_interval(kept, size, confidence)
    lo, hi = np.where(k == 0, 1.0, lo), np.where(k == 0, 1.0, hi)  # 1 by definition
    return _with_segments(
        grid.segments,
        grid.seg[g],
        {
            "cohort": period_start(grid.cohort[g], grid.period),
            "period": k.astype(np.int64),
            "cohort_size": size.astype(np.int64),
            "n_retained": kept.astype(np.int64),
            "retention_rate": rate.astype(float),
            "ci_lower": lo,
            "ci_upper": hi,
            "complete": complete[g, k].astype(bool),
        },
    )


# --------------------------------------------------------------------------- public API


def cohort_retention(
    events: pd.DataFrame,
    /,
    *,
    period: str = "week",
    mode: str = "on",
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    cohort_start: pd.Series | None = None,
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
    entity_col, time_col, event_col : str
        Column names; ``entity_col="user_id"`` gives user retention.
    activity_events : list of str, optional
        Only these events count, both for the cohort's first event and for
        returns (feature retention).
    cohort_start : Series, optional
        Entity id → start timestamp (e.g.
        ``accounts.set_index("account_id")["started_at"]``). Every entity with
        events must have one; entities without events count in their cohort
        with no returns. Events before the start's period are ignored.
    as_of : timestamp, optional
        End of observation; events after it are ignored. Default: the latest
        (qualifying) event.
    by : str, list of str, mapping, Series or DataFrame, optional
        Segments: column(s) of ``events`` that are fixed per entity, or a
        mapping entity → segment (a Series, a dict, or a DataFrame indexed by
        entity with one column per segment variable).
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
    """
    conf = check_confidence(confidence)
    grid = _grid(
        events,
        period=period,
        mode=mode,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        cohort_start=cohort_start,
        as_of=as_of,
        by=by,
    )
    return _cells_frame(grid, conf)


def retention_matrix(
    events: pd.DataFrame,
    /,
    *,
    period: str = "week",
    mode: str = "on",
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    cohort_start: pd.Series | None = None,
    as_of: object = None,
    by: By = None,
) -> pd.DataFrame:
    """The cohort × period table of retention rates, for display.

    Parameters are those of :func:`cohort_retention`.

    Returns
    -------
    DataFrame
        Index ``cohort`` (or the ``by`` columns then ``cohort``), one column
        per ``period`` (0, 1, ...) with at least one complete cell, values
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
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        cohort_start=cohort_start,
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
    events: pd.DataFrame,
    /,
    *,
    period: str = "week",
    mode: str = "on",
    method: str = "pooled",
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    cohort_start: pd.Series | None = None,
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
    ``"on_or_after"``). A ``"on"`` estimate above 1 is capped at 1; the curve
    stops where no cohort observed at ``k`` had anyone retained at ``k-1``.

    Parameters
    ----------
    events : DataFrame
        The event log.
    period, mode, entity_col, time_col, event_col, activity_events, cohort_start, as_of, by
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
        cohort_start=cohort_start,
        as_of=as_of,
        by=by,
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


def _chained(
    grid: _Grid,
    comp: npt.NDArray[np.bool_],
    per_seg: Any,
    at_risk: npt.NDArray[np.float64],
    confidence: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    prev = np.zeros_like(grid.retained)
    prev[:, 1:] = grid.retained[:, :-1]
    a = per_seg(grid.retained)  # Σ retained(k)
    b = per_seg(prev)  # Σ retained(k-1), same cohorts
    c = per_seg(grid.both)  # Σ retained at both k-1 and k
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(b > 0, a / b, np.nan)
        step_var = np.where((a > 0) & (b > 0), 1 / a + 1 / b - 2 * c / (a * b), 0.0)
    ratio[:, 0] = 1.0
    step_var[:, 0] = 0.0
    ratio = np.where(at_risk > 0, ratio, np.nan)  # no complete cohort: the chain stops
    rate = np.minimum(np.cumprod(ratio, axis=1), 1.0)
    var_log = np.cumsum(np.maximum(step_var, 0.0), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = (1 - rate) / (rate * var_log)
    n_eff = np.where(np.isfinite(n_eff) & (n_eff > 0), n_eff, at_risk)
    lo, hi = wilson_interval(rate * n_eff, n_eff, confidence)
    return rate, lo, hi


def retention_trend(
    events: pd.DataFrame,
    /,
    *,
    at: int = 1,
    period: str = "week",
    mode: str = "on",
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    activity_events: Sequence[str] | None = None,
    cohort_start: pd.Series | None = None,
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
    period, mode, entity_col, time_col, event_col, activity_events, cohort_start, as_of, by
        As in :func:`cohort_retention`.
    include_incomplete : bool
        Also return cohorts whose cell ``at`` is still incomplete (partial
        counts, ``complete=False``). Default: complete cells only.
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per (segment and) cohort, with the columns of
        :func:`cohort_retention` (``period`` is always ``at``).

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
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        cohort_start=cohort_start,
        as_of=as_of,
        by=by,
        confidence=confidence,
    )
    keep = (cells["period"] == k) & (cells["complete"] | bool(include_incomplete))
    return cells[keep.to_numpy()].reset_index(drop=True)


def revenue_retention(
    mrr: pd.DataFrame,
    /,
    *,
    account_col: str = "account_id",
    month_col: str = "month",
    mrr_col: str = "mrr",
    cohort_start: pd.Series | None = None,
    as_of: object = None,
    by: By = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Gross, net and logo retention of each start cohort, month by month.

    An account's cohort is the month of its first positive MRR (or of its
    ``cohort_start``); its starting MRR is its MRR in that month. A month
    without a row for an account counts as 0 MRR (churned). Each month's MRR
    is taken as reported, so every month up to ``as_of`` counts as observed.

    Parameters
    ----------
    mrr : DataFrame
        Account × month revenue (``account_id``, ``month``, ``mrr``).
    account_col, month_col, mrr_col : str
        Column names.
    cohort_start : Series, optional
        Account id → start timestamp; every account in ``mrr`` needs one.
    as_of : timestamp, optional
        Months after it are ignored. Default: the latest month in ``mrr``.
    by : str, list of str, mapping, Series or DataFrame, optional
        Segments, as in :func:`cohort_retention` (columns of ``mrr``).
    confidence : float
        Level of the Wilson interval on logo retention.

    Returns
    -------
    DataFrame
        One row per (segment,) cohort and month offset up to ``as_of``:

        - the ``by`` columns, when ``by`` is given.
        - ``cohort``: the start month.
        - ``period``: months since the start month.
        - ``cohort_size``: accounts in the cohort.
        - ``starting_mrr``: their MRR in the start month.
        - ``mrr``: their MRR in this month.
        - ``gross_revenue_retention``: Σ min(MRR now, starting MRR) / Σ
          starting MRR — contraction and churn only, at most 1.
        - ``net_revenue_retention``: Σ MRR now / Σ starting MRR (with expansion).
        - ``n_retained``: accounts with positive MRR this month.
        - ``logo_retention``: ``n_retained / cohort_size``.
        - ``ci_lower``, ``ci_upper``: Wilson interval of ``logo_retention``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"account_id": ["a", "a", "b", "b"],
    ...     "month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2),
    ...     "mrr": [100.0, 150.0, 100.0, 0.0]})
    >>> revenue_retention(m)[["period", "gross_revenue_retention", "net_revenue_retention"]]
       period  gross_revenue_retention  net_revenue_retention
    0       0                      1.0                   1.0
    1       1                      0.5                   0.75
    """
    conf = check_confidence(confidence)
    df = validate_mrr(mrr, account_col=account_col, month_col=month_col, mrr_col=mrr_col)
    default = pd.Timestamp(df["month"].max()) if len(df) else None
    if len(df) == 0 and as_of is None:
        ts = pd.Timestamp("1970-01-01")
    else:
        ts = coerce_as_of(as_of, default)
    if default is not None and ts < df["month"].min():
        raise ValueError(
            f"as_of={ts} is earlier than every month in mrr.\n"
            "Hint: pass an as_of at or after the first month, or None."
        )
    ids = df["account_id"].cat
    entities = ids.categories
    acc = ids.codes.to_numpy().astype(np.int64)
    month = period_index(df["month"].to_numpy(), "month")
    value = df["mrr"].to_numpy(dtype=float)
    last = int(period_index(np.array([ts.value]), "month")[0])
    inside = month <= last
    acc, month, value = acc[inside], month[inside], value[inside]
    n = len(entities)
    if cohort_start is None:
        big = np.iinfo(np.int64).max
        start = np.full(n, big, dtype=np.int64)
        np.minimum.at(start, acc[value > 0], month[value > 0])
        member = start != big
    else:
        if not isinstance(cohort_start, pd.Series):
            raise TypeError("cohort_start must be a pandas Series (account → start time).")
        _, start_ns = _cohort_starts(cohort_start, entities, acc)
        epos = _events_to_cohort(cohort_start, entities)
        start = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        has = epos >= 0
        start[has] = period_index(start_ns[epos[has]], "month")
        member = has & (start <= last)
    labels = entities[member]
    pos = np.cumsum(member) - 1
    cohort = start[member]
    seg, segments = _segments(labels, by, df, "account_id", "mrr")
    if len(labels) == 0:
        e = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        body = {"cohort": e.view("datetime64[ns]"), "period": e, "cohort_size": e}
        body |= {"starting_mrr": f, "mrr": f, "gross_revenue_retention": f}
        body |= {"net_revenue_retention": f, "n_retained": e, "logo_retention": f}
        return _with_segments(segments, e, body | {"ci_lower": f, "ci_upper": f})
    row_ok = member[acc]
    r_u = pos[acc[row_ok]]
    r_k = month[row_ok] - cohort[r_u]
    r_v = value[row_ok]
    ok = r_k >= 0
    r_u, r_k, r_v = r_u[ok], r_k[ok], r_v[ok]
    c0 = int(cohort.min())
    n_k = last - c0 + 1
    gkey, ginv = np.unique(seg * n_k + (cohort - c0), return_inverse=True)
    n_g = len(gkey)
    g_cohort = gkey % n_k + c0
    start_mrr = np.zeros(len(labels))
    np.add.at(start_mrr, r_u[r_k == 0], r_v[r_k == 0])
    key = ginv[r_u] * n_k + r_k
    tot = np.bincount(key, weights=r_v, minlength=n_g * n_k).reshape(n_g, n_k)
    capped = np.bincount(key, weights=np.minimum(r_v, start_mrr[r_u]), minlength=n_g * n_k).reshape(
        n_g, n_k
    )
    logos = np.bincount(key[r_v > 0], minlength=n_g * n_k).reshape(n_g, n_k)
    size = np.bincount(ginv, minlength=n_g)
    g_start = np.bincount(ginv, weights=start_mrr, minlength=n_g)
    g, k = np.nonzero(g_cohort[:, None] + np.arange(n_k)[None, :] <= last)
    with np.errstate(invalid="ignore", divide="ignore"):
        grr = capped[g, k] / g_start[g]
        nrr = tot[g, k] / g_start[g]
    lo, hi = wilson_interval(logos[g, k], size[g], conf)
    return _with_segments(
        segments,
        (gkey // n_k)[g],
        {
            "cohort": period_start(g_cohort[g], "month"),
            "period": k.astype(np.int64),
            "cohort_size": size[g].astype(np.int64),
            "starting_mrr": g_start[g],
            "mrr": tot[g, k],
            "gross_revenue_retention": grr,
            "net_revenue_retention": nrr,
            "n_retained": logos[g, k].astype(np.int64),
            "logo_retention": logos[g, k] / size[g],
            "ci_lower": lo,
            "ci_upper": hi,
        },
    )
