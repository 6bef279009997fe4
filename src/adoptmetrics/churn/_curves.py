"""Survival-based churn: curves, tests, drivers, risk scores and lifetime value.

Churn is a time-to-event problem with censoring: an account still active at
``as_of`` has not churned *yet*. Every function here works on whole-day
durations (``floor((end − started_at) / 1 day)``) from :func:`survival_table`:

* churn after ``as_of`` is treated as not yet happened and accounts that
  start after ``as_of`` are left out, so anything computed "as of" a past
  date never sees the future;
* ``observed_from`` handles left truncation: when the data only holds
  accounts still active on that date (e.g. a CRM export that dropped older
  churns), accounts that started earlier enter the risk set on that date.

Kaplan–Meier is :func:`adoptmetrics._stats.kaplan_meier`, the log-rank test
and the Cox model live in :mod:`adoptmetrics._stats._survival` (all numpy;
lifelines is not needed). The shifted-beta-geometric model lives in
``_sbg``, the Cox model in ``_model``, lifetime value in ``_ltv`` and lapses
in ``_lapse`` (all re-exported by :mod:`adoptmetrics.churn`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._stats._intervals import (
    benjamini_hochberg,
    check_confidence,
    z_value,
)
from adoptmetrics._stats._survival import km_functional, logrank
from adoptmetrics.churn._data import (
    By,
    Frame,
    by_list,
    check_days,
    group_codes,
    prepare,
    warn_past_followup,
)
from adoptmetrics.churn._lapse import lapse_table
from adoptmetrics.churn._ltv import lifetime_value
from adoptmetrics.churn._model import ChurnModel, churn_risk, fit_churn_model
from adoptmetrics.churn._sbg import SBGModel, fit_sbg

__all__ = [
    "ChurnModel",
    "SBGModel",
    "churn_curve",
    "churn_risk",
    "compare_churn",
    "fit_churn_model",
    "fit_sbg",
    "lapse_table",
    "lifetime_value",
    "median_lifetime",
    "restricted_mean_lifetime",
    "survival_table",
]


def survival_table(
    accounts: pd.DataFrame,
    /,
    *,
    as_of: object = None,
    observed_from: object = None,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Durations and churn flags per account, censored at ``as_of``.

    Parameters
    ----------
    accounts : DataFrame
        One row per account with a start and a churn timestamp (``NaT``
        while active).
    as_of : timestamp, optional
        The date the analysis is made at; default the latest start or churn
        in the table, or the table's ``observed_until`` column when it has
        one (as :func:`lapse_table`'s output does: active accounts are then
        censored at that end of observation). Churn after it counts as not
        yet happened; accounts that start after it are left out.
    observed_from : timestamp, optional
        First date from which churn was recorded (left truncation). Accounts
        that started earlier enter the risk set on that date; accounts that
        churned before it are left out (they could not have been observed),
        and so are accounts whose follow-up ends on the whole day observation
        begins (``entry == duration``: under the ``(entry, duration]``
        convention they are never at risk, as in the Cox model and in R's
        survival package).
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per account, sorted by ``account_id``:

        - ``account_id``: the account.
        - ``duration``: whole days from ``started_at`` to the churn, or to
          ``as_of`` while active.
        - ``churned``: True when it churned on or before ``as_of``.
        - ``entry``: whole days from ``started_at`` to ``observed_from`` (0
          for accounts that started after it, or without ``observed_from``).

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"],
    ...     "started_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
    ...     "churned_at": pd.to_datetime(["2024-01-31", "2024-06-01", None])})
    >>> survival_table(acc, as_of="2024-04-01")
      account_id  duration  churned  entry
    0          a        30     True      0
    1          b        60    False      0
    2          c        31    False      0
    """
    f = prepare(
        accounts,
        as_of=as_of,
        observed_from=observed_from,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
    )
    return pd.DataFrame(
        {
            "account_id": f.data["account_id"].to_numpy(),
            "duration": f.duration,
            "churned": f.churned,
            "entry": f.entry,
        }
    )


def _curve_rows(f: Frame, by: By, confidence: float) -> pd.DataFrame:
    groups = group_codes(f.data, by)
    parts = []
    for k in range(len(groups.labels)):  # one Kaplan–Meier per segment (segments are few)
        mask = groups.codes == k if len(groups.labels) > 1 else None
        km = f.km(mask, confidence=confidence)
        part = groups.frame(k, len(km["time"]))
        part["time"] = km["time"]
        part["n_at_risk"] = km["n_at_risk"]
        part["n_churned"] = km["n_events"]
        part["n_censored"] = km["n_censored"]
        part["survival"] = km["survival"]
        part["ci_lower"] = km["ci_lower"]
        part["ci_upper"] = km["ci_upper"]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def churn_curve(
    accounts: pd.DataFrame,
    /,
    *,
    by: By = None,
    as_of: object = None,
    observed_from: object = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Kaplan–Meier survival (share of accounts not yet churned) by tenure.

    Parameters
    ----------
    accounts : DataFrame
        Accounts (see :func:`survival_table`).
    by : str, list of str or Series, optional
        Column(s) of ``accounts`` to draw one curve per value, or a Series
        mapping account id → segment.
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    confidence : float
        Level of the pointwise log-log (exponential Greenwood) interval.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per segment and tenure with a churn or a censoring:

        - the ``by`` column(s), named after the column (or the Series' name;
          ``segment`` when it has none); absent without ``by``.
        - ``time``: tenure in days.
        - ``n_at_risk``: accounts active (and observed) just before ``time``.
        - ``n_churned``: churns at ``time``.
        - ``n_censored``: accounts whose follow-up ends at ``time``.
        - ``survival``: Kaplan–Meier share still active after ``time``.
        - ``ci_lower``, ``ci_upper``: pointwise interval.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c", "d"],
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 4),
    ...     "churned_at": pd.to_datetime(["2024-01-11", "2024-01-21", None, None])})
    >>> churn_curve(acc, as_of="2024-02-01")[["time", "n_at_risk", "n_churned", "survival"]]
       time  n_at_risk  n_churned  survival
    0    10          4          1      0.75
    1    20          3          1      0.50
    2    31          2          0      0.50
    """
    check_confidence(confidence)
    f = prepare(
        accounts,
        as_of=as_of,
        observed_from=observed_from,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        extra=by_list(by),
        ordered=False,
    )
    return _curve_rows(f, by, confidence)


def median_lifetime(
    accounts: pd.DataFrame,
    /,
    *,
    by: By = None,
    as_of: object = None,
    observed_from: object = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Median lifetime (days until half the accounts have churned) with its interval.

    The median is the first tenure where the Kaplan–Meier curve is at or
    below 0.5; its interval is where the lower and upper pointwise bands
    cross 0.5 (Brookmeyer & Crowley, 1982, as lifelines'
    ``median_survival_times`` computes it). NaN means "not reached": fewer
    than half have churned within the follow-up (for ``ci_upper``: the
    upper band never reaches 0.5).

    Parameters
    ----------
    accounts : DataFrame
        Accounts (see :func:`survival_table`).
    by : str, list of str or Series, optional
        Segment column(s) of ``accounts``, or a Series mapping account id →
        segment.
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    confidence : float
        Interval level.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per segment (a single row without ``by``):

        - the ``by`` column(s), named as in :func:`churn_curve`.
        - ``n_accounts``: accounts in the segment.
        - ``n_churned``: churns observed.
        - ``median_days``: median lifetime in days (NaN: not reached).
        - ``ci_lower``, ``ci_upper``: its interval (NaN: not reached).

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": list("abcd"),
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 4),
    ...     "churned_at": pd.to_datetime(["2024-01-11", "2024-01-21", None, None])})
    >>> median_lifetime(acc, as_of="2024-02-01")[["n_accounts", "median_days"]]
       n_accounts  median_days
    0           4         20.0
    """
    check_confidence(confidence)
    f = prepare(
        accounts,
        as_of=as_of,
        observed_from=observed_from,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        extra=by_list(by),
        ordered=False,
    )
    groups = group_codes(f.data, by)
    rows = []
    for k in range(len(groups.labels)):  # segments, not accounts
        mask = groups.codes == k
        km = f.km(mask, confidence=confidence)
        t = km["time"].astype(float)

        def first_below(s: npt.NDArray[np.float64], t: npt.NDArray[np.float64] = t) -> float:
            hit = np.flatnonzero(s <= 0.5)
            return float(t[hit[0]]) if hit.size else float("nan")

        rows.append(
            {
                **groups.columns(k),
                "n_accounts": int(km["n_events"].sum() + km["n_censored"].sum()),
                "n_churned": int(km["n_events"].sum()),
                "median_days": first_below(km["survival"]),
                "ci_lower": first_below(km["ci_lower"]),
                "ci_upper": first_below(km["ci_upper"]),
            }
        )
    return pd.DataFrame(rows)


def restricted_mean_lifetime(
    accounts: pd.DataFrame,
    /,
    *,
    horizon_days: int,
    by: By = None,
    as_of: object = None,
    observed_from: object = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Restricted mean lifetime: expected days active within the first ``horizon_days``.

    The area under the Kaplan–Meier curve up to the horizon, ``∫₀^τ Ŝ(t) dt
    = Σ_{g=0}^{τ−1} Ŝ(g)`` with ``Ŝ(g)`` the share still active after day
    ``g`` (right-continuous): without censoring it is exactly the mean of
    ``min(duration, τ)`` — whole days lived within the horizon; an account
    that churns on its start day contributes 0. Unlike the mean, it exists
    when many accounts never churn. Its
    interval is a normal interval on the Greenwood-based variance (Klein &
    Moeschberger, 2003, §4.5). A warning is raised when the horizon runs past
    a group's longest follow-up (the curve is then held flat).

    Parameters
    ----------
    accounts : DataFrame
        Accounts (see :func:`survival_table`).
    horizon_days : int
        Horizon τ in days.
    by : str, list of str or Series, optional
        Segment column(s) of ``accounts``, or a Series mapping account id →
        segment.
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    confidence : float
        Interval level.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per segment (a single row without ``by``):

        - the ``by`` column(s), named as in :func:`churn_curve`.
        - ``n_accounts``: accounts in the segment.
        - ``horizon_days``: the horizon τ.
        - ``rmst_days``: expected days active within the first τ days.
        - ``ci_lower``, ``ci_upper``: normal interval, clipped to [0, τ].

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": list("abcd"),
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 4),
    ...     "churned_at": pd.to_datetime(["2024-01-11", "2024-01-21", None, None])})
    >>> restricted_mean_lifetime(acc, horizon_days=30, as_of="2024-02-01")["rmst_days"]
    0    22.5
    Name: rmst_days, dtype: float64
    """
    horizon = check_days(horizon_days, "horizon_days")
    z = z_value(confidence)
    f = prepare(
        accounts,
        as_of=as_of,
        observed_from=observed_from,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        extra=by_list(by),
        ordered=False,
    )
    groups = group_codes(f.data, by)
    grid = np.arange(horizon)
    rows = []
    for k, label in enumerate(groups.labels):  # segments, not accounts
        mask = groups.codes == k
        km = f.km(mask)
        warn_past_followup(f.duration[mask], horizon, label)
        value, var = km_functional(km, grid, np.ones(horizon))
        se = np.sqrt(var)
        rows.append(
            {
                **groups.columns(k),
                "n_accounts": int(mask.sum()),
                "horizon_days": horizon,
                "rmst_days": value,
                "ci_lower": max(0.0, value - z * se),
                "ci_upper": min(float(horizon), value + z * se),
            }
        )
    return pd.DataFrame(rows)


def compare_churn(
    accounts: pd.DataFrame,
    /,
    *,
    by: By,
    as_of: object = None,
    observed_from: object = None,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Log-rank tests: do the groups churn at different rates?

    The first row is the k-group log-rank test across all groups; the rows
    after it test every pair, with Benjamini–Hochberg adjusted p-values
    (``q_value``) over the pairs. Left truncation (``observed_from``) is
    handled through the risk sets (``(entry, duration]``: an account whose
    follow-up ends the day observation begins is never at risk and is left
    out). The log-rank test weights every tenure
    equally and is most powerful when hazards are proportional; curves that
    cross can hide a difference.

    Parameters
    ----------
    accounts : DataFrame
        Accounts (see :func:`survival_table`).
    by : str, list of str or Series
        Segment column(s) of ``accounts``, or a Series mapping account id →
        segment.
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        - ``group_a``, ``group_b``: the pair of segment values (joined by
          ``" | "`` for several ``by`` columns); ``"all"`` and ``None`` in the
          first row.
        - ``n_a``, ``n_b``: accounts in each (``n_b`` is 0 in the first row).
        - ``statistic``: the log-rank χ².
        - ``degrees_of_freedom``: groups − 1 (1 for a pair).
        - ``p_value``: χ² tail probability.
        - ``q_value``: BH-adjusted over the pairs (equal to ``p_value`` in
          the first row).

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": list("abcdef"), "plan": list("aaabbb"),
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 6),
    ...     "churned_at": pd.to_datetime(["2024-01-05", "2024-01-09", "2024-01-20",
    ...                                   "2024-03-01", None, None])})
    >>> compare_churn(acc, by="plan", as_of="2024-04-01")[["group_a", "statistic"]]
      group_a  statistic
    0     all        5.051...
    1       a        5.051...
    """
    f = prepare(
        accounts,
        as_of=as_of,
        observed_from=observed_from,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        extra=by_list(by),
        ordered=False,
    )
    groups = group_codes(f.data, by)
    codes, labels = groups.codes, groups.labels
    k = len(labels)
    if k < 2:
        raise ValueError(
            f"by={by!r} has a single group ({labels[0]!r}); nothing to compare.\n"
            "Hint: pick a column with at least two values."
        )
    counts = np.bincount(codes, minlength=k)
    stat, df, p = logrank(f.duration, f.churned, codes, k, entry=f.entry)
    rows: list[dict[str, Any]] = [
        {
            "group_a": "all",
            "group_b": None,
            "n_a": int(counts.sum()),
            "n_b": 0,
            "statistic": stat,
            "degrees_of_freedom": df,
            "p_value": p,
        }
    ]
    ia, ib = np.triu_indices(k, 1)
    for a, b in zip(ia.tolist(), ib.tolist(), strict=True):  # pairs of groups, not rows
        mask = (codes == a) | (codes == b)
        s2, d2, p2 = logrank(
            f.duration[mask],
            f.churned[mask],
            (codes[mask] == b).astype(np.int64),
            2,
            entry=f.entry[mask],
        )
        rows.append(
            {
                "group_a": labels[a],
                "group_b": labels[b],
                "n_a": int(counts[a]),
                "n_b": int(counts[b]),
                "statistic": s2,
                "degrees_of_freedom": d2,
                "p_value": p2,
            }
        )
    out = pd.DataFrame(rows)
    q = np.empty(len(out))
    q[0] = out["p_value"].iloc[0]
    q[1:] = benjamini_hochberg(out["p_value"].to_numpy()[1:])
    out["q_value"] = q
    return out
