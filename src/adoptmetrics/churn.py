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

Kaplan–Meier is :func:`adoptmetrics._stats.kaplan_meier` (numpy), the
log-rank test is numpy, the Cox model is lifelines' ``CoxPHFitter`` (wrapped
in :mod:`adoptmetrics._survival`). The shifted-beta-geometric model lives in
:mod:`adoptmetrics._sbg` and the Cox model's result in
:mod:`adoptmetrics._churn_model`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics import activity
from adoptmetrics._churn_model import (
    ChurnModel,
    Frame,
    check_days,
    churn_risk,
    fit_churn_model,
    group_codes,
    prepare,
)
from adoptmetrics._sbg import SBGModel, fit_sbg
from adoptmetrics._stats import benjamini_hochberg, check_confidence, kaplan_meier, z_value
from adoptmetrics._survival import km_functional, logrank

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

_DAYS_PER_MONTH = 365.25 / 12


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
        in the table. Churn after it counts as not yet happened; accounts
        that start after it are left out.
    observed_from : timestamp, optional
        First date from which churn was recorded (left truncation). Accounts
        that started earlier enter the risk set on that date; accounts that
        churned before it are left out (they could not have been observed).
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


def _curve_rows(f: Frame, by: str | Sequence[str] | None, confidence: float) -> pd.DataFrame:
    codes, labels = group_codes(f.data, by)
    parts = []
    for k, label in enumerate(labels):  # one Kaplan–Meier per group (groups are few)
        mask = codes == k
        km = kaplan_meier(
            f.duration[mask], f.churned[mask], entry=f.entry[mask], confidence=confidence
        )
        part = pd.DataFrame(
            {
                "group": label,
                "time": km["time"],
                "n_at_risk": km["n_at_risk"],
                "n_churned": km["n_events"],
                "n_censored": km["n_censored"],
                "survival": km["survival"],
                "ci_lower": km["ci_lower"],
                "ci_upper": km["ci_upper"],
            }
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def churn_curve(
    accounts: pd.DataFrame,
    /,
    *,
    by: str | Sequence[str] | None = None,
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
    by : str or list of str, optional
        Column(s) of ``accounts`` to draw one curve per value.
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    confidence : float
        Level of the pointwise log-log (exponential Greenwood) interval.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per group and tenure with a churn or a censoring:

        - ``group``: the group label (``"all"`` without ``by``; values joined
          by ``" | "`` for several columns).
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
        extra=_by_list(by),
    )
    return _curve_rows(f, by, confidence)


def _by_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def median_lifetime(
    accounts: pd.DataFrame,
    /,
    *,
    by: str | Sequence[str] | None = None,
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
    by : str or list of str, optional
        Grouping column(s).
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    confidence : float
        Interval level.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``n_accounts``, ``n_churned``,
        ``median_days``, ``ci_lower``, ``ci_upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": list("abcd"),
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 4),
    ...     "churned_at": pd.to_datetime(["2024-01-11", "2024-01-21", None, None])})
    >>> median_lifetime(acc, as_of="2024-02-01")[["group", "median_days"]]
      group  median_days
    0   all         20.0
    """
    curve = churn_curve(
        accounts,
        by=by,
        as_of=as_of,
        observed_from=observed_from,
        confidence=confidence,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
    )
    rows = []
    for label, g in curve.groupby("group", sort=False):
        t = g["time"].to_numpy(dtype=float)

        def first_below(s: pd.Series, t: npt.NDArray[np.float64] = t) -> float:
            hit = np.flatnonzero(s.to_numpy() <= 0.5)
            return float(t[hit[0]]) if hit.size else float("nan")

        rows.append(
            {
                "group": label,
                "n_accounts": int(g["n_churned"].sum() + g["n_censored"].sum()),
                "n_churned": int(g["n_churned"].sum()),
                "median_days": first_below(g["survival"]),
                "ci_lower": first_below(g["ci_lower"]),
                "ci_upper": first_below(g["ci_upper"]),
            }
        )
    return pd.DataFrame(rows)


def restricted_mean_lifetime(
    accounts: pd.DataFrame,
    /,
    *,
    horizon_days: int,
    by: str | Sequence[str] | None = None,
    as_of: object = None,
    observed_from: object = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Restricted mean lifetime: expected days active within the first ``horizon_days``.

    The area under the Kaplan–Meier curve up to the horizon, ``∫₀^τ Ŝ(t) dt``
    — unlike the mean, it exists when many accounts never churn. Its
    interval is a normal interval on the Greenwood-based variance (Klein &
    Moeschberger, 2003, §4.5). A warning is raised when the horizon runs past
    a group's longest follow-up (the curve is then held flat).

    Parameters
    ----------
    accounts : DataFrame
        Accounts (see :func:`survival_table`).
    horizon_days : int
        Horizon τ in days.
    by : str or list of str, optional
        Grouping column(s).
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    confidence : float
        Interval level.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``n_accounts``, ``horizon_days``,
        ``rmst_days``, ``ci_lower``, ``ci_upper``.

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
        extra=_by_list(by),
    )
    codes, labels = group_codes(f.data, by)
    grid = np.arange(horizon)
    rows = []
    for k, label in enumerate(labels):
        mask = codes == k
        km = kaplan_meier(f.duration[mask], f.churned[mask], entry=f.entry[mask])
        _warn_past_followup(f.duration[mask], horizon, label)
        value, var = km_functional(km, grid, np.ones(horizon))
        se = np.sqrt(var)
        rows.append(
            {
                "group": label,
                "n_accounts": int(mask.sum()),
                "horizon_days": horizon,
                "rmst_days": value,
                "ci_lower": max(0.0, value - z * se),
                "ci_upper": min(float(horizon), value + z * se),
            }
        )
    return pd.DataFrame(rows)


def _warn_past_followup(duration: npt.NDArray[np.int64], horizon_days: float, label: str) -> None:
    longest = int(duration.max()) if duration.size else 0
    if horizon_days > longest + 1:
        warnings.warn(
            f"group {label!r}: the horizon ({horizon_days:.0f} days) runs past the longest "
            f"follow-up ({longest} days); the Kaplan–Meier curve is held flat beyond it, "
            "which overstates survival if churn continues.\n"
            "Hint: shorten the horizon, or use a ChurnModel (parametric tail).",
            UserWarning,
            stacklevel=3,
        )


def compare_churn(
    accounts: pd.DataFrame,
    /,
    *,
    by: str | Sequence[str],
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
    handled through the risk sets. The log-rank test weights every tenure
    equally and is most powerful when hazards are proportional; curves that
    cross can hide a difference.

    Parameters
    ----------
    accounts : DataFrame
        Accounts (see :func:`survival_table`).
    by : str or list of str
        Grouping column(s).
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        - ``group_a``, ``group_b``: the pair (``"all"`` and ``None`` in the
          first row).
        - ``n_a``, ``n_b``: accounts in each (``n_b`` is 0 in the first row).
        - ``test_statistic``: the log-rank χ².
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
    >>> compare_churn(acc, by="plan", as_of="2024-04-01")[["group_a", "test_statistic"]]
      group_a  test_statistic
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
        extra=_by_list(by),
    )
    codes, labels = group_codes(f.data, by)
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
            "test_statistic": stat,
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
                "test_statistic": s2,
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


def lifetime_value(
    accounts: pd.DataFrame,
    /,
    *,
    model: ChurnModel | None = None,
    by: str | Sequence[str] | None = None,
    horizon_months: int = 36,
    discount_rate: float = 0.01,
    as_of: object = None,
    observed_from: object = None,
    confidence: float = 0.95,
    mrr_col: str = "mrr",
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Expected discounted revenue per segment (new accounts) or per active account.

    An account pays its MRR at the start of every month it is active, so
    ``LTV = MRR × Σ_{m=0}^{H−1} S(m months) / (1 + d)^m`` — the restricted
    mean lifetime in months, discounted monthly at ``d``, times MRR (a month
    is 365.25/12 days, rounded down to whole days).

    * Without ``model``: per segment, from the Kaplan–Meier curve of the
      segment's accounts since their start, with the segment's mean MRR (the
      value of a *new* account). The interval is the Greenwood delta-method
      interval of the discounted sum, times the mean MRR (MRR variation is
      not included). A warning is raised when the horizon runs past the
      follow-up (the curve is held flat).
    * With a fitted :class:`ChurnModel`: per account active at ``as_of``,
      conditional on its tenure, ``S(t + m months | x) / S(t | x)``, using
      the model's parametric tail beyond the longest follow-up
      (``extrapolated``). No interval.

    Parameters
    ----------
    accounts : DataFrame
        Accounts with an MRR column (current or last MRR).
    model : ChurnModel, optional
        Per-account values from this model.
    by : str or list of str, optional
        Segments (without ``model``).
    horizon_months : int
        Months of revenue counted (the "restriction"); default 36.
    discount_rate : float
        Monthly discount rate, e.g. 0.01 (≈ 12.7 % a year).
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    confidence : float
        Interval level (segments only).
    mrr_col, account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        Segments: ``group``, ``n_accounts``, ``mrr`` (mean), ``expected_months``
        (discounted), ``lifetime_value``, ``ci_lower``, ``ci_upper``.
        Accounts (with ``model``, sorted by value, highest first):
        ``account_id``, ``tenure_days``, ``mrr``, ``expected_months``,
        ``lifetime_value``, ``extrapolated``.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": list("abcd"), "mrr": [100.0] * 4,
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 4),
    ...     "churned_at": pd.to_datetime(["2024-02-15", None, None, None])})
    >>> ltv = lifetime_value(acc, horizon_months=3, discount_rate=0.0, as_of="2024-06-01")
    >>> ltv[["group", "mrr", "expected_months", "lifetime_value"]]
      group    mrr  expected_months  lifetime_value
    0   all  100.0             2.75           275.0
    """
    check_confidence(confidence)
    months = check_days(horizon_months, "horizon_months")
    if isinstance(discount_rate, bool) or not isinstance(discount_rate, (int, float)):
        raise TypeError("discount_rate must be a number.\nHint: 0.01 means 1 % a month.")
    if not 0 <= discount_rate < 1:
        raise ValueError(
            f"discount_rate={discount_rate!r} must be in [0, 1).\n"
            "Hint: it is a monthly rate; 0.01 means 1 % a month."
        )
    weights = (1.0 + discount_rate) ** -np.arange(months, dtype=float)
    grid = np.floor(np.arange(months) * _DAYS_PER_MONTH).astype(np.int64)
    if model is not None:
        from adoptmetrics._churn_model import conditional_survival, scoring_frame

        s = scoring_frame(
            model,
            accounts,
            as_of=as_of,
            account_col=account_col,
            start_col=start_col,
            churn_col=churn_col,
            extra=[mrr_col],
        )
        mrr = _mrr(s.data, mrr_col)
        surv, extrapolated = conditional_survival(model, s, grid)
        expected = surv @ weights
        out = pd.DataFrame(
            {
                "account_id": s.data["account_id"].to_numpy(),
                "tenure_days": s.duration,
                "mrr": mrr,
                "expected_months": expected,
                "lifetime_value": mrr * expected,
                "extrapolated": extrapolated,
            }
        )
        out = out.sort_values(["lifetime_value", "account_id"], ascending=[False, True])
        return out.reset_index(drop=True)
    f = prepare(
        accounts,
        as_of=as_of,
        observed_from=observed_from,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        extra=[*_by_list(by), mrr_col],
    )
    mrr = _mrr(f.data, mrr_col)
    codes, labels = group_codes(f.data, by)
    z = z_value(confidence)
    rows = []
    for k, label in enumerate(labels):
        mask = codes == k
        km = kaplan_meier(f.duration[mask], f.churned[mask], entry=f.entry[mask])
        _warn_past_followup(f.duration[mask], float(grid[-1]), label)
        value, var = km_functional(km, grid, weights)
        mean_mrr = float(mrr[mask].mean())
        se = np.sqrt(var)
        rows.append(
            {
                "group": label,
                "n_accounts": int(mask.sum()),
                "mrr": mean_mrr,
                "expected_months": value,
                "lifetime_value": mean_mrr * value,
                "ci_lower": mean_mrr * max(0.0, value - z * se),
                "ci_upper": mean_mrr * (value + z * se),
            }
        )
    return pd.DataFrame(rows)


def _mrr(data: pd.DataFrame, mrr_col: str) -> npt.NDArray[np.float64]:
    from adoptmetrics._schema import SchemaError

    values = data[mrr_col]
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        raise SchemaError(
            "accounts",
            mrr_col,
            f"has dtype {values.dtype}, not numbers",
            f"convert it with pd.to_numeric(accounts[{mrr_col!r}]).",
        )
    arr = values.to_numpy(dtype=float)
    bad = np.isnan(arr) | (arr < 0)
    if bad.any():
        raise SchemaError(
            "accounts",
            mrr_col,
            f"has {int(bad.sum())} missing or negative values",
            "fill missing MRR (e.g. with the last known amount) or drop those accounts.",
            rows=list(data.index[np.flatnonzero(bad)[:5]]),
        )
    return arr


def lapse_table(
    events: pd.DataFrame,
    /,
    *,
    inactive_days: int = 30,
    as_of: object = None,
    entity_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str | None = "event",
    activity_events: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Activity-based churn: "no activity for ``inactive_days`` days" as a churn event.

    For products without contracts. Each entity starts on its first active
    day; it *lapses* at its first gap of at least ``inactive_days`` days
    without activity, and its churn date is the last active day before that
    gap. An entity whose last activity is fewer than ``inactive_days``
    complete days before ``as_of`` is still active (censored): nobody can
    know yet whether it has lapsed. Events after ``as_of`` are ignored, so a
    table built "as of" a past date never sees the future. The result has
    the accounts layout, so :func:`churn_curve`, :func:`compare_churn` and
    :func:`fit_churn_model` apply unchanged (join attributes first).

    Dates are calendar days (UTC); activity is read through
    :func:`adoptmetrics.activity.activity_cells`.

    Parameters
    ----------
    events : DataFrame
        The event log.
    inactive_days : int
        Days without activity that count as a lapse (e.g. 30).
    as_of : timestamp, optional
        Default the latest event.
    entity_col, time_col, event_col : str
        Column names (``entity_col`` may be ``"user_id"``).
    activity_events : list of str, optional
        Count only these events as activity.

    Returns
    -------
    DataFrame
        One row per entity seen, sorted by id:

        - ``account_id``: the entity (named ``account_id`` whatever
          ``entity_col`` is, so that the churn functions accept it).
        - ``started_at``: first active day.
        - ``churned_at``: last active day before the first lapse (NaT if it
          has not lapsed by ``as_of``).
        - ``last_seen``: last active day up to ``as_of``.
        - ``returned``: True when it was active again after its first lapse
          (the lapse still counts as churn).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "b", "b"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-01", "2024-02-20"])})
    >>> lapse_table(ev, inactive_days=30, as_of="2024-03-01")
      account_id started_at churned_at  last_seen  returned
    0          a 2024-01-01 2024-01-03 2024-01-03     False
    1          b 2024-01-01 2024-01-01 2024-02-20      True
    """
    n_days = check_days(inactive_days, "inactive_days")
    cells = activity.activity_cells(
        events,
        period="day",
        entity_col=entity_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=activity_events,
        as_of=as_of,
    )
    ent, day = cells.entity, cells.index
    if len(ent) == 0:
        raise ValueError("no activity on or before as_of.\nHint: check as_of and activity_events.")
    day_ns = 86_400 * 10**9
    is_last = np.ones(len(ent), dtype=bool)
    is_last[:-1] = ent[1:] != ent[:-1]
    idle = np.empty(len(ent), dtype=np.int64)
    idle[:-1] = day[1:] - day[:-1] - 1
    # Complete idle days after the last active day, up to as_of.
    idle_end = (cells.as_of.value - (day + 1) * day_ns) // day_ns
    idle = np.where(is_last, idle_end, idle)
    lapse = idle >= n_days
    starts = np.flatnonzero(np.concatenate([[True], ent[1:] != ent[:-1]]))
    present = ent[starts]
    first_day = day[starts]
    last_day = day[np.flatnonzero(is_last)]
    lapse_pos = np.flatnonzero(lapse)
    lapsed_ent, first_lapse = np.unique(ent[lapse_pos], return_index=True)
    pos_in = np.searchsorted(present, lapsed_ent)
    churn_day = np.full(len(present), np.iinfo(np.int64).min, dtype=np.int64)
    churn_day[pos_in] = day[lapse_pos[first_lapse]]
    returned = np.zeros(len(present), dtype=bool)
    returned[pos_in] = ~is_last[lapse_pos[first_lapse]]
    to_ts = activity.period_start
    churned_at = pd.Series(to_ts(np.maximum(churn_day, 0), "day"))
    churned_at[churn_day == np.iinfo(np.int64).min] = pd.NaT
    ids = cells.entities[present]
    out = pd.DataFrame(
        {
            "account_id": ids.astype(object)
            if not isinstance(ids.dtype, pd.CategoricalDtype)
            else ids,
            "started_at": to_ts(first_day, "day"),
            "churned_at": churned_at.to_numpy(),
            "last_seen": to_ts(last_day, "day"),
            "returned": returned,
        }
    )
    order = np.argsort(out["account_id"].astype(str).to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)
