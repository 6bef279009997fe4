"""Where cohorts start: ``accounts=`` (its start column), ``start=`` (a Series), or first activity.

Private helper of :mod:`adoptmetrics.retention`: resolves the two ways of
giving per-entity start dates to one ``Series`` (entity id → start timestamp)
and chooses the table a ``by=`` column is read from.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pandas as pd

from adoptmetrics._schema._validate import SchemaError, validate_accounts

__all__ = ["Starts", "resolve_starts"]


@attrs.frozen(slots=True)
class Starts:
    """Resolved start dates.

    ``series`` is entity id → start timestamp (``None``: cohorts from first
    activity); ``argument`` names where it came from, for error messages;
    ``accounts`` is the validated accounts table (canonical ``account_id``
    column) when ``accounts=`` was given, so ``by=`` can name its columns.
    """

    series: pd.Series | None
    argument: str
    accounts: pd.DataFrame | None


def resolve_starts(
    *,
    accounts: pd.DataFrame | None,
    start: pd.Series | None,
    level: str,
    account_col: str,
    accounts_account_col: str | None,
    start_col: str,
) -> Starts:
    """Check ``accounts=`` / ``start=`` and return the start dates per entity."""
    if accounts is not None and start is not None:
        raise ValueError(
            "pass accounts= or start=, not both.\n"
            "Hint: start= overrides the accounts' start dates; drop one of them."
        )
    if start is not None:
        if not isinstance(start, pd.Series):
            raise TypeError(
                f"start must be a pandas Series (entity id → start time), "
                f"not {type(start).__name__}.\n"
                "Hint: start=accounts.set_index('account_id')['started_at'], or pass accounts=."
            )
        return Starts(start, "start", None)
    if accounts is None:
        return Starts(None, "", None)
    if level != "account":
        raise ValueError(
            "accounts= gives start dates per account, but level='user' measures users.\n"
            "Hint: pass start= as a Series user id → start time for user cohorts."
        )
    if not isinstance(accounts, pd.DataFrame):
        raise TypeError(
            f"accounts must be a pandas DataFrame, not {type(accounts).__name__}.\n"
            "Hint: pass the accounts table with an id and a start column."
        )
    id_col = account_col if accounts_account_col is None else accounts_account_col
    if id_col not in accounts.columns:
        raise SchemaError(
            "accounts",
            id_col,
            f"is missing; the table has columns {list(map(str, accounts.columns))}",
            "pass accounts_account_col='<id column of the accounts table>' when it differs "
            "from the events' account_col.",
        )
    table = validate_accounts(accounts, account_col=id_col, start_col=start_col, churn_col=None)
    ids = pd.Index(table["account_id"].to_numpy())
    series = pd.Series(table["started_at"].to_numpy(), index=ids, name="started_at")
    return Starts(series, "accounts", table)


def by_source(
    by: object, starts: Starts, events: pd.DataFrame, entity_col: str, table: str = "events"
) -> tuple[pd.DataFrame, str, str]:
    """The table ``by=`` column names are read from: ``accounts=`` when it holds them all.

    Returns (table, its entity column, its name for error messages).
    """
    cols: list[str] = []
    if isinstance(by, str):
        cols = [by]
    elif isinstance(by, Sequence) and not isinstance(by, (pd.Series, pd.DataFrame)):
        cols = [c for c in by if isinstance(c, str)]
    acc = starts.accounts
    if acc is not None and cols and all(c in acc.columns for c in cols):
        return acc, "account_id", "accounts"
    return events, entity_col, table
