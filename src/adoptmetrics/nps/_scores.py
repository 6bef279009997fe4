"""NPS scores, trends and two-sample comparisons (see the package notes on counting)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from adoptmetrics._schema._validate import validate_nps
from adoptmetrics._stats import _intervals as _stats
from adoptmetrics.activity import period_index, period_start
from adoptmetrics.nps._core import (
    _PERIODS,
    By,
    _categorize,
    _check_choice,
    _check_options,
    _cols,
    _counts,
    _per_entity,
    _resolve_by,
    _validated,
    _warn_small,
)

__all__ = ["compare_nps", "nps_category", "nps_score", "nps_trend"]


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
    by: By = None,
    per: str = "response",
    account_score: str = "latest",
    method: str = "adjusted_wald",
    confidence: float = 0.95,
    since: object = None,
    until: object = None,
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
        ``per="account"`` and for ``since``/``until``).
    by : str, list of str or Series, optional
        Segments: column(s) of ``responses`` (e.g. ``"plan"``), or a Series
        mapping account id → segment (e.g.
        ``accounts.set_index("account_id")["plan"]``); its output column is
        named after the Series (``segment`` when it has no name).
    per : {"response", "account"}
        Count every response, or give each account one vote (see
        ``account_score`` and the module notes).
    account_score : {"latest", "user_mean"}
        With ``per="account"``: the account's latest response, or the mean of
        the latest scores of its users (needs ``user_col``).
    method : {"adjusted_wald", "wald"}
        ``"adjusted_wald"`` (default; Rocks 2016) adds 3 to ``n`` and ¾ to
        promoters and detractors before computing a Wald interval: it keeps
        its coverage on small samples and never has zero width.
        ``"wald"``: ``nps ± z·100·√((p + d − (p − d)²)/n)``, which collapses
        to a point when every answer is in one category.
    confidence : float
        Level of the interval.
    since, until : timestamp, optional
        Use only responses in ``[since, until]``.
    account_col, score_col, time_col, user_col : str
        Column names (``time_col=None`` when there is no timestamp).

    Returns
    -------
    DataFrame
        One row per group (one row without ``by``), sorted by the groups:

        - the ``by`` column(s),
        - ``n``: responses (or accounts) counted,
        - ``promoters``, ``passives``, ``detractors``: counts,
        - ``nps``: the observed NPS, −100..100,
        - ``ci_lower``, ``ci_upper``: the interval, clipped to [−100, 100].

    Raises
    ------
    SchemaError
        Bad scores or columns, no responses between ``since`` and ``until``,
        or a ``by`` Series without a segment for a responding account.

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
    >>> nps_score(r).round(2)
        n  promoters  passives  detractors   nps  ci_lower  ci_upper
    0  30         15         6           9  20.0    -11.16     47.53
    """
    _check_options(per, account_score, method, confidence, ("response", "account"))
    cols = _cols(account_col, score_col, time_col, user_col)
    df = _validated(responses, since=since, until=until, **cols)
    df, groups = _resolve_by(df, by)
    df = _per_entity(df, per=per, account_score=account_score)
    out = _counts(df, groups, method=method, confidence=confidence)
    _warn_small(out["n"], "groups")
    return out.reset_index(drop=True)


def nps_trend(
    responses: pd.DataFrame,
    /,
    *,
    period: str = "quarter",
    by: By = None,
    per: str = "response",
    account_score: str = "latest",
    method: str = "adjusted_wald",
    confidence: float = 0.95,
    since: object = None,
    until: object = None,
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
    by, per, account_score, method, confidence, since, until
        As in :func:`nps_score`; ``per="account"`` uses each account's latest
        response within each period.
    account_col, score_col, time_col, user_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per period with responses (and group), sorted:

        - ``period``: start of the period (timestamp),
        - the ``by`` column(s),
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
    df = _validated(responses, since=since, until=until, **cols)
    df, groups = _resolve_by(df, by)
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
    method: str = "adjusted_wald",
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
    per, account_score, confidence
        As in :func:`nps_score`.
    method : {"adjusted_wald", "wald"}
        ``"adjusted_wald"`` (default): each sample gets 3 pseudo-responses
        (¾ promoter, 1½ passive, ¾ detractor, Rocks 2016) before the Wald
        interval and test are computed, so two small one-sided samples (all
        promoters against all detractors) give a wide interval and a finite
        statistic instead of a zero-width interval and p = 0. ``"wald"``: the
        observed proportions.
    account_col, score_col, time_col, user_col : str
        Column names (the same in both tables).

    Returns
    -------
    DataFrame
        One row:

        - ``n_a``, ``n_b``: responses (or accounts) counted,
        - ``nps_a``, ``nps_b``: the observed scores,
        - ``difference``: ``nps_a − nps_b`` (observed),
        - ``ci_lower``, ``ci_upper``: interval of the difference,
          ``Δ ± z·√(SE_a² + SE_b²)`` where ``Δ`` and the standard errors are
          the adjusted ones with ``method="adjusted_wald"`` (so the interval
          leans towards 0 on small samples), clipped to [−200, 200],
        - ``statistic``: the z statistic ``Δ / √(SE_a² + SE_b²)``; the
          interval excludes 0 exactly when ``p_value < 1 − confidence``,
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
    counts: list[tuple[int, float, float, float]] = []
    for frame, table in ((a, "a"), (b, "b")):
        df = _validated(frame, table=table, **cols)
        counted = _counts(_per_entity(df, per=per, account_score=account_score), [])
        pr, de, n = (int(counted[c].iloc[0]) for c in ("promoters", "detractors", "n"))
        observed, _ = _stats.nps_standard_error(pr, de, n, method="wald")
        centre, se_m = _stats.nps_standard_error(pr, de, n, method=method)
        counts.append((n, float(observed), float(centre), float(se_m)))
    (n_a, nps_a, centre_a, se_a), (n_b, nps_b, centre_b, se_b) = counts
    _warn_small(np.array([n_a, n_b]), "samples")
    delta, se = centre_a - centre_b, float(np.hypot(se_a, se_b))
    # se = 0 only with method="wald" when both samples are all one category
    z = delta / se if se > 0 else (0.0 if delta == 0 else float(np.sign(delta) * np.inf))
    row = {"n_a": n_a, "n_b": n_b, "nps_a": nps_a, "nps_b": nps_b, "difference": nps_a - nps_b}
    row |= {
        "ci_lower": max(delta - z_crit * se, -200.0),
        "ci_upper": min(delta + z_crit * se, 200.0),
    }
    row |= {"statistic": z, "p_value": float(2 * stats.norm.sf(abs(z)))}
    return pd.DataFrame([row])
