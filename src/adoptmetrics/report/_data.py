"""The data a report is built from: :class:`ReportData`, and how to make one."""

from __future__ import annotations

from typing import Any

import attrs
import pandas as pd

from adoptmetrics._schema._validate import (
    coerce_as_of,
    validate_accounts,
    validate_events,
    validate_expansions,
    validate_mrr,
    validate_nps,
)
from adoptmetrics.impact._inputs import exposures_frame

__all__ = ["ReportData"]


def _optional_frame(value: object) -> pd.DataFrame | None:
    if value is None or isinstance(value, pd.DataFrame):
        return value
    raise TypeError(
        f"expected a pandas DataFrame or None, got {type(value).__name__}.\n"
        "Hint: build ReportData with ReportData.from_frames(...), which validates the tables."
    )


def _frame(value: object) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    raise TypeError(
        f"expected a pandas DataFrame, got {type(value).__name__}.\n"
        "Hint: build ReportData with ReportData.from_frames(...), which validates the tables."
    )


def _timestamp(value: object) -> pd.Timestamp:
    return coerce_as_of(value, None)


@attrs.frozen(slots=True)
class ReportData:
    """The tables a report is built from: canonical, validated, cut at ``as_of``.

    Build it with :meth:`ReportData.from_frames`, which validates every table
    through the data boundary and drops what happened after ``as_of``. Report
    sections may then rely on the canonical column names without checking
    again.

    Attributes
    ----------
    events : DataFrame
        ``account_id``, ``event``, ``timestamp`` and, when known, ``user_id``.
    accounts : DataFrame
        ``account_id``, ``started_at``, ``churned_at`` (``NaT`` while active
        at ``as_of``) and any attribute columns (``plan``, ``industry``, …).
    nps : DataFrame or None
        ``account_id``, ``timestamp``, ``score`` (and ``user_id`` when known).
    mrr : DataFrame or None
        ``account_id``, ``month``, ``mrr``.
    expansions : DataFrame or None
        ``account_id``, ``timestamp`` (and ``amount`` when known).
    exposures : DataFrame or None
        ``account_id``, ``campaign``, ``exposed_at``: who a program reached, and when.
    as_of : pandas.Timestamp
        The end of the observation window; nothing in the tables is later.
    """

    events: pd.DataFrame = attrs.field(converter=_frame)
    accounts: pd.DataFrame = attrs.field(converter=_frame)
    nps: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    mrr: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    expansions: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    exposures: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    as_of: pd.Timestamp = attrs.field(converter=_timestamp, kw_only=True)

    @classmethod
    def from_frames(
        cls,
        events: object,
        accounts: object,
        /,
        *,
        nps: object = None,
        mrr: object = None,
        expansions: object = None,
        exposures: object = None,
        as_of: object = None,
        account_col: str = "account_id",
        time_col: str = "timestamp",
        event_col: str = "event",
        user_col: str | None = "user_id",
        start_col: str = "started_at",
        churn_col: str | None = "churned_at",
        score_col: str = "score",
        month_col: str = "month",
        mrr_col: str = "mrr",
        amount_col: str | None = "amount",
        campaign_col: str = "campaign",
        exposure_time_col: str = "exposed_at",
    ) -> ReportData:
        """Validate the tables, map column names, and cut them at ``as_of``.

        Parameters
        ----------
        events, accounts : DataFrame
            The event log and the accounts table (required).
        nps, mrr, expansions : DataFrame, optional
            NPS responses, monthly revenue and expansion events.
        exposures : DataFrame, optional
            Who a program (campaign, outreach) reached and when: account id,
            ``campaign_col`` and ``exposure_time_col``.
        as_of : timestamp, optional
            End of the observation window. Default: the latest timestamp in
            the data (events, account starts and churns, NPS responses,
            expansions). Later rows are dropped, churn dates after it become
            ``NaT`` and accounts that start after it are dropped.
        account_col : str
            Account id column, in every table.
        time_col : str
            Timestamp column of the events; also used for the NPS and
            expansions tables when they have a column of that name
            (otherwise their ``timestamp`` column).
        event_col : str
            Event name column of the events.
        user_col : str or None
            User id column of the events (and NPS responses). The default,
            ``"user_id"``, is used only when the column exists.
        start_col, churn_col : str
            Start and churn date columns of the accounts (``churn_col`` may be
            absent: every account is then active).
        score_col : str
            NPS score column.
        month_col, mrr_col : str
            Month and amount columns of the MRR table.
        amount_col : str or None
            Amount column of the expansions, used when it exists.
        campaign_col, exposure_time_col : str
            Campaign and exposure time columns of the exposures.

        Returns
        -------
        ReportData
            The validated tables with canonical column names.

        Raises
        ------
        SchemaError
            When a table does not fit (missing column, unparseable timestamp,
            duplicate account, …); the message names table, column and fix.

        Examples
        --------
        >>> import pandas as pd
        >>> ev = pd.DataFrame({"acct": ["a", "b", "a"], "event": "login",
        ...     "timestamp": ["2024-01-01", "2024-01-02", "2024-01-09"]})
        >>> acc = pd.DataFrame({"acct": ["a", "b"], "started_at": ["2024-01-01", "2024-01-02"]})
        >>> data = ReportData.from_frames(ev, acc, account_col="acct")
        >>> data.as_of
        Timestamp('2024-01-09 00:00:00')
        >>> list(data.events.columns)
        ['account_id', 'event', 'timestamp']
        """
        ev_cols = _columns(events)
        ev = validate_events(
            events,
            account_col=account_col,
            event_col=event_col,
            time_col=time_col,
            user_col=_optional_col(user_col, "user_id", ev_cols),
        )
        acc = validate_accounts(
            accounts, account_col=account_col, start_col=start_col, churn_col=churn_col
        )
        nps_v = None
        if nps is not None:
            cols = _columns(nps)
            nps_v = validate_nps(
                nps,
                account_col=account_col,
                score_col=score_col,
                time_col=time_col if time_col in cols else "timestamp",
                user_col=_optional_col(user_col, "user_id", cols, required=False),
            )
        mrr_v = None
        if mrr is not None:
            mrr_v = validate_mrr(mrr, account_col=account_col, month_col=month_col, mrr_col=mrr_col)
        exp_v = None
        if expansions is not None:
            cols = _columns(expansions)
            exp_v = validate_expansions(
                expansions,
                account_col=account_col,
                time_col=time_col if time_col in cols else "timestamp",
                amount_col=_optional_col(amount_col, "amount", cols, required=False),
            )
        exposures_v = None
        if exposures is not None:
            exposures_v = exposures_frame(
                exposures,
                account_col=account_col,
                campaign_col=campaign_col,
                time_col=exposure_time_col,
            )
        candidates = [ev["timestamp"].max(), acc["started_at"].max(), acc["churned_at"].max()]
        for frame in (nps_v, exp_v):
            if frame is not None and "timestamp" in frame.columns:
                candidates.append(frame["timestamp"].max())
        known = [c for c in candidates if not pd.isna(c)]
        cut = coerce_as_of(as_of, max(known) if known else None)
        return cls(
            _cut(ev, "timestamp", cut),
            _cut_accounts(acc, cut),
            nps=None if nps_v is None else _cut(nps_v, "timestamp", cut),
            mrr=None if mrr_v is None else _cut(mrr_v, "month", cut),
            expansions=None if exp_v is None else _cut(exp_v, "timestamp", cut),
            exposures=None if exposures_v is None else _cut(exposures_v, "exposed_at", cut),
            as_of=cut,
        )


def _columns(frame: object) -> list[Any]:
    return list(frame.columns) if isinstance(frame, pd.DataFrame) else []


def _optional_col(
    value: str | None, default: str, columns: list[Any], *, required: bool = True
) -> str | None:
    """``value`` if given explicitly; the default name only when the column exists."""
    if value is None:
        return None
    if value in columns:
        return value
    if value == default or not required:
        return None
    return value  # an explicit name that is missing: let the boundary explain


def _cut(frame: pd.DataFrame, column: str, as_of: pd.Timestamp) -> pd.DataFrame:
    if column not in frame.columns or len(frame) == 0:
        return frame
    values = frame[column].to_numpy()
    if values.max() <= as_of.to_datetime64():
        return frame
    return frame.loc[values <= as_of.to_datetime64()].reset_index(drop=True)


def _cut_accounts(accounts: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    started = accounts["started_at"].to_numpy()
    out = accounts
    if len(started) and started.max() > as_of.to_datetime64():
        out = out.loc[started <= as_of.to_datetime64()].reset_index(drop=True)
    churned = out["churned_at"]
    later = (churned > as_of).to_numpy()
    if later.any():
        out = out.copy()
        out["churned_at"] = churned.mask(later)
    ids = out["account_id"]
    if isinstance(ids.dtype, pd.CategoricalDtype) and len(ids.cat.categories) > len(ids):
        out = out.assign(account_id=ids.cat.remove_unused_categories())
    return out
