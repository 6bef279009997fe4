"""Typed records and their conversion to and from the canonical DataFrames.

The analytics work on DataFrames; these frozen, slotted attrs records are for
code that builds data one item at a time (an app, a test, a definition of
what "onboarded" means) and wants validation at construction time.

Examples
--------
>>> import adoptmetrics as am
>>> acc = am.Account("acme", started_at="2024-01-05", plan="pro")
>>> acc.started_at
Timestamp('2024-01-05 00:00:00')
>>> am.to_frame([acc])[["account_id", "started_at", "plan"]]
  account_id started_at plan
0       acme 2024-01-05  pro
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs
import pandas as pd

__all__ = [
    "Account",
    "Event",
    "Measure",
    "Milestone",
    "NPSResponse",
    "Scorecard",
    "Trigger",
    "from_frame",
    "to_frame",
]


def _timestamp(value: object) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{value!r} is not a timestamp.\nHint: pass a datetime, pd.Timestamp or ISO string."
        ) from exc
    if pd.isna(ts):
        raise ValueError("timestamp is missing (NaT).\nHint: pass a real date.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _optional_timestamp(value: object) -> pd.Timestamp | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return _timestamp(value)


def _non_empty(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(
            f"{attribute.name} must not be empty.\nHint: give every record an id or name."
        )


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"{attribute.name}={value!r} must be a whole number ≥ 1.\n"
            f"Hint: e.g. {attribute.name}=1."
        )


def _positive_days(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{attribute.name}={value!r} must be a positive number of days.")


@attrs.frozen(slots=True)
class Account:
    """A customer account.

    Parameters
    ----------
    account_id : str
        The account's id.
    started_at : timestamp
        When the account started (contract start or signup).
    churned_at : timestamp, optional
        When it churned; ``None`` while active. Must not be before ``started_at``.
    plan, industry : str, optional
        Common attributes.
    seats : int, optional
        Licensed seats.
    mrr : float, optional
        Current monthly recurring revenue.
    attributes : mapping, optional
        Any other attributes (region, segment, ...); they become columns.

    Examples
    --------
    >>> Account("a1", started_at="2024-03-01", churned_at="2024-01-01")
    Traceback (most recent call last):
    ...
    ValueError: Account 'a1': churned_at 2024-01-01 ... is before started_at 2024-03-01 ....
    Hint: a churn date must be on or after the start date.
    """

    account_id: str = attrs.field(validator=_non_empty)
    started_at: pd.Timestamp = attrs.field(converter=_timestamp)
    churned_at: pd.Timestamp | None = attrs.field(default=None, converter=_optional_timestamp)
    plan: str | None = None
    industry: str | None = None
    seats: int | None = None
    mrr: float | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if self.churned_at is not None and self.churned_at < self.started_at:
            raise ValueError(
                f"Account {self.account_id!r}: churned_at {self.churned_at} is before "
                f"started_at {self.started_at}.\nHint: a churn date must be on or after "
                "the start date."
            )
        if self.seats is not None and (isinstance(self.seats, bool) or self.seats < 0):
            raise ValueError(
                f"Account {self.account_id!r}: seats={self.seats!r} must be ≥ 0.\n"
                "Hint: pass the number of licensed seats, or None if unknown."
            )
        if self.mrr is not None and (math.isnan(self.mrr) or self.mrr < 0):
            raise ValueError(
                f"Account {self.account_id!r}: mrr={self.mrr!r} must be ≥ 0.\n"
                "Hint: pass the monthly recurring revenue, or None if unknown."
            )
        clash = sorted(set(self.attributes) & set(_COLUMNS[Account]))
        if clash:
            raise ValueError(
                f"Account {self.account_id!r}: attributes {clash} repeat built-in fields.\n"
                f"Hint: pass them as Account(..., {clash[0]}=...) instead."
            )


@attrs.frozen(slots=True)
class Event:
    """One product event.

    Parameters
    ----------
    account_id : str
        The account the event belongs to.
    event : str
        Event name.
    timestamp : timestamp
        When it happened.
    user_id : str, optional
        The user who did it.
    """

    account_id: str = attrs.field(validator=_non_empty)
    event: str = attrs.field(validator=_non_empty)
    timestamp: pd.Timestamp = attrs.field(converter=_timestamp)
    user_id: str | None = None


def _score(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value <= 10:
        raise ValueError(
            f"NPS score {value!r} is not a whole number 0–10.\n"
            "Hint: NPS answers are integers from 0 (not likely) to 10 (extremely likely)."
        )


@attrs.frozen(slots=True)
class NPSResponse:
    """One NPS survey response.

    Parameters
    ----------
    account_id : str
        The responding account.
    score : int
        The answer, 0–10.
    timestamp : timestamp, optional
        When it was given.
    user_id : str, optional
        The responding user.

    Examples
    --------
    >>> NPSResponse("a1", score=11)
    Traceback (most recent call last):
    ...
    ValueError: NPS score 11 is not a whole number 0–10.
    Hint: NPS answers are integers from 0 (not likely) to 10 (extremely likely).
    """

    account_id: str = attrs.field(validator=_non_empty)
    score: int = attrs.field(validator=_score)
    timestamp: pd.Timestamp | None = attrs.field(default=None, converter=_optional_timestamp)
    user_id: str | None = None

    @property
    def category(self) -> str:
        """``"promoter"`` (9–10), ``"passive"`` (7–8) or ``"detractor"`` (0–6)."""
        if self.score >= 9:
            return "promoter"
        return "passive" if self.score >= 7 else "detractor"


@attrs.frozen(slots=True)
class Milestone:
    """An onboarding milestone: the account performs ``event`` at least ``min_count`` times.

    Parameters
    ----------
    name : str
        Display name ("Invited a teammate").
    event : str
        The event that counts.
    min_count : int, default 1
        How many times it must happen.
    """

    name: str = attrs.field(validator=_non_empty)
    event: str = attrs.field(validator=_non_empty)
    min_count: int = attrs.field(default=1, validator=_positive_int)


TRIGGER_METRICS = ("usage_growth", "active_user_share")


@attrs.frozen(slots=True)
class Trigger:
    """An expansion signal.

    An *event trigger* (``event`` given) fires when the account performs
    ``event`` at least ``min_count`` times within ``window_days``. A
    *threshold trigger* (``metric`` given) fires when an activity metric
    crosses ``threshold`` over the trailing ``window_days``:

    - ``"usage_growth"``: events in the window ÷ events in the window before
      it (e.g. ``threshold=1.5`` for 50 % growth).
    - ``"active_user_share"``: distinct active users in the window ÷ the
      account's ``seats`` (e.g. ``threshold=0.9`` for "near the seat limit").

    Parameters
    ----------
    name : str
        Display name.
    event : str, optional
        Event name for an event trigger.
    min_count : int, default 1
        Times ``event`` must occur in the window.
    window_days : float, default 30
        Window length in days.
    metric : {"usage_growth", "active_user_share"}, optional
        Metric for a threshold trigger.
    threshold : float, optional
        Threshold for a threshold trigger.
    weight : float, optional
        A hand-set weight, used only when scores are asked to use hand weights.

    Examples
    --------
    >>> Trigger("seat limit", metric="active_user_share", threshold=0.9).kind
    'threshold'
    """

    name: str = attrs.field(validator=_non_empty)
    event: str | None = None
    min_count: int = attrs.field(default=1, validator=_positive_int)
    window_days: float = attrs.field(default=30, validator=_positive_days)
    metric: str | None = None
    threshold: float | None = None
    weight: float | None = None

    def __attrs_post_init__(self) -> None:
        if (self.event is None) == (self.metric is None):
            raise ValueError(
                f"Trigger {self.name!r}: give exactly one of event= or metric=.\n"
                "Hint: Trigger('invites', event='invite_sent', min_count=3) or "
                "Trigger('growth', metric='usage_growth', threshold=1.5)."
            )
        if self.metric is not None:
            if self.metric not in TRIGGER_METRICS:
                raise ValueError(
                    f"Trigger {self.name!r}: metric={self.metric!r} is unknown.\n"
                    f"Hint: use one of {', '.join(TRIGGER_METRICS)}."
                )
            if self.threshold is None or not self.threshold > 0:
                raise ValueError(f"Trigger {self.name!r}: a threshold trigger needs threshold > 0.")

    @property
    def kind(self) -> str:
        """``"event"`` or ``"threshold"``."""
        return "event" if self.event is not None else "threshold"


def _finite_number(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{attribute.name}={value!r} must be a number.\n"
            f"Hint: e.g. Measure('active_days', weight=0.2, bad=2, good=15)."
        )
    if not math.isfinite(float(value)):
        raise ValueError(f"{attribute.name}={value!r} must be finite.\nHint: pass a real number.")


def _weight(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    _finite_number(_, attribute, value)
    if value < 0:
        raise ValueError(
            f"weight={value!r} is negative.\n"
            "Hint: weights are ≥ 0; for a measure where lower is better, "
            "swap bad and good (bad > good) instead of negating the weight."
        )


@attrs.frozen(slots=True)
class Measure:
    """One component of a health scorecard.

    The component scores 0 at ``bad``, 100 at ``good``, linearly in between
    and clipped outside. When lower values are better (days since last
    activity), pass ``bad > good``.

    Parameters
    ----------
    column : str
        A column of the metrics table (see ``health.account_metrics``).
    weight : float
        Relative weight, ≥ 0; weights are renormalised over the measures an
        account has (a missing value does not count as 0).
    bad, good : float
        The values that score 0 and 100. They must differ.

    Examples
    --------
    >>> m = Measure("days_since_active", weight=1, bad=14, good=2)
    >>> m.component([1.0, 8.0, 30.0]).tolist()
    [100.0, 50.0, 0.0]
    >>> Measure("nps", weight=1, bad=7, good=7)
    Traceback (most recent call last):
    ...
    ValueError: Measure 'nps': bad and good are both 7; a component needs two different anchors.
    Hint: e.g. bad=6, good=9 (or bad > good when lower is better).
    """

    column: str = attrs.field(validator=_non_empty)
    weight: float = attrs.field(validator=_weight)
    bad: float = attrs.field(validator=_finite_number)
    good: float = attrs.field(validator=_finite_number)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.column, str):
            raise TypeError(
                f"Measure column must be a string, got {type(self.column).__name__}.\n"
                "Hint: name a column of the metrics table, e.g. 'active_days'."
            )
        if float(self.bad) == float(self.good):
            raise ValueError(
                f"Measure {self.column!r}: bad and good are both {self.bad!r}; a component "
                "needs two different anchors.\nHint: e.g. bad=6, good=9 (or bad > good when "
                "lower is better)."
            )

    @property
    def lower_is_better(self) -> bool:
        """True when ``bad > good``."""
        return float(self.bad) > float(self.good)

    def component(self, values: Any) -> Any:
        """Component scores 0–100 of ``values`` (NaN stays NaN).

        Parameters
        ----------
        values : array-like of float
            Values of the measure.

        Returns
        -------
        ndarray of float
            ``clip((value − bad) / (good − bad), 0, 1) × 100``.
        """
        import numpy as np

        x = np.asarray(values, dtype=float)
        bad, good = float(self.bad), float(self.good)
        with np.errstate(invalid="ignore"):
            return np.clip((x - bad) / (good - bad), 0.0, 1.0) * 100.0


def _measures(value: object) -> tuple[Measure, ...]:
    if isinstance(value, Measure):
        return (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"measures must be a list of Measure records, got {type(value).__name__}.\n"
            "Hint: Scorecard([Measure('active_days', weight=1, bad=2, good=15)])."
        )
    out = tuple(value)
    for m in out:
        if not isinstance(m, Measure):
            raise TypeError(
                f"measures holds a {type(m).__name__}, not a Measure.\n"
                "Hint: build each with Measure(column, weight=..., bad=..., good=...)."
            )
    return out


def _bands(value: object) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"bands must be two numbers, got {value!r}.\nHint: bands=(50, 75) "
            "(red below 50, green at or above 75)."
        )
    out = tuple(value)
    if len(out) != 2 or any(
        isinstance(b, bool) or not isinstance(b, numbers.Real) or not math.isfinite(float(b))
        for b in out
    ):
        raise ValueError(
            f"bands={value!r} must be two finite numbers.\nHint: bands=(50, 75) "
            "(red below 50, green at or above 75)."
        )
    return float(out[0]), float(out[1])


@attrs.frozen(slots=True)
class Scorecard:
    """A weighted health scorecard: measures and the red/yellow/green band edges.

    Parameters
    ----------
    measures : list of Measure
        The components; columns must be unique and the weights must not all
        be zero.
    bands : (float, float), default (50, 75)
        Band edges inside (0, 100), increasing: a score below ``bands[0]`` is
        red, at or above ``bands[1]`` green, yellow in between.

    Examples
    --------
    >>> card = Scorecard([Measure("active_days", 2, bad=0, good=10),
    ...                   Measure("nps", 1, bad=6, good=9)])
    >>> card.columns
    ('active_days', 'nps')
    >>> card.to_frame()
            column  weight  bad  good
    0  active_days       2    0    10
    1          nps       1    6     9
    >>> Scorecard(card.measures, bands=(75, 50))
    Traceback (most recent call last):
    ...
    ValueError: bands=(75.0, 50.0) must increase inside (0, 100).
    Hint: bands=(50, 75): red below 50, yellow 50–75, green at or above 75.
    """

    measures: tuple[Measure, ...] = attrs.field(converter=_measures)
    bands: tuple[float, float] = attrs.field(default=(50.0, 75.0), converter=_bands)

    def __attrs_post_init__(self) -> None:
        if not self.measures:
            raise ValueError(
                "a Scorecard needs at least one Measure.\n"
                "Hint: Scorecard([Measure('active_days', weight=1, bad=2, good=15)])."
            )
        columns = [m.column for m in self.measures]
        dup = sorted({c for c in columns if columns.count(c) > 1})
        if dup:
            raise ValueError(
                f"Scorecard measures repeat the columns {dup}.\n"
                "Hint: give each column one Measure (add their weights)."
            )
        if not sum(m.weight for m in self.measures) > 0:
            raise ValueError(
                "every Measure weight is 0, so no score can be formed.\n"
                "Hint: give at least one measure a positive weight."
            )
        low, high = self.bands
        if not 0 < low < high < 100:
            raise ValueError(
                f"bands={self.bands!r} must increase inside (0, 100).\n"
                "Hint: bands=(50, 75): red below 50, yellow 50–75, green at or above 75."
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """The metric columns the scorecard reads, in order."""
        return tuple(m.column for m in self.measures)

    def to_frame(self) -> pd.DataFrame:
        """The measures as a table.

        Returns
        -------
        DataFrame
            One row per measure:

            - ``column``: the metric column.
            - ``weight``: its weight (not renormalised).
            - ``bad``: the value scoring 0.
            - ``good``: the value scoring 100.
        """
        return to_frame(self.measures)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, /, *, bands: Any = (50, 75)) -> Scorecard:
        """Build a scorecard from a table with ``column``, ``weight``, ``bad``, ``good``.

        Parameters
        ----------
        frame : DataFrame
            One row per measure.
        bands : (float, float), default (50, 75)
            Band edges.

        Returns
        -------
        Scorecard
            The validated scorecard.
        """
        return cls(from_frame(frame, Measure), bands=bands)


Record = Account | Event | NPSResponse | Milestone | Trigger | Measure
R = TypeVar("R", Account, Event, NPSResponse, Milestone, Trigger, Measure)

_COLUMNS: dict[type, list[str]] = {
    Account: ["account_id", "started_at", "churned_at", "plan", "industry", "seats", "mrr"],
    Event: ["account_id", "user_id", "event", "timestamp"],
    NPSResponse: ["account_id", "user_id", "timestamp", "score"],
    Milestone: ["name", "event", "min_count"],
    Trigger: ["name", "event", "min_count", "window_days", "metric", "threshold", "weight"],
    Measure: ["column", "weight", "bad", "good"],
}


def to_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Turn records of one type into the canonical DataFrame.

    Parameters
    ----------
    records : iterable of Account, Event, NPSResponse, Milestone, Trigger or Measure
        All of the same type.

    Returns
    -------
    DataFrame
        One row per record, with the canonical columns of its type:

        - ``account_id``: for ``Account``, ``Event`` and ``NPSResponse``.
        - ``started_at``, ``churned_at``, ``plan``, ``industry``, ``seats``,
          ``mrr``: for ``Account``, plus one column per key of ``attributes``.
        - ``user_id``, ``event``, ``timestamp``: for ``Event``.
        - ``user_id``, ``timestamp``, ``score``: for ``NPSResponse``.
        - ``name``, ``event``, ``min_count``: for ``Milestone``.
        - ``name``, ``event``, ``min_count``, ``window_days``, ``metric``,
          ``threshold``, ``weight``: for ``Trigger``.
        - ``column``, ``weight``, ``bad``, ``good``: for ``Measure``.

    Examples
    --------
    >>> to_frame([Event("a", "login", "2024-01-01")])
      account_id user_id  event  timestamp
    0          a    None  login 2024-01-01
    """
    items = list(records)
    if not items:
        raise ValueError(
            "to_frame needs at least one record to know the table type.\n"
            "Hint: build an empty frame with the canonical columns instead."
        )
    kind = type(items[0])
    if kind not in _COLUMNS:
        raise TypeError(f"to_frame does not know records of type {kind.__name__}.")
    if any(type(r) is not kind for r in items):
        raise TypeError("to_frame needs records of a single type.")
    columns = _COLUMNS[kind]
    data: dict[str, list[Any]] = {c: [getattr(r, c) for r in items] for c in columns}
    if kind is Account:
        extra = sorted({k for r in items for k in r.attributes})  # type: ignore[union-attr]
        for key in extra:
            data[key] = [r.attributes.get(key) for r in items]  # type: ignore[union-attr]
    frame = pd.DataFrame(data)
    for col in ("started_at", "churned_at", "timestamp"):
        if col in frame.columns:
            # nanoseconds, as everywhere in the library (pandas 3 would infer microseconds)
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    if kind is NPSResponse:
        frame["score"] = frame["score"].astype("int64")
    return frame


def from_frame(frame: pd.DataFrame, record_type: type[R], /) -> list[R]:
    """Turn a canonical DataFrame into records, validating every row.

    Parameters
    ----------
    frame : DataFrame
        A table with the canonical columns of ``record_type``.
    record_type : type
        ``Account``, ``Event``, ``NPSResponse``, ``Milestone``, ``Trigger`` or ``Measure``.

    Returns
    -------
    list
        One record per row. For ``Account``, columns beyond the canonical ones
        go into ``attributes``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"account_id": ["a"], "score": [9]})
    >>> from_frame(df, NPSResponse)[0].category
    'promoter'
    """
    if record_type not in _COLUMNS:
        raise TypeError(f"from_frame does not know records of type {record_type!r}.")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"from_frame needs a DataFrame, got {type(frame).__name__}.")
    fields = _COLUMNS[record_type]
    required = [
        f.name for f in attrs.fields(record_type) if f.default is attrs.NOTHING and f.name in fields
    ]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        from adoptmetrics._schema._validate import SchemaError

        raise SchemaError(
            record_type.__name__,
            missing[0],
            f"is missing; the table has columns {list(frame.columns)}",
            f"rename your columns to the canonical names {fields}.",
        )
    present = [c for c in fields if c in frame.columns]
    extra = [c for c in frame.columns if c not in fields] if record_type is Account else []
    out: list[R] = []
    for row in frame.to_dict(orient="records"):
        kwargs = {c: _clean(row[c]) for c in present}
        if record_type is NPSResponse and kwargs.get("score") is not None:
            score = kwargs["score"]
            if isinstance(score, float) and score.is_integer():
                kwargs["score"] = int(score)
        if record_type in (Milestone, Trigger) and isinstance(kwargs.get("min_count"), float):
            kwargs["min_count"] = int(kwargs["min_count"])
        if record_type is Account and kwargs.get("seats") is not None:
            kwargs["seats"] = int(kwargs["seats"])
        if extra:
            kwargs["attributes"] = {c: _clean(row[c]) for c in extra}
        out.append(record_type(**kwargs))
    return out


def _clean(value: Any) -> Any:
    """NaN/NaT → None; numpy scalars → Python scalars."""
    if value is None:
        return None
    if isinstance(value, (float, pd.Timestamp)) and pd.isna(value):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):
        return value.item()
    return value
