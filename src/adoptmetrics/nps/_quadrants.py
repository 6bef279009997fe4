"""Usage × sentiment quadrants of NPS respondents and their summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._errors import _offending
from adoptmetrics._schema._validate import (
    SchemaError,
    _require_column,
    _require_frame,
)
from adoptmetrics._stats import _intervals as _stats
from adoptmetrics.activity import EventLog, window_activity
from adoptmetrics.nps._core import (
    By,
    _categorize,
    _check_choice,
    _cols,
    _per_entity,
    _resolve_by,
    _validated,
)

__all__ = ["ACTIONS", "QUADRANTS", "nps_quadrants", "quadrant_summary"]

QUADRANTS: tuple[str, ...] = ("champion", "untapped", "passive", "frustrated", "at_risk")
ACTIONS: dict[str, str] = {
    "champion": "Ask for a review, a case study or a referral; invite them to the beta program.",
    "untapped": "Run an enablement session: they like the product but use little of it.",
    "passive": "Find out what would make it a 9 or 10; follow up on their feedback.",
    "frustrated": "Read their feedback and call them: they depend on the product but are unhappy.",
    "at_risk": "Intervene now with a success-manager call and a recovery plan: churn risk.",
}


def _usage_from_events(
    events: pd.DataFrame | EventLog,
    latest: pd.DataFrame,
    *,
    entity: str,
    window_days: float,
    level: str,
    account_col: str,
    user_col: str | None,
    time_col: str,
    event_col: str,
) -> pd.Series:
    """Active days in the ``window_days`` before each entity's response."""
    if "timestamp" not in latest.columns:
        raise ValueError(
            "usage from events counts active days before each response and needs the "
            "responses' time_col.\n"
            "Hint: pass time_col='<response time column>', or pass a usage table instead."
        )
    start = pd.Series(
        (latest["timestamp"] - pd.Timedelta(days=window_days)).to_numpy(),
        index=pd.Index(np.asarray(latest[entity].to_numpy())),
        name="start",
    )
    act = window_activity(
        events,
        start=start,
        window_days=window_days,
        level=level,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
    )
    act.index = act.index.astype(str)
    return act["active_days"].astype(float)


def _usage_error(column: str, problem: str, hint: str, rows: Any = ()) -> SchemaError:
    return SchemaError("usage", column, problem, hint, rows=rows)


def _usage_from_table(
    usage: pd.DataFrame | pd.Series, *, id_col: str, id_option: str, usage_col: str
) -> pd.Series:
    if isinstance(usage, pd.Series):
        values, ids = usage, usage.index.to_series()
    else:
        if id_col in usage.columns:
            ids = usage[id_col]
        else:
            ids = usage.index.to_series()
            if usage.index.name not in (id_col, None):
                _require_column(usage, "usage", id_col, id_option)
        _require_column(usage, "usage", usage_col, "usage_col")
        values = usage[usage_col]
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        hint = "pass a numeric usage measure (e.g. active days in the last 90 days)."
        raise _usage_error(usage_col, f"has dtype {values.dtype}, not numbers", hint)
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        problem = f"has {int(bad.sum())} missing or infinite values"
        hint = "fill them (e.g. 0 for no activity) or drop those entities."
        raise _usage_error(usage_col, problem, hint, _offending(bad, values.index))
    key = pd.Index(ids.astype(str).to_numpy())
    if key.has_duplicates:
        hint = "pass one usage value per account (or user), e.g. usage.groupby(id).sum()."
        rows = _offending(key.duplicated(), values.index)
        raise _usage_error(id_col, "has duplicate entity ids", hint, rows)
    return pd.Series(arr, index=key)


def _usage_cut(usage: npt.NDArray[np.float64], threshold: object, quantile: float) -> float:
    if isinstance(threshold, str):
        _check_choice("threshold", threshold, ("median", "quantile"))
        q = 0.5 if threshold == "median" else quantile
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ValueError(
                f"quantile={q!r} must be between 0 and 1.\nHint: use e.g. quantile=0.75."
            )
        return float(np.quantile(usage, q))
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
        raise TypeError(
            f"threshold={threshold!r} must be 'median', 'quantile' or a number.\n"
            "Hint: pass threshold=10 to call more than 10 active days high usage."
        )
    if not np.isfinite(float(threshold)):
        raise ValueError(f"threshold={threshold!r} is not finite.\nHint: pass a usage level.")
    return float(threshold)


def nps_quadrants(
    responses: pd.DataFrame,
    usage: pd.DataFrame | pd.Series | EventLog,
    /,
    *,
    threshold: str | float = "median",
    quantile: float = 0.5,
    per: str = "account",
    account_score: str = "latest",
    window_days: float = 90,
    account_col: str = "account_id",
    score_col: str = "score",
    time_col: str = "timestamp",
    user_col: str | None = None,
    usage_col: str = "usage",
    usage_account_col: str = "account_id",
    usage_user_col: str = "user_id",
    usage_time_col: str = "timestamp",
    usage_event_col: str = "event",
) -> pd.DataFrame:
    """Usage × sentiment quadrants: champions, untapped, frustrated, at risk, passive.

    Parameters
    ----------
    responses : DataFrame
        NPS responses (columns ``account_col``, ``score_col``, ``time_col``
        and, with ``per="user"``, ``user_col``).
    usage : DataFrame, Series or EventLog
        Usage per entity, either

        - a Series indexed by account (or user) id,
        - a table with an id column (``usage_account_col``, or
          ``usage_user_col`` with ``per="user"``; else its index) and the
          measure in ``usage_col``, or
        - an **events frame** (it has ``usage_event_col`` and
          ``usage_time_col`` but no ``usage_col``): usage is then the number
          of active days in the ``window_days`` days before each entity's
          response, computed by :func:`adoptmetrics.activity.window_activity`
          (0 for entities without events in that window), or
        - an :class:`adoptmetrics.EventLog` of the events, read the same way
          (its validation and encoding are reused).
    threshold : "median", "quantile" or number
        Where usage splits into ``high`` and ``low``: the median of the
        entities' usage, the ``quantile`` given, or a fixed usage level.
        ``high`` means strictly above the threshold.
    quantile : float
        The quantile used with ``threshold="quantile"``.
    per : {"account", "user"}
        One row per account (its latest response, or see ``account_score``) or
        per user (its latest response; needs ``user_col``).
    account_score : {"latest", "user_mean"}
        How an account's score is formed (see the module notes).
    window_days : float
        Usage window before the response when ``usage`` is an events frame.
    account_col, score_col, time_col, user_col : str
        Column names of the **responses**.
    usage_col : str
        Column of the usage table holding the measure.
    usage_account_col, usage_user_col, usage_time_col, usage_event_col : str
        Column names of the **usage** table or events frame (account id, user
        id, event time, event name); they may differ from the responses'.

    Returns
    -------
    DataFrame
        One row per account (or user), sorted by id:

        - the account id (named ``account_col``) and, with ``per="user"``,
          the user id (named ``user_col``),
        - ``score``: the score used (a mean with ``account_score="user_mean"``),
        - ``category``: promoter / passive / detractor (ordered categorical),
        - ``usage``: the usage measure,
        - ``usage_level``: ``low`` or ``high`` (ordered categorical; ``high``
          is strictly above the threshold),
        - ``quadrant``: ``champion`` (high-usage promoter), ``untapped``
          (low-usage promoter), ``frustrated`` (high-usage detractor),
          ``at_risk`` (low-usage detractor) or ``passive``,
        - ``recommended_action``: what to do with that quadrant.

    Raises
    ------
    SchemaError
        Bad scores, or responses from entities missing in the usage table.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"account_id": ["a", "b", "c", "d"],
    ...     "timestamp": pd.Timestamp("2024-03-01"), "score": [10, 9, 2, 4]})
    >>> use = pd.Series([30.0, 2.0, 25.0, 1.0], index=["a", "b", "c", "d"])
    >>> nps_quadrants(r, use)[["account_id", "usage_level", "quadrant"]]
      account_id usage_level    quadrant
    0          a        high    champion
    1          b         low    untapped
    2          c        high  frustrated
    3          d         low     at_risk
    """
    _check_choice("per", per, ("account", "user"))
    _check_choice("account_score", account_score, ("latest", "user_mean"))
    if per == "user" and user_col is None:
        raise ValueError("per='user' needs the user id column.\nHint: pass user_col='user_id'.")
    is_log = isinstance(usage, EventLog)
    if not is_log and not isinstance(usage, (pd.DataFrame, pd.Series)):
        raise TypeError(
            f"usage must be a DataFrame, Series or EventLog, got {type(usage).__name__}.\n"
            "Hint: pass a Series of usage per account, a table with "
            f"{usage_account_col!r} and {usage_col!r}, or the events frame."
        )
    df = _validated(responses, **_cols(account_col, score_col, time_col, user_col))
    latest = _per_entity(
        df, per="user" if per == "user" else "account", account_score=account_score
    )
    entity = "user_id" if per == "user" else "account_id"
    id_col, id_option = (
        (usage_user_col, "usage_user_col")
        if per == "user"
        else (usage_account_col, "usage_account_col")
    )
    if is_log or (
        isinstance(usage, pd.DataFrame)
        and usage_col not in usage.columns
        and usage_event_col in usage.columns
        and usage_time_col in usage.columns
    ):
        values = _usage_from_events(
            usage,  # type: ignore[arg-type]
            latest,
            entity=entity,
            window_days=window_days,
            level=per,
            account_col=usage_account_col,
            user_col=usage_user_col if per == "user" else None,
            time_col=usage_time_col,
            event_col=usage_event_col,
        )
    else:
        assert not isinstance(usage, EventLog)
        values = _usage_from_table(usage, id_col=id_col, id_option=id_option, usage_col=usage_col)
    ids = latest[entity].astype(str)
    pos = values.index.get_indexer(pd.Index(ids.to_numpy()))
    missing = pos < 0
    if missing.any():
        shown = sorted(set(ids[missing]))[:5]
        who = "users" if per == "user" else "accounts"
        problem = f"has no usage for {int(missing.sum())} responding {who} (e.g. {shown})"
        hint = "add them (with 0 if they had no activity) or drop their responses before calling."
        raise _usage_error(id_col, problem, hint)
    u = values.to_numpy()[pos]
    cut = _usage_cut(u, threshold, quantile)
    high = u > cut
    category = _categorize(latest["score"].to_numpy())
    cat_codes = np.asarray(category.codes)
    # quadrant codes follow QUADRANTS: champion, untapped, passive, frustrated, at_risk
    q = np.where(cat_codes == 2, np.where(high, 0, 1), np.where(high, 3, 4))
    q = np.where(cat_codes == 1, 2, q)
    quadrant = pd.Categorical.from_codes(q, dtype=pd.CategoricalDtype(list(QUADRANTS)))
    level_dtype = pd.CategoricalDtype(["low", "high"], ordered=True)
    account_out = account_col
    user_out = str(user_col) if per == "user" else None
    out = pd.DataFrame(
        {
            account_out: latest["account_id"].astype(str).to_numpy(),
            **({user_out: ids.to_numpy()} if user_out is not None else {}),
            "score": latest["score"].to_numpy(),
            "category": category,
            "usage": u,
            "usage_level": pd.Categorical.from_codes(high.astype(int), dtype=level_dtype),
            "quadrant": quadrant,
            "recommended_action": np.array([ACTIONS[k] for k in QUADRANTS], dtype=object)[q],
        }
    )
    keys = [account_out] if user_out is None else [account_out, user_out]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def quadrant_summary(
    quadrants: pd.DataFrame,
    /,
    *,
    by: By = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
) -> pd.DataFrame:
    """Counts, shares and NPS per quadrant of :func:`nps_quadrants`, overall or by segment.

    Parameters
    ----------
    quadrants : DataFrame
        The result of :func:`nps_quadrants`.
    by : str, list of str or Series, optional
        Segments: column(s) of ``quadrants`` (e.g. a ``plan`` column joined
        to it), or a Series mapping account id → segment (output column
        named after the Series, ``segment`` when unnamed).
    confidence : float
        Level of the Wilson interval on each share.
    account_col : str
        The account id column of ``quadrants`` (as passed to
        :func:`nps_quadrants`); read when ``by`` is a Series.

    Returns
    -------
    DataFrame
        One row per (segment and) quadrant, in the order champion, untapped,
        passive, frustrated, at_risk (empty quadrants included with
        ``n = 0``):

        - the ``by`` column(s),
        - ``quadrant``,
        - ``n``: entities in the quadrant,
        - ``share``: ``n`` over all entities (of the segment),
        - ``ci_lower``, ``ci_upper``: Wilson interval of the share,
        - ``mean_score``, ``mean_usage``: means inside the quadrant,
        - ``usage_level_nps``: the NPS of the quadrant's usage level (the
          high-usage entities for champion and frustrated, the low-usage ones
          for untapped and at_risk, everyone for passive). A quadrant's own
          NPS is +100, 0 or −100 by construction; the contrast between usage
          levels is what tells whether usage and sentiment go together,
        - ``recommended_action``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"account_id": ["a", "b", "c", "d"],
    ...     "timestamp": pd.Timestamp("2024-03-01"), "score": [10, 9, 2, 8]})
    >>> use = pd.Series([30.0, 2.0, 25.0, 1.0], index=["a", "b", "c", "d"])
    >>> quadrant_summary(nps_quadrants(r, use))[["quadrant", "n", "share", "usage_level_nps"]]
         quadrant  n  share  usage_level_nps
    0    champion  1   0.25              0.0
    1    untapped  1   0.25             50.0
    2     passive  1   0.25             25.0
    3  frustrated  1   0.25              0.0
    4     at_risk  0   0.00             50.0
    """
    _require_frame(quadrants, "quadrants")
    for col in ("quadrant", "score", "usage", "usage_level"):
        _require_column(quadrants, "quadrants", col, "quadrants (the nps_quadrants result)")
    _stats.check_confidence(confidence)
    if isinstance(by, (pd.Series, Mapping)):
        _require_column(quadrants, "quadrants", account_col, "account_col")
        frame = quadrants.rename(columns={account_col: "account_id"})
        frame, groups = _resolve_by(frame, by, table="quadrants")
        frame = frame.rename(columns={"account_id": account_col})
    else:
        frame, groups = _resolve_by(quadrants, by, table="quadrants")
    quad = pd.Categorical(frame["quadrant"].astype(str), categories=list(QUADRANTS))
    codes = np.asarray(quad.codes)
    if (codes < 0).any():
        hint = f"pass the result of nps_quadrants (quadrants are {list(QUADRANTS)})."
        raise SchemaError("quadrants", "quadrant", "has values that are not quadrants", hint)
    if not groups:
        return _summary(frame, codes, confidence)
    parts = []
    grouped = frame.groupby(groups, sort=True, dropna=False, observed=True)
    for key, idx in grouped.indices.items():  # one small summary per segment
        values = key if isinstance(key, tuple) else (key,)
        part = _summary(frame.iloc[idx], codes[idx], confidence)
        for name, value in zip(reversed(groups), reversed(values), strict=True):
            part.insert(0, name, value)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _summary(frame: pd.DataFrame, codes: npt.NDArray[np.int8], confidence: float) -> pd.DataFrame:
    total = len(codes)
    n = np.bincount(codes, minlength=len(QUADRANTS))
    lo, hi = _stats.wilson_interval(n, np.full(len(n), total), confidence)
    score = frame["score"].to_numpy(dtype=float)
    usage = frame["usage"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.bincount(codes, weights=score, minlength=len(QUADRANTS)) / n
        mean_usage = np.bincount(codes, weights=usage, minlength=len(QUADRANTS)) / n
    cat = np.asarray(_categorize(score).codes)
    high = (frame["usage_level"].astype(str) == "high").to_numpy()
    # the usage level of each quadrant: high, low, everyone, high, low
    levels = [high, ~high, np.ones(total, dtype=bool), high, ~high]
    pro, det = ([np.sum(cat[m] == c) for m in levels] for c in (2, 0))
    level_nps, _ = _stats.nps_standard_error(pro, det, [m.sum() for m in levels])
    return pd.DataFrame(
        {
            "quadrant": pd.Categorical(list(QUADRANTS), categories=list(QUADRANTS)),
            "n": n.astype(np.int64),
            "share": n / total if total else np.full(len(n), np.nan),
            "ci_lower": lo,
            "ci_upper": hi,
            "mean_score": mean_score,
            "mean_usage": mean_usage,
            "usage_level_nps": level_nps,
            "recommended_action": [ACTIONS[k] for k in QUADRANTS],
        }
    )
