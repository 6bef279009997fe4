"""The boundary of the impact functions: exposures, accounts and options."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import (
    SchemaError,
    _require_column,
    _require_frame,
    coerce_timestamps,
    validate_accounts,
)
from adoptmetrics.activity import period_index
from adoptmetrics.activity._encode import _NS_PER_DAY

NS_PER_DAY = _NS_PER_DAY
BUILT_IN_OUTCOMES = ("active", "retained", "active_days")


def positive_days(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ValueError(
            f"{name} must be a positive whole number of days, got {value!r}.\n"
            f"Hint: pass e.g. {name}=28."
        )
    return int(value)


def day_of(
    ts: pd.Series | pd.DatetimeIndex | npt.NDArray[np.datetime64],
) -> npt.NDArray[np.int64]:
    """Whole days since 1970-01-01: the activity layer's day index."""
    return period_index(np.asarray(ts, dtype="datetime64[ns]"), "day")


def exposures_frame(
    exposures: object,
    *,
    account_col: str,
    campaign_col: str,
    time_col: str,
) -> pd.DataFrame:
    """Canonical exposures: ``account_id`` (str), ``campaign`` (str), ``exposed_at``."""
    df = _require_frame(exposures, "exposures")
    for col, arg in (
        (account_col, "exposure_account_col"),
        (campaign_col, "campaign_col"),
        (time_col, "exposure_time_col"),
    ):
        _require_column(df, "exposures", col, arg)
    if len(df) == 0:
        raise SchemaError(
            "exposures",
            None,
            "has no rows",
            "pass at least one exposure (account, campaign, time).",
        )
    for col, arg in ((account_col, "exposure_account_col"), (campaign_col, "campaign_col")):
        null = df[col].isna().to_numpy()
        if null.any():
            raise SchemaError(
                "exposures",
                col,
                f"has {int(null.sum())} missing values",
                f"drop the rows without a value, or pass {arg}= to name another column.",
                rows=list(df.index[np.flatnonzero(null)[:5]]),
            )
    out = pd.DataFrame(
        {
            "account_id": df[account_col].astype(str).to_numpy(),
            "campaign": df[campaign_col].astype(str).to_numpy(),
            "exposed_at": coerce_timestamps(
                df[time_col], table="exposures", column=time_col
            ).to_numpy(),
        }
    )
    dup = out.duplicated(["account_id", "campaign"]).to_numpy()
    if dup.any():
        warnings.warn(
            f"exposures: {int(dup.sum())} repeated (account, campaign) rows; the earliest "
            "exposure of each account to a campaign is used.",
            UserWarning,
            stacklevel=3,
        )
        out = out.sort_values("exposed_at", kind="stable").drop_duplicates(
            ["account_id", "campaign"]
        )
    return out.reset_index(drop=True)


def accounts_frame(
    accounts: object,
    *,
    account_col: str,
    start_col: str,
    churn_col: str,
    match_on: Sequence[str],
) -> pd.DataFrame:
    """Validated accounts with string ids; ``match_on`` columns checked."""
    df = validate_accounts(
        accounts, account_col=account_col, start_col=start_col, churn_col=churn_col
    )
    for col in match_on:
        _require_column(df, "accounts", col, "match_on")
    out = df.copy()
    out["account_id"] = out["account_id"].astype(str)
    return out.set_index("account_id")


def attribute_matrix(
    accounts: pd.DataFrame | None, ids: pd.Index, match_on: Sequence[str]
) -> tuple[npt.NDArray[np.float64], tuple[str, ...]]:
    """Numeric columns as they are; other columns as one 0/1 column per value."""
    if not match_on:
        return np.zeros((len(ids), 0)), ()
    if accounts is None:
        raise ValueError(
            "match_on names account attributes, but no accounts table was given.\n"
            "Hint: pass accounts=<your accounts table>."
        )
    frame = accounts.reindex(ids)
    cols: list[npt.NDArray[np.float64]] = []
    names: list[str] = []
    for col in match_on:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            vals = s.to_numpy(dtype=float, na_value=np.nan)
            bad = np.isnan(vals) & np.asarray(ids.isin(accounts.index))
            if bad.any():
                raise SchemaError(
                    "accounts",
                    col,
                    f"has {int(bad.sum())} missing values in a match_on column",
                    "fill them (or leave the column out of match_on).",
                    rows=list(ids[np.flatnonzero(bad)[:5]]),
                )
            cols.append(np.nan_to_num(vals, nan=float(np.nanmean(vals)) if len(vals) else 0.0))
            names.append(col)
        else:
            levels = pd.Index(s.dropna().astype(str).unique()).sort_values()
            for level in levels:
                cols.append((s.astype(str) == level).to_numpy(dtype=float))
                names.append(f"{col}={level}")
    return np.column_stack(cols), tuple(names)


def check_outcome(outcome: object, event_names: pd.Index, *, has_accounts: bool) -> str:
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a string, got {type(outcome).__name__}.")
    if outcome == "retained" and not has_accounts:
        raise ValueError(
            "outcome='retained' needs churn dates.\n"
            "Hint: pass accounts=<table with started_at and churned_at>."
        )
    if outcome in BUILT_IN_OUTCOMES or outcome in set(event_names.astype(str)):
        return outcome
    close = difflib.get_close_matches(outcome, [str(e) for e in event_names], n=3)
    hint = f" Did you mean {close}?" if close else ""
    raise ValueError(
        f"outcome {outcome!r} is neither a built-in outcome {list(BUILT_IN_OUTCOMES)} nor an "
        f"event name in the events.{hint}\nHint: pass one of the built-ins or an event name."
    )
