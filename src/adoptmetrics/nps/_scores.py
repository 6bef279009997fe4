"""Net Promoter Score: scores with honest intervals, trends, and usage × sentiment quadrants.

Scores 9–10 are promoters, 7–8 passives and 0–6 detractors; the NPS is
``100 · (promoters − detractors) / n``, between −100 and 100. Every score comes
with a confidence interval from the variance of the +1/0/−1 coding
(:func:`adoptmetrics._stats.nps_standard_error`).

Counting per response or per account
------------------------------------
``per="response"`` counts every answer. Large accounts that send many answers
then weigh more. ``per="account"`` gives every account one vote:

* ``account_score="latest"``: the account's latest response (in the
  ``start``/``end`` window). Responses at the same time are tied, and the
  higher score wins.
* ``account_score="user_mean"``: the mean of the latest score of each of the
  account's users. The mean is then classified with the same cut points:
  a mean of 9 or more is a promoter, 7 or more (below 9) a passive, below 7 a
  detractor. For example, users who answer 10 and 7 (mean 8.5) make the
  account a passive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from adoptmetrics._schema._validate import (
    SchemaError,
    _offending,
    _require_column,
    _require_frame,
    validate_nps,
)
from adoptmetrics._stats import _intervals as _stats
from adoptmetrics.activity import period_index, period_start, window_activity
from adoptmetrics.nps._core import (
    _PERIODS,
    CATEGORIES,
    _categorize,
    _check_by,
    _check_choice,
    _check_options,
    _cols,
    _counts,
    _per_entity,
    _validated,
    _warn_small,
)

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "QUADRANTS",
    "compare_nps",
    "nps_category",
    "nps_quadrants",
    "nps_score",
    "nps_trend",
    "quadrant_summary",
]


QUADRANTS: tuple[str, ...] = ("champion", "untapped", "passive", "frustrated", "at_risk")
ACTIONS: dict[str, str] = {
    "champion": "Ask for a review, a case study or a referral; invite them to the beta program.",
    "untapped": "Run an enablement session: they like the product but use little of it.",
    "passive": "Find out what would make it a 9 or 10; follow up on their feedback.",
    "frustrated": "Read their feedback and call them: they depend on the product but are unhappy.",
    "at_risk": "Intervene now with a success-manager call and a recovery plan: churn risk.",
}


# --------------------------------------------------------------------------- public API


def nps_category(scores: npt.ArrayLike | pd.Series, /) -> pd.Series:
    """Classify NPS answers as promoter (9–10), passive (7–8) or detractor (0–6).

    Parameters
    ----------
    scores : Series or array-like of int
        Answers on the 0–10 scale (whole numbers).

    Returns
    -------
    Series
        Ordered categorical named ``category`` with categories
        ``detractor < passive < promoter``; the index of ``scores`` when it is
        a Series.

    Raises
    ------
    SchemaError
        Scores missing, fractional or outside 0–10.

    Examples
    --------
    >>> nps_category([10, 8, 3]).tolist()
    ['promoter', 'passive', 'detractor']
    """
    s = scores if isinstance(scores, pd.Series) else pd.Series(np.asarray(scores))
    name = str(s.name) if s.name is not None else "score"
    frame = pd.DataFrame({"account_id": np.zeros(len(s), dtype=np.int64), name: s}, index=s.index)
    valid = validate_nps(frame, score_col=name, time_col=None, table="scores")
    return pd.Series(_categorize(valid["score"].to_numpy()), index=s.index, name="category")


def nps_score(
    responses: pd.DataFrame,
    /,
    *,
    by: str | Sequence[str] | None = None,
    per: str = "response",
    account_score: str = "latest",
    method: str = "wald",
    confidence: float = 0.95,
    start: object = None,
    end: object = None,
    account_col: str = "account_id",
    score_col: str = "score",
    time_col: str | None = "timestamp",
    user_col: str | None = None,
) -> pd.DataFrame:
    """Net Promoter Score with its confidence interval, overall or by segment.

    Parameters
    ----------
    responses : DataFrame
        NPS responses: account id, score 0–10, timestamp (needed for
        ``per="account"`` and for ``start``/``end``).
    by : str or list of str, optional
        Column(s) of ``responses`` to group by (e.g. ``"plan"``).
    per : {"response", "account"}
        Count every response, or give each account one vote (see
        ``account_score`` and the module notes).
    account_score : {"latest", "user_mean"}
        With ``per="account"``: the account's latest response, or the mean of
        the latest scores of its users (needs ``user_col``).
    method : {"wald", "adjusted_wald"}
        ``"wald"``: ``SE = 100·√((p + d − (p − d)²)/n)``. ``"adjusted_wald"``
        adds 3 to ``n`` and ¾ to promoters and detractors before computing the
        interval (better coverage below ~100 responses).
    confidence : float
        Level of the interval.
    start, end : timestamp, optional
        Use only responses in ``[start, end]``.
    account_col, score_col, time_col, user_col : str
        Column names (``time_col=None`` when there is no timestamp).

    Returns
    -------
    DataFrame
        One row per group (one row without ``by``), sorted by the groups:

        - the ``by`` columns,
        - ``n``: responses (or accounts) counted,
        - ``promoters``, ``passives``, ``detractors``: counts,
        - ``nps``: the observed NPS, −100..100,
        - ``ci_lower``, ``ci_upper``: the interval, clipped to [−100, 100].

    Warns
    -----
    UserWarning
        When a group has fewer than 30 responses: its interval is wide.

    Notes
    -----
    ``nps`` is always the observed score. The adjusted Wald interval is
    centred on the adjusted score and so leans towards 0; with a single
    response it does not contain the observed ±100 (from two responses on, at
    95 %, it always does).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"account_id": [f"a{i}" for i in range(30)],
    ...     "timestamp": pd.Timestamp("2024-03-01"),
    ...     "score": [10, 9, 9, 9, 8, 7, 6, 5, 3, 10] * 3})
    >>> nps_score(r)
        n  promoters  passives  detractors   nps   ci_lower   ci_upper
    0  30         15         6           9  20.0 -11.195...  51.195...
    """
    _check_options(per, account_score, method, confidence, ("response", "account"))
    cols = _cols(account_col, score_col, time_col, user_col)
    df = _validated(responses, start=start, end=end, **cols)
    groups = _check_by(df, by)
    df = _per_entity(df, per=per, account_score=account_score)
    out = _counts(df, groups, method=method, confidence=confidence)
    _warn_small(out["n"], "groups")
    return out.reset_index(drop=True)


def nps_trend(
    responses: pd.DataFrame,
    /,
    *,
    period: str = "quarter",
    by: str | Sequence[str] | None = None,
    per: str = "response",
    account_score: str = "latest",
    method: str = "wald",
    confidence: float = 0.95,
    start: object = None,
    end: object = None,
    account_col: str = "account_id",
    score_col: str = "score",
    time_col: str = "timestamp",
    user_col: str | None = None,
) -> pd.DataFrame:
    """NPS per calendar period (quarter by default), with intervals.

    Parameters
    ----------
    responses : DataFrame
        NPS responses with a timestamp.
    period : {"week", "month", "quarter", "year"}
        Calendar periods (weeks start on Monday; quarters in January, April,
        July, October).
    by, per, account_score, method, confidence, start, end
        As in :func:`nps_score`; ``per="account"`` uses each account's latest
        response within each period.
    account_col, score_col, time_col, user_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per period with responses (and group), sorted:

        - ``period``: start of the period (timestamp),
        - the ``by`` columns,
        - ``n``, ``promoters``, ``passives``, ``detractors``, ``nps``,
          ``ci_lower``, ``ci_upper``: as in :func:`nps_score`.

    Warns
    -----
    UserWarning
        When a period has fewer than 30 responses.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"account_id": ["a", "b", "c", "d"],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-04-02", "2024-05-09"]),
    ...     "score": [10, 3, 9, 9]})
    >>> nps_trend(r)[["period", "n", "nps"]]
          period  n    nps
    0 2024-01-01  2    0.0
    1 2024-04-01  2  100.0
    """
    _check_choice("period", period, _PERIODS)
    _check_options(per, account_score, method, confidence, ("response", "account"))
    cols = _cols(account_col, score_col, time_col, user_col)
    df = _validated(responses, start=start, end=end, **cols)
    groups = _check_by(df, by)
    ts = df["timestamp"].to_numpy()
    if period == "week":
        idx = period_index(ts, "week")
        starts = period_start(idx, "week")
    else:
        months = period_index(ts, "month")
        step = {"month": 1, "quarter": 3, "year": 12}[period]
        starts = period_start(months // step * step, "month")
    df = df.assign(period=pd.DatetimeIndex(starts))
    df = _per_entity(df, per=per, account_score=account_score, extra_keys=["period"])
    out = _counts(df, ["period", *groups], method=method, confidence=confidence)
    _warn_small(out["n"], "periods")
    return out.reset_index(drop=True)


def compare_nps(
    a: pd.DataFrame,
    b: pd.DataFrame,
    /,
    *,
    per: str = "response",
    account_score: str = "latest",
    method: str = "wald",
    confidence: float = 0.95,
    account_col: str = "account_id",
    score_col: str = "score",
    time_col: str | None = "timestamp",
    user_col: str | None = None,
) -> pd.DataFrame:
    """Is the NPS of two independent samples different? Two-sample z test.

    Parameters
    ----------
    a, b : DataFrame
        Two sets of responses (e.g. two quarters, two segments); they are
        treated as independent samples.
    per, account_score, method, confidence
        As in :func:`nps_score`; ``method`` picks the standard errors.
    account_col, score_col, time_col, user_col : str
        Column names (the same in both tables).

    Returns
    -------
    DataFrame
        One row:

        - ``n_a``, ``n_b``: responses (or accounts) counted,
        - ``nps_a``, ``nps_b``: the observed scores,
        - ``difference``: ``nps_a − nps_b``,
        - ``ci_lower``, ``ci_upper``: interval of the difference,
          ``difference ± z·√(SE_a² + SE_b²)``,
        - ``z``: ``difference / √(SE_a² + SE_b²)``,
        - ``p_value``: two-sided normal p-value.

    Warns
    -----
    UserWarning
        When either sample has fewer than 30 responses.

    Examples
    --------
    >>> import pandas as pd
    >>> q1 = pd.DataFrame({"account_id": range(40), "timestamp": pd.Timestamp("2024-03-01"),
    ...                    "score": [10] * 20 + [8] * 10 + [3] * 10})
    >>> q2 = q1.assign(score=[10] * 10 + [8] * 10 + [3] * 20)
    >>> compare_nps(q1, q2)[["nps_a", "nps_b", "difference", "p_value"]]
       nps_a  nps_b  difference   p_value
    0   25.0  -25.0        50.0  0.00...
    """
    _check_options(per, account_score, method, confidence, ("response", "account"))
    z_crit = _stats.z_value(confidence)
    cols = _cols(account_col, score_col, time_col, user_col)
    stats_: list[tuple[int, float, float]] = []
    for frame, table in ((a, "a"), (b, "b")):
        df = _validated(frame, table=table, **cols)
        counted = _counts(_per_entity(df, per=per, account_score=account_score), [])
        pr, de, n = (int(counted[c].iloc[0]) for c in ("promoters", "detractors", "n"))
        observed, _ = _stats.nps_standard_error(pr, de, n, method="wald")
        _, se_m = _stats.nps_standard_error(pr, de, n, method=method)
        stats_.append((n, float(observed), float(se_m)))
    (n_a, nps_a, se_a), (n_b, nps_b, se_b) = stats_
    _warn_small(np.array([n_a, n_b]), "samples")
    diff, se = nps_a - nps_b, float(np.hypot(se_a, se_b))
    # se = 0 only when both samples are all promoters or all detractors
    z = diff / se if se > 0 else (0.0 if diff == 0 else float(np.sign(diff) * np.inf))
    row = {"n_a": n_a, "n_b": n_b, "nps_a": nps_a, "nps_b": nps_b, "difference": diff}
    row |= {"ci_lower": max(diff - z_crit * se, -200.0), "ci_upper": min(diff + z_crit * se, 200.0)}
    row |= {"z": z, "p_value": float(2 * stats.norm.sf(abs(z)))}
    return pd.DataFrame([row])


# --------------------------------------------------------------------------- quadrants


def _usage_from_events(
    events: pd.DataFrame, latest: pd.DataFrame, *, entity: str, window_days: float, **cols: str
) -> pd.Series:
    """Active days in the ``window_days`` before each entity's response."""
    if "timestamp" not in latest.columns:
        raise ValueError(
            "usage from events counts active days before each response and needs time_col.\n"
            "Hint: pass time_col='<response time column>', or pass a usage table instead."
        )
    start = pd.Series(
        (latest["timestamp"] - pd.Timedelta(days=window_days)).to_numpy(),
        index=pd.Index(np.asarray(latest[entity].to_numpy())),
        name="start",
    )
    act = window_activity(events, start=start, window_days=window_days, **cols)
    act.index = act.index.astype(str)
    return act["active_days"].astype(float)


def _usage_error(column: str, problem: str, hint: str, rows: Any = ()) -> SchemaError:
    return SchemaError("usage", column, problem, hint, rows=rows)


def _usage_from_table(
    usage: pd.DataFrame | pd.Series, *, entity_col: str, usage_col: str
) -> pd.Series:
    if isinstance(usage, pd.Series):
        values, ids = usage, usage.index.to_series()
    else:
        if entity_col in usage.columns:
            ids = usage[entity_col]
        else:
            ids = usage.index.to_series()
            if usage.index.name not in (entity_col, None):
                _require_column(usage, "usage", entity_col, "account_col")
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
        raise _usage_error(entity_col, "has duplicate entity ids", hint, rows)
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
    usage: pd.DataFrame | pd.Series,
    /,
    *,
    usage_col: str = "usage",
    threshold: str | float = "median",
    quantile: float = 0.5,
    per: str = "account",
    account_score: str = "latest",
    window_days: float = 90,
    account_col: str = "account_id",
    score_col: str = "score",
    time_col: str = "timestamp",
    user_col: str | None = None,
    event_col: str = "event",
) -> pd.DataFrame:
    """Usage × sentiment quadrants: champions, untapped, frustrated, at risk, passive.

    Parameters
    ----------
    responses : DataFrame
        NPS responses.
    usage : DataFrame or Series
        Usage per entity, either

        - a Series indexed by account (or user) id,
        - a table with an id column (``account_col``, or ``user_col`` with
          ``per="user"``; else its index) and ``usage_col``, or
        - an **events frame** (it has ``event_col`` and ``time_col`` but no
          ``usage_col``): usage is then the number of active days in the
          ``window_days`` days before each entity's response, computed by
          :func:`adoptmetrics.activity.window_activity` (0 for entities
          without events in that window).
    usage_col : str
        Column of the usage table holding the measure.
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
    account_col, score_col, time_col, user_col, event_col : str
        Column names (of the responses and, for events, of the events).

    Returns
    -------
    DataFrame
        One row per account (or user), sorted by id:

        - ``account_id`` (and ``user_id`` with ``per="user"``),
        - ``timestamp``: time of the response used,
        - ``score``: the score used (a mean with ``account_score="user_mean"``),
        - ``category``: promoter / passive / detractor (ordered categorical),
        - ``usage``: the usage measure,
        - ``usage_level``: ``low`` or ``high`` (ordered categorical),
        - ``usage_threshold``: the usage level of the split,
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
    if not isinstance(usage, (pd.DataFrame, pd.Series)):
        raise TypeError(
            f"usage must be a DataFrame or Series, got {type(usage).__name__}.\n"
            "Hint: pass a Series of usage per account, a table with "
            f"{account_col!r} and {usage_col!r}, or the events frame."
        )
    df = _validated(responses, **_cols(account_col, score_col, time_col, user_col))
    latest = _per_entity(
        df, per="user" if per == "user" else "account", account_score=account_score
    )
    entity = "user_id" if per == "user" else "account_id"
    entity_col = str(user_col) if per == "user" else account_col
    if (
        isinstance(usage, pd.DataFrame)
        and usage_col not in usage.columns
        and event_col in usage.columns
        and time_col in usage.columns
    ):
        cols = {"account_col": entity_col, "time_col": time_col, "event_col": event_col}
        values = _usage_from_events(usage, latest, entity=entity, window_days=window_days, **cols)
    else:
        values = _usage_from_table(usage, entity_col=entity_col, usage_col=usage_col)
    ids = latest[entity].astype(str)
    pos = values.index.get_indexer(pd.Index(ids.to_numpy()))
    missing = pos < 0
    if missing.any():
        shown = sorted(set(ids[missing]))[:5]
        who = "users" if per == "user" else "accounts"
        problem = f"has no usage for {int(missing.sum())} responding {who} (e.g. {shown})"
        hint = "add them (with 0 if they had no activity) or drop their responses before calling."
        raise _usage_error(entity_col, problem, hint)
    u = values.to_numpy()[pos]
    cut = _usage_cut(u, threshold, quantile)
    high = u > cut
    category = _categorize(latest["score"].to_numpy())
    cat_codes = np.asarray(category.codes)
    # quadrant codes follow QUADRANTS: champion, untapped, passive, frustrated, at_risk
    q = np.where(cat_codes == 2, np.where(high, 0, 1), np.where(high, 3, 4))
    q = np.where(cat_codes == 1, 2, q)
    quadrant = pd.Categorical.from_codes(q, categories=list(QUADRANTS))  # type: ignore[arg-type]
    level_dtype = pd.CategoricalDtype(["low", "high"], ordered=True)
    out = pd.DataFrame(
        {
            "account_id": latest["account_id"].astype(str).to_numpy(),
            **({"user_id": ids.to_numpy()} if per == "user" else {}),
            "timestamp": latest["timestamp"].to_numpy(),
            "score": latest["score"].to_numpy(),
            "category": category,
            "usage": u,
            "usage_level": pd.Categorical.from_codes(high.astype(int), dtype=level_dtype),  # type: ignore[arg-type]
            "usage_threshold": cut,
            "quadrant": quadrant,
            "recommended_action": np.array([ACTIONS[k] for k in QUADRANTS], dtype=object)[q],
        }
    )
    keys = ["account_id", "user_id"] if per == "user" else ["account_id"]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def quadrant_summary(quadrants: pd.DataFrame, /, *, confidence: float = 0.95) -> pd.DataFrame:
    """Counts, shares and NPS per quadrant of :func:`nps_quadrants`.

    Parameters
    ----------
    quadrants : DataFrame
        The result of :func:`nps_quadrants`.
    confidence : float
        Level of the Wilson interval on each share.

    Returns
    -------
    DataFrame
        One row per quadrant, in the order champion, untapped, passive,
        frustrated, at_risk (empty quadrants included with ``n = 0``):

        - ``quadrant``,
        - ``n``: entities in the quadrant,
        - ``share``: ``n`` over all entities,
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
    quad = pd.Categorical(quadrants["quadrant"].astype(str), categories=list(QUADRANTS))
    codes = np.asarray(quad.codes)
    if (codes < 0).any():
        hint = f"pass the result of nps_quadrants (quadrants are {list(QUADRANTS)})."
        raise SchemaError("quadrants", "quadrant", "has values that are not quadrants", hint)
    total = len(codes)
    n = np.bincount(codes, minlength=len(QUADRANTS))
    lo, hi = _stats.wilson_interval(n, np.full(len(n), total), confidence)
    score = quadrants["score"].to_numpy(dtype=float)
    usage = quadrants["usage"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.bincount(codes, weights=score, minlength=len(QUADRANTS)) / n
        mean_usage = np.bincount(codes, weights=usage, minlength=len(QUADRANTS)) / n
    cat = np.asarray(_categorize(score).codes)
    high = (quadrants["usage_level"].astype(str) == "high").to_numpy()
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
