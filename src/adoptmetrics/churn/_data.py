"""Shared preparation of the accounts table for the churn functions.

Private helpers of :mod:`adoptmetrics.churn`: validation, censoring at
``as_of``, left truncation, whole-day durations, groups.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, TypeAlias

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
from adoptmetrics._stats._intervals import kaplan_meier
from adoptmetrics.churn._ids import proven_unique

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_DAY_NS = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min


@attrs.frozen(slots=True)
class Frame:
    """Validated accounts (sorted by id) with whole-day durations."""

    data: pd.DataFrame
    duration: IntArray
    churned: BoolArray
    entry: IntArray
    as_of: pd.Timestamp

    def km(self, mask: BoolArray | None = None, *, confidence: float = 0.95) -> dict[str, Any]:
        """Kaplan–Meier of the accounts in ``mask`` (all when None).

        Without delayed entry the zero entries are not passed (the estimate is
        the same and skips the entry bookkeeping); a mask that keeps every
        account is not applied (no copies).
        """
        d, e, en = self.duration, self.churned, self.entry
        if mask is not None and not mask.all():
            d, e, en = d[mask], e[mask], en[mask]
        delayed = bool(en.any())
        return kaplan_meier(d, e, entry=en if delayed else None, confidence=confidence)


def check_days(value: object, name: str) -> int:
    """A positive whole number of days/months/periods."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r} must be an int.\nHint: e.g. {name}=90.")
    if value < 1:
        raise ValueError(f"{name}={value!r} must be at least 1.\nHint: e.g. {name}=90.")
    return int(value)


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
    ordered: bool = True,
) -> Frame:
    """Validate, censor at ``as_of``, apply left truncation; sort by id when ``ordered``.

    Estimates that do not depend on row order (curves, tests) pass
    ``ordered=False`` and skip sorting the ids.
    """
    acc, ascending = _validated(accounts, account_col, start_col, churn_col, not active_only)
    for col in extra:
        _require_column(acc, "accounts", col, "by/covariates")
    until = _observed_until(acc)
    start_ns = _ns(acc["started_at"])
    churn_ns = _ns(acc["churned_at"])  # NaT: the smallest int64
    latest: pd.Timestamp | None = None
    if as_of is None:  # the default needs the latest date; an explicit as_of does not
        last = max(int(start_ns.max()), int(churn_ns.max())) if len(start_ns) else _NAT
        latest = None if last == _NAT else pd.Timestamp(last)
        if until is not None:
            latest = until if latest is None else max(latest, until)
    ts = coerce_as_of(
        as_of,
        latest,
        table="accounts",
        column=f"{start_col}/{churn_col}",
    )
    if until is not None and as_of is not None and ts > until:
        warnings.warn(
            f"as_of={ts.date()} is after the table's end of observation "
            f"(observed_until={until.date()}); accounts are censored there.\n"
            "Hint: leave as_of out, or rebuild the lapse table as of the later date.",
            UserWarning,
            stacklevel=3,
        )
    censor = ts if until is None else min(ts, until)
    # NaT is the smallest int64, so "churned by the censoring date" is one comparison.
    churned = (churn_ns <= censor.value) & (churn_ns != _NAT)
    keep = start_ns <= ts.value
    if active_only:
        keep &= ~churned
    entry_ts: pd.Timestamp | None = None
    if observed_from is not None:
        entry_ts = coerce_as_of(observed_from, None, argument="observed_from")
        if entry_ts > ts:
            raise ValueError(
                f"observed_from ({entry_ts.date()}) is after as_of ({ts.date()}).\n"
                "Hint: observed_from is when churn recording began; it must precede as_of."
            )
        keep &= ~(churned & (churn_ns < entry_ts.value))
    end_ns = np.where(churned, churn_ns, censor.value)
    end_ns -= start_ns
    duration = end_ns // _DAY_NS
    if entry_ts is None:
        entry = np.zeros(len(acc), dtype=np.int64)
    else:
        entry = np.clip((entry_ts.value - start_ns) // _DAY_NS, 0, np.maximum(duration, 0))
        # (entry, duration] is empty when the follow-up ends the day observation begins:
        # such accounts are never at risk, so they are left out (as in the Cox fit).
        keep &= ~((entry >= duration) & (entry > 0))
    if not keep.any():
        raise ValueError(
            f"no accounts started on or before as_of={ts.date()}"
            + (" and were still active then" if active_only else "")
            + ".\nHint: check as_of and the start dates."
        )
    if not ordered and keep.all():  # nothing to drop or sort: no copy of the table
        acc.index = pd.RangeIndex(len(acc))
        return Frame(acc, duration, churned, entry, ts)
    order = (
        _id_order(acc["account_id"], keep) if ordered and not ascending else np.flatnonzero(keep)
    )
    data = acc.take(order).reset_index(drop=True)
    return Frame(data, duration[order], churned[order], entry[order], ts)


def _validated(
    accounts: object, account_col: str, start_col: str, churn_col: str, require_churn: bool
) -> tuple[pd.DataFrame, bool]:
    """The boundary, with one factorise of the ids.

    String ids of one byte length are proven unique from their bytes
    (:func:`adoptmetrics.churn._ids.proven_unique`); other ids are
    factorised once (a hash pass). Unique and non-null ids go
    through :func:`validate_accounts` as integer codes (so it does not
    factorise and sort the strings again), and come back as the original
    values with categories in sorted order only where needed. Anything
    unusual (null or duplicate ids) takes the ordinary path, which raises the
    usual SchemaError. The flag says the ids are already in ascending order.
    """
    kwargs: dict[str, Any] = {
        "account_col": account_col,
        "start_col": start_col,
        "churn_col": churn_col,
        "require_churn": require_churn,
    }
    if not isinstance(accounts, pd.DataFrame) or account_col not in accounts.columns:
        return validate_accounts(accounts, **kwargs), False
    ids = accounts[account_col]
    if isinstance(ids, pd.DataFrame):  # duplicate column names: let the boundary say so
        return validate_accounts(accounts, **kwargs), False
    n = len(ids)
    proof = proven_unique(ids)
    if proof is not None:
        codes: npt.NDArray[np.signedinteger[Any]] = np.arange(  # row positions
            n, dtype=np.int32 if n < 2**31 - 1 else np.int64
        )
    else:
        codes, uniques = pd.factorize(ids, sort=False)
        if len(uniques) != n or (codes < 0).any():
            return validate_accounts(accounts, **kwargs), False
    # Codes over a RangeIndex of categories: nothing left for the boundary to hash or sort.
    coded = pd.Categorical.from_codes(
        codes, dtype=pd.CategoricalDtype(pd.RangeIndex(n)), validate=False
    )
    proxy = pd.DataFrame(
        {
            c: (pd.Series(coded, index=accounts.index) if c == account_col else accounts[c])
            for c in accounts.columns
        },
        index=accounts.index,
        copy=False,
    )
    # Proven (or factorised) distinct and non-null: the boundary need not count them again.
    acc = validate_accounts(proxy, ids_proven_unique=True, **kwargs)
    # Back to the user's ids (same rows, same order): no copy, no conversion.
    acc["account_id"] = pd.Series(ids.array, index=acc.index, dtype=ids.dtype, copy=False)
    return acc, proof == "ascending"


def _ns(values: pd.Series) -> IntArray:
    return np.asarray(values.to_numpy(dtype="datetime64[ns]").view(np.int64))


def _observed_until(acc: pd.DataFrame) -> pd.Timestamp | None:
    """The table's own end of observation (``observed_until``, e.g. from lapse_table)."""
    if "observed_until" not in acc.columns:
        return None
    values = pd.to_datetime(acc["observed_until"])
    if values.isna().all():
        return None
    return pd.Timestamp(values.min())


def _id_order(ids: pd.Series, keep: BoolArray) -> IntArray:
    """Positions of the kept rows in id order.

    For categorical ids whose categories are sorted, the codes give the order
    by a scatter (a counting sort, since ids are unique); otherwise the kept
    ids are sorted as strings (numbers by value).
    """
    if isinstance(ids.dtype, pd.CategoricalDtype):
        cats = ids.cat.categories
        try:
            monotonic = bool(cats.is_monotonic_increasing)
        except TypeError:
            monotonic = False
        if monotonic:
            codes = ids.cat.codes.to_numpy()
            slot = np.full(len(cats), -1, dtype=np.int64)
            rows = np.flatnonzero(keep)
            slot[codes[rows]] = rows
            return slot[slot >= 0]
    rows = np.flatnonzero(keep)
    values = ids.to_numpy()[rows]
    if values.dtype.kind in "iuf":
        return rows[np.argsort(values, kind="stable")]
    return rows[np.argsort(values.astype(str), kind="stable")]


By: TypeAlias = "str | Sequence[str] | pd.Series | None"


@attrs.frozen(slots=True)
class Groups:
    """Segments of the prepared accounts: a code per account, one row of values per segment."""

    codes: IntArray
    labels: list[str]  # for messages and pairwise tests; "all" without by
    values: pd.DataFrame | None  # one column per segment variable, one row per segment

    def columns(self, k: int) -> dict[str, object]:
        """The segment columns of segment ``k`` (empty without ``by``)."""
        if self.values is None:
            return {}
        return {str(c): self.values[c].iloc[k] for c in self.values.columns}

    def frame(self, k: int, n_rows: int) -> pd.DataFrame:
        """The segment columns of segment ``k`` repeated on ``n_rows`` rows."""
        return pd.DataFrame({c: [v] * n_rows for c, v in self.columns(k).items()})


def by_list(by: object) -> list[str]:
    """The accounts columns named by ``by`` (none for a Series or None)."""
    if by is None or isinstance(by, pd.Series):
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence) and all(isinstance(c, str) for c in by):
        if not by:
            raise ValueError("by must name at least one column.\nHint: e.g. by='plan'.")
        return list(by)
    raise TypeError(
        f"by must be a column name, a list of names or a Series mapping account id → segment, "
        f"not {type(by).__name__}.\n"
        "Hint: e.g. by='plan', or by=accounts.set_index('account_id')['plan']."
    )


def group_codes(data: pd.DataFrame, by: object) -> Groups:
    """Segment codes (sorted by value) of the prepared accounts; warns on one-account segments.

    ``by`` is a column name or list of names of the accounts table, or a
    Series mapping account id → segment (named after the Series, ``segment``
    when it has no name).
    """
    if by is None:
        return Groups(np.zeros(len(data), dtype=np.int64), ["all"], None)
    if isinstance(by, pd.Series):
        name = str(by.name) if by.name is not None else "segment"
        if by.index.has_duplicates:
            dup = by.index[by.index.duplicated()]
            raise SchemaError(
                "by",
                name,
                f"has duplicate account ids in its index, e.g. {list(dup[:3])}",
                "pass one segment per account, e.g. accounts.set_index('account_id')['plan'].",
            )
        pos = pd.Index(by.index).get_indexer(pd.Index(data["account_id"].astype(object)))
        mapped = by.to_numpy(dtype=object)
        seg = pd.Series(np.where(pos >= 0, mapped[np.maximum(pos, 0)], None), dtype=object)
        missing = (pos < 0) | seg.isna().to_numpy()
        if missing.any():
            raise SchemaError(
                "by",
                name,
                f"gives no segment for {int(missing.sum())} accounts",
                "give every account a segment (fill gaps with e.g. 'unknown'); the Series' "
                "index must hold the account ids.",
                rows=list(data["account_id"].astype(object)[missing][:5]),
            )
        table = pd.DataFrame({name: seg})
        cols = [name]
    else:
        cols = by_list(by)
        for col in cols:
            null = data[col].isna().to_numpy()
            if null.any():
                raise SchemaError(
                    "accounts",
                    col,
                    f"has {int(null.sum())} missing values",
                    f"fill them (e.g. accounts[{col!r}].fillna('unknown')) or drop those accounts.",
                    rows=list(data["account_id"].astype(object)[null][:5]),
                )
        table = data[cols].reset_index(drop=True)
    grouped = table.groupby(cols, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy().astype(np.int64)
    values = grouped.size().index.to_frame(index=False)
    labels = values.astype(str).agg(" | ".join, axis=1).tolist()
    counts = np.bincount(codes, minlength=len(labels))
    single = [labels[k] for k in np.flatnonzero(counts == 1)]
    if single:
        warnings.warn(
            f"segment(s) {single[:5]} of by={by if not isinstance(by, pd.Series) else cols[0]!r} "
            "have a single account; their curves and tests say almost nothing.\n"
            "Hint: merge rare values into an 'other' group.",
            UserWarning,
            stacklevel=4,
        )
    return Groups(codes, labels, values)


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
