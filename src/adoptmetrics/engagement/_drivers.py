"""Which early feature use goes with retention, adjusted for overall early activity."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import SchemaError, coerce_timestamps, validate_accounts
from adoptmetrics._stats._adjusted_odds import PresenceMatrix, adjusted_odds
from adoptmetrics._stats._intervals import benjamini_hochberg, check_confidence
from adoptmetrics.activity._encode import EventsLike, IntArray
from adoptmetrics.activity._engagement_cells import early_use_and_return
from adoptmetrics.engagement._common import NS_PER_DAY, Features, Log, feature_codes, load

__all__ = ["feature_retention"]

_COLUMNS = [
    "feature",
    "min_count",
    "n_entities",
    "n_used",
    "retention_used",
    "retention_not_used",
    "odds_ratio",
    "ci_lower",
    "ci_upper",
    "p_value",
    "q_value",
    "ppv",
    "sensitivity",
]


def _check_days(first_days: object, retained_days: object) -> tuple[float, float, float]:
    if isinstance(first_days, bool) or not isinstance(first_days, (int, float)) or first_days <= 0:
        raise ValueError(
            f"first_days={first_days!r} must be a positive number of days.\n"
            "Hint: e.g. first_days=7 looks at each entity's first week."
        )
    ok = (
        isinstance(retained_days, Sequence)
        and len(retained_days) == 2
        and all(isinstance(d, (int, float)) and not isinstance(d, bool) for d in retained_days)
    )
    if not ok:
        raise TypeError(
            f"retained_days={retained_days!r} must be a pair (from, to) of days.\n"
            "Hint: e.g. retained_days=(28, 56): any activity in days 28 to 55 after the start."
        )
    lo, hi = float(retained_days[0]), float(retained_days[1])  # type: ignore[index]
    if not 0 <= lo < hi:
        raise ValueError(
            f"retained_days={retained_days!r} must be increasing and start at 0 or later.\n"
            "Hint: e.g. retained_days=(28, 56)."
        )
    if lo < first_days:
        warnings.warn(
            f"retained_days starts at day {lo:g}, inside the first_days={first_days:g} window: "
            "the early use itself can count as retention.",
            UserWarning,
            stacklevel=3,
        )
    return float(first_days), lo, hi


def _min_counts(min_count: object) -> list[int]:
    values = [min_count] if not isinstance(min_count, Sequence) else list(min_count)
    if not values or not all(
        isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1 for k in values
    ):
        raise ValueError(
            f"min_count={min_count!r} must be a whole number >= 1 (or a list of them).\n"
            "Hint: e.g. min_count=1 (used at least once) or min_count=[1, 3, 5]."
        )
    return sorted({int(k) for k in values})  # type: ignore[arg-type]


def _starts(
    log: Log,
    start: pd.Series | None,
    accounts: pd.DataFrame | None,
    *,
    account_col: str,
    start_col: str,
) -> IntArray:
    """Start (ns) per entity: first activity, or the given start (int64 min: none)."""
    n = len(log.entities)
    none = np.iinfo(np.int64).min
    if start is None and accounts is None:
        first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, log.entity, log.ns)
        out: IntArray = np.where(first == np.iinfo(np.int64).max, none, first)
        return out
    if start is not None and accounts is not None:
        raise ValueError(
            "pass start= or accounts=, not both.\n"
            "Hint: accounts= reads the start from its start_col; start= is a Series."
        )
    if accounts is not None:
        acc = validate_accounts(
            accounts, account_col=account_col, start_col=start_col, churn_col=None
        )
        series = pd.Series(acc["started_at"].to_numpy(), index=acc["account_id"].astype(object))
    elif isinstance(start, pd.Series):
        if start.index.has_duplicates:
            raise SchemaError("start", "index", "has duplicate ids", "pass one start per entity.")
        series = pd.Series(
            coerce_timestamps(start, table="start", column=str(start.name or "start")).to_numpy(),
            index=start.index,
        )
    else:
        raise TypeError(
            f"start must be a Series (id → start time), not {type(start).__name__}.\n"
            "Hint: start=accounts.set_index('account_id')['started_at'], or accounts=accounts."
        )
    pos = series.index.get_indexer(log.entities.astype(series.index.dtype, copy=False))
    values = series.to_numpy().view(np.int64)
    got: IntArray = np.where(pos >= 0, values[np.maximum(pos, 0)] if len(values) else none, none)
    return got


def feature_retention(
    events: EventsLike,
    /,
    *,
    features: Features = None,
    first_days: float = 7,
    retained_days: tuple[float, float] = (28, 56),
    min_count: int | Sequence[int] = 1,
    level: str = "account",
    as_of: object = None,
    accounts: pd.DataFrame | None = None,
    start: pd.Series | None = None,
    select: bool = False,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start_col: str = "started_at",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Which features, used early, go with entities that stay (Amplitude Compass, done honestly).

    Each entity starts at its first activity (or at its start from
    ``accounts=`` / ``start=``). *Used*: the feature at least ``min_count``
    times in ``[start, start + first_days)``. *Retained*: any activity in
    ``[start + retained_days[0], start + retained_days[1])`` days. Entities
    whose retention window has not closed at ``as_of`` are left out (they
    could still return), so recent sign-ups never count as lost.

    The odds ratio is adjusted for overall early activity exactly as in
    :func:`adoptmetrics.onboarding.success_paths` (one implementation,
    :mod:`adoptmetrics._stats._adjusted_odds`): the coefficient of use in the
    logistic model ``retained ~ log(1 + active_days) + used``, where
    ``active_days`` counts the distinct days with any event in the first
    window. Busy entities use every feature more and stay more, so a feature
    that is merely common among them gets an odds ratio near 1 instead of
    looking like a driver. q-values are Benjamini–Hochberg over every
    (feature, min_count) row. It is an association, not an effect: entities
    choose what they use.

    Parameters
    ----------
    events : DataFrame
        The event log.
    features : list of str or mapping, optional
        Event names, or a mapping feature → event name(s); default every
        event name. A name that never occurs gives a warning and a row of zeros.
    first_days : float
        Length of the early window, in days.
    retained_days : (float, float)
        The retention window ``[from, to)`` in days after the start; must increase.
    min_count : int or list of int
        Uses needed in the early window to count as *used*; a list gives one
        row per feature and threshold (Compass's "did X at least k times").
    level : {"account", "user"}
        Whose use and retention are measured.
    as_of : timestamp, optional
        End of observation; later events are ignored. Default: the latest event.
    accounts : DataFrame, optional
        Accounts table (``account_col``, ``start_col``) giving each account's
        start (account level).
    start : Series, optional
        Id → start time, instead of ``accounts``. Entities without events are
        not in the population either way.
    select : bool
        Also run forward selection (as in ``success_paths``) and add a
        ``selected`` column; the selected features' statistics then come from
        their joint model fitted on the data that chose them (optimistic).
    account_col, user_col, time_col, event_col : str
        Column names of the account id, the user id, the timestamp and the
        event name.
    start_col : str
        Start column of ``accounts``.
    confidence : float
        Level of the odds-ratio intervals.

    Returns
    -------
    DataFrame
        One row per feature and ``min_count``, sorted by p-value (then
        feature name); ``attrs["n_window_open"]`` counts the entities left
        out because their window had not closed:

        - ``feature``: the feature name.
        - ``min_count``: uses needed in the first window.
        - ``n_entities``: entities whose retention window closed by ``as_of``.
        - ``n_used``: of them, those that used the feature early.
        - ``retention_used``: retention among the users.
        - ``retention_not_used``: retention among the others.
        - ``odds_ratio``: odds ratio of retention for users vs non-users,
          adjusted for early activity.
        - ``ci_lower``, ``ci_upper``: Wald interval of the adjusted odds ratio.
        - ``p_value``: Wald p-value of the adjusted odds ratio.
        - ``q_value``: Benjamini–Hochberg adjusted p-value.
        - ``ppv``: share retained among the users (= ``retention_used``, as Compass names it).
        - ``sensitivity``: share of the retained that used the feature.
        - ``selected`` (only with ``select=True``): chosen by forward selection.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.load_demo()
    >>> out = feature_retention(data.events, features=["view_tutorial", "create_project"])
    >>> out[["feature", "n_entities", "n_used"]]
              feature  n_entities  n_used
    0   view_tutorial        2000     897
    1  create_project        2000    1340
    """
    conf = check_confidence(confidence)
    early_days, lo, hi = _check_days(first_days, retained_days)
    thresholds = _min_counts(min_count)
    if level != "account" and accounts is not None:
        raise ValueError(
            "accounts= gives account starts; it works at level='account' only.\n"
            "Hint: at level='user' pass start= (a Series user id → start time)."
        )
    log = load(
        events,
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        by=None,
        as_of=as_of,
    )
    if log is None or log.events is None or log.event is None:
        raise ValueError("events is empty.\nHint: pass an event log with rows.")
    occurring = np.bincount(log.event, minlength=len(log.events)) > 0
    names, codes = feature_codes(features, log.events, occurring=occurring)
    start_ns = _starts(log, start, accounts, account_col=account_col, start_col=start_col)
    none = np.iinfo(np.int64).min
    closed = (start_ns != none) & (start_ns + round(hi * NS_PER_DAY) <= log.as_of.value)
    n_open = int(((start_ns != none) & ~closed).sum())
    start_ns = np.where(closed, start_ns, none)
    counts, active_days, returned = early_use_and_return(
        log.entity,
        log.ns,
        log.event,
        start_ns,
        n_events=len(log.events),
        early_ns=round(early_days * NS_PER_DAY),
        return_ns=(round(lo * NS_PER_DAY), round(hi * NS_PER_DAY)),
    )
    counts, active_days, y = counts[closed], active_days[closed], returned[closed]
    n = len(y)
    if n == 0:
        raise ValueError(
            f"no entity's retention window (day {hi:g} after its start) has closed by "
            f"as_of={log.as_of}.\nHint: pass a later as_of or shorter retained_days."
        )
    n_ret = int(y.sum())
    if n_ret in (0, n):
        raise ValueError(
            f"every one of the {n} entities {'was' if n_ret else 'was not'} retained: nothing "
            "to compare.\nHint: check retained_days, or use a longer history."
        )
    member = np.zeros((len(log.events), len(names)), dtype=np.int64)
    for f, evs in enumerate(codes):
        member[evs, f] = 1
    per_feature = counts @ member  # (entities × features)
    k = np.asarray(thresholds)
    presence = (per_feature[:, :, None] >= k[None, None, :]).reshape(n, -1)
    res = adjusted_odds(PresenceMatrix(presence), y, active_days, confidence=conf, select=select)
    n_used = presence.sum(axis=0)
    used_ret = (presence & y[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_used = np.where(n_used > 0, used_ret / np.maximum(n_used, 1), np.nan)
        n_not = n - n_used
        r_not = np.where(n_not > 0, (n_ret - used_ret) / np.maximum(n_not, 1), np.nan)
    frame = pd.DataFrame(
        {
            "feature": np.repeat(np.asarray(names, dtype=object), len(k)),
            "min_count": np.tile(k, len(names)).astype(np.int64),
            "n_entities": np.full(presence.shape[1], n, dtype=np.int64),
            "n_used": n_used.astype(np.int64),
            "retention_used": r_used,
            "retention_not_used": r_not,
            "odds_ratio": res.odds_ratio,
            "ci_lower": res.ci_lower,
            "ci_upper": res.ci_upper,
            "p_value": res.p_value,
            "q_value": res.q_value,
            "ppv": r_used,
            "sensitivity": used_ret / n_ret,
        }
    )
    # Undefined where everyone or no one used it: no comparison, no statistic.
    degenerate = (n_used == 0) | (n_used == n)
    frame.loc[degenerate, ["odds_ratio", "ci_lower", "ci_upper", "p_value"]] = np.nan
    frame["q_value"] = benjamini_hochberg(frame["p_value"].to_numpy())
    if select:
        is_sel = np.zeros(presence.shape[1], dtype=bool)
        is_sel[res.selected] = True
        frame["selected"] = is_sel
    order = np.lexsort(
        (frame["min_count"].to_numpy(), frame["feature"].astype(str).to_numpy(),
         frame["p_value"].fillna(2.0).to_numpy())
    )  # fmt: skip
    frame = frame.iloc[order].reset_index(drop=True)
    frame.attrs = {"n_window_open": n_open, "first_days": early_days, "retained_days": (lo, hi)}
    return frame
