"""The health measures per account at a date: :func:`account_metrics`.

Every event scan goes through the activity layer: a private
:class:`~adoptmetrics.activity._health_users.HealthLog` holds the events once
as integer arrays in day order and counts per account over any time window
with integer arithmetic; this module only asks it for windows and joins
compact per-account tables. :class:`_Inputs` validates the tables once, so
the model fit and the stages can take many monthly snapshots without
re-reading the log (an ``EventLog`` keeps its ``HealthLog`` for every call).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._frames import to_pandas
from adoptmetrics._schema._validate import (
    SchemaError,
    coerce_as_of,
    validate_accounts,
    validate_events,
    validate_nps,
)
from adoptmetrics.activity._encode import _NS_PER_DAY, EventsLike, _categorical
from adoptmetrics.activity._engagement_cells import factorize_strings
from adoptmetrics.activity._health_users import HealthLog

__all__ = ["METRIC_COLUMNS", "account_metrics"]

#: The measure columns of :func:`account_metrics`, in order.
METRIC_COLUMNS = (
    "active_days",
    "active_users",
    "seats",
    "seat_utilization",
    "user_growth",
    "usage_trend",
    "breadth",
    "days_since_active",
    "nps",
    "tenure_days",
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def check_days(value: object, argument: str, example: str) -> float:
    """A positive, finite number of days (bool refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argument}={value!r} must be a number of days.\nHint: {example}.")
    if not (value > 0 and math.isfinite(float(value))):
        raise ValueError(
            f"{argument}={value!r} must be a positive number of days.\nHint: {example}."
        )
    return float(value)


def _features(
    features: Sequence[str] | Mapping[str, Sequence[str]] | None, seen: pd.Index
) -> dict[str, list[str]]:
    """Resolve ``features`` to feature name → event names."""
    if features is None:
        return {str(e): [e] for e in seen}
    if isinstance(features, str):
        raise TypeError(
            f"features must be a list of event names, not the string {features!r}.\n"
            f"Hint: features=[{features!r}]."
        )
    if isinstance(features, Mapping):
        out = {}
        for name, evs in features.items():
            if isinstance(evs, str):
                evs = [evs]
            out[str(name)] = list(evs)
    else:
        out = {str(e): [e] for e in features}
    if not out:
        raise ValueError(
            "features is empty, so breadth has no denominator.\n"
            "Hint: pass None (every event name) or at least one event name."
        )
    return out


@attrs.frozen(slots=True)
class _Inputs:
    """Validated, canonical tables; the events as a :class:`HealthLog` (integer arrays)."""

    log: HealthLog
    has_users: bool
    accounts: pd.DataFrame | None
    seats_col: str | None
    nps: pd.DataFrame | None
    latest: pd.Timestamp | None
    first: pd.Timestamp | None  # earliest event
    # Every account id of every table; the log's account codes are positions
    # into it, so joins are numpy indexing.
    keys: pd.Index
    rank: IntArray  # rank of each key in id order (for sorted output)
    acc_code: IntArray  # key position of each accounts row
    seats: FloatArray  # seats per key (NaN when unknown)
    # Start and churn (int64 ns; no churn: the largest int64) of each accounts row.
    acc_start: IntArray = attrs.field(factory=lambda: np.zeros(0, dtype=np.int64))
    acc_churn: IntArray = attrs.field(factory=lambda: np.zeros(0, dtype=np.int64))


def _health_log(
    events: object, *, account_col: str, user_col: str | None, time_col: str, event_col: str
) -> HealthLog:
    """The events as a :class:`HealthLog`; an ``EventLog`` builds it once and keeps it."""
    encoded = getattr(events, "_am_encoded", None)
    if encoded is not None and hasattr(events, "_am_validated_events"):
        log_users = getattr(events, "columns", {}).get("user") is not None
        users = user_col if log_users else None
        enc = encoded(entity_col=account_col, time_col=time_col, event_col=event_col)
        cache = enc.cache if enc.cache is not None else {}
        key = ("health_log", users is not None)
        if key not in cache:
            df = events._am_validated_events(
                account_col=account_col,
                event_col=event_col,
                time_col=time_col,
                user_col=users,
                table="events",
            )
            if enc.engine is None:  # reuse the log's own arrays (same rows, same order)
                acc, ns, event = enc.entity, enc.ns, enc.event
            else:  # a lazy engine's arrays may come in another order: the frame's
                acc = df["account_id"].cat.codes.to_numpy().astype(np.int64)
                ns = df["timestamp"].to_numpy().view(np.int64)
                event = df["event"].cat.codes.to_numpy().astype(np.int64)
            cache[key] = HealthLog(
                df["account_id"].cat.categories,
                acc,
                ns,
                df["event"].cat.categories,
                event,
                df["user_id"] if users is not None else None,
                user_col=str(user_col),
            )
        log: HealthLog = cache[key]
        return log
    # Any engine's frame as pandas: the user measures need the user column,
    # which the boundary below does not keep.
    raw = to_pandas(events, "events")
    has_users = user_col is not None and user_col in raw.columns
    ev = validate_events(
        _hashed_ids(raw, [account_col, event_col]),
        account_col=account_col,
        event_col=event_col,
        time_col=time_col,
    )
    return HealthLog(
        ev["account_id"].cat.categories,
        ev["account_id"].cat.codes.to_numpy().astype(np.int64),
        ev["timestamp"].to_numpy().view(np.int64),
        ev["event"].cat.categories,
        ev["event"].cat.codes.to_numpy().astype(np.int64),
        ev[str(user_col)] if has_users else None,
        user_col=str(user_col),
    )


def prepare_inputs(
    events: object,
    accounts: object,
    nps: object,
    *,
    account_col: str,
    user_col: str | None,
    time_col: str,
    event_col: str,
    start_col: str,
    churn_col: str | None,
    seats_col: str | None,
    score_col: str,
    nps_time_col: str,
) -> _Inputs:
    """Validate every table once; encode the events; put every id in one code space."""
    log = _health_log(
        events, account_col=account_col, user_col=user_col, time_col=time_col, event_col=event_col
    )
    acc = None
    if accounts is not None:
        acc = validate_accounts(
            accounts, account_col=account_col, start_col=start_col, churn_col=churn_col
        )
        if seats_col is not None and seats_col in acc.columns:
            acc["seats"] = _seats(acc[seats_col], seats_col)
        else:
            acc["seats"] = np.nan
    nps_df = None
    if nps is not None:
        nps_df = validate_nps(
            nps, account_col=account_col, score_col=score_col, time_col=nps_time_col
        )
        nps_df = nps_df[["account_id", "timestamp", "score"]].sort_values(
            ["timestamp", "score"], kind="stable"
        )
    # One code space: the log's account codes first, then ids only in the other
    # tables. Only the distinct ids of each table are looked up, in the log's
    # own index (whose hash table an EventLog keeps between calls).
    keys, rank = log.account_keys()
    extra: list[object] = []
    table_codes = []
    for table in (acc, nps_df):
        if table is None:
            table_codes.append(np.zeros(0, dtype=np.int64))
            continue
        ids = table["account_id"]
        cats = ids.cat.categories
        where = log.accounts.get_indexer(cats).astype(np.int64)
        new = np.flatnonzero(where < 0)
        if len(new):
            known = pd.Index(extra, dtype=object).get_indexer(cats[new])
            fresh = known < 0
            known[fresh] = len(extra) + np.arange(int(fresh.sum()))
            extra.extend(np.asarray(cats[new][fresh], dtype=object).tolist())
            where[new] = len(keys) + known
        table_codes.append(where[ids.cat.codes.to_numpy()])
    if extra:
        keys = np.concatenate([keys, np.asarray(extra, dtype=object)])
        rank = np.empty(len(keys), dtype=np.int64)
        rank[np.argsort(keys.astype(str), kind="stable")] = np.arange(len(keys))
    keys_index = pd.Index(keys, dtype=object, copy=False)
    acc_code, nps_code = table_codes
    seats = np.full(len(keys), np.nan)
    if acc is not None:
        acc["account_id"] = keys[acc_code]
        seats[acc_code] = acc["seats"].to_numpy(dtype=float)
    if nps_df is not None:
        nps_df["account_id"] = keys[nps_code]
        nps_df["code"] = nps_code
    n = len(log)
    latest = pd.Timestamp(int(log.ns.max())) if n else None
    first = pd.Timestamp(int(log.ns.min())) if n else None
    acc_start = acc_churn = np.zeros(0, dtype=np.int64)
    if acc is not None:
        acc_start = acc["started_at"].to_numpy().view(np.int64)
        churn = acc["churned_at"]
        acc_churn = np.where(
            churn.isna().to_numpy(), np.iinfo(np.int64).max, churn.to_numpy().view(np.int64)
        )
    return _Inputs(
        log,
        log.has_users,
        acc,
        seats_col,
        nps_df,
        latest,
        first,
        keys_index,
        rank,
        acc_code,
        seats,
        acc_start,
        acc_churn,
    )


def _hashed_ids(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """String id columns as categoricals in order of appearance (one hash, no sort).

    Nothing here depends on the order of the categories (results are matched
    by id). One plain hash of the values is measured faster than the
    boundary's route on object columns with one Python object per row (as
    ``astype(object)`` from Arrow strings gives): there the boundary's hash of
    the object addresses finds no sharing and the values are hashed as well.
    Nulls stay null, so the boundary still refuses them. The input frame is
    not modified.
    """
    todo = [
        c
        for c in dict.fromkeys(columns)
        if c in frame.columns and not isinstance(frame[c].dtype, pd.CategoricalDtype)
    ]
    if not todo:
        return frame
    out = frame.copy(deep=False)
    for c in todo:
        col = frame[c]
        if col.dtype == object:  # Arrow's dictionary encoding when pyarrow is there
            codes, distinct = factorize_strings(col)
            categories = pd.Index(distinct)
        else:
            pd_codes, pd_distinct = pd.factorize(col, sort=False)
            codes, categories = np.asarray(pd_codes), pd.Index(pd_distinct)
        out[c] = _categorical(np.asarray(codes, dtype=np.int64), categories)
    return out


def _seats(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        raise SchemaError(
            "accounts",
            column,
            f"has dtype {values.dtype}, not a number of seats",
            f"convert it with pd.to_numeric(accounts[{column!r}]), or pass seats_col=None.",
        )
    arr = values.to_numpy(dtype=float)
    bad = (arr < 0) | np.isinf(arr)
    if bad.any():
        raise SchemaError(
            "accounts",
            column,
            f"has {int(bad.sum())} negative or infinite seat counts",
            "seats are licensed seats (≥ 0); use NaN when unknown.",
            rows=list(values.index[np.flatnonzero(bad)[:5]]),
        )
    return pd.Series(arr, index=values.index)


def _place(
    pos: IntArray, n: int, codes: npt.ArrayLike, values: npt.ArrayLike, fill: float
) -> FloatArray:
    """Values keyed by account code, placed at their universe rows (``pos``: code → row)."""
    out = np.full(n, fill, dtype=float)
    where = pos[np.asarray(codes, dtype=np.int64)]
    ok = where >= 0
    out[where[ok]] = np.asarray(values, dtype=float)[ok]
    return out


def universe_at(inp: _Inputs, t: pd.Timestamp) -> tuple[IntArray, FloatArray]:
    """Codes of the accounts to measure at ``t`` (in id order), and their start (ns, float)."""
    if inp.accounts is not None:
        alive = (inp.acc_start <= t.value) & (inp.acc_churn > t.value)
        codes = inp.acc_code[alive]
        start = inp.acc_start[alive].astype(float)
    else:
        first = inp.log.first_seen()
        codes = np.flatnonzero(first <= float(t.value)).astype(np.int64)
        start = first[codes]
    order = np.argsort(inp.rank[codes], kind="stable")
    return codes[order], start[order]


def start_ns(inp: _Inputs, codes: IntArray) -> IntArray:
    """Exact start (int64 ns) of each account code: ``started_at``, else the first event."""
    if inp.accounts is not None:
        by_code = np.zeros(len(inp.keys), dtype=np.int64)
        by_code[inp.acc_code] = inp.acc_start
        return by_code[codes]
    first = inp.log.first_seen()
    return first[codes].astype(np.int64)


def last_seen_at(inp: _Inputs, times: Sequence[pd.Timestamp]) -> list[FloatArray]:
    """Per date: the last event at or before it (ns, float; NaN when none) per account code."""
    pad = np.full(len(inp.keys) - inp.log.n_accounts, np.nan)
    return [np.concatenate([x, pad]) for x in inp.log.last_seen([t.value for t in times])]


def _by_key(inp: _Inputs, per_log_account: npt.ArrayLike) -> FloatArray:
    """An array over the log's account codes, extended with 0 to every key."""
    out = np.zeros(len(inp.keys))
    values = np.asarray(per_log_account, dtype=float)
    out[: len(values)] = values
    return out


def metrics_at(
    inp: _Inputs,
    t: pd.Timestamp,
    *,
    window_days: float,
    features: dict[str, list[str]],
    last_seen: FloatArray | None = None,
    warn: bool = True,
) -> pd.DataFrame:
    """The metrics table at ``t`` (see :func:`account_metrics`)."""
    return metrics_and_codes(
        inp, t, window_days=window_days, features=features, last_seen=last_seen, warn=warn
    )[0]


def metrics_and_codes(
    inp: _Inputs,
    t: pd.Timestamp,
    *,
    window_days: float,
    features: dict[str, list[str]],
    last_seen: FloatArray | None = None,
    warn: bool = True,
    with_ids: bool = True,
) -> tuple[pd.DataFrame, IntArray]:
    """:func:`metrics_at` and the account code of each row (for joins without hashing ids).

    ``last_seen`` (from :func:`last_seen_at`) saves a pass over the log;
    ``with_ids=False`` leaves out the ``account_id`` column (internal tables
    joined by code need no string column).
    """
    universe, start = universe_at(inp, t)
    n = len(universe)
    w = round(window_days * _NS_PER_DAY)
    tv = t.value
    log = inp.log
    if inp.has_users:  # one hash of the user ids of both windows (when not encoded yet)
        log.encode_users(tv - 2 * w, tv)
    cur = log.window(tv - w, tv)
    prev = log.window(tv - 2 * w, tv - w)

    active_days = _by_key(inp, cur.active_days())[universe]
    n_cur = _by_key(inp, cur.n_events())[universe]
    n_prev = _by_key(inp, prev.n_events())[universe]

    users = np.full(n, np.nan)
    growth = np.full(n, np.nan)
    if inp.has_users:
        u_cur = _by_key(inp, cur.active_users())[universe]
        u_prev = _by_key(inp, prev.active_users())[universe]
        users = u_cur
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = np.where(u_prev > 0, u_cur / u_prev, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = np.where(n_prev > 0, n_cur / n_prev, np.nan)
    # The earlier window must lie after the start: otherwise the "drop" is the start itself.
    young = ~(start <= tv - 2 * w)
    growth[young] = np.nan
    trend[young] = np.nan

    used = _by_key(inp, cur.features_used(list(features.values())))[universe]
    breadth = used / len(features) if features else np.zeros(n)

    if last_seen is None:
        last_seen = last_seen_at(inp, [t])[0]
    last = last_seen[universe]
    days_since = (tv - last) / _NS_PER_DAY

    seats = inp.seats[universe]
    with np.errstate(divide="ignore", invalid="ignore"):
        utilization = np.where(seats > 0, users / seats, np.nan)
    if warn and inp.accounts is not None and inp.seats_col in inp.accounts.columns and n:
        no_seats = ~(seats > 0)
        if no_seats.any():
            warnings.warn(
                f"accounts: column {inp.seats_col!r} is 0 or missing for {int(no_seats.sum())} "
                f"accounts (e.g. {list(inp.keys[universe[no_seats][:3]])}); their "
                "seat_utilization is NaN. "
                "Hint: fill in the licensed seats to score utilisation.",
                UserWarning,
                stacklevel=3,
            )

    pos = np.full(len(inp.keys), -1, dtype=np.int64)  # account code → output row
    pos[universe] = np.arange(n)
    score = np.full(n, np.nan)
    if inp.nps is not None:
        resp = inp.nps[inp.nps["timestamp"] <= t]
        if len(resp):
            latest = resp.groupby("code")["timestamp"].transform("max")
            last_resp = resp[resp["timestamp"] == latest]
            mean = last_resp.groupby("code")["score"].mean()
            score = _place(pos, n, mean.index.to_numpy(), mean.to_numpy(), np.nan)

    tenure = (tv - start) / _NS_PER_DAY if inp.accounts is not None else np.full(n, np.nan)
    ids = {"account_id": np.asarray(inp.keys[universe], dtype=object)} if with_ids else {}
    frame = pd.DataFrame(
        {
            **ids,
            "active_days": active_days.astype(np.int64),
            "active_users": users,
            "seats": seats,
            "seat_utilization": utilization,
            "user_growth": growth,
            "usage_trend": trend,
            "breadth": breadth,
            "days_since_active": days_since,
            "nps": score,
            "tenure_days": tenure,
        }
    )
    return frame, universe


def add_account_columns(
    m: pd.DataFrame, inp: _Inputs, columns: Sequence[str], codes: IntArray | None = None
) -> pd.DataFrame:
    """Join numeric accounts-table columns that a scorecard or model names (as they are now).

    Account attributes have no history: they are read as given, so a column
    updated after the snapshot date can leak the future (the docs say so).
    ``codes``, the account code of each row of ``m`` when known, saves hashing
    the ids again.
    """
    extra = [c for c in columns if c not in m.columns]
    if not extra or inp.accounts is None:
        return m
    acc = inp.accounts
    ids = pd.Index(acc["account_id"].astype(object))
    out = m.copy()
    for c in extra:
        if c not in acc.columns:
            continue
        col = acc[c]
        if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
            raise SchemaError(
                "accounts",
                c,
                f"has dtype {col.dtype}, not numbers, so it cannot be a measure",
                f"convert it with pd.to_numeric(accounts[{c!r}]) or leave it out.",
            )
        if codes is not None:
            by_code = np.full(len(inp.keys), np.nan)
            by_code[inp.acc_code] = col.to_numpy(dtype=float)
            out[c] = by_code[codes]
            continue
        by_id = pd.Series(col.to_numpy(dtype=float), index=ids)
        out[c] = by_id.reindex(pd.Index(m["account_id"])).to_numpy()
    return out


def resolve_features(
    inp: _Inputs, t: pd.Timestamp, features: Sequence[str] | Mapping[str, Sequence[str]] | None
) -> dict[str, list[str]]:
    """``features`` as feature → events; default every event name seen up to ``t``."""
    seen = inp.log.events_seen(t.value)
    out = _features(features, seen)
    if features is not None:
        known = set(seen.astype(str))
        unknown = sorted({e for evs in out.values() for e in evs if str(e) not in known})
        if unknown:
            warnings.warn(
                f"features: {unknown[:5]} never occur in the events up to {t:%Y-%m-%d}; they "
                "count as offered but unused in breadth.",
                UserWarning,
                stacklevel=3,
            )
    return out


def default_as_of(inp: _Inputs) -> pd.Timestamp | None:
    """The latest timestamp in the data: events, account starts and churns, NPS."""
    candidates = [inp.latest] if inp.latest is not None else []
    if inp.accounts is not None and len(inp.accounts):
        for col in ("started_at", "churned_at"):
            m = inp.accounts[col].max()
            if not pd.isna(m):
                candidates.append(pd.Timestamp(m))
    if inp.nps is not None and len(inp.nps):
        candidates.append(pd.Timestamp(inp.nps["timestamp"].max()))
    return max(candidates) if candidates else None


def account_metrics(
    events: EventsLike,
    /,
    *,
    accounts: pd.DataFrame | None = None,
    nps: pd.DataFrame | None = None,
    as_of: object = None,
    window_days: float = 30,
    features: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start_col: str = "started_at",
    churn_col: str | None = "churned_at",
    seats_col: str | None = "seats",
    score_col: str = "score",
    nps_time_col: str = "timestamp",
) -> pd.DataFrame:
    """The health measures of each account as of a date.

    The current window is ``(as_of − window_days, as_of]`` and the previous
    one ``(as_of − 2·window_days, as_of − window_days]``. Nothing after
    ``as_of`` is read: later events, NPS answers and churn dates are ignored.

    Parameters
    ----------
    events : DataFrame, EventLog or any frame narwhals supports
        The event log (``account_id``, ``event``, ``timestamp`` and, for the
        user measures, ``user_id``). An ``am.EventLog`` keeps the encoded
        events between calls (the measures at many dates cost one encoding).
    accounts : DataFrame, optional
        ``account_id``, ``started_at``, ``churned_at`` and ``seats``. When
        given, the rows are the accounts that started on or before ``as_of``
        and had not churned by then (events of other ids are ignored);
        otherwise every account with an event on or before ``as_of``.
    nps : DataFrame, optional
        NPS responses (``account_id``, ``timestamp``, ``score``).
    as_of : timestamp, optional
        The date of the measures; default the latest timestamp in the data.
    window_days : float, default 30
        Length of the current (and of the previous) window.
    features : list of str or mapping, optional
        What counts as a feature for ``breadth``: event names, or a mapping
        feature → event names. Default: every event name in the log up to
        ``as_of``.
    account_col, user_col, time_col, event_col : str
        Column names of the events (and of the account id elsewhere). When
        the events have no ``user_col`` column, the user measures are NaN.
    start_col, churn_col, seats_col : str
        Column names of the accounts table (``seats_col=None``: no seats).
    score_col, nps_time_col : str
        Column names of the NPS table.

    Returns
    -------
    DataFrame
        One row per account, sorted by ``account_id``; a measure whose input
        is missing is NaN, never an error:

        - ``account_id``: the account.
        - ``active_days``: distinct calendar days with an event in the current window.
        - ``active_users``: distinct users with an event in the current window
          (NaN without a user column).
        - ``seats``: licensed seats from the accounts table (NaN when unknown).
        - ``seat_utilization``: ``active_users ÷ seats`` (NaN when seats are 0 or unknown).
        - ``user_growth``: active users in the current window ÷ in the previous
          one (NaN when the previous window had none, or began before the account).
        - ``usage_trend``: events in the current window ÷ in the previous one
          (NaN under the same conditions).
        - ``breadth``: share of the features used in the current window.
        - ``days_since_active``: days from the last event (at or before
          ``as_of``) to ``as_of`` (NaN when never active).
        - ``nps``: the latest NPS score at or before ``as_of`` (the mean of
          answers given at that same latest time; NaN without one).
        - ``tenure_days``: days since ``started_at`` (NaN without accounts).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "a", "b"],
    ...     "user_id": ["u1", "u2", "u1", "u3"],
    ...     "event": ["login", "report", "login", "login"],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-02-20", "2024-02-01"])})
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "started_at": ["2023-12-01", "2024-01-01"],
    ...     "seats": [4, None]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:  # b has no seat count
    ...     warnings.simplefilter("always")
    ...     m = account_metrics(ev, accounts=acc, as_of="2024-03-01")
    >>> str(caught[0].message)[:45]
    "accounts: column 'seats' is 0 or missing for "
    >>> m[["account_id", "active_days", "active_users", "seat_utilization", "usage_trend"]]
      account_id  active_days  active_users  seat_utilization  usage_trend
    0          a            2           2.0               0.5          2.0
    1          b            1           1.0               NaN          NaN
    """
    window = check_days(window_days, "window_days", "window_days=30")
    inp = prepare_inputs(
        events,
        accounts,
        nps,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        start_col=start_col,
        churn_col=churn_col,
        seats_col=seats_col,
        score_col=score_col,
        nps_time_col=nps_time_col,
    )
    t = coerce_as_of(as_of, default_as_of(inp))
    feats = resolve_features(inp, t, features)
    return metrics_at(inp, t, window_days=window, features=feats)
