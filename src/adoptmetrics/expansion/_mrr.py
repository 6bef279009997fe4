"""Expansions read off monthly recurring revenue."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import validate_mrr

__all__ = ["expansions_from_mrr"]


def expansions_from_mrr(
    mrr: pd.DataFrame,
    /,
    *,
    min_increase: float = 0.0,
    account_col: str = "account_id",
    month_col: str = "month",
    mrr_col: str = "mrr",
    time_col: str = "timestamp",
) -> pd.DataFrame:
    """Expansions read off monthly recurring revenue: months where MRR went up.

    A month is an expansion when the account had revenue (MRR > 0) in the
    calendar month just before it and this month's MRR is higher by more
    than ``min_increase``. The definitions are those of the MRR bridge
    (``mrr_bridge``) and of ``revenue_retention``: a missing month or MRR 0 is
    no revenue, so revenue that returns after a gap (Jan 100, no Feb row,
    Mar 150) is a *reactivation* in March, not a +50 expansion; and the first
    month with revenue is *new* revenue. The timestamp is the first day of the
    month with the higher MRR, so lead times are only accurate to a month.

    Parameters
    ----------
    mrr : DataFrame
        Account × month revenue (``account_id``, ``month``, ``mrr``).
    min_increase : float, default 0
        Smallest increase (in MRR units) that counts.
    account_col, month_col, mrr_col : str
        Columns of ``mrr``.
    time_col : str, default "timestamp"
        Name of the output's time column. The output is an events-like table
        with ``account_col`` and ``time_col``, ready for the ``expansions=`` of
        :func:`trigger_lift` (whose ``expansion_time_col`` defaults to
        ``"timestamp"``).

    Returns
    -------
    DataFrame
        One row per expansion, sorted by account and time:

        - ``<account_col>``: the account.
        - ``<time_col>``: first day of the month with the higher MRR.
        - ``amount``: the increase.
        - ``mrr_before``, ``mrr_after``: MRR in the previous and this month.

    Examples
    --------
    >>> import pandas as pd
    >>> mrr = pd.DataFrame({"org": ["a", "a", "a", "b", "b"],
    ...     "month": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01", "2024-03-01"],
    ...     "mrr": [100.0, 150.0, 120.0, 80.0, 120.0]})
    >>> expansions_from_mrr(mrr, account_col="org")
      org  timestamp  amount  mrr_before  mrr_after
    0   a 2024-02-01    50.0       100.0      150.0

    Account ``b`` has no February row: its March revenue is a reactivation.
    """
    if isinstance(min_increase, bool) or not isinstance(min_increase, (int, float)):
        raise TypeError(f"min_increase={min_increase!r} must be a number.\nHint: min_increase=0.")
    if not min_increase >= 0:
        raise ValueError(
            f"min_increase={min_increase!r} must be ≥ 0.\nHint: 0 counts every increase."
        )
    reserved = {account_col, "amount", "mrr_before", "mrr_after"}
    if not isinstance(time_col, str) or time_col in reserved:
        raise ValueError(
            f"time_col={time_col!r} must be a new column name, distinct from "
            f"{sorted(reserved)}.\nHint: time_col='timestamp'."
        )
    df = validate_mrr(mrr, account_col=account_col, month_col=month_col, mrr_col=mrr_col)
    acc = df["account_id"].astype(object).to_numpy()
    codes = df["account_id"].cat.codes.to_numpy()
    month = df["month"].to_numpy()
    order = np.lexsort((month, codes))
    codes, month, value, acc = codes[order], month[order], df["mrr"].to_numpy()[order], acc[order]
    # Calendar month number, so a gap between two rows is visible.
    stamp = pd.DatetimeIndex(month)
    index = stamp.year.to_numpy() * 12 + stamp.month.to_numpy()
    consecutive = np.r_[False, (codes[1:] == codes[:-1]) & (index[1:] - index[:-1] == 1)]
    before = np.r_[np.nan, value[:-1]]
    rise = consecutive & (before > 0) & (value - before > min_increase)
    return pd.DataFrame(
        {
            account_col: acc[rise],
            time_col: month[rise],
            "amount": (value - before)[rise],
            "mrr_before": before[rise],
            "mrr_after": value[rise],
        }
    ).reset_index(drop=True)
