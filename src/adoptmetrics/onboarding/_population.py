"""Who is analysed, from when, and in which segment: ``accounts=``/``start=``, ``as_of``, ``by=``.

Private helper of :mod:`adoptmetrics.onboarding`. Per-account window starts
come from ``accounts=`` (its ``start_col``), from ``start=`` (a Series account
id → start time, or one timestamp for all), or else from each account's first
event. ``by=`` is a column of ``accounts=`` or of the events (constant per
account), or a Series account id → segment.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Hashable

import attrs
import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import (
    SchemaError,
    coerce_as_of,
    coerce_timestamps,
    validate_accounts,
)
from adoptmetrics.activity import EventLog
from adoptmetrics.onboarding._windows import first_events, latest_event

__all__ = ["NothingToAnalyse", "Population", "by_series", "per_segment", "resolve_population"]


class NothingToAnalyse(ValueError):
    """The (part of the) data leaves nothing to analyse, e.g. an outcome all True."""


@attrs.frozen(slots=True)
class Population:
    """Resolved window starts.

    ``starts``: account id → window start (accounts without one are absent);
    ``as_of``: end of observation; ``accounts``: the validated accounts table
    (canonical ``account_id``) when ``accounts=`` was given; ``source``: where
    the starts came from (``"accounts"``, ``"start"``, ``"first event"``).
    """

    starts: pd.Series
    as_of: pd.Timestamp
    accounts: pd.DataFrame | None
    source: str


def resolve_population(
    events: EventLog,
    *,
    accounts: pd.DataFrame | None,
    start: object,
    start_col: str,
    accounts_account_col: str | None,
    as_of: object,
    cols: dict[str, str],
) -> Population:
    """Check ``accounts=`` / ``start=`` / ``as_of`` and return the window start per account."""
    if accounts is not None and start is not None:
        raise ValueError(
            "pass accounts= or start=, not both.\n"
            "Hint: start= gives the start dates directly; drop one of them."
        )
    as_of_ts = coerce_as_of(as_of, latest_event(events, cols))
    table = None
    if accounts is not None:
        if not isinstance(accounts, pd.DataFrame):
            raise TypeError(
                f"accounts must be a pandas DataFrame, not {type(accounts).__name__}.\n"
                "Hint: pass the accounts table with an id and a start column."
            )
        id_col = cols["account_col"] if accounts_account_col is None else accounts_account_col
        if id_col not in accounts.columns:
            raise SchemaError(
                "accounts",
                id_col,
                f"is missing; the table has columns {list(map(str, accounts.columns))}",
                "pass accounts_account_col='<id column of the accounts table>' when it "
                "differs from the events' account_col.",
            )
        table = validate_accounts(accounts, account_col=id_col, start_col=start_col, churn_col=None)
        ids = pd.Index(np.asarray(table["account_id"].to_numpy(), dtype=object))
        starts = pd.Series(table["started_at"].to_numpy(), index=ids)
        source = "accounts"
    elif start is None:
        starts = first_events(events, cols)
        source = "first event"
    elif isinstance(start, pd.Series):
        if start.index.has_duplicates:
            dup = start.index[start.index.duplicated()]
            raise SchemaError(
                "start", "index", "has duplicate account ids", "pass one start per account.",
                rows=list(dup[:5]),
            )  # fmt: skip
        # through the boundary: tz-aware -> UTC, epoch units inferred, nanoseconds on pandas 3
        name = str(start.name or "start")
        when = coerce_timestamps(start, table="start", column=name, allow_null=True)
        starts = pd.Series(when.to_numpy(), index=start.index)
        source = "start"
    else:
        when_ts = coerce_as_of(start, None, argument="start")
        seen = first_events(events, cols).index
        starts = pd.Series(when_ts, index=seen, dtype="datetime64[ns]")
        source = "start"
    starts = starts[starts.notna()]
    with contextlib.suppress(TypeError):  # accounts in id order, whatever the input order
        starts = starts.sort_index()
    return Population(starts, as_of_ts, table, source)


def by_series(
    by: object,
    ids: pd.Index,
    *,
    pop: Population,
    events: object,
    cols: dict[str, str],
) -> tuple[str, pd.Series] | None:
    """``by=`` as (output column name, segment per account of ``ids``); ``None`` without ``by``."""
    if by is None:
        return None
    if isinstance(events, EventLog):  # its validated frame, canonical account column
        events, cols = events.to_pandas(), {**cols, "account_col": "account_id"}
    assert isinstance(events, pd.DataFrame)
    if isinstance(by, pd.Series):
        if by.index.has_duplicates:
            raise SchemaError(
                "by", "index", "has duplicate account ids", "pass one segment per account.",
                rows=list(by.index[by.index.duplicated()][:5]),
            )  # fmt: skip
        name = "segment" if by.name is None else str(by.name)
        return name, pd.Series(by.reindex(ids).to_numpy(), index=ids)
    if not isinstance(by, str):
        raise TypeError(
            f"by must be a column name or a Series account id → segment, not "
            f"{type(by).__name__}.\nHint: by='plan' or by=accounts.set_index('account_id')['plan']."
        )
    acc = pop.accounts
    if acc is not None and by in acc.columns:
        ids_acc = pd.Index(np.asarray(acc["account_id"].to_numpy(), dtype=object))
        values = pd.Series(acc[by].to_numpy(), index=ids_acc)
        return by, pd.Series(values.reindex(ids).to_numpy(), index=ids)
    if by not in events.columns:
        tables = "the events" + (" or the accounts table" if acc is not None else "")
        raise SchemaError(
            "events",
            by,
            f"is not a column of {tables}",
            "pass by=<a column name> or a Series account id → segment"
            + ("" if acc is not None else " (or accounts= holding the column)")
            + ".",
        )
    per = events[[cols["account_col"], by]].dropna()
    varying = per.groupby(cols["account_col"], observed=True)[by].nunique()
    if (varying > 1).any():
        raise SchemaError(
            "events",
            by,
            "changes within an account, so it does not define a segment per account",
            "pass by= as a Series account id → segment (e.g. the value at the start).",
            rows=list(varying.index[(varying > 1).to_numpy()][:5]),
        )
    values = per.drop_duplicates(cols["account_col"]).set_index(cols["account_col"])[by]
    values.index = pd.Index(np.asarray(values.index, dtype=object))
    return by, pd.Series(values.reindex(ids).to_numpy(), index=ids)


def per_segment(
    segments: tuple[str, pd.Series],
    run: Callable[[pd.Index], pd.DataFrame],
    *,
    function: str,
) -> pd.DataFrame:
    """Run ``run(ids)`` per segment, the segment column first; segments sorted by value.

    Accounts without a segment are left out (with a warning). A segment that
    leaves nothing to analyse (:class:`NothingToAnalyse`) is left out with a
    warning; other errors propagate.
    """
    name, seg = segments
    missing = int(seg.isna().sum())
    if missing:
        warnings.warn(
            f"{function}: {missing} accounts have no by= segment and were left out.",
            UserWarning,
            stacklevel=3,
        )
    seg = seg[seg.notna()]
    frames = []
    values: list[Hashable] = sorted(pd.unique(seg.to_numpy()), key=lambda v: (str(type(v)), v))
    for value in values:  # a loop over segments, not accounts
        ids = pd.Index(seg.index[(seg == value).to_numpy()])
        try:
            part = run(ids)
        except NothingToAnalyse as exc:
            warnings.warn(
                f"{function}: segment {name}={value!r} left out: {str(exc).splitlines()[0]}",
                UserWarning,
                stacklevel=3,
            )
            continue
        part = part.copy()
        part.insert(0, name, pd.Series([value] * len(part), index=part.index, dtype=object))
        frames.append(part)
    if not frames:
        raise NothingToAnalyse(
            f"{function}: no segment of by= could be analysed.\n"
            "Hint: check the segments (each needs enough accounts) or drop by=."
        )
    out = pd.concat(frames, ignore_index=True)
    out.attrs = dict(frames[0].attrs) if frames else {}
    return out
