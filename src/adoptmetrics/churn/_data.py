"""Shared preparation of the accounts table for the churn functions.

Private helpers of :mod:`adoptmetrics.churn`: validation, censoring at
``as_of``, left truncation, whole-day durations, groups.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import (
    SchemaError,
    _require_column,
    coerce_as_of,
    validate_accounts,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_DAY_NS = 86_400 * 10**9


@attrs.frozen(slots=True)
class Frame:
    """Validated accounts (sorted by id) with whole-day durations."""

    data: pd.DataFrame
    duration: IntArray
    churned: BoolArray
    entry: IntArray
    as_of: pd.Timestamp


def check_days(value: object, name: str) -> int:
    """A positive whole number of days/months/periods."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r} must be an int.\nHint: e.g. {name}=90.")
    if value < 1:
        raise ValueError(f"{name}={value!r} must be at least 1.\nHint: e.g. {name}=90.")
    return int(value)


def _whole_days(delta: pd.Series) -> IntArray:
    ns = delta.to_numpy(dtype="timedelta64[ns]").view(np.int64)
    return np.asarray(ns // _DAY_NS, dtype=np.int64)


def prepare(
    accounts: object,
    *,
    as_of: object,
    observed_from: object = None,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
    extra: Sequence[str] = (),
    active_only: bool = False,
) -> Frame:
    """Validate, censor at ``as_of``, apply left truncation, sort by id."""
    acc = validate_accounts(
        accounts,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        require_churn=not active_only,
    )
    for col in extra:
        _require_column(acc, "accounts", col, "by/covariates")
    latest = pd.concat([acc["started_at"], acc["churned_at"]]).max()
    ts = coerce_as_of(as_of, None if pd.isna(latest) else pd.Timestamp(latest))
    churned_at = acc["churned_at"].where(acc["churned_at"] <= ts)
    keep = (acc["started_at"] <= ts).to_numpy()
    if active_only:
        keep &= churned_at.isna().to_numpy()
    entry_ts: pd.Timestamp | None = None
    if observed_from is not None:
        entry_ts = coerce_as_of(observed_from, None, argument="observed_from")
        if entry_ts > ts:
            raise ValueError(
                f"observed_from ({entry_ts.date()}) is after as_of ({ts.date()}).\n"
                "Hint: observed_from is when churn recording began; it must precede as_of."
            )
        keep &= ~(churned_at < entry_ts).to_numpy()
    if not keep.any():
        raise ValueError(
            f"no accounts started on or before as_of={ts.date()}"
            + (" and were still active then" if active_only else "")
            + ".\nHint: check as_of and the start dates."
        )
    data = acc.loc[keep]
    churned_at = churned_at[keep]
    order = np.argsort(data["account_id"].astype(str).to_numpy(), kind="stable")
    data = data.iloc[order].reset_index(drop=True)
    churned_at = churned_at.iloc[order].reset_index(drop=True)
    churned = churned_at.notna().to_numpy()
    end = churned_at.fillna(ts)
    duration = _whole_days(end - data["started_at"])
    if entry_ts is None:
        entry = np.zeros(len(data), dtype=np.int64)
    else:
        entry = np.clip(_whole_days(entry_ts - data["started_at"]), 0, duration)
    return Frame(data, duration, churned, entry, ts)


def group_codes(data: pd.DataFrame, by: str | Sequence[str] | None) -> tuple[IntArray, list[str]]:
    """Integer group codes (sorted labels) and labels; warns on one-account groups."""
    if by is None:
        return np.zeros(len(data), dtype=np.int64), ["all"]
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise ValueError("by must name at least one column.\nHint: e.g. by='plan'.")
    for col in cols:
        null = data[col].isna().to_numpy()
        if null.any():
            raise SchemaError(
                "accounts",
                col,
                f"has {int(null.sum())} missing values",
                f"fill them (e.g. accounts[{col!r}].fillna('unknown')) or drop those accounts.",
                rows=list(data.index[np.flatnonzero(null)[:5]]),
            )
    strings = [data[c].astype(str).to_numpy().astype(str) for c in cols]
    label = strings[0]
    for s in strings[1:]:
        label = np.char.add(np.char.add(label, " | "), s)
    labels, codes = np.unique(label, return_inverse=True)
    counts = np.bincount(codes, minlength=len(labels))
    single = labels[counts == 1]
    if single.size:
        warnings.warn(
            f"group(s) {[str(x) for x in single[:5]]} of by={by!r} have a single account; "
            "their curves and tests say almost nothing.\n"
            "Hint: merge rare values into an 'other' group.",
            UserWarning,
            stacklevel=4,
        )
    return codes.astype(np.int64), [str(x) for x in labels]


def by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def warn_past_followup(duration: npt.NDArray[np.int64], horizon_days: float, label: str) -> None:
    longest = int(duration.max()) if duration.size else 0
    if horizon_days > longest + 1:
        warnings.warn(
            f"group {label!r}: the horizon ({horizon_days:.0f} days) runs past the longest "
            f"follow-up ({longest} days); the Kaplan–Meier curve is held flat beyond it, "
            "which overstates survival if churn continues.\n"
            "Hint: shorten the horizon, or use a ChurnModel (parametric tail).",
            UserWarning,
            stacklevel=3,
        )
