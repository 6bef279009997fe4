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
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from adoptmetrics._schema._errors import (
    SchemaError,
    _duplicate_column_error,
    _offending,
)
from adoptmetrics._schema._frames import encode_ids, to_pandas
from adoptmetrics._schema._parallel import in_parallel
from adoptmetrics._schema._timestamps import (
    coerce_as_of,
    coerce_timestamps,
    refuse_future,
    warn_after_as_of,
)

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

# --------------------------------------------------------------------------- helpers


def _require_frame(obj: object, table: str) -> pd.DataFrame:
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(
            f"{table} must be a pandas DataFrame, got {type(obj).__name__}.\n"
            f"Hint: build one with pd.DataFrame(...) or read it with pd.read_csv/pd.read_parquet."
        )
    require_unique_columns(obj, table)
    return obj


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
    tasks: dict[str, Callable[[], pd.Series]] = {
        "account_id": lambda: _event_ids(df[account_col], table, account_col, "account_col"),
        "timestamp": lambda: coerce_timestamps(df[time_col], table=table, column=time_col),
    }
    if event_col is not None:
        tasks["event"] = lambda: _event_names(df[event_col], table, event_col)
    if user_col is not None:
        tasks["user_id"] = lambda: _event_ids(df[user_col], table, user_col, "user_col")
    coerced = dict(zip(tasks, in_parallel(list(tasks.values()), len(df)), strict=True))
    return _renamed(df, mapping, replace=coerced)


def _event_names(ev: pd.Series, table: str, column: str) -> pd.Series:
    """Event names as a sorted categorical; missing names refused."""
    if not isinstance(ev.dtype, pd.CategoricalDtype) and not (
        ev.dtype == object or pd.api.types.is_string_dtype(ev.dtype)
    ):
        ev = ev.astype(str).where(ev.notna())  # numbers as names: their text
    out, nulls = encode_ids(ev)
    if nulls:
        null = ev.isna().to_numpy()
        raise SchemaError(
            table,
            column,
            f"has {nulls} missing event names",
            "drop those rows or fill them with a name such as 'unknown'.",
            rows=_offending(null, ev.index),
        )
    return out


def _event_ids(series: pd.Series, table: str, column: str, argument: str) -> pd.Series:
    """Ids as a sorted categorical in one pass (see ``encode_ids``); nulls refused."""
    out, nulls = encode_ids(series)
    if nulls:
        _ids(series, table, column, argument)  # raises, naming the first null rows
    return out


def _unique_ids(series: pd.Series, table: str, column: str) -> pd.Series:
    """One id per row: the one encoding (see ``encode_ids``) gives the sorted
    categories, the codes and, by counting the codes, the duplicates."""
    out = _event_ids(series, table, column, "account_col")
    codes = out.cat.codes.to_numpy()
    n_distinct = int(np.count_nonzero(np.bincount(codes, minlength=len(out.cat.categories))))
    if n_distinct < len(codes):
        dup = pd.Series(codes).duplicated(keep="first").to_numpy()
        raise SchemaError(
            table,
            "account_id",
            f"has {len(codes) - n_distinct} duplicate rows",
            "keep one row per account (e.g. accounts.drop_duplicates('account_id', keep='last')).",
            rows=_offending(dup, series.index),
        )
    return out


def validate_accounts(
    accounts: object,
    *,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str | None = "churned_at",
    require_churn: bool = False,
    table: str = "accounts",
    ids_proven_unique: bool = False,
) -> pd.DataFrame:
    """Validate an accounts table and return it with canonical column names.

    Returns ``account_id`` (categorical), ``started_at``, ``churned_at``
    (``NaT`` while active; all ``NaT`` when the column is absent and
    ``require_churn`` is false) and every attribute column unchanged.
    Duplicate accounts, missing start dates and churn before start are refused.
    ``ids_proven_unique`` (for callers that proved it, with a categorical of
    distinct codes) skips counting the ids again.
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
    if not ids_proven_unique:
        out["account_id"] = _unique_ids(out["account_id"], table, account_col)
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
    # to_timestamp gives microseconds under pandas 3: the library works in nanoseconds
    out["month"] = month.dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]")
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
