"""The data boundary: one validation and coercion step per table.

Every public function passes its input tables through one of the
``validate_*`` functions here before touching them. They

* check that the input is a DataFrame and has the named columns (with a
  "did you mean" hint),
* rename the user's ``*_col`` columns to the canonical names,
* parse timestamps (datetime64, tz-aware, strings, or epoch numbers) into
  tz-naive ``datetime64[ns]`` in UTC, refusing mixed time zones,
* refuse null ids and keep ids categorical (for speed),
* refuse duplicate accounts, churn before start, NPS scores outside 0–10,

and raise :class:`SchemaError` naming the table, the column, the first few
offending rows and a hint. Inputs are never mutated: the returned frame is a
new object (columns may share memory with the input, but are never written).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from adoptmetrics._schema._frames import encode_ids, to_pandas

__all__ = [
    "SchemaError",
    "coerce_as_of",
    "coerce_timestamps",
    "refuse_future",
    "require_rows",
    "require_unique_columns",
    "validate_accounts",
    "validate_events",
    "validate_expansions",
    "validate_mrr",
    "validate_nps",
    "warn_after_as_of",
]

_MAX_SHOWN = 5


class SchemaError(ValueError):
    """Input data does not fit the expected table layout.

    A subclass of :class:`ValueError`. Its message names the table, the
    column, up to five offending rows and, after ``Hint:``, what to do.

    Attributes
    ----------
    table : str
        Name of the offending table (``"events"``, ``"accounts"``, ...).
    column : str or None
        The offending column, when there is one.
    rows : list
        Index labels of (up to five) offending rows.
    problem : str
        What is wrong, without the table, column and rows.
    hint : str
        How to fix it.
    """

    def __init__(
        self,
        table: str,
        column: str | None,
        problem: str,
        hint: str,
        rows: Sequence[Any] = (),
    ) -> None:
        self.table = table
        self.column = column
        self.problem = problem
        self.rows = list(rows)[:_MAX_SHOWN]
        self.hint = hint
        where = f"{table}: column {column!r}" if column is not None else f"{table}:"
        message = f"{where} {problem}"
        if self.rows:
            message += f" (first offending rows: {', '.join(repr(r) for r in self.rows)})"
        message += f".\nHint: {hint}"
        super().__init__(message)


# --------------------------------------------------------------------------- helpers


def _require_frame(obj: object, table: str) -> pd.DataFrame:
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(
            f"{table} must be a pandas DataFrame, got {type(obj).__name__}.\n"
            f"Hint: build one with pd.DataFrame(...) or read it with pd.read_csv/pd.read_parquet."
        )
    require_unique_columns(obj, table)
    return obj


def _duplicate_column_error(table: str, column: str, count: int) -> SchemaError:
    return SchemaError(
        table,
        column,
        f"appears {count} times in the table's header",
        "give every column a distinct name (rename or drop the duplicates) before calling.",
    )


def require_unique_columns(df: pd.DataFrame, table: str) -> None:
    """Refuse a frame whose header repeats a column name."""
    dup = df.columns.duplicated()
    if dup.any():
        name = df.columns[np.flatnonzero(dup)[0]]
        raise _duplicate_column_error(table, str(name), int((df.columns == name).sum()))


def require_rows(df: pd.DataFrame, table: str) -> None:
    """Refuse a table without rows (a header-only file) where rows are needed."""
    if len(df) == 0:
        raise SchemaError(
            table,
            None,
            "has no rows (only a header, or an empty file)",
            f"check that the {table} export finished and the right file is given.",
        )


def _require_column(df: pd.DataFrame, table: str, column: str, argument: str) -> None:
    if column in df.columns:
        count = int((df.columns == column).sum())
        if count > 1:
            raise _duplicate_column_error(table, column, count)
        return
    present = [str(c) for c in df.columns]
    close = difflib.get_close_matches(column, present, n=1, cutoff=0.5)
    hint = f"pass {argument}='<your column>' to name the column that holds it"
    if close:
        hint = f"did you mean {close[0]!r}? Pass {argument}={close[0]!r}"
    raise SchemaError(
        table,
        column,
        f"is missing; the table has columns {present}",
        hint + ".",
    )


def _offending(mask: np.ndarray[Any, Any] | pd.Series, index: pd.Index) -> list[Any]:
    positions = np.flatnonzero(np.asarray(mask))[:_MAX_SHOWN]
    return list(index[positions])


def _ids(series: pd.Series, table: str, column: str, argument: str) -> pd.Series:
    null = series.isna().to_numpy()
    if null.any():
        raise SchemaError(
            table,
            column,
            f"has {int(null.sum())} missing ids",
            f"drop or fill the rows without an id before calling, "
            f"or pass {argument}= to use another id column.",
            rows=_offending(null, series.index),
        )
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")


def _has_tz_offset(values: pd.Series) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Per value: does this string or datetime carry a UTC offset."""
    s = values.astype(str)
    return (
        s.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy() & values.notna().to_numpy()
    )


def _check_time_options(dayfirst: object, time_format: object) -> None:
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise TypeError(
            f"dayfirst must be True, False or None, got {dayfirst!r}.\n"
            "Hint: dayfirst=True reads 02/01/2024 as 2 January, dayfirst=False as 1 February."
        )
    if time_format is not None and not (isinstance(time_format, str) and "%" in time_format):
        raise TypeError(
            f"time_format must be a strftime format string, got {time_format!r}.\n"
            "Hint: e.g. time_format='%d/%m/%Y %H:%M'."
        )


def coerce_timestamps(
    values: pd.Series,
    *,
    table: str,
    column: str,
    allow_null: bool = False,
    dayfirst: bool | None = None,
    time_format: str | None = None,
) -> pd.Series:
    """Parse a column into tz-naive ``datetime64[ns]`` (UTC when it was tz-aware).

    Accepts datetime64 (naive or tz-aware), strings, Python datetimes and epoch
    numbers (seconds, milliseconds, microseconds or nanoseconds, inferred from
    the magnitude).

    Strings are read under one convention per column. ISO 8601 strings are
    read as such; values with UTC offsets (``+01:00`` and ``+02:00`` of one
    zone across daylight saving, or several zones) are exact instants and are
    converted to UTC. Day/month strings such as ``02/01/2024`` are refused
    when they could be read both ways, unless ``dayfirst`` says which (or a
    ``time_format`` is given). Time-zone-aware values mixed with naive ones
    are refused: there is no single right way to line them up.

    Parameters
    ----------
    values : Series
        The column.
    table, column : str
        Named in errors.
    allow_null : bool, default False
        Accept missing values (``NaT`` in the result).
    dayfirst : bool, optional
        ``True``: ``02/01/2024`` is 2 January (dd/mm/yyyy); ``False``: 1
        February (mm/dd/yyyy). Default: refuse such ambiguous strings.
    time_format : str, optional
        An explicit ``strftime`` format (``"%d/%m/%Y %H:%M"``) for every string.

    Returns
    -------
    Series
        ``datetime64[ns]``, tz-naive, in UTC when the input was tz-aware.

    Examples
    --------
    >>> s = pd.Series(["2024-03-31T01:30:00+01:00", "2024-03-31T03:30:00+02:00"])
    >>> coerce_timestamps(s, table="events", column="ts").tolist()
    [Timestamp('2024-03-31 00:30:00'), Timestamp('2024-03-31 01:30:00')]
    >>> coerce_timestamps(pd.Series(["02/01/2024"]), table="events", column="ts", dayfirst=True)[0]
    Timestamp('2024-01-02 00:00:00')
    """
    _check_time_options(dayfirst, time_format)
    if isinstance(values, pd.DataFrame):
        raise _duplicate_column_error(table, column, values.shape[1])
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        out = values.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(dtype):
        out = values
    elif pd.api.types.is_bool_dtype(dtype):
        raise SchemaError(
            table,
            column,
            "holds booleans, not timestamps",
            f"pass the column that holds the {column} times.",
        )
    elif pd.api.types.is_numeric_dtype(dtype):
        out = _from_epoch(values, table=table, column=column)
    elif time_format is not None:
        out = _with_format(values, time_format)
    else:
        out = _parse_objects(values, table=table, column=column, dayfirst=dayfirst)
    if out.dtype != np.dtype("datetime64[ns]"):
        out = out.astype("datetime64[ns]")
    bad = out.isna().to_numpy() & values.notna().to_numpy()
    if bad.any():
        examples = [repr(v) for v in values[bad].head(3)]
        how = (
            f"check them against time_format={time_format!r}"
            if time_format is not None
            else "give the format explicitly with time_format= (e.g. '%d/%m/%Y %H:%M')"
        )
        raise SchemaError(
            table,
            column,
            f"has {int(bad.sum())} values that are not timestamps, e.g. {', '.join(examples)}",
            f"fix or drop those rows, or {how}; or parse {column!r} yourself with "
            "pd.to_datetime(..., format=...) before calling.",
            rows=_offending(bad, values.index),
        )
    if not allow_null:
        null = out.isna().to_numpy()
        if null.any():
            raise SchemaError(
                table,
                column,
                f"has {int(null.sum())} missing timestamps",
                "drop the rows without a timestamp or fill them before calling.",
                rows=_offending(null, values.index),
            )
    result: pd.Series = out
    return result


def _from_epoch(values: pd.Series, *, table: str, column: str) -> pd.Series:
    finite = values.dropna()
    magnitude = float(np.nanmax(np.abs(finite.to_numpy(dtype=float)))) if len(finite) else 0.0
    unit: Literal["s", "ms", "us", "ns"] = "s"
    if magnitude > 1e17:
        unit = "ns"
    elif magnitude > 1e14:
        unit = "us"
    elif magnitude > 1e11:
        unit = "ms"
    try:
        out: pd.Series = pd.to_datetime(values, unit=unit, errors="coerce")
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        raise SchemaError(
            table,
            column,
            f"holds numbers too large to be epoch timestamps (up to {magnitude:.3g})",
            f"pass epoch seconds, milliseconds, microseconds or nanoseconds, "
            f"or parse {column!r} yourself with pd.to_datetime(..., unit=...).",
        ) from None
    return out


def _with_format(values: pd.Series, time_format: str) -> pd.Series:
    aware = "%z" in time_format or "%Z" in time_format
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = pd.to_datetime(values, format=time_format, errors="coerce", utc=aware)
        except (ValueError, TypeError):
            out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    result: pd.Series = out
    return result


# A day/month date: 1-2 digits, a separator, 1-2 digits, the same separator, a
# 2- or 4-digit year, then anything (the time of day).
_DAY_MONTH = r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(.*)$"


def _parse_objects(
    values: pd.Series, *, table: str, column: str, dayfirst: bool | None = None
) -> pd.Series:
    present = values.notna().to_numpy()
    aware = _has_tz_offset(values)
    objs = values[present]
    # Python datetimes with tzinfo do not show an offset in str() consistently.
    has_tzinfo = any(getattr(v, "tzinfo", None) is not None for v in objs.head(10_000))
    if has_tzinfo:
        # One pass over the values: pandas leaves aware datetimes as objects only
        # when their zones differ, so this is rare.
        aware = aware | np.array([getattr(v, "tzinfo", None) is not None for v in values])
    if aware.any() and (aware != present).any():
        mixed = present & ~aware
        raise SchemaError(
            table,
            column,
            "mixes time-zone-aware and naive timestamps",
            "convert every value to one time zone first, e.g. "
            "pd.to_datetime(col, utc=True) if the naive ones are UTC.",
            rows=_offending(mixed, values.index),
        )
    if aware.any():
        # Values with offsets are exact instants, whatever the offsets (daylight
        # saving, several zones): UTC lines them up without loss.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fmt = None if has_tzinfo else "ISO8601"
            try:
                parsed = pd.to_datetime(values, errors="coerce", utc=True, format=fmt)
            except (ValueError, TypeError):
                parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
        return parsed.dt.tz_localize(None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
        except (ValueError, TypeError):
            parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    failed = parsed.isna().to_numpy() & present
    if not failed.any():
        return parsed
    parsed = parsed.astype("datetime64[ns]").copy()
    rest = values[failed].astype(str)
    parts = rest.str.extract(_DAY_MONTH)
    day_month = parts[0].notna().to_numpy()
    if day_month.any():
        dm = parts[day_month]
        parsed.loc[dm.index] = _day_month_dates(dm, rest[day_month], table, column, dayfirst)
    others = rest[~day_month]
    if len(others):
        # Anything else (month names, ...): one format inferred by pandas for these
        # values; what it cannot read is reported as not a timestamp.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                guess = pd.to_datetime(others, errors="coerce")
            except (ValueError, TypeError):
                guess = pd.Series(pd.NaT, index=others.index, dtype="datetime64[ns]")
        if isinstance(guess.dtype, pd.DatetimeTZDtype):
            guess = pd.Series(pd.NaT, index=others.index, dtype="datetime64[ns]")
        parsed.loc[others.index] = guess.astype("datetime64[ns]")
    return parsed


def _day_month_dates(
    parts: pd.DataFrame,
    raw: pd.Series,
    table: str,
    column: str,
    dayfirst: bool | None,
) -> pd.Series:
    """Dates of ``dd/mm/yyyy`` or ``mm/dd/yyyy`` strings, under one convention."""
    a = parts[0].astype(np.int64).to_numpy()
    b = parts[2].astype(np.int64).to_numpy()
    if dayfirst is None:
        ambiguous = (a <= 12) & (b <= 12) & (a != b)
        if ambiguous.any():
            example = str(raw[ambiguous].iloc[0]).strip()
            evidence = ""
            if (a > 12).any():
                evidence = (
                    f" (the column also has {str(raw[a > 12].iloc[0]).strip()!r}, "
                    "which reads only day first)"
                )
            elif (b > 12).any():
                evidence = (
                    f" (the column also has {str(raw[b > 12].iloc[0]).strip()!r}, "
                    "which reads only month first)"
                )
            raise SchemaError(
                table,
                column,
                f"has {int(ambiguous.sum())} day/month dates such as {example!r} that read "
                f"both as dd/mm and as mm/dd{evidence}",
                "say which: dayfirst=True for dd/mm/yyyy or dayfirst=False for mm/dd/yyyy "
                "(command line: --dayfirst/--monthfirst; config: [time] dayfirst), or give "
                "time_format='%d/%m/%Y %H:%M'.",
                rows=_offending(ambiguous, raw.index),
            )
        # No value reads both ways (a > 12, b > 12 or a == b): any convention that
        # reads a value is the only one; refuse values that need both.
        if (a > 12).any() and (b > 12).any():
            raise SchemaError(
                table,
                column,
                f"mixes dd/mm dates such as {str(raw[a > 12].iloc[0]).strip()!r} with mm/dd "
                f"dates such as {str(raw[b > 12].iloc[0]).strip()!r}",
                "fix the column so that it uses one convention, or give time_format=.",
                rows=_offending(b > 12, raw.index),
            )
        dayfirst = bool((a > 12).any())
    day, month = (a, b) if dayfirst else (b, a)
    year = parts[3].astype(np.int64).to_numpy()
    year = np.where(
        parts[3].str.len().to_numpy() == 2, np.where(year < 70, 2000, 1900) + year, year
    )
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    text = (
        pd.Series(year, index=parts.index).astype(str).str.zfill(4)
        + "-"
        + pd.Series(np.where(valid, month, 1), index=parts.index).astype(str).str.zfill(2)
        + "-"
        + pd.Series(np.where(valid, day, 1), index=parts.index).astype(str).str.zfill(2)
        + parts[4].fillna("").str.rstrip()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    out = out.astype("datetime64[ns]")
    return out.where(valid)


def _now() -> pd.Timestamp:
    """The moment of the call, UTC, tz-naive (only ever used to refuse data)."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def _future_hint(argument: str) -> str:
    return (
        "fix or drop the future-dated rows (placeholder dates such as 2099-01-01, devices "
        f"with a wrong clock), or pass {argument}=<the end of your observation window>: "
        "later rows are then ignored and counted in a warning."
    )


def refuse_future(values: pd.Series, *, table: str, column: str, argument: str = "as_of") -> None:
    """Refuse timestamps later than the moment of the call, naming the rows.

    Used where ``as_of`` defaults to the latest timestamp in the data: a
    future date would silently move it (and every censored number).
    """
    if len(values) == 0:
        return
    now = _now()
    later = (values > now).to_numpy()
    if later.any():
        raise SchemaError(
            table,
            column,
            f"has {int(later.sum())} timestamps later than the moment of this call "
            f"({now:%Y-%m-%d %H:%M} UTC), up to {values[later].max()}",
            _future_hint(argument),
            rows=_offending(later, values.index),
        )


def warn_after_as_of(
    values: pd.Series, as_of: pd.Timestamp, *, table: str, column: str
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows later than ``as_of`` (a mask); warns with their count when there are any."""
    later = (values > as_of).to_numpy()
    n = int(later.sum())
    if n:
        warnings.warn(
            f"{table}: {n:,} rows have {column!r} after as_of {as_of:%Y-%m-%d %H:%M} "
            f"(up to {values[later].max()}); they are ignored.",
            UserWarning,
            stacklevel=3,
        )
    return np.asarray(later, dtype=bool)


def coerce_as_of(
    as_of: object,
    default: pd.Timestamp | None,
    *,
    argument: str = "as_of",
    table: str = "data",
    column: str | None = None,
) -> pd.Timestamp:
    """Parse an ``as_of`` option; ``None`` means ``default`` (the latest time in the data).

    A default later than the moment of the call is a :class:`SchemaError`
    (future-dated rows would silently move ``as_of``): the caller passes
    ``as_of`` to ignore them.
    """
    if as_of is None:
        if default is None or pd.isna(default):
            raise ValueError(
                f"{argument} could not be derived from the data (the table is empty).\n"
                f"Hint: pass {argument}=<a timestamp> explicitly."
            )
        ts_default = pd.Timestamp(default)
        if ts_default.tzinfo is not None:
            ts_default = ts_default.tz_convert("UTC").tz_localize(None)
        now = _now()
        if ts_default > now:
            raise SchemaError(
                table,
                column,
                f"has timestamps later than the moment of this call ({now:%Y-%m-%d %H:%M} UTC), "
                f"up to {ts_default}, so {argument} cannot default to the latest one",
                _future_hint(argument),
            )
        return ts_default
    try:
        ts = pd.Timestamp(as_of)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise TypeError(
            f"{argument}={as_of!r} is not a timestamp.\n"
            f"Hint: pass a pd.Timestamp, a datetime or an ISO string like '2024-06-30'."
        ) from exc
    if pd.isna(ts):
        raise ValueError(f"{argument} is NaT.\nHint: pass a real timestamp or None.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _renamed(
    df: pd.DataFrame,
    mapping: dict[str, str],
    keep_extra: bool = True,
    replace: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """A new frame with user columns renamed to canonical names (no data copied).

    ``replace`` gives already-coerced columns by canonical name; building the
    frame from them directly avoids a column-assignment copy of event-sized data.
    """
    cols: dict[str, pd.Series] = {}
    for canonical, actual in mapping.items():
        cols[canonical] = (replace or {}).get(canonical, df[actual])
    if keep_extra:
        used = set(mapping.values())
        for c in df.columns:
            if c not in used and c not in cols:
                cols[c] = df[c]
    return pd.DataFrame(cols, index=df.index, copy=False)


def _check_unique(df: pd.DataFrame, table: str, columns: list[str], hint: str) -> None:
    dup = df.duplicated(subset=columns, keep="first").to_numpy()
    if dup.any():
        label = columns[0] if len(columns) == 1 else " × ".join(columns)
        raise SchemaError(
            table,
            label,
            f"has {int(dup.sum())} duplicate rows",
            hint,
            rows=_offending(dup, df.index),
        )


# --------------------------------------------------------------------------- tables


def validate_events(
    events: object,
    *,
    account_col: str = "account_id",
    event_col: str | None = "event",
    time_col: str = "timestamp",
    user_col: str | None = None,
    table: str = "events",
) -> pd.DataFrame:
    """Validate an events table and return it with canonical column names.

    Returns a frame with ``account_id`` (categorical), ``event`` (categorical,
    when ``event_col`` is given), ``timestamp`` (``datetime64[ns]``),
    ``user_id`` (categorical, when ``user_col`` is given) and any extra
    columns unchanged. ``account_col`` may name any entity column (for user
    retention, ``user_id``): it is returned as ``account_id``.

    ``events`` may be any frame narwhals supports (converted once by
    :func:`adoptmetrics._schema._frames.to_pandas`, columns checked first) or an
    ``am.EventLog``, whose validated frame is reused (no second validation).
    """
    from_log = getattr(events, "_am_validated_events", None)
    if from_log is not None:
        logged: pd.DataFrame = from_log(
            account_col=account_col,
            event_col=event_col,
            time_col=time_col,
            user_col=user_col,
            table=table,
        )
        return logged
    required = {"account_col": account_col, "time_col": time_col}
    if event_col is not None:
        required["event_col"] = event_col
    if user_col is not None:
        required["user_col"] = user_col
    df = _require_frame(to_pandas(events, table, required=required), table)
    _require_column(df, table, account_col, "account_col")
    _require_column(df, table, time_col, "time_col")
    mapping = {"account_id": account_col}
    if event_col is not None:
        _require_column(df, table, event_col, "event_col")
        mapping["event"] = event_col
    mapping["timestamp"] = time_col
    if user_col is not None:
        _require_column(df, table, user_col, "user_col")
        mapping["user_id"] = user_col
    coerced = {
        "account_id": _event_ids(df[account_col], table, account_col, "account_col"),
        "timestamp": coerce_timestamps(df[time_col], table=table, column=time_col),
    }
    if event_col is not None:
        ev = df[event_col]
        if not isinstance(ev.dtype, pd.CategoricalDtype) and not (
            ev.dtype == object or pd.api.types.is_string_dtype(ev.dtype)
        ):
            ev = ev.astype(str).where(ev.notna())  # numbers as names: their text
        coerced["event"], nulls = encode_ids(ev)
        if nulls:
            null = ev.isna().to_numpy()
            raise SchemaError(
                table,
                event_col,
                f"has {nulls} missing event names",
                "drop those rows or fill them with a name such as 'unknown'.",
                rows=_offending(null, ev.index),
            )
    if user_col is not None:
        coerced["user_id"] = _event_ids(df[user_col], table, user_col, "user_col")
    return _renamed(df, mapping, replace=coerced)


def _event_ids(series: pd.Series, table: str, column: str, argument: str) -> pd.Series:
    """Ids as a sorted categorical in one pass (see ``encode_ids``); nulls refused."""
    out, nulls = encode_ids(series)
    if nulls:
        _ids(series, table, column, argument)  # raises, naming the first null rows
    return out


def validate_accounts(
    accounts: object,
    *,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str | None = "churned_at",
    require_churn: bool = False,
    table: str = "accounts",
) -> pd.DataFrame:
    """Validate an accounts table and return it with canonical column names.

    Returns ``account_id`` (categorical), ``started_at``, ``churned_at``
    (``NaT`` while active; all ``NaT`` when the column is absent and
    ``require_churn`` is false) and every attribute column unchanged.
    Duplicate accounts, missing start dates and churn before start are refused.
    """
    df = _require_frame(accounts, table)
    _require_column(df, table, account_col, "account_col")
    _require_column(df, table, start_col, "start_col")
    mapping = {"account_id": account_col, "started_at": start_col}
    has_churn = churn_col is not None and churn_col in df.columns
    if churn_col is not None and require_churn and not has_churn:
        _require_column(df, table, churn_col, "churn_col")
    if has_churn:
        mapping["churned_at"] = str(churn_col)
    out = _renamed(df, mapping)
    if not has_churn:
        out["churned_at"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    out["account_id"] = _ids(out["account_id"], table, account_col, "account_col")
    _check_unique(
        out,
        table,
        ["account_id"],
        "keep one row per account (e.g. accounts.drop_duplicates('account_id', keep='last')).",
    )
    out["started_at"] = coerce_timestamps(out["started_at"], table=table, column=start_col)
    out["churned_at"] = coerce_timestamps(
        out["churned_at"], table=table, column=churn_col or "churned_at", allow_null=True
    )
    before = (out["churned_at"] < out["started_at"]).to_numpy()
    if before.any():
        raise SchemaError(
            table,
            churn_col or "churned_at",
            f"is earlier than {start_col!r} in {int(before.sum())} rows",
            "check those accounts: a churn date must be on or after the start date "
            "(swap the columns if they were mixed up).",
            rows=_offending(before, out.index),
        )
    return out


def validate_nps(
    responses: object,
    *,
    account_col: str = "account_id",
    score_col: str = "score",
    time_col: str | None = "timestamp",
    user_col: str | None = None,
    table: str = "nps",
) -> pd.DataFrame:
    """Validate NPS responses; scores must be integers 0–10.

    Returns ``account_id`` (categorical), ``score`` (``int64``),
    ``timestamp`` (when ``time_col`` is given and present), ``user_id`` (when
    given) and extra columns unchanged.
    """
    df = _require_frame(responses, table)
    _require_column(df, table, account_col, "account_col")
    _require_column(df, table, score_col, "score_col")
    mapping = {"account_id": account_col, "score": score_col}
    if time_col is not None:
        _require_column(df, table, time_col, "time_col")
        mapping["timestamp"] = time_col
    if user_col is not None:
        _require_column(df, table, user_col, "user_col")
        mapping["user_id"] = user_col
    out = _renamed(df, mapping)
    out["account_id"] = _ids(out["account_id"], table, account_col, "account_col")
    if user_col is not None:
        out["user_id"] = _ids(out["user_id"], table, user_col, "user_col")
    out["score"] = _scores(out["score"], table, score_col)
    if time_col is not None:
        out["timestamp"] = coerce_timestamps(out["timestamp"], table=table, column=time_col)
    return out


def _scores(s: pd.Series, table: str, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        raise SchemaError(
            table,
            column,
            f"has dtype {s.dtype}, not integer scores",
            f"convert it with pd.to_numeric(df[{column!r}]) and make sure it holds 0–10.",
        )
    null = s.isna().to_numpy()
    if null.any():
        raise SchemaError(
            table,
            column,
            f"has {int(null.sum())} missing scores",
            "drop unanswered surveys before calling (responses.dropna(subset=[...])).",
            rows=_offending(null, s.index),
        )
    values = s.to_numpy(dtype=float)
    non_int = values != np.round(values)
    if non_int.any():
        raise SchemaError(
            table,
            column,
            f"has {int(non_int.sum())} non-integer scores",
            "NPS answers are whole numbers 0–10; round or drop those rows.",
            rows=_offending(non_int, s.index),
        )
    out_of_range = (values < 0) | (values > 10)
    if out_of_range.any():
        raise SchemaError(
            table,
            column,
            f"has {int(out_of_range.sum())} scores outside 0–10",
            "NPS answers are whole numbers 0–10; drop or correct those rows "
            "(a 1–10 or 0–100 scale must be rescaled first).",
            rows=_offending(out_of_range, s.index),
        )
    return pd.Series(values.astype(np.int64), index=s.index, name=s.name)


def validate_mrr(
    mrr: object,
    *,
    account_col: str = "account_id",
    month_col: str = "month",
    mrr_col: str = "mrr",
    table: str = "mrr",
) -> pd.DataFrame:
    """Validate a monthly recurring revenue table (account × month).

    Returns ``account_id`` (categorical), ``month`` (normalised to the first
    day of the month), ``mrr`` (``float64``, non-negative). Duplicate
    (account, month) rows are refused.
    """
    df = _require_frame(mrr, table)
    for col, arg in ((account_col, "account_col"), (month_col, "month_col"), (mrr_col, "mrr_col")):
        _require_column(df, table, col, arg)
    out = _renamed(df, {"account_id": account_col, "month": month_col, "mrr": mrr_col})
    out["account_id"] = _ids(out["account_id"], table, account_col, "account_col")
    month = coerce_timestamps(out["month"], table=table, column=month_col)
    out["month"] = month.dt.to_period("M").dt.to_timestamp()
    values = out["mrr"]
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        raise SchemaError(
            table,
            mrr_col,
            f"has dtype {values.dtype}, not numbers",
            f"convert it with pd.to_numeric(df[{mrr_col!r}]).",
        )
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise SchemaError(
            table,
            mrr_col,
            f"has {int(bad.sum())} missing, infinite or negative values",
            "MRR is a non-negative amount; use 0 for months without revenue.",
            rows=_offending(bad, values.index),
        )
    out["mrr"] = arr
    _check_unique(
        out,
        table,
        ["account_id", "month"],
        "keep one row per account and month (sum the amounts with "
        "mrr.groupby(['account_id', 'month'], as_index=False)['mrr'].sum()).",
    )
    return out


def validate_expansions(
    expansions: object,
    *,
    account_col: str = "account_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
    table: str = "expansions",
) -> pd.DataFrame:
    """Validate an expansions table: ``account_id``, ``timestamp``[, ``amount``]."""
    df = _require_frame(expansions, table)
    _require_column(df, table, account_col, "account_col")
    _require_column(df, table, time_col, "time_col")
    mapping = {"account_id": account_col, "timestamp": time_col}
    if amount_col is not None:
        _require_column(df, table, amount_col, "amount_col")
        mapping["amount"] = amount_col
    out = _renamed(df, mapping)
    out["account_id"] = _ids(out["account_id"], table, account_col, "account_col")
    out["timestamp"] = coerce_timestamps(out["timestamp"], table=table, column=time_col)
    return out


def check_known_ids(
    ids: pd.Series,
    known: Iterable[Any],
    *,
    table: str,
    column: str,
    known_table: str,
) -> None:
    """Refuse ids absent from ``known`` (e.g. expansions for unknown accounts)."""
    known_index = pd.Index(list(known) if not isinstance(known, pd.Index) else known)
    unknown = ~ids.astype(object).isin(known_index).to_numpy()
    if unknown.any():
        raise SchemaError(
            table,
            column,
            f"has {int(unknown.sum())} ids that are not in the {known_table} table "
            f"(e.g. {list(ids[unknown].astype(object).head(3))})",
            f"drop those rows or add the missing ids to {known_table}.",
            rows=_offending(unknown, ids.index),
        )
