"""Lifetime value from survival curves (private; re-exported by :mod:`adoptmetrics.churn`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import SchemaError
from adoptmetrics._stats._intervals import check_confidence, z_value
from adoptmetrics._stats._survival import km_functional
from adoptmetrics.churn._data import (
    By,
    by_list,
    check_days,
    group_codes,
    prepare,
    warn_past_followup,
)
from adoptmetrics.churn._model import ChurnModel, conditional_survival, scoring_frame

__all__ = ["lifetime_value"]

_DAYS_PER_MONTH = 365.25 / 12


def lifetime_value(
    accounts: pd.DataFrame,
    /,
    *,
    model: ChurnModel | None = None,
    by: By = None,
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

    An account pays its MRR for every month it starts active, so
    ``LTV = MRR × Σ_{m=0}^{H−1} S(g_m) / (1 + d)^m`` with ``g_m`` month ``m``
    in whole days (365.25/12 days a month, rounded down) and ``S(g)`` the
    share still active after day ``g`` — the one convention of
    :func:`restricted_mean_lifetime` and :func:`churn_risk`
    (``Σ_{g<τ} S(g) = E[min(T, τ)]``). So month 0 counts ``S(0)``: an account
    that churns on its start day pays nothing (without censoring,
    ``expected_months`` is exactly the mean over accounts of the discounted
    number of grid days they outlive); for an active account of tenure ``t``
    the model path uses ``S(t + g_m) / S(t)``, which is 1 at ``m = 0``.

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
    by : str, list of str or Series, optional
        Segments (without ``model``): column(s) of ``accounts``, or a Series
        mapping account id → segment.
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
        Without ``model``, one row per segment (a single row without ``by``):

        - the ``by`` column(s), named after the column (or the Series' name;
          ``segment`` when it has none).
        - ``n_accounts``: accounts in the segment.
        - ``mrr``: their mean MRR.
        - ``expected_months``: discounted expected paying months within the
          horizon.
        - ``lifetime_value``: ``mrr × expected_months``.
        - ``ci_lower``, ``ci_upper``: interval of the value.

        With ``model``, one row per active account, highest value first
        (ties listed by id):

        - ``account_id``: the account.
        - ``tenure_days``: whole days since it started.
        - ``mrr``: its MRR.
        - ``expected_months``: discounted expected paying months from now.
        - ``lifetime_value``: ``mrr × expected_months``.
        - ``extrapolated``: the horizon runs past the model's follow-up.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": list("abcd"), "mrr": [100.0] * 4,
    ...     "started_at": pd.to_datetime(["2024-01-01"] * 4),
    ...     "churned_at": pd.to_datetime(["2024-02-15", None, None, None])})
    >>> ltv = lifetime_value(acc, horizon_months=3, discount_rate=0.0, as_of="2024-06-01")
    >>> ltv[["mrr", "expected_months", "lifetime_value"]]
         mrr  expected_months  lifetime_value
    0  100.0             2.75           275.0
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
        extra=[*by_list(by), mrr_col],
        ordered=False,
    )
    mrr = _mrr(f.data, mrr_col)
    groups = group_codes(f.data, by)
    z = z_value(confidence)
    rows = []
    for k, label in enumerate(groups.labels):  # segments, not accounts
        mask = groups.codes == k
        km = f.km(mask)
        warn_past_followup(f.duration[mask], float(grid[-1]), label)
        value, var = km_functional(km, grid, weights)
        mean_mrr = float(mrr[mask].mean())
        se = np.sqrt(var)
        rows.append(
            {
                **groups.columns(k),
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
