"""Timestamps at the boundary: one parse per column, ``as_of`` and future rows.

Strings are read under one convention per column (ISO 8601; day/month strings
only when unambiguous or when ``dayfirst``/``time_format`` says how), values
with UTC offsets are exact instants converted to UTC, and the default
``as_of`` (the latest timestamp in the data) is refused when it lies after the
moment of the call.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from adoptmetrics._schema._errors import SchemaError, _duplicate_column_error, _offending

__all__ = ["coerce_as_of", "coerce_timestamps", "refuse_future", "warn_after_as_of"]


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
    if magnitude > 9.2e18:  # beyond int64 nanoseconds: no epoch unit can hold it
        raise SchemaError(
            table,
            column,
            f"holds numbers too large to be epoch timestamps (up to {magnitude:.3g})",
            f"pass epoch seconds, milliseconds, microseconds or nanoseconds, "
            f"or parse {column!r} yourself with pd.to_datetime(..., unit=...).",
        )
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
    if dayfirst is not None:
        # The convention is given: parse with the explicit format of the first value
        # (fast); only values of another shape take the general path below.
        fmt = _day_month_format(str(rest.iloc[0]), dayfirst)
        if fmt is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                quick = pd.to_datetime(rest.str.strip(), format=fmt, errors="coerce")
            done = quick.notna().to_numpy()
            if done.any() and not isinstance(quick.dtype, pd.DatetimeTZDtype):
                parsed.loc[rest.index[done]] = quick[done].astype("datetime64[ns]")
                rest = rest[~done]
                if len(rest) == 0:
                    return parsed
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


_TIME_FORMATS = (
    (r"", ""),
    (r"[ T]\d{1,2}:\d{2}", "%H:%M"),
    (r"[ T]\d{1,2}:\d{2}:\d{2}", "%H:%M:%S"),
    (r"[ T]\d{1,2}:\d{2}:\d{2}\.\d+", "%H:%M:%S.%f"),
)


def _day_month_format(sample: str, dayfirst: bool) -> str | None:
    """The strftime format of one ``dd/mm/yyyy[ hh:mm[:ss]]`` string, or ``None``."""
    m = re.match(_DAY_MONTH, sample)
    if m is None:
        return None
    sep, year, rest = m.group(2), m.group(4), m.group(5).rstrip()
    date = ("%d{0}%m{0}" if dayfirst else "%m{0}%d{0}").format(sep)
    date += "%Y" if len(year) == 4 else "%y"
    for pattern, time_fmt in _TIME_FORMATS:
        if re.fullmatch(pattern, rest):
            return date + (rest[0] + time_fmt if rest else "")
    return None


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
    ``as_of`` to ignore them, and is then warned that they were ignored.
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
    if default is not None and not pd.isna(default):
        latest = pd.Timestamp(default)
        if latest.tzinfo is not None:
            latest = latest.tz_convert("UTC").tz_localize(None)
        now = _now()
        if latest > max(ts, now):
            # Future-dated rows (placeholders, skewed clocks) would be an error without
            # as_of; with it they are ignored like every later row, but never silently.
            warnings.warn(
                f"{table}: timestamps run up to {latest}, later than the moment of this "
                f"call ({now:%Y-%m-%d %H:%M} UTC); rows after {argument}={ts} are ignored.",
                UserWarning,
                stacklevel=3,
            )
    return ts
