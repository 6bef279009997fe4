"""The counting engine behind :mod:`adoptmetrics.retention`.

Turns the activity layer's compact (entity × period) cells, or its presence
bitmap when cohorts start at the first active period (:mod:`._dense`), into
retention counts per (segment, cohort) group and period offset, resolves cohort starts
and segment mappings, and builds the tidy frames. Private: the public API and
its documentation live in :mod:`adoptmetrics.retention`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import SchemaError, coerce_as_of, coerce_timestamps
from adoptmetrics._stats._intervals import wilson_interval
from adoptmetrics.activity._cells import (
    PERIODS,
    _encode,
    period_index,
    period_start,
)
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.activity._presence import Presence, active_cells, cells_listed, presence
from adoptmetrics.retention._dense import MAX_GROUPS, dense_counts, first_columns
from adoptmetrics.retention._starts import Starts, by_source

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
    pos = _positions(frame.index, labels)
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
    events: EventsLike,
    *,
    period: str,
    mode: str,
    entity_col: str,
    time_col: str,
    event_col: str | None,
    activity_events: Sequence[str] | None,
    starts: Starts,
    as_of: object,
    by: By,
    need_both: bool = False,
) -> _Grid:
    _check_choice("period", period, PERIODS)
    _check_choice("mode", mode, MODES)
    cohort_start = starts.series
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col if activity_events is not None else None,
        activity_events=activity_events,
    )
    # n_rows and first never collect a lazy engine's events
    if enc.n_rows == 0 and (cohort_start is None or as_of is None):
        return _empty_grid(period, pd.Timestamp("1970-01-01"), _empty_segments(by))
    first_ns = enc.first
    ts = coerce_as_of(as_of, pd.Timestamp(enc.latest) if enc.latest is not None else None)
    if first_ns is not None and ts.value < first_ns:
        raise ValueError(
            f"as_of={ts} is earlier than every event (the first is {pd.Timestamp(first_ns)}).\n"
            "Hint: pass an as_of at or after the first event, or None for the latest event."
        )
    last = int(period_index(np.array([ts.value]), period)[0])
    pres = _presence(enc, period, ts) if cohort_start is None else None
    if pres is not None:  # cohorts and counts straight from the bitmap
        bitmap_entity, first_col = first_columns(pres)
        labels, cohort = enc.entities[bitmap_entity], first_col + pres.p0
    else:
        cell_entity, cell_index = active_cells(enc, period=period, as_of=ts)
        if cohort_start is None:
            labels, cohort, cell_u, cell_k = _first_active(enc.entities, cell_entity, cell_index)
        else:
            labels, start_ns, epos = _cohort_starts(
                cohort_start, enc.entities, cell_entity, argument=starts.argument
            )
            started = start_ns <= ts.value
            if not started.any():
                return _empty_grid(period, ts, _empty_segments(by))
            remap = np.where(started, np.cumsum(started) - 1, -1)
            labels, cohort = labels[started], period_index(start_ns[started], period)
            upos = np.where(epos >= 0, remap[np.maximum(epos, 0)], -1)  # events entity → label
            cell_u = upos[cell_entity]
            ok = cell_u >= 0
            cell_k = cell_index - np.where(ok, cohort[np.maximum(cell_u, 0)], 0)
            keep = ok & (cell_k >= 0)
            cell_u, cell_k = cell_u[keep], cell_k[keep]
    table, table_col, table_name = by_source(by, starts, events, entity_col)
    seg, segments = _segments(labels, by, table, table_col, table_name)
    c0 = int(cohort.min())
    n_c = last - c0 + 1
    gkey, ginv = np.unique(seg * n_c + (cohort - c0), return_inverse=True)
    n_g, n_k = len(gkey), n_c
    # Keys up to n_g * n_k: int32 while they fit (half the memory per cell).
    ginv = ginv.astype(np.int32 if n_g * n_k < 2**31 else np.int64)
    size = np.bincount(ginv, minlength=n_g).astype(np.int64)
    if pres is not None and n_g <= MAX_GROUPS:
        group_column = (gkey % n_c + c0 - pres.p0).astype(np.int64)
        retained, both = dense_counts(
            pres, bitmap_entity, ginv, group_column, size, n_k, mode=mode, need_both=need_both
        )
    else:
        if pres is not None:  # too many groups to sum one by one: list the cells
            del pres
            cell_entity, cell_index = active_cells(enc, period=period, as_of=ts)
            cell_u, cell_k = _first_active(enc.entities, cell_entity, cell_index)[2:]
        retained, both = _cell_counts(
            cell_u, cell_k, ginv, size, n_g, n_k, len(labels), mode=mode, need_both=need_both
        )
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


def _presence(enc: Any, period: str, ts: pd.Timestamp) -> Presence | None:
    """The presence bitmap, unless the log already holds the listed cells."""
    if cells_listed(enc, period=period, as_of=ts):
        return None
    return presence(enc, period=period, as_of=ts)


def _first_active(
    entities: pd.Index, cell_entity: IntArray, cell_index: IntArray
) -> tuple[pd.Index, IntArray, Any, Any]:
    """Labels and cohorts at each entity's first active period; per cell its label and k."""
    run = np.r_[True, cell_entity[1:] != cell_entity[:-1]] if len(cell_entity) else []
    first = np.flatnonzero(run)
    labels = entities[cell_entity[first]]
    cohort = cell_index[first]
    # In place and in int32 where possible: cell-sized temporaries are fresh
    # memory, whose page faults cost more than the arithmetic.
    cell_u: npt.NDArray[np.signedinteger[Any]] = np.cumsum(run, dtype=np.int32)
    cell_u -= 1
    cell_k: npt.NDArray[np.signedinteger[Any]] = cohort.astype(np.int32)[cell_u]  # small
    np.subtract(cell_index, cell_k, out=cell_k)
    return labels, cohort, cell_u, cell_k


def _cell_counts(
    cell_u: Any,
    cell_k: Any,
    ginv: Any,
    size: IntArray,
    n_g: int,
    n_k: int,
    n_labels: int,
    *,
    mode: str,
    need_both: bool,
) -> tuple[Any, Any]:
    """Retained per (group, k) (and retained at k and k - 1) from the listed cells."""
    cell_g = ginv[cell_u]
    if mode == "on":
        key = cell_g * n_k
        key += cell_k
        flat = np.bincount(key, minlength=n_g * n_k)
        del key
        retained = flat.reshape(n_g, n_k).astype(np.int64)
        retained[:, 0] = size  # period 0 is retained by definition
        both = retained
        if need_both:
            # Active at k and at k-1 (cells are sorted by entity, then period).
            same = cell_u[1:] == cell_u[:-1]
            prev = np.r_[False, same & (cell_k[1:] == cell_k[:-1] + 1)]
            both_mask = prev | (cell_k == 1)
            both = np.bincount(
                cell_g[both_mask] * n_k + cell_k[both_mask], minlength=n_g * n_k
            ).reshape(n_g, n_k)
    else:
        # Each entity's last active k: its last cell (cells are sorted by entity, then period).
        last_k = np.zeros(n_labels, dtype=np.int64)
        is_last = np.r_[cell_u[1:] != cell_u[:-1], True] if len(cell_u) else cell_u > 0
        last_k[cell_u[is_last]] = cell_k[is_last]
        hist = np.bincount(ginv * n_k + last_k, minlength=n_g * n_k).reshape(n_g, n_k)
        retained = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1].astype(np.int64)
        both = retained
    return retained, both


def _cohort_starts(
    cohort_start: pd.Series,
    entities: pd.Index,
    active: IntArray,
    *,
    argument: str = "start",
    data: str = "events",
) -> tuple[pd.Index, IntArray, IntArray]:
    """Validate the start dates; every entity with activity (or revenue) must have one.

    ``argument`` names where the starts came from (``"start"`` or
    ``"accounts"``) and ``data`` the table whose entities need one, for the
    error messages. Returns the start labels, their start times (ns) and, for
    each of ``entities``, its position in ``cohort_start`` (-1 when it has none).
    """
    if cohort_start.index.hasnans:
        raise SchemaError(
            argument, "index", "has missing entity ids", "drop rows with a null index."
        )
    if cohort_start.index.has_duplicates:
        raise SchemaError(
            argument,
            "index",
            "has duplicate entity ids",
            "pass one start per entity, e.g. accounts.set_index('account_id')['started_at'].",
        )
    ts = coerce_timestamps(cohort_start, table=argument, column=str(cohort_start.name or "start"))
    epos = _positions(pd.Index(cohort_start.index), entities)
    seen = np.zeros(len(entities), dtype=bool)
    seen[active] = True
    unknown = seen & (epos < 0)
    if unknown.any():
        where = "the accounts table" if argument == "accounts" else "start"
        raise SchemaError(
            argument,
            "index" if argument == "start" else "account_id",
            f"has no start for {int(unknown.sum())} entities that have {data}, e.g. "
            f"{list(entities[unknown][:3])}",
            f"add them to {where}, or drop their {data} rows first "
            f"(keep the ids in {where}); ids must have the same type in both tables.",
        )
    return pd.Index(cohort_start.index), ts.to_numpy().view(np.int64).copy(), epos


def _positions(universe: pd.Index, labels: pd.Index) -> IntArray:
    """Position of each of ``labels`` in ``universe`` (-1 when absent), matching across dtypes."""
    try:
        pos = universe.get_indexer(labels.astype(universe.dtype, copy=False))
    except (TypeError, ValueError):
        pos = universe.get_indexer(labels)
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
    raw = np.cumprod(ratio, axis=1)
    if np.nanmax(raw, initial=0.0) > 1.0:
        warnings.warn(
            "the chained estimate exceeded 1 at some period (more returns than the previous "
            "period had retained, in few cohorts) and was capped at 1; the pooled curve "
            "(method='pooled') is the safer summary here.",
            UserWarning,
            stacklevel=3,
        )
    rate = np.minimum(raw, 1.0)
    var_log = np.cumsum(np.maximum(step_var, 0.0), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = (1 - rate) / (rate * var_log)
    n_eff = np.where(np.isfinite(n_eff) & (n_eff > 0), n_eff, at_risk)
    lo, hi = wilson_interval(rate * n_eff, n_eff, confidence)
    return rate, lo, hi
