"""The data a report is built from: :class:`ReportData`, and how to make one."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pandas as pd

from adoptmetrics._schema._frames import to_pandas
from adoptmetrics._schema._validate import (
    coerce_as_of,
    coerce_timestamps,
    refuse_future,
    require_rows,
    require_unique_columns,
    validate_accounts,
    validate_events,
    validate_expansions,
    validate_mrr,
    validate_nps,
    warn_after_as_of,
)
from adoptmetrics.activity._log import EventLog
from adoptmetrics.impact._inputs import exposures_frame
from adoptmetrics.report._config import ReportOptions

__all__ = ["ReportData"]

#: Examples of unmatched ids shown in the mismatch warning.
_EXAMPLES = 3


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


def _notes(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


def _is_valid_events(frame: pd.DataFrame) -> bool:
    """Does ``frame`` look like ``validate_events`` output (canonical, encoded columns)?"""
    cols = frame.columns
    if "account_id" not in cols or "timestamp" not in cols:
        return False
    coded = [c for c in ("account_id", "user_id", "event") if c in cols]
    return frame["timestamp"].dtype == "datetime64[ns]" and all(
        isinstance(frame[c].dtype, pd.CategoricalDtype) for c in coded
    )


def _event_log(events: pd.DataFrame) -> EventLog:
    """The shared log over validated events (validated here only when they are not yet)."""
    if not _is_valid_events(events):
        events = validate_events(
            events,
            event_col="event" if "event" in events.columns else None,
            user_col="user_id" if "user_id" in events.columns else None,
        )
    return EventLog._from_valid(events)


def _options(value: object) -> ReportOptions:
    if value is None:
        return ReportOptions()
    if isinstance(value, ReportOptions):
        return value
    raise TypeError(
        f"options must be a ReportOptions, got {type(value).__name__}.\n"
        "Hint: ReportOptions(milestones=[...], outcome='...')."
    )


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
    log : EventLog
        The same events as an :class:`adoptmetrics.EventLog`, validated and
        encoded once and shared by every section: pass ``data.log`` wherever a
        function takes ``events``.
    accounts : DataFrame
        ``account_id``, ``started_at``, ``churned_at`` (``NaT`` while active
        at ``as_of``) and any attribute columns (``plan``, ``industry``, …).
    nps : DataFrame or None
        ``account_id``, ``timestamp``, ``score`` (and ``user_id``, ``comment``
        when known).
    mrr : DataFrame or None
        ``account_id``, ``month``, ``mrr``.
    expansions : DataFrame or None
        ``account_id``, ``timestamp`` (and ``amount`` when known).
    exposures : DataFrame or None
        ``account_id``, ``campaign``, ``exposed_at``: who a program reached, and when.
    as_of : pandas.Timestamp
        The end of the observation window; nothing in the tables is later.
    options : ReportOptions
        What the sections analyse (milestones, triggers, features, horizons).
    notes : tuple of str
        Problems with the data as a whole that the report shows in a banner at
        the top (ids that do not match between tables).
    """

    events: pd.DataFrame = attrs.field(converter=_frame)
    accounts: pd.DataFrame = attrs.field(converter=_frame)
    nps: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    mrr: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    expansions: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    exposures: pd.DataFrame | None = attrs.field(default=None, converter=_optional_frame)
    as_of: pd.Timestamp = attrs.field(converter=_timestamp, kw_only=True)
    options: ReportOptions = attrs.field(factory=ReportOptions, converter=_options, kw_only=True)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_notes, kw_only=True)
    log: EventLog = attrs.field(kw_only=True, eq=False, repr=False)

    @log.default
    def _log_default(self) -> EventLog:
        return _event_log(self.events)

    @property
    def engagement_features(self) -> tuple[str, ...]:
        """The configured engagement features (``[engagement] features``); may be empty."""
        return self.options.features

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
        accounts_account_col: str | None = None,
        start_col: str = "started_at",
        churn_col: str | None = "churned_at",
        nps_account_col: str | None = None,
        nps_time_col: str = "timestamp",
        nps_user_col: str | None = None,
        score_col: str = "score",
        comment_col: str | None = "comment",
        mrr_account_col: str | None = None,
        month_col: str = "month",
        mrr_col: str = "mrr",
        expansions_account_col: str | None = None,
        expansions_time_col: str = "timestamp",
        amount_col: str | None = "amount",
        exposures_account_col: str | None = None,
        campaign_col: str = "campaign",
        exposure_time_col: str = "exposed_at",
        dayfirst: bool | None = None,
        time_format: str | None = None,
        options: ReportOptions | None = None,
    ) -> ReportData:
        """Validate the tables, map column names, and cut them at ``as_of``.

        Every table has its own column options: a name given for the events
        (``time_col``) never applies to another table. The account id column
        is the exception: ``account_col`` is the default of every table's
        ``*_account_col``, because an id column that is missing is an error,
        never a silent mix-up.

        Parameters
        ----------
        events, accounts : DataFrame
            The event log and the accounts table (required, with rows).
        nps, mrr, expansions : DataFrame, optional
            NPS responses, monthly revenue and expansion events.
        exposures : DataFrame, optional
            Who a program (campaign, outreach) reached and when.
        as_of : timestamp, optional
            End of the observation window. Default: the latest timestamp in
            the data (events, account starts and churns, NPS responses,
            expansions, exposures); a timestamp later than the moment of the
            call is then a :class:`SchemaError` naming the rows. With
            ``as_of`` given, later rows are dropped and counted in a warning,
            churn dates after it become ``NaT`` and accounts that start after
            it are dropped.
        account_col, time_col, event_col, user_col : str
            Columns of the events. ``user_col`` (default ``"user_id"``) is
            used only when the column exists.
        accounts_account_col, start_col, churn_col : str
            Columns of the accounts (``churn_col`` may be absent: every
            account is then active).
        nps_account_col, nps_time_col, nps_user_col, score_col, comment_col : str
            Columns of the NPS responses; ``nps_user_col`` and ``comment_col``
            (verbatim answers, default ``"comment"``) are used when they exist.
        mrr_account_col, month_col, mrr_col : str
            Columns of the MRR table.
        expansions_account_col, expansions_time_col, amount_col : str
            Columns of the expansions (``amount_col`` used when it exists).
        exposures_account_col, campaign_col, exposure_time_col : str
            Columns of the exposures.
        dayfirst : bool, optional
            How to read day/month date strings in every table: ``True`` for
            dd/mm/yyyy, ``False`` for mm/dd/yyyy. Default: refuse ambiguous
            ones (``02/01/2024``) with a hint.
        time_format : str, optional
            An explicit ``strftime`` format for every time column given as text.
        options : ReportOptions, optional
            What the sections analyse (milestones, triggers, features, horizons).

        Returns
        -------
        ReportData
            The validated tables with canonical column names.

        Raises
        ------
        SchemaError
            When a table does not fit (missing or duplicate column, no rows,
            unparseable or future timestamp, duplicate account, …); the
            message names table, column and fix.

        Warns
        -----
        UserWarning
            Ids of one table missing from another (how many each way, with
            examples; also kept in ``notes``), rows after an explicit ``as_of``.

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
        when = {"dayfirst": dayfirst, "time_format": time_format}
        ev_in = _prepared(events, "events", [time_col], when)
        acc_in = _prepared(accounts, "accounts", [start_col, churn_col], when)
        ev = validate_events(
            ev_in,
            account_col=account_col,
            event_col=event_col,
            time_col=time_col,
            user_col=_optional_col(user_col, "user_id", list(ev_in.columns)),
        )
        acc = validate_accounts(
            acc_in,
            account_col=accounts_account_col or account_col,
            start_col=start_col,
            churn_col=churn_col,
        )
        times: list[tuple[str, str, pd.Series]] = [
            ("events", time_col, ev["timestamp"]),
            ("accounts", start_col, acc["started_at"]),
            ("accounts", str(churn_col), acc["churned_at"]),
        ]
        nps_v = None
        if nps is not None:
            nps_in = _prepared(nps, "nps", [nps_time_col], when)
            cols = list(nps_in.columns)
            nps_v = validate_nps(
                nps_in,
                account_col=nps_account_col or account_col,
                score_col=score_col,
                time_col=nps_time_col,
                user_col=_optional_col(nps_user_col or user_col, "user_id", cols, required=False),
            )
            if comment_col is not None and comment_col in cols and comment_col != "comment":
                nps_v = nps_v.rename(columns={comment_col: "comment"})
            times.append(("nps", nps_time_col, nps_v["timestamp"]))
        mrr_v = None
        if mrr is not None:
            mrr_in = _prepared(mrr, "mrr", [month_col], when)
            mrr_v = validate_mrr(
                mrr_in,
                account_col=mrr_account_col or account_col,
                month_col=month_col,
                mrr_col=mrr_col,
            )
            times.append(("mrr", month_col, mrr_v["month"]))
        exp_v = None
        if expansions is not None:
            exp_in = _prepared(expansions, "expansions", [expansions_time_col], when)
            exp_v = validate_expansions(
                exp_in,
                account_col=expansions_account_col or account_col,
                time_col=expansions_time_col,
                amount_col=_optional_col(amount_col, "amount", list(exp_in.columns)),
            )
            times.append(("expansions", expansions_time_col, exp_v["timestamp"]))
        exposures_v = None
        if exposures is not None:
            expo_in = _prepared(exposures, "exposures", [exposure_time_col], when)
            exposures_v = exposures_frame(
                expo_in,
                account_col=exposures_account_col or account_col,
                campaign_col=campaign_col,
                time_col=exposure_time_col,
            )
            times.append(("exposures", exposure_time_col, exposures_v["exposed_at"]))
        if as_of is None:
            for table, column, values in times:
                refuse_future(values.dropna(), table=table, column=column)
        known = [v.max() for _, _, v in times if len(v) and not pd.isna(v.max())]
        cut = coerce_as_of(as_of, max(known) if known else None)
        notes, keep = _id_notes(
            ev,
            acc,
            {"nps": nps_v, "mrr": mrr_v, "expansions": exp_v, "exposures": exposures_v},
        )
        for note in notes:
            warnings.warn(note, UserWarning, stacklevel=2)
        nps_v = _kept(nps_v, keep.get("nps"))
        mrr_v = _kept(mrr_v, keep.get("mrr"))
        exp_v = _kept(exp_v, keep.get("expansions"))
        exposures_v = _kept(exposures_v, keep.get("exposures"))
        ev = _cut(ev, "timestamp", cut, "events", time_col)
        release_arrow_memory()
        return cls(
            ev,
            _cut_accounts(acc, cut, start_col),
            nps=None if nps_v is None else _cut(nps_v, "timestamp", cut, "nps", nps_time_col),
            mrr=None if mrr_v is None else _cut(mrr_v, "month", cut, "mrr", month_col),
            expansions=None
            if exp_v is None
            else _cut(exp_v, "timestamp", cut, "expansions", expansions_time_col),
            exposures=None
            if exposures_v is None
            else _cut(exposures_v, "exposed_at", cut, "exposures", exposure_time_col),
            as_of=cut,
            options=options,
            notes=notes,
            log=EventLog._from_valid(ev),  # validated above: no second pass
        )


def _prepared(
    frame: object, table: str, time_columns: list[str | None], when: dict[str, Any]
) -> pd.DataFrame:
    """The table as pandas, checked for a header of distinct names and for rows,
    with its text time columns parsed under the caller's day/month convention."""
    df = to_pandas(frame, table) if not isinstance(frame, pd.DataFrame) else frame
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"{table} must be a DataFrame, got {type(frame).__name__}.\n"
            "Hint: read it with pd.read_csv/pd.read_parquet."
        )
    require_unique_columns(df, table)
    require_rows(df, table)
    parsed: dict[str, pd.Series] = {}
    for col in time_columns:
        if col is None or col not in df.columns:
            continue
        values = df[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            parsed[col] = coerce_timestamps(
                values,
                table=table,
                column=col,
                allow_null=True,
                dayfirst=when["dayfirst"],
                time_format=when["time_format"],
            )
    if not parsed:
        return df
    # A new frame sharing the other columns (no copy of event-sized data).
    return pd.DataFrame({c: parsed.get(c, df[c]) for c in df.columns}, index=df.index, copy=False)


def _examples(values: np.ndarray[Any, Any]) -> str:
    shown = ", ".join(repr(str(v)) for v in sorted(values, key=str)[:_EXAMPLES])
    return shown + (", …" if len(values) > _EXAMPLES else "")


def _distinct_ids(
    ids: pd.Series,
) -> tuple[pd.Index, Callable[[], np.ndarray[Any, np.dtype[np.intp]]]]:
    """The distinct ids as text, and a function giving each row's position among them.

    Categorical ids (as validated) are read through their codes: the text
    conversion and the lookups touch the distinct ids only, and the rows only
    when their positions are asked for (some ids are unknown).
    """
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes = ids.cat.codes.to_numpy()
        used = np.bincount(codes, minlength=len(ids.cat.categories)) > 0
        position = np.cumsum(used) - 1
        return pd.Index(ids.cat.categories[used].astype(str)), lambda: position[codes]
    row_id, uniques = pd.factorize(ids.astype(str))
    return pd.Index(uniques), lambda: row_id


def _id_notes(
    events: pd.DataFrame, accounts: pd.DataFrame, others: dict[str, pd.DataFrame | None]
) -> tuple[tuple[str, ...], dict[str, np.ndarray[Any, np.dtype[np.bool_]]]]:
    """Say how many ids of each table are missing from the accounts, and the reverse.

    Returns the notes and, per table with unknown ids, the mask of its rows to keep.
    """
    known = _distinct_ids(accounts["account_id"])[0]
    notes: list[str] = []
    keep: dict[str, np.ndarray[Any, np.dtype[np.bool_]]] = {}
    tables: dict[str, pd.DataFrame | None] = {"events": events, **others}
    for name, frame in tables.items():
        if frame is None or len(frame) == 0:
            continue
        ids, row_id = _distinct_ids(frame["account_id"])
        missing = ids.difference(known)
        if len(missing) == 0:
            continue
        inside = ids.isin(known)[row_id()]
        if name != "events":
            keep[name] = inside
        text = (
            f"{name}: {len(missing):,} of {len(ids):,} account ids are not in the accounts table "
            f"(e.g. {_examples(missing.to_numpy())})"
        )
        if name == "events":
            unused = known.difference(ids)
            text += f"; {len(unused):,} of {len(known):,} accounts have no events" + (
                f" (e.g. {_examples(unused.to_numpy())})" if len(unused) else ""
            )
        lower = pd.Index(missing.str.lower()).isin(known.str.lower())
        if lower.any():
            text += (
                f". {int(lower.sum()):,} of them match when upper/lower case is ignored: "
                "make the ids of both tables the same case"
            )
        if name == "events":
            text += (
                f". Their {int((~inside).sum()):,} events count as activity but belong to no "
                "account (no start, plan or churn date)"
            )
        else:
            text += f". Their {int((~inside).sum()):,} rows of {name} are left out of the report"
        text += "; check that both tables use the same id column and spelling."
        notes.append(text)
    return tuple(notes), keep


def release_arrow_memory() -> None:
    """Hand memory that Arrow's allocator holds for freed buffers back to the system.

    Validation frees the Arrow-backed string columns it encoded (pandas 3 reads
    text as Arrow strings); Arrow's allocator keeps such pages for reuse, so
    without this the process's peak memory carries them through the report.
    """
    import sys

    pa = sys.modules.get("pyarrow")  # only when something imported it already
    if pa is not None:
        pa.default_memory_pool().release_unused()


def _kept(frame: pd.DataFrame | None, mask: Any) -> pd.DataFrame | None:
    if frame is None or mask is None:
        return frame
    out: pd.DataFrame = frame.loc[mask].reset_index(drop=True)
    ids = out["account_id"]
    if isinstance(ids.dtype, pd.CategoricalDtype):
        out = out.assign(account_id=ids.cat.remove_unused_categories())
    return out


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


def _cut(
    frame: pd.DataFrame, column: str, as_of: pd.Timestamp, table: str, user_column: str
) -> pd.DataFrame:
    if column not in frame.columns or len(frame) == 0:
        return frame
    values = frame[column]
    if values.max() <= as_of:
        return frame
    later = warn_after_as_of(values, as_of, table=table, column=user_column)
    return frame.loc[~later].reset_index(drop=True)


def _cut_accounts(accounts: pd.DataFrame, as_of: pd.Timestamp, start_col: str) -> pd.DataFrame:
    out = accounts
    started = accounts["started_at"]
    if len(started) and started.max() > as_of:
        later = warn_after_as_of(started, as_of, table="accounts", column=start_col)
        out = out.loc[~later].reset_index(drop=True)
    churned = out["churned_at"]
    later_churn = (churned > as_of).to_numpy()
    if later_churn.any():
        out = out.copy()
        out["churned_at"] = churned.mask(later_churn)
    ids = out["account_id"]
    if isinstance(ids.dtype, pd.CategoricalDtype) and len(ids.cat.categories) > len(ids):
        out = out.assign(account_id=ids.cat.remove_unused_categories())
    return out
