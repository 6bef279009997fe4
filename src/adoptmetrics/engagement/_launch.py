"""After a feature launch: who adopted early and who lags (Rogers), and the adoption curve."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics._stats._intervals import check_confidence, kaplan_meier, wilson_interval
from adoptmetrics.activity._encode import EventsLike, IntArray
from adoptmetrics.activity._engagement_cells import first_use_after, last_seen_per_entity
from adoptmetrics.engagement._common import (
    NS_PER_DAY,
    By,
    Log,
    empty_f,
    empty_i,
    feature_codes,
    finish,
    load,
)

__all__ = ["CATEGORIES", "adopter_categories", "adoption_curve"]

#: Rogers' categories in adoption order, and the cumulative share of the
#: eligible population at which each one ends.
CATEGORIES: tuple[str, ...] = (
    "innovator",
    "early_adopter",
    "early_majority",
    "late_majority",
    "laggard",
    "not_yet",
)
_CUTS = (0.025, 0.16, 0.50, 0.84)


@attrs.frozen(slots=True)
class _Launch:
    log: Log
    launch: pd.Timestamp
    eligible: npt.NDArray[np.bool_]  # per entity
    adopted_ns: IntArray  # per entity, int64 max if not adopted by as_of
    last_ns: IntArray  # per entity, last activity up to as_of


def _feature_events(feature: str | Sequence[str]) -> list[str]:
    if isinstance(feature, str):
        return [feature]
    if isinstance(feature, Sequence) and feature and all(isinstance(f, str) for f in feature):
        return list(feature)
    raise TypeError(
        f"feature must be an event name or a list of event names, not {feature!r}.\n"
        "Hint: e.g. feature='Exported Report' or feature=['Exported PDF', 'Exported CSV']."
    )


def _launch(
    events: EventsLike,
    feature: str | Sequence[str],
    *,
    launched_at: object,
    eligible_days: float,
    level: str,
    by: By,
    as_of: object,
    account_col: str,
    user_col: str | None,
    time_col: str,
    event_col: str,
) -> _Launch | None:
    names = _feature_events(feature)
    if launched_at is None:
        raise ValueError("launched_at is required.\nHint: pass launched_at='2024-03-01'.")
    launch = coerce_as_of(launched_at, None, argument="launched_at")
    if isinstance(eligible_days, bool) or not isinstance(eligible_days, (int, float)):
        raise TypeError(f"eligible_days={eligible_days!r} must be a number of days.")
    if not eligible_days > 0:
        raise ValueError(
            f"eligible_days={eligible_days!r} must be positive.\n"
            "Hint: the default 28 counts entities active in the 4 weeks before the launch."
        )
    log = load(
        events,
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        by=by,
        as_of=as_of,
    )
    if log is None or log.events is None or log.event is None:
        return None
    if launch > log.as_of:
        raise ValueError(
            f"launched_at={launch} is after as_of={log.as_of}: nothing can have been adopted.\n"
            "Hint: pass a launch date inside the data, or a later as_of."
        )
    if launch.value <= log.first_ns:
        raise ValueError(
            f"launched_at={launch} is not after the first event ({pd.Timestamp(log.first_ns)}): "
            "no one can have been active before the launch.\n"
            "Hint: pass the real launch date; the eligible are the entities active in the "
            "eligible_days before it."
        )
    window_start = launch.value - round(eligible_days * NS_PER_DAY)
    if window_start < log.first_ns:
        warnings.warn(
            f"the eligibility window [launched_at − {eligible_days:g} days, launched_at) starts "
            f"before the first event ({pd.Timestamp(log.first_ns)}): entities active only "
            "before the data begins are missing from the eligible population.",
            UserWarning,
            stacklevel=3,
        )
    _, codes = feature_codes(names, log.events, argument="feature", stacklevel=4)
    used = np.isin(log.event, codes[0])
    n_ent = len(log.entities)
    before = used & (log.ns < launch.value)
    if before.any():
        warnings.warn(
            f"the feature was used {int(before.sum())} times before launched_at (a beta?); "
            "only use at or after the launch counts as adoption.",
            UserWarning,
            stacklevel=3,
        )
    in_window = (log.ns >= window_start) & (log.ns < launch.value)
    eligible = np.zeros(n_ent, dtype=bool)
    eligible[log.entity[in_window]] = True
    adopted = first_use_after(log.entity, log.ns, used, launch.value, n_ent)
    last = last_seen_per_entity(log.entity, log.ns, n_ent)
    return _Launch(log, launch, eligible, adopted, last)


def adopter_categories(
    events: EventsLike,
    feature: str | Sequence[str],
    /,
    *,
    launched_at: object,
    eligible_days: float = 28,
    level: str = "account",
    as_of: object = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> pd.DataFrame:
    """Rogers' adopter category of each eligible entity after a feature launch.

    Eligible: active (any event) in ``[launched_at − eligible_days,
    launched_at)``. Adoption: the first use of the feature at or after
    ``launched_at`` (up to ``as_of``). Adopters are ranked by adoption time
    and the cumulative cuts fall at ``floor(share × n_eligible)`` ranks of
    the *whole eligible population* (adopters or not): the first 2.5 % are
    innovators, the next 13.5 % early adopters, the next 34 % early majority,
    the next 34 % late majority, the remaining adopters laggards. Entities
    with the same adoption time share the category of the first of them
    (ties are never broken by id). Entities that have not adopted by
    ``as_of`` are ``not_yet`` — they are not laggards yet.

    Parameters
    ----------
    events : DataFrame
        The event log.
    feature : str or list of str
        The feature's event name (or names).
    launched_at : timestamp
        When the feature was launched; must lie after the first event and
        not after ``as_of``.
    eligible_days : float
        Days before the launch in which an entity must be active to count.
    level : {"account", "user"}
        Whose adoption is measured.
    as_of : timestamp, optional
        End of observation; later events are ignored. Default: the latest event.
    account_col, user_col, time_col, event_col : str
        Column names of the account id, the user id, the timestamp and the
        event name.

    Returns
    -------
    DataFrame
        One row per eligible entity, sorted by adoption time (then id; the
        order of ties carries no meaning):

        - ``<account_col>`` (``<user_col>`` at user level): the entity id.
        - ``adopted_at``: first use at or after the launch (``NaT`` if none).
        - ``days_to_adopt``: days from the launch to ``adopted_at`` (NaN if none).
        - ``category``: ``innovator``, ``early_adopter``, ``early_majority``,
          ``late_majority``, ``laggard`` or ``not_yet`` (an ordered categorical).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": list("abcd") + ["a", "b", "c"],
    ...     "event": ["login"] * 4 + ["export"] * 3,
    ...     "timestamp": pd.to_datetime(["2024-02-25"] * 4 +
    ...                                 ["2024-03-01", "2024-03-02", "2024-03-09"])})
    >>> adopter_categories(ev, "export", launched_at="2024-03-01", eligible_days=7)
      account_id adopted_at  days_to_adopt        category
    0          a 2024-03-01            0.0  early_majority
    1          b 2024-03-02            1.0  early_majority
    2          c 2024-03-09            8.0   late_majority
    3          d        NaT            NaN         not_yet
    """
    got = _launch(
        events,
        feature,
        launched_at=launched_at,
        eligible_days=eligible_days,
        level=level,
        by=None,
        as_of=as_of,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    dtype = pd.CategoricalDtype(list(CATEGORIES), ordered=True)
    if got is None:
        entity_col = user_col if level == "user" and user_col else account_col
        return pd.DataFrame(
            {
                entity_col: pd.Series([], dtype=object),
                "adopted_at": pd.Series([], dtype="datetime64[ns]"),
                "days_to_adopt": empty_f([]),
                "category": pd.Categorical([], dtype=dtype),
            }
        )
    el = np.flatnonzero(got.eligible)
    none = np.iinfo(np.int64).max
    t = got.adopted_ns[el]
    n = len(el)
    did = t != none
    # Rank of an adopter = adopters strictly earlier (ties share the first one's rank).
    rank = np.searchsorted(np.sort(t[did]), t, side="left")
    cuts = np.floor(np.asarray(_CUTS) * n).astype(np.int64)
    cat = np.searchsorted(cuts, rank, side="right")
    cat = np.where(did, cat, len(CATEGORIES) - 1)
    # Listed by adoption time, then id (display only: categories never depend on ids).
    names = np.asarray(got.log.entities[el].astype(str))
    order = np.lexsort((names, t))
    el, t, did, cat = el[order], t[order], did[order], cat[order]
    days = np.where(did, (t - got.launch.value) / NS_PER_DAY, np.nan)
    adopted_at = np.where(did, t, np.iinfo(np.int64).min).view("datetime64[ns]")
    return pd.DataFrame(
        {
            got.log.entity_col: got.log.entities[el],
            "adopted_at": adopted_at,
            "days_to_adopt": days,
            "category": pd.Categorical.from_codes(cat, dtype=dtype),  # type: ignore[arg-type, unused-ignore]
        }
    )


def adoption_curve(
    events: EventsLike,
    feature: str | Sequence[str],
    /,
    *,
    launched_at: object,
    eligible_days: float = 28,
    level: str = "account",
    by: By = None,
    as_of: object = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cumulative adoption of a feature day by day since its launch (1 − Kaplan–Meier).

    The eligible population and adoption are those of
    :func:`adopter_categories`. Time to adopt is counted in whole days since
    the launch (day 0 is the first 24 hours). An entity that has not adopted
    is censored at its last activity (never later than ``as_of``; at day 0
    if it was last seen before the launch), so entities that left are not
    counted as "still could adopt" forever, and the rate is not the naive
    share of adopters among everyone eligible.

    Parameters
    ----------
    events : DataFrame
        The event log.
    feature : str or list of str
        The feature's event name (or names).
    launched_at : timestamp
        When the feature was launched.
    eligible_days : float
        Days before the launch in which an entity must be active to count.
    level : {"account", "user"}
        Whose adoption is measured.
    by : str or Series, optional
        Segments, as in :func:`active_counts`; one curve per segment.
    as_of : timestamp, optional
        End of observation; later events are ignored. Default: the latest event.
    account_col, user_col, time_col, event_col : str
        Column names of the account id, the user id, the timestamp and the
        event name.
    confidence : float
        Level of the pointwise interval.

    Returns
    -------
    DataFrame
        One row per (segment,) day from 0 to the day holding ``as_of``:

        - the ``by`` column, when ``by`` is given.
        - ``day``: days since the launch.
        - ``n_at_risk``: eligible entities not yet adopted and still observed
          at the start of the day.
        - ``n_adopted``: of them, those that adopted during the day.
        - ``adoption_rate``: cumulative share adopted by the end of the day,
          ``1 − S(day)`` with ``S`` the Kaplan–Meier estimate.
        - ``ci_lower``, ``ci_upper``: ``1 −`` the Greenwood (log-log)
          interval of ``S``; before the first adoption the upper bound is the
          Wilson bound of 0 adopters among those at risk (never zero width).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": list("abcd") + ["a", "b", "c"],
    ...     "event": ["login"] * 4 + ["export", "export", "login"],
    ...     "timestamp": pd.to_datetime(["2024-02-25"] * 4 +
    ...                                 ["2024-03-01", "2024-03-02", "2024-03-02"])})
    >>> out = adoption_curve(ev, "export", launched_at="2024-03-01", eligible_days=7)
    >>> out[["day", "n_at_risk", "n_adopted", "adoption_rate"]]
       day  n_at_risk  n_adopted  adoption_rate
    0    0          4          1          0.250
    1    1          2          1          0.625
    """
    conf = check_confidence(confidence)
    got = _launch(
        events,
        feature,
        launched_at=launched_at,
        eligible_days=eligible_days,
        level=level,
        by=by,
        as_of=as_of,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    cols = ("adoption_rate", "ci_lower", "ci_upper")
    if got is None:
        body: dict[str, object] = {
            "day": empty_i([]),
            "n_at_risk": empty_i([]),
            "n_adopted": empty_i([]),
        }
        body.update({c: empty_f([]) for c in cols})
        return finish(body, None, empty_i([]), by)
    log = got.log
    el = np.flatnonzero(got.eligible)
    none = np.iinfo(np.int64).max
    did = got.adopted_ns[el] != none
    end_ns = np.where(did, got.adopted_ns[el], np.maximum(got.last_ns[el], got.launch.value))
    duration = (end_ns - got.launch.value) // NS_PER_DAY
    n_days = int((log.as_of.value - got.launch.value) // NS_PER_DAY) + 1
    seg = log.seg[el]
    parts = []
    for s in range(log.n_seg):  # a loop over segments, not entities
        m = seg == s
        parts.append(_km_rows(duration[m], did[m], n_days, conf))
    seg_i = np.repeat(np.arange(log.n_seg), n_days)
    body = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return finish(body, log, seg_i.astype(np.int64), by)


def _km_rows(
    duration: IntArray,
    adopted: npt.NDArray[np.bool_],
    n_days: int,
    confidence: float,
) -> dict[str, npt.NDArray[np.generic]]:
    """1 − KM on the full day grid 0..n_days−1 (steps carried forward)."""
    day = np.arange(n_days)
    left = np.bincount(duration, minlength=n_days)[:n_days]
    events = np.bincount(duration[adopted], minlength=n_days)[:n_days]
    at_risk = len(duration) - np.r_[0, np.cumsum(left)[:-1]]
    rate = np.zeros(n_days)
    lo = np.zeros(n_days)
    hi = np.ones(n_days)
    if len(duration):
        km = kaplan_meier(duration, adopted, confidence=confidence)
        pos = np.searchsorted(km["time"], day, side="right") - 1
        has = pos >= 0
        p = np.maximum(pos, 0)
        rate = np.where(has, 1 - km["survival"][p], 0.0)
        lo = np.where(has, 1 - km["ci_upper"][p], 0.0)
        hi = np.where(has, 1 - km["ci_lower"][p], 0.0)
        # Before the first adoption the Greenwood band has zero width: use Wilson's 0-of-n bound.
        none_yet = np.cumsum(events) == 0
        _, w_hi = wilson_interval(np.zeros(n_days), np.maximum(at_risk, 1), confidence)
        hi = np.where(none_yet, np.where(at_risk > 0, w_hi, 1.0), hi)
    return {
        "day": day.astype(np.int64),
        "n_at_risk": at_risk.astype(np.int64),
        "n_adopted": events.astype(np.int64),
        "adoption_rate": rate,
        "ci_lower": lo,
        "ci_upper": hi,
    }
