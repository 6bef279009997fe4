"""``EventLog``: an event log validated, renamed and encoded once, shared by every analysis."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from adoptmetrics._schema._frames import require_columns, to_narwhals
from adoptmetrics._schema._validate import coerce_as_of, validate_events
from adoptmetrics.activity._encode import _encode_valid, _Encoded, _keep_events
from adoptmetrics.activity._engine import engine_events, lazy_frame

__all__ = ["EventLog"]

_CANONICAL = {"account": "account_id", "user": "user_id", "time": "timestamp", "event": "event"}
_ARGUMENT = {"account": "account_col", "user": "user_col", "time": "time_col", "event": "event_col"}


class EventLog:
    """An event log validated, renamed and encoded once.

    Every function that takes ``events`` accepts an ``EventLog`` in its place;
    repeated analyses of one log pay the validation, the time parsing and the
    id encoding once. Functions called on a log need no ``*_col`` options: the
    log knows its columns. They may still pass the log's own names or the
    canonical defaults (``account_id``, ``user_id``, ``timestamp``,
    ``event``); any other name is an error (the log would silently answer a
    different question). Output columns named after a ``*_col`` option use the
    name passed to the function (the canonical one by default).

    A lazy frame (DuckDB relation, Polars LazyFrame, PySpark DataFrame) stays
    in its engine: the activity reductions run there and the log collects the
    events into pandas only when a function needs them one by one.

    Parameters
    ----------
    events : DataFrame or any frame narwhals supports
        The event log.
    account_col, user_col, time_col, event_col : str
        Column names. ``user_col`` and ``event_col`` may be ``None``; their
        defaults (``"user_id"``, ``"event"``) are used only when present.
    as_of : timestamp, optional
        Drop events after it (counted in a warning). Functions keep their own
        ``as_of`` option, whose default is the latest event kept.

    Attributes
    ----------
    columns : dict
        The log's column names by role (``account``, ``user``, ``time``, ``event``).

    Examples
    --------
    >>> import pandas as pd
    >>> import adoptmetrics as am
    >>> ev = pd.DataFrame({"org": ["a", "a", "b"], "what": "login",
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02"])})
    >>> log = am.EventLog(ev, account_col="org", time_col="ts", event_col="what")
    >>> len(log)
    3
    >>> am.cohort_retention(log)[["cohort", "period", "n_retained"]]
          cohort  period  n_retained
    0 2024-01-01       0           2
    1 2024-01-01       1           1
    """

    def __init__(
        self,
        events: object,
        /,
        *,
        account_col: str = "account_id",
        user_col: str | None = "user_id",
        time_col: str = "timestamp",
        event_col: str | None = "event",
        as_of: object = None,
    ) -> None:
        if isinstance(events, EventLog):
            raise TypeError(
                "events is already an EventLog.\nHint: pass the log itself to the functions."
            )
        frame = to_narwhals(events, "events")
        present = list(frame.collect_schema().names())
        if user_col == "user_id" and user_col not in present:
            user_col = None
        if event_col == "event" and event_col not in present:
            event_col = None
        names = {"account": account_col, "user": user_col, "time": time_col, "event": event_col}
        require_columns(
            frame, "events", {_ARGUMENT[r]: c for r, c in names.items() if c is not None}
        )
        self.columns: dict[str, str | None] = names
        self._native = events
        self._lazy = lazy_frame(events) is not None
        self._as_of = None if as_of is None else coerce_as_of(as_of, None)
        if self._lazy and self._as_of is not None:
            self._native = self._cut_lazy(frame)
        self._valid: pd.DataFrame | None = None
        self._encoded: dict[tuple[Any, ...], _Encoded] = {}
        if not self._lazy:
            self._validate()
            self._am_encoded(entity_col=account_col, time_col=time_col, event_col=None)

    @classmethod
    def _from_valid(cls, valid: pd.DataFrame) -> EventLog:
        """A log over a frame that ``validate_events`` already returned (canonical
        columns, categorical ids): no second validation, no copy, encoded on first use."""
        log = cls.__new__(cls)
        cols = valid.columns
        log.columns = {
            "account": "account_id",
            "user": "user_id" if "user_id" in cols else None,
            "time": "timestamp",
            "event": "event" if "event" in cols else None,
        }
        log._native = valid
        log._lazy = False
        log._as_of = None
        log._valid = valid
        log._encoded = {}
        return log

    def __getstate__(self) -> dict[str, Any]:
        # The encodings and their memoised tables are rebuilt on first use: a
        # pickle holds the events once.
        state = dict(self.__dict__)
        state["_encoded"] = {}
        return state

    def _cut_lazy(self, frame: Any) -> Any:
        assert self._as_of is not None
        t = nw.col(str(self.columns["time"]))
        limit = self._as_of.to_pydatetime()
        late = frame.select((t > limit).cast(nw.Int64).sum().alias("n")).collect().rows()[0][0]
        if late:
            warnings.warn(
                f"EventLog: {int(late)} events after as_of={self._as_of} were dropped.",
                stacklevel=3,
            )
        return frame.filter(t <= limit).to_native()

    def _validate(self) -> pd.DataFrame:
        if self._valid is None:
            c = self.columns
            df = validate_events(
                self._native,
                account_col=str(c["account"]),
                event_col=c["event"],
                time_col=str(c["time"]),
                user_col=c["user"],
            )
            if self._as_of is not None and not self._lazy:
                late = df["timestamp"].to_numpy() > self._as_of.to_datetime64()
                if late.any():
                    warnings.warn(
                        f"EventLog: {int(late.sum())} events after as_of={self._as_of} "
                        "were dropped.",
                        stacklevel=4,
                    )
                    df = df.loc[~late]
            self._valid = df
        return self._valid

    def __len__(self) -> int:
        if self._lazy and self._valid is None:
            frame = to_narwhals(self._native, "events")
            return int(frame.select(nw.len()).collect().rows()[0][0])
        return len(self._validate())

    def __repr__(self) -> str:
        cols = ", ".join(f"{r}={c!r}" for r, c in self.columns.items() if c is not None)
        kind = type(self._native).__name__
        return f"EventLog({kind}, {cols})"

    def to_pandas(self) -> pd.DataFrame:
        """The validated events: canonical columns, categorical ids, extra columns kept."""
        return self._validate().copy(deep=False)

    # ------------------------------------------------------------------ hooks

    def _role(self, name: str | None, roles: Sequence[str], argument: str) -> str | None:
        if name is None:
            return None
        for role in roles:
            if self.columns[role] is not None and name in (self.columns[role], _CANONICAL[role]):
                return role
        own = [self.columns[r] for r in roles if self.columns[r] is not None]
        raise ValueError(
            f"{argument}={name!r} conflicts with the EventLog, built with "
            f"{', '.join(f'{_ARGUMENT[r]}={self.columns[r]!r}' for r in roles)}.\n"
            f"Hint: drop {argument} (the log knows its columns), pass "
            f"{argument}={own[0] if own else None!r}, or build the EventLog with "
            f"{argument}={name!r}."
        )

    def _am_validated_events(
        self,
        *,
        account_col: str,
        event_col: str | None,
        time_col: str,
        user_col: str | None,
        table: str,
    ) -> pd.DataFrame:
        """The validated frame as ``validate_events`` would return it (no new validation)."""
        entity = self._role(account_col, ("account", "user"), "account_col")
        self._role(time_col, ("time",), "time_col")
        event = self._role(event_col, ("event",), "event_col")
        user = self._role(user_col, ("user",), "user_col")
        df = self._validate()
        cols: dict[str, pd.Series] = {"account_id": df[_CANONICAL[str(entity)]]}
        if event is not None:
            cols["event"] = df["event"]
        cols["timestamp"] = df["timestamp"]
        if user is not None:
            cols["user_id"] = df["user_id"]
        for name in df.columns:
            original = next(
                (str(self.columns[r]) for r, c in _CANONICAL.items() if c == name), name
            )
            if name not in cols and original not in cols:
                cols[original] = df[name]
        return pd.DataFrame(cols, index=df.index, copy=False)

    def _am_forget(self, owner: str) -> None:
        """Drop the memos whose key starts with ``owner`` (a caller that is done with them)."""
        for enc in self._encoded.values():
            if enc.cache:
                for key in [k for k in enc.cache if isinstance(k, tuple) and k[:1] == (owner,)]:
                    del enc.cache[key]

    def _am_encoded(
        self,
        *,
        entity_col: str,
        time_col: str,
        event_col: str | None,
        activity_events: Sequence[str] | None = None,
    ) -> _Encoded:
        """Integer arrays of the log, built once per (entity, event) choice."""
        entity = self._role(entity_col, ("account", "user"), "account_col")
        self._role(time_col, ("time",), "time_col")
        event = self._role(event_col, ("event",), "event_col")
        if self._lazy:
            wanted = None if activity_events is None else tuple(activity_events)
            key: tuple[Any, ...] = ("lazy", entity, event, wanted)
            if key not in self._encoded:
                ee = engine_events(
                    self._native,
                    entity_col=str(self.columns[str(entity)]),
                    time_col=str(self.columns["time"]),
                    event_col=None if event is None else str(self.columns["event"]),
                    activity_events=activity_events,
                )
                if ee is not None:
                    self._encoded[key] = _Encoded(
                        ee.entities, None, None, ee.events, None, ee.latest, ee
                    )
                    self._encoded[key].cache = {}
            if key in self._encoded:
                return self._encoded[key]
        key = (entity, event)
        if key not in self._encoded:
            df = self._am_validated_events(
                account_col=str(self.columns[str(entity)]),
                event_col=None if event is None else str(self.columns["event"]),
                time_col=str(self.columns["time"]),
                user_col=None,
                table="events",
            )
            enc = _encode_valid(df, with_events=event is not None)
            # The same entity's codes with or without events are equal row for row:
            # share one array (an event-sized int64) instead of holding two.
            twin = self._encoded.get((entity, None if event is not None else "event"))
            if twin is not None and twin.materialised and len(twin.ns) == len(enc.ns):
                enc = _Encoded(
                    enc.entities, twin.entity, enc.ns, enc.events, enc._event, enc.latest
                )
            self._encoded[key] = enc
            self._encoded[key].cache = {}
        if activity_events is None:
            return self._encoded[key]
        wanted_key = (entity, event, tuple(activity_events))
        if wanted_key not in self._encoded:
            self._encoded[wanted_key] = _keep_events(self._encoded[key], activity_events)
            self._encoded[wanted_key].cache = {}
        return self._encoded[wanted_key]
