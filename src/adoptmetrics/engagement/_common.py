"""What every engagement function shares: the log cut at ``as_of``, segments, periods.

:func:`load` validates and encodes the events once per call (through the
activity layer), resolves ``as_of`` and the ``by=`` segments, and drops rows
after ``as_of``. Private.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._frames import to_narwhals
from adoptmetrics._schema._validate import SchemaError, coerce_as_of
from adoptmetrics._stats._intervals import check_confidence, wilson_interval
from adoptmetrics.activity._cells import _cells_from_encoded
from adoptmetrics.activity._encode import (
    _NS_PER_DAY,
    PERIODS,
    IntArray,
    _encode,
    _Encoded,
    entity_column,
    period_index,
    period_start,
)
from adoptmetrics.activity._engagement_cells import (
    distinct_pairs,
    entity_period_cells,
    period_offsets,
)
from adoptmetrics.activity._engine import engine_distinct_counts

__all__ = [
    "NS_PER_DAY",
    "By",
    "Features",
    "Log",
    "check_period",
    "empty_b",
    "empty_dt",
    "empty_f",
    "empty_i",
    "feature_codes",
    "finish",
    "load",
    "period_ends",
    "period_range",
    "wilson",
]

NS_PER_DAY = _NS_PER_DAY
By = str | pd.Series | None
Features = Sequence[str] | Mapping[str, Sequence[str] | str] | None


@attrs.define(slots=True)
class Log:
    """The encoded events up to ``as_of`` with each entity's segment code.

    On a lazy engine (DuckDB, Polars lazy, Spark) the rows stay in the engine
    until a function reads ``entity``/``ns``/``event``; :meth:`cells` then
    reduces to (entity, period) cells there.
    """

    entity_col: str
    entities: pd.Index
    enc: _Encoded
    events: pd.Index | None
    as_of: pd.Timestamp
    first_ns: int
    seg: IntArray  # per entity (all of ``entities``)
    segments: pd.DataFrame | None  # one row per segment code, or None without ``by``
    _rows: tuple[IntArray, IntArray, IntArray | None] | None = None

    @property
    def n_seg(self) -> int:
        return 1 if self.segments is None else len(self.segments)

    @property
    def lazy(self) -> bool:
        return self.enc.engine is not None and not self.enc.materialised and self._rows is None

    def _cut(self) -> tuple[IntArray, IntArray, IntArray | None]:
        if self._rows is None:
            entity, ns, event = self.enc.entity, self.enc.ns, self.enc.event
            if len(ns) and int(ns.max()) > self.as_of.value:
                keep = ns <= self.as_of.value
                entity, ns = entity[keep], ns[keep]
                event = event[keep] if event is not None else None
            self._rows = (entity, ns, event)
        return self._rows

    @property
    def entity(self) -> IntArray:
        return self._cut()[0]

    @property
    def ns(self) -> IntArray:
        return self._cut()[1]

    @property
    def event(self) -> IntArray | None:
        return self._cut()[2]

    def cells(self, period: str, p0: int, n_periods: int) -> tuple[IntArray, IntArray]:
        """Distinct active (entity, period index) cells, sorted by entity then period."""
        if self.lazy:
            c = _cells_from_encoded(self.enc, period=period, as_of=self.as_of)
            return c.entity, c.index
        return entity_period_cells(
            self.entity,
            self.ns,
            period=period,
            p0=p0,
            n_periods=n_periods,
            n_entities=len(self.entities),
        )

    def engine_counts(self, periods: dict[str, str]) -> pd.DataFrame | None:
        """Distinct active entities per combination of period indices, counted in a
        lazy engine (no cells collected); ``None`` unless the log is lazy and has no
        segments (those are mapped per entity here)."""
        if not self.lazy or self.n_seg != 1 or self.enc.engine is None:
            return None
        return engine_distinct_counts(self.enc.engine, periods, as_of_ns=self.as_of.value)

    def pairs(self, period: str, p0: int, n_periods: int) -> tuple[IntArray, IntArray]:
        """Distinct active (entity, period offset from ``p0``) pairs in no particular order.

        Cheaper than :meth:`cells` on a big entity × period grid (no sort):
        for counts that do not need the cells in order.
        """
        if self.lazy:
            ent, idx = self.cells(period, p0, n_periods)
            return ent, idx - p0
        poff = period_offsets(self.ns, period, p0)
        return distinct_pairs(self.entity, poff, len(self.entities), n_periods)


def check_period(name: str, value: object, allowed: Sequence[str] = PERIODS) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"{name}={value!r} is not supported.\nHint: use one of {', '.join(map(repr, allowed))}."
        )
    return value


def _check_user_col(events: object, level: str, user_col: str | None) -> None:
    if level == "user" and isinstance(events, pd.DataFrame) and user_col not in events.columns:
        raise ValueError(
            f"level='user' needs a user column, but the events have no column {user_col!r} "
            f"(columns: {list(map(str, events.columns))}).\n"
            "Hint: pass user_col='<your user id column>', or use level='account'."
        )


def load(
    events: pd.DataFrame,
    *,
    level: str,
    account_col: str,
    user_col: str | None,
    time_col: str,
    event_col: str | None,
    by: By,
    as_of: object,
) -> Log | None:
    """Validate, encode and cut the events at ``as_of``; ``None`` when there are none."""
    entity_col = entity_column(level, account_col, user_col)
    _check_user_col(events, level, user_col)
    if by is not None and not isinstance(by, (str, pd.Series)):
        raise TypeError(
            f"by must be a column name of the events or a Series mapping id → segment, "
            f"not {type(by).__name__}.\n"
            "Hint: e.g. by='plan' or by=accounts.set_index('account_id')['plan']."
        )
    enc = _encode(
        events,
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=None,
    )
    lazy = enc.engine is not None and not enc.materialised
    first = enc.first if lazy else (int(enc.ns.min()) if len(enc.ns) else None)
    if first is None:
        if as_of is not None:
            coerce_as_of(as_of, None)
        return None
    ts = coerce_as_of(as_of, pd.Timestamp(enc.latest) if enc.latest is not None else None)
    if ts.value < first:
        raise ValueError(
            f"as_of={ts} is earlier than every event (the first is {pd.Timestamp(first)}).\n"
            "Hint: pass an as_of at or after the first event, or None for the latest event."
        )
    log = Log(entity_col, enc.entities, enc, enc.events, ts, first, _NO_SEG, None)
    if not lazy:
        active_ent = log.entity
    elif by is None:  # no segments to check: nothing to read from the engine
        active_ent = np.arange(len(enc.entities), dtype=np.int64)
    else:  # entities active up to as_of, from the engine's cells (no raw rows collected)
        active_ent = log.cells("day", 0, 0)[0]
    log.seg, log.segments = _segments(
        events, by, enc.entities, active_ent, entity_col, account_col, level
    )
    return log


_NO_SEG = np.zeros(0, dtype=np.int64)


def _segments(
    events: pd.DataFrame,
    by: By,
    entities: pd.Index,
    entity: IntArray,
    entity_col: str,
    account_col: str,
    level: str,
) -> tuple[IntArray, pd.DataFrame | None]:
    """Segment code per entity and the segment values (one row per code)."""
    n = len(entities)
    if by is None:
        return np.zeros(n, dtype=np.int64), None
    active = np.zeros(n, dtype=bool)
    active[entity] = True
    if isinstance(by, str):
        events, entity_col = _by_columns(events, entity_col, by)
        if by not in events.columns:
            raise SchemaError(
                "events",
                by,
                "(named by by=) is missing; the table has columns "
                f"{list(map(str, events.columns))}",
                "pass by=<a column of the events>, or a Series mapping id → segment such as "
                "accounts.set_index('account_id')['plan'].",
            )
        # Rows of the validated log line up with the input rows (nothing is reordered).
        values = events[by]
        if values.isna().any():
            rows = list(events.index[values.isna().to_numpy()][:5])
            raise SchemaError(
                "events",
                by,
                "(named by by=) has missing values",
                "fill them, e.g. 'unknown'.",
                rows,
            )
        if isinstance(values.dtype, pd.CategoricalDtype):  # sort by value, not category order
            values = values.astype(object)
        codes, uniques = pd.factorize(values, sort=True)
        row_entity = _row_entities(events, entity_col, entities)
        lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        hi = np.full(n, -1, dtype=np.int64)
        np.minimum.at(lo, row_entity, codes)
        np.maximum.at(hi, row_entity, codes)
        varies = (hi != lo) & (hi >= 0)
        if varies.any():
            raise SchemaError(
                "events",
                by,
                "(named by by=) takes several values for one entity, e.g. "
                f"{list(entities[varies][:3])}",
                "a segment must be fixed per entity: pass a Series mapping id → segment "
                "instead (e.g. the value at the start, from the accounts table).",
            )
        seg_of = np.where(hi >= 0, hi, 0)
        name = by
        labels = pd.Index(uniques)
    else:
        name = str(by.name) if by.name is not None else "segment"
        if by.index.has_duplicates:
            raise SchemaError(
                "by",
                "index",
                "has duplicate ids",
                "pass one segment per id (a Series id → segment).",
            )
        series = by
        pos = by.index.get_indexer(entities.astype(by.index.dtype, copy=False))
        if level == "user" and not (pos >= 0).any() and len(by):
            # A mapping account → segment at user level: go through each user's account.
            series, pos = _through_accounts(events, by, entities, entity_col, account_col)
        mapped = np.asarray(series.to_numpy())
        got = pos >= 0
        if len(mapped) == 0:
            got = np.zeros(n, dtype=bool)
            vals = np.full(n, None, dtype=object)
        else:
            vals = mapped[np.where(got, pos, 0)]
        missing = active & (~got | pd.isna(vals))
        if missing.any():
            raise SchemaError(
                "by",
                None,
                f"gives no segment for {int(missing.sum())} ids, "
                f"e.g. {list(entities[missing][:3])}",
                "give every id in the events a segment (fill gaps with e.g. 'unknown'); ids "
                "must have the same type as in the events table.",
            )
        per_entity = vals
        codes_e, uniques = pd.factorize(pd.Series(per_entity[active]), sort=True)
        seg_of = np.zeros(n, dtype=np.int64)
        seg_of[active] = codes_e
        labels = pd.Index(uniques)
    seg_of = np.where(active, seg_of, 0).astype(np.int64)
    # Keep only segments with an active entity, renumbered in sorted order.
    used = np.unique(seg_of[active])
    remap = np.zeros(max(len(labels), 1), dtype=np.int64)
    remap[used] = np.arange(len(used))
    return remap[seg_of], pd.DataFrame({name: labels[used]})


def _by_columns(events: object, entity_col: str, by: str) -> tuple[pd.DataFrame, str]:
    """A pandas frame holding the entity and ``by`` columns of any supported input.

    Returns the frame and the name of its entity column (an EventLog's
    validated frame uses the canonical names).
    """
    if isinstance(events, pd.DataFrame):
        return events, entity_col
    if hasattr(events, "_am_encoded") and hasattr(events, "to_pandas"):  # an EventLog
        frame: pd.DataFrame = events.to_pandas()
        roles = getattr(events, "columns", {})
        canonical = "user_id" if entity_col in (roles.get("user"), "user_id") else "account_id"
        return frame, canonical
    nw_frame = to_narwhals(events, "events")
    names = [str(c) for c in nw_frame.collect_schema().names()]
    if by not in names:
        raise SchemaError(
            "events",
            by,
            f"(named by by=) is missing; the table has columns {names}",
            "pass by=<a column of the events>, or a Series mapping id → segment such as "
            "accounts.set_index('account_id')['plan'].",
        )
    # Distinct (entity, segment) pairs, reduced where the data lives.
    sub = nw_frame.select([c for c in dict.fromkeys([entity_col, by]) if c in names]).unique()
    if hasattr(sub, "collect"):
        sub = sub.collect()
    out: pd.DataFrame = sub.to_pandas()
    return out, entity_col


def _row_entities(events: pd.DataFrame, entity_col: str, entities: pd.Index) -> IntArray:
    col = events[entity_col]
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.categories.equals(entities):
        return col.cat.codes.to_numpy().astype(np.int64)
    return entities.get_indexer(pd.Index(col)).astype(np.int64)


def _through_accounts(
    events: pd.DataFrame, by: pd.Series, users: pd.Index, user_col: str, account_col: str
) -> tuple[pd.Series, IntArray]:
    if hasattr(events, "_am_encoded"):  # an EventLog: canonical column names
        user_col, account_col = "user_id", "account_id"
    try:
        events, user_col = _by_columns(events, user_col, account_col)
    except SchemaError:
        return by, np.full(len(users), -1, dtype=np.int64)
    if account_col not in events.columns:
        return by, np.full(len(users), -1, dtype=np.int64)
    pairs = events[[user_col, account_col]].drop_duplicates()
    if pairs[user_col].duplicated().any():
        raise SchemaError(
            "events",
            account_col,
            "maps some users to several accounts, so by= (a mapping account → segment) "
            "cannot give each user one segment",
            "pass a Series mapping user id → segment instead.",
        )
    account_of = pairs.set_index(user_col)[account_col]
    acc = pd.Index(account_of.reindex(users).to_numpy())
    pos = by.index.get_indexer(acc)
    return by, pos.astype(np.int64)


def feature_codes(
    features: Features,
    events: pd.Index,
    *,
    argument: str = "features",
    stacklevel: int = 3,
    occurring: npt.NDArray[np.bool_] | None = None,
) -> tuple[list[str], list[IntArray]]:
    """Feature names and, per feature, the event codes it covers (warns on unknown names).

    ``occurring`` (per event code): which names occur in the log; the default
    features are those (a categorical column may list names that never occur).
    """
    if features is None:  # every event name in the log, alphabetically
        order = np.argsort(np.asarray(events.astype(str)), kind="stable")
        if occurring is not None:
            order = order[occurring[order]]
        return [str(events[i]) for i in order], [np.array([i], dtype=np.int64) for i in order]
    if isinstance(features, str):
        raise TypeError(
            f"{argument} must be a list of event names or a mapping feature → event names, "
            f"not a string.\nHint: pass {argument}=[{features!r}]."
        )
    mapping: dict[str, list[str]] = {}
    if isinstance(features, Mapping):
        for name, evs in features.items():
            mapping[str(name)] = [evs] if isinstance(evs, str) else [str(e) for e in evs]
    else:
        for f in features:
            mapping[str(f)] = [str(f)]
    if not mapping:
        raise ValueError(f"{argument} is empty.\nHint: pass at least one event name, or None.")
    known = pd.Index(events.astype(str))
    unknown = sorted({e for evs in mapping.values() for e in evs if e not in known})
    if unknown:
        warnings.warn(
            f"{argument}: no event named {', '.join(map(repr, unknown[:5]))} in the events "
            "(up to as_of); its counts are zero. Check the spelling or the event_col.",
            UserWarning,
            stacklevel=stacklevel,
        )
    codes = []
    for evs in mapping.values():
        idx = known.get_indexer(pd.Index(evs))
        codes.append(np.unique(idx[idx >= 0]).astype(np.int64))
    return list(mapping), codes


def period_ends(index: IntArray, period: str) -> IntArray:
    """Start (ns) of the period after each period index: the period's end."""
    return period_start(np.asarray(index, dtype=np.int64) + 1, period).view(np.int64)


def period_range(log: Log, period: str) -> tuple[int, int]:
    """First period index (of the first event) and the period index of ``as_of``."""
    bounds = period_index(np.array([log.first_ns, log.as_of.value], dtype=np.int64), period)
    return int(bounds[0]), int(bounds[1])


def wilson(
    k: npt.ArrayLike, n: npt.ArrayLike, confidence: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Rate ``k / n`` (NaN where ``n == 0``) and its Wilson interval."""
    kk = np.asarray(k, dtype=float)
    nn = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(nn > 0, kk / np.where(nn > 0, nn, 1), np.nan)
    lo, hi = wilson_interval(kk, nn, check_confidence(confidence))
    return rate, lo, hi


def finish(body: Mapping[str, object], log: Log | None, seg: IntArray, by: By) -> pd.DataFrame:
    """Prepend the segment column (named after ``by``) to the tidy frame."""
    out = pd.DataFrame(dict(body))
    if by is None:
        return out
    if log is None or log.segments is None:
        name = by if isinstance(by, str) else (str(by.name) if by.name is not None else "segment")
        out.insert(0, name, pd.Series([], dtype=object))
        return out
    name = str(log.segments.columns[0])
    out.insert(0, name, log.segments[name].to_numpy()[seg])
    return out


def empty_dt(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="datetime64[ns]")


def empty_i(values: list[int]) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def empty_f(values: list[float]) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype=float)


def empty_b(values: list[bool]) -> npt.NDArray[np.bool_]:
    return np.asarray(values, dtype=bool)
