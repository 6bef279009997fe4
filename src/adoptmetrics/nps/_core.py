"""Private helpers shared by the NPS functions: validation, per-entity
aggregation, category counts and the small-sample warning."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._errors import _offending
from adoptmetrics._schema._validate import (
    SchemaError,
    _require_column,
    coerce_as_of,
    validate_nps,
)
from adoptmetrics._stats import _intervals as _stats

CATEGORIES: tuple[str, ...] = ("detractor", "passive", "promoter")
MIN_RESPONSES = 30
_PERIODS = ("week", "month", "quarter", "year")


# --------------------------------------------------------------------------- helpers


def _categorize(values: npt.ArrayLike) -> pd.Categorical:
    """Ordered categories from (possibly fractional) scores: ≥ 9, ≥ 7, below 7."""
    v = np.asarray(values, dtype=float)
    codes = np.where(v >= 9, 2, np.where(v >= 7, 1, 0))
    dtype = pd.CategoricalDtype(list(CATEGORIES), ordered=True)
    return pd.Categorical.from_codes(codes, dtype=dtype)


def _check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"{name}={value!r} is not supported.\nHint: use one of {', '.join(map(repr, choices))}."
        )
    return value


_RESERVED = ("account_id", "score", "timestamp", "user_id", "period")

By = str | Sequence[str] | pd.Series | Mapping[Any, Any] | None


def _series_name(by: pd.Series) -> str:
    return str(by.name) if by.name is not None else "segment"


def _resolve_by(
    df: pd.DataFrame, by: By, *, table: str = "nps", key: str = "account_id"
) -> tuple[pd.DataFrame, list[str]]:
    """The group columns of ``by``, adding a mapped segment column when ``by`` is a Series.

    ``by`` is a column name, a list of names, or a Series (or dict) mapping the
    ids in ``key`` (account ids) to segments; the mapped column is named after
    the Series (``segment`` when unnamed). Error messages never print the
    Series itself.
    """
    if by is None:
        return df, []
    if isinstance(by, Mapping) and not isinstance(by, pd.Series):
        by = pd.Series(dict(by), dtype=object)
    if isinstance(by, pd.Series):
        name = _series_name(by)
        if name in _RESERVED:
            raise ValueError(
                f"by is a Series named {name!r}, a column the result already has.\n"
                "Hint: rename it, e.g. by=segments.rename('plan')."
            )
        if by.index.has_duplicates:
            raise SchemaError(
                "by",
                "index",
                f"has {int(by.index.duplicated().sum())} duplicate account ids",
                "pass one segment per account, e.g. accounts.set_index('account_id')['plan'].",
                rows=_offending(by.index.duplicated(), by.index),
            )
        lookup = pd.Index(by.index.astype(str))
        ids = df[key].astype(str).to_numpy()
        pos = lookup.get_indexer(pd.Index(ids))
        values = by.to_numpy()[np.maximum(pos, 0)] if len(by) else np.full(len(ids), None)
        missing = (pos < 0) | pd.isna(values)
        if missing.any():
            shown = sorted(set(ids[missing]))[:5]
            raise SchemaError(
                "by",
                None,
                f"gives no segment for {len(set(ids[missing]))} responding accounts (e.g. {shown})",
                "give every account a segment (fill gaps with e.g. 'unknown'), or drop "
                "those responses before calling.",
            )
        return df.assign(**{name: pd.Series(values, index=df.index)}), [name]
    groups = [by] if isinstance(by, str) else by
    if (
        not isinstance(groups, Sequence)
        or isinstance(groups, (pd.DataFrame, np.ndarray))
        or not all(isinstance(b, str) for b in groups)
    ):
        raise TypeError(
            f"by must be a column name, a list of column names or a Series mapping account id "
            f"to segment, not {type(by).__name__}.\n"
            "Hint: pass by='plan', by=['plan', 'region'] or "
            "by=accounts.set_index('account_id')['plan']."
        )
    for col in groups:
        _require_column(df, table, col, "by")
        if col in _RESERVED:
            raise ValueError(
                f"by={col!r} groups by a column the function reads itself.\n"
                "Hint: group by an attribute such as 'plan'."
            )
    return df, list(groups)


def _validated(
    responses: object,
    *,
    since: object = None,
    until: object = None,
    table: str = "nps",
    **cols: Any,
) -> pd.DataFrame:
    """validate_nps, then drop unnamed time/user columns and apply the since/until window."""
    df = validate_nps(responses, table=table, **cols)
    # Only the columns the caller named count as time and user ids.
    unnamed = [c for c, a in (("timestamp", "time_col"), ("user_id", "user_col")) if not cols[a]]
    df = df.drop(columns=[c for c in unnamed if c in df.columns])
    windowed = since is not None or until is not None
    if windowed and cols["time_col"] is None:
        raise ValueError("since/until need time_col.\nHint: pass time_col='timestamp'.")
    if since is not None:
        df = df[df["timestamp"] >= coerce_as_of(since, None, argument="since")]
    if until is not None:
        df = df[df["timestamp"] <= coerce_as_of(until, None, argument="until")]
    if len(df) == 0:
        raise SchemaError(
            table,
            None,
            "has no responses" + (" between since and until" if windowed else ""),
            "pass a table with at least one response (and check since/until).",
        )
    return df


def _cols(account: str, score: str, time: str | None, user: str | None) -> dict[str, Any]:
    return {"account_col": account, "score_col": score, "time_col": time, "user_col": user}


def _check_options(
    per: str, account_score: str, method: str, confidence: float, pers: Sequence[str]
) -> None:
    _check_choice("per", per, pers)
    _check_choice("account_score", account_score, ("latest", "user_mean"))
    _check_choice("method", method, ("wald", "adjusted_wald"))
    _stats.check_confidence(confidence)


def _text_rank(values: pd.Series) -> npt.NDArray[np.int64] | None:
    """Per row, the rank of its id among the distinct ids in string order.

    Computed on the distinct values (a categorical's categories), not one
    string per row; ``None`` unless every value is a non-null string.
    """
    if values.dtype == "datetime64[ns]":
        # One format for the whole column, and nanosecond times have 4-digit years
        # (1677-2262): their ISO strings sort like the times.
        ns = values.to_numpy().view(np.int64)
        if len(ns) == 0 or values.isna().any():
            return None
        _, when = np.unique(ns, return_inverse=True)
        return np.asarray(when, dtype=np.int64).reshape(-1)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes.to_numpy(), dtype=np.int64)
        uniques = pd.Index(values.cat.categories)
    else:
        raw, found = pd.factorize(values)
        codes, uniques = np.asarray(raw, dtype=np.int64), pd.Index(found)
    if len(codes) == 0 or (codes < 0).any() or uniques.inferred_type != "string":
        return None
    _, rank = np.unique(np.asarray(uniques, dtype=object), return_inverse=True)
    return np.asarray(rank, dtype=np.int64).reshape(-1)[codes]


def _latest_per(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Each key's latest row; ties at the same time go to the higher score.

    Rows come out sorted by the keys' string forms (then time and score).
    """
    ranks = [_text_rank(df[k]) for k in reversed(keys)]
    if all(r is not None for r in ranks):
        fast = [r for r in ranks if r is not None]
        order = np.lexsort((df["score"].to_numpy(), df["timestamp"].to_numpy(), *fast))
        # Equal ranks are equal ids: a group's last row is followed by another id.
        last = np.ones(len(order), dtype=bool)
        if len(order) > 1:
            same = np.ones(len(order) - 1, dtype=bool)
            for r in fast:
                sorted_r = r[order]
                same &= sorted_r[1:] == sorted_r[:-1]
            last[:-1] = ~same
        return df.iloc[order[last]]
    cols = [df[k].astype(str).to_numpy() for k in reversed(keys)]
    order = np.lexsort((df["score"].to_numpy(), df["timestamp"].to_numpy(), *cols))
    ordered = df.iloc[order]
    keep = ~ordered.duplicated(subset=keys, keep="last").to_numpy()
    return ordered[keep]


def _joined(df: pd.DataFrame, keys: list[str]) -> pd.Index:
    """One string key per row from several key columns."""
    joined = df[keys[0]].astype(str)
    for k in keys[1:]:
        joined = joined + "\x1f" + df[k].astype(str)
    return pd.Index(joined.to_numpy())


def _per_entity(
    df: pd.DataFrame, *, per: str, account_score: str, extra_keys: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per account (or per account and extra keys) under the chosen rule."""
    keys = [*extra_keys, "account_id"]
    if per == "user":
        return _latest_per(df, [*extra_keys, "account_id", "user_id"]).reset_index(drop=True)
    if per == "response":
        return df.reset_index(drop=True)
    if "timestamp" not in df.columns:
        raise ValueError(
            "per='account' picks each account's latest response and needs time_col.\n"
            "Hint: pass time_col='<column with the response time>'."
        )
    if account_score == "latest":
        return _latest_per(df, keys).reset_index(drop=True)
    if "user_id" not in df.columns:
        raise ValueError(
            "account_score='user_mean' averages each user's latest score and needs user_col.\n"
            "Hint: pass user_col='user_id', or use account_score='latest'."
        )
    users = _latest_per(df, [*keys, "user_id"])
    latest = _latest_per(users, keys).reset_index(drop=True)
    mean = users.groupby(_joined(users, keys), sort=False)["score"].mean()
    latest["score"] = mean.reindex(_joined(latest, keys)).to_numpy()
    return latest


def _counts(
    df: pd.DataFrame, group: list[str], *, method: str = "adjusted_wald", confidence: float = 0.95
) -> pd.DataFrame:
    """Category counts, observed NPS and its interval per group."""
    codes = np.asarray(_categorize(df["score"].to_numpy()).codes)
    frame = pd.DataFrame({g: df[g].reset_index(drop=True) for g in group}, index=range(len(df)))
    for name, code in (("promoters", 2), ("passives", 1), ("detractors", 0)):
        frame[name] = (codes == code).astype(np.int64)
    if group:
        out = frame.groupby(group, sort=True, dropna=False, observed=True).sum().reset_index()
    else:
        out = frame.sum().to_frame().T.astype(np.int64)
    pr, pa, de = (out[c].to_numpy(dtype=np.int64) for c in ("promoters", "passives", "detractors"))
    out.insert(len(group), "n", pr + pa + de)
    out["nps"], _ = _stats.nps_standard_error(pr, de, pr + pa + de, method="wald")
    ci = _stats.nps_interval(pr, de, pr + pa + de, method=method, confidence=confidence)
    out["ci_lower"], out["ci_upper"] = ci
    return out


def _warn_small(n: npt.ArrayLike, what: str) -> None:
    arr = np.asarray(n)
    small = arr < MIN_RESPONSES
    if small.any():
        where = "" if arr.size == 1 else f" in {int(small.sum())} of {arr.size} {what}"
        warnings.warn(
            f"fewer than {MIN_RESPONSES} responses{where} (smallest n={int(arr.min())}): "
            "the NPS interval is wide. Pool periods or segments, or read the interval, "
            "not the point.",
            UserWarning,
            stacklevel=3,
        )
