"""Feature adoption: the share of active entities that used each feature, period by period."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptmetrics.activity._encode import EventsLike, IntArray, period_start
from adoptmetrics.activity._engagement_cells import (
    distinct_pairs,
    feature_cells,
    period_offsets,
)
from adoptmetrics.engagement._common import (
    By,
    Features,
    check_period,
    empty_b,
    empty_dt,
    empty_f,
    empty_i,
    feature_codes,
    finish,
    load,
    period_ends,
    period_range,
    wilson,
)

__all__ = ["feature_adoption", "feature_layers"]


def feature_layers(codes: list[IntArray], n_events: int) -> list[tuple[list[int], IntArray]]:
    """Group features into layers whose event sets do not overlap.

    Each layer gives a lookup event code → feature (``-1``: none), so one
    pass over the rows serves every feature of the layer; features with
    disjoint events (the usual case) all fit in one layer.
    """
    layers: list[tuple[list[int], IntArray]] = []
    for f, evs in enumerate(codes):
        for members, lut in layers:
            if not (lut[evs] >= 0).any():
                lut[evs] = f
                members.append(f)
                break
        else:
            lut = np.full(max(n_events, 1), -1, dtype=np.int64)
            lut[evs] = f
            layers.append(([f], lut))
    return layers


def feature_adoption(
    events: EventsLike,
    /,
    *,
    features: Features = None,
    period: str = "month",
    level: str = "account",
    by: By = None,
    as_of: object = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of the active entities that used each feature, per period, with intervals.

    Parameters
    ----------
    events : DataFrame
        The event log; any event counts as activity.
    features : list of str or mapping, optional
        Event names, or a mapping feature → event name(s) (a feature can be
        several events, and an event may belong to several features).
        Default: every event name. A name that never occurs gives a warning
        and rows of zeros.
    period : {"month", "week", "day"}
        Calendar period (UTC); weeks start on Monday.
    level : {"account", "user"}
        Whose activity is counted.
    by : str or Series, optional
        Segments, as in :func:`active_counts`.
    as_of : timestamp, optional
        End of observation; later events are ignored. Default: the latest event.
    account_col, user_col, time_col, event_col : str
        Column names of the account id, the user id, the timestamp and the
        event name.
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per (segment,) feature and period, from the first event's
        period to the period holding ``as_of``, sorted by feature (in the
        order given) then period:

        - the ``by`` column, when ``by`` is given.
        - ``feature``: the feature name.
        - ``period``: start of the period.
        - ``n_active``: entities active (any event) in the period.
        - ``n_adopters``: of them, those that used the feature in the period.
        - ``adoption_rate``: ``n_adopters / n_active`` (NaN when nobody was active).
        - ``ci_lower``, ``ci_upper``: Wilson interval of the rate.
        - ``events_per_adopter``: the feature's events ÷ ``n_adopters`` (NaN
          without adopters).
        - ``complete``: the period was over at ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "c"],
    ...     "event": ["export", "export", "login", "export"],
    ...     "timestamp": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-05",
    ...                                  "2024-02-01"])})
    >>> out = feature_adoption(ev, features=["export"], as_of="2024-02-29 23:59")
    >>> out[["period", "n_active", "n_adopters", "adoption_rate", "events_per_adopter"]]
          period  n_active  n_adopters  adoption_rate  events_per_adopter
    0 2024-01-01         2           1            0.5                 2.0
    1 2024-02-01         1           1            1.0                 1.0
    """
    check_period("period", period)
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
        body: dict[str, object] = {
            "feature": pd.Series([], dtype=object),
            "period": empty_dt([]),
            "n_active": empty_i([]),
            "n_adopters": empty_i([]),
        }
        body.update({c: empty_f([]) for c in ("adoption_rate", "ci_lower", "ci_upper")})
        body.update({"events_per_adopter": empty_f([]), "complete": empty_b([])})
        return finish(body, None, empty_i([]), by)
    occurring = np.bincount(log.event, minlength=len(log.events)) > 0
    names, codes = feature_codes(features, log.events, occurring=occurring)
    n_f = len(names)
    p0, p1 = period_range(log, period)
    n_p = p1 - p0 + 1
    n_ent = len(log.entities)
    n_seg = log.n_seg
    # One pass for the rows' periods, shared by the active cells and the feature cells.
    poff = period_offsets(log.ns, period, p0)
    pairs: tuple[IntArray, IntArray] | None = None
    adopters = np.zeros((n_seg, n_f, n_p), dtype=np.int64)
    n_events = np.zeros((n_seg, n_f, n_p), dtype=np.int64)
    # Segments ride along as extra "features" (segment × feature codes), so one pass counts
    # all; the first pass also gives the active (entity, period) pairs.
    for i, (members, lut) in enumerate(feature_layers(codes, len(log.events))):
        row_f = lut[log.event]
        if n_seg > 1:
            row_f = np.where(row_f >= 0, log.seg[log.entity] * n_f + row_f, -1)
        a, e, first = feature_cells(
            log.entity,
            poff,
            row_f,
            n_periods=n_p,
            n_entities=n_ent,
            n_features=n_seg * n_f,
            active=i == 0,
        )
        del row_f
        pairs = pairs or first
        a3, e3 = a.reshape(n_seg, n_f, n_p), e.reshape(n_seg, n_f, n_p)
        adopters[:, members] = a3[:, members]
        n_events[:, members] = e3[:, members]
    ent, pp = pairs or distinct_pairs(log.entity, poff, n_ent, n_p)
    active = np.bincount(log.seg[ent] * n_p + pp, minlength=n_seg * n_p).reshape(n_seg, n_p)
    seg_i, f_i, p_i = (x.ravel() for x in np.indices((n_seg, n_f, n_p)))
    n_act = active[seg_i, p_i]
    n_ad = adopters.ravel()
    rate, lo, hi = wilson(n_ad, n_act, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(n_ad > 0, n_events.ravel() / np.maximum(n_ad, 1), np.nan)
    pidx = p_i + p0
    out = {
        "feature": np.asarray(names, dtype=object)[f_i],
        "period": period_start(pidx, period),
        "n_active": n_act.astype(np.int64),
        "n_adopters": n_ad.astype(np.int64),
        "adoption_rate": rate,
        "ci_lower": lo,
        "ci_upper": hi,
        "events_per_adopter": per,
        "complete": period_ends(pidx, period) <= log.as_of.value,
    }
    return finish(out, log, seg_i.astype(np.int64), by)
