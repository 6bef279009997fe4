"""The MRR bridge: how each month's recurring revenue moved from the month before."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import validate_mrr
from adoptmetrics.activity import period_index, period_start
from adoptmetrics.retention._grid import By, _segments, _with_segments

__all__ = ["mrr_bridge"]

_AMOUNTS = ("new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr")
# Largest (account × month) grid sorted by flags rather than by argsort (bytes: 9 per cell).
_DENSE_LIMIT = 50_000_000
_COUNTS = ("n_new", "n_expanded", "n_reactivated", "n_contracted", "n_churned")


def mrr_bridge(
    mrr: pd.DataFrame,
    /,
    *,
    by: By = None,
    account_col: str = "account_id",
    month_col: str = "month",
    mrr_col: str = "mrr",
) -> pd.DataFrame:
    """The monthly MRR bridge: new, expansion, reactivation, contraction and churn.

    For every account and month, compares its MRR with the month before. A
    month without a row, or with MRR 0, is no revenue. Each account's change
    is one movement:

    - **new**: its first month with MRR > 0 (the whole amount);
    - **expansion** / **contraction**: MRR > 0 in both months, up / down (the
      difference; an unchanged MRR is no movement);
    - **churned**: MRR > 0 last month and none this month (last month's amount);
    - **reactivation**: MRR > 0 this month, none last month, some earlier
      (the whole amount) — a return after a gap is a reactivation, never an
      expansion, as in :func:`revenue_retention`.

    So ``starting_mrr + new_mrr + expansion_mrr + reactivation_mrr −
    contraction_mrr − churned_mrr == ending_mrr`` holds exactly (evaluated
    left to right, in floating point) in every row, and each month's
    ``starting_mrr`` is the month before's ``ending_mrr``. ``ending_mrr``
    equals the month's total MRR up to floating-point rounding.

    The bridge runs over every month from the first to the last month of the
    table. The first month has no month before it, so all of its MRR counts
    as new: when the table starts after the business did, read that row as
    the opening balance (or drop it with ``bridge.iloc[1:]``). Months after
    the last month of the table are not reported (an account whose rows stop
    before it churns in the month after its last positive MRR).

    Parameters
    ----------
    mrr : DataFrame
        Account × month revenue, one row per account and month; the month is
        any timestamp inside it. MRR must be >= 0; negative amounts or two rows
        for one account and month are a ``SchemaError``.
    by : str, list of str, mapping, Series or DataFrame, optional
        Segments: column(s) of ``mrr`` that are fixed per account, or a
        mapping account → segment. The output column is named after the
        column (or the Series' name; ``segment`` when it has none). Every
        account with revenue needs a segment.
    account_col, month_col, mrr_col : str
        Column names of ``mrr``.

    Returns
    -------
    DataFrame
        One row per (segment and) month, oldest first:

        - the ``by`` columns, when ``by`` is given.
        - ``month``: the month's first day.
        - ``starting_mrr``: the month before's ``ending_mrr`` (0 in the first month).
        - ``new_mrr``: MRR of accounts in their first month with MRR > 0.
        - ``expansion_mrr``: increases of accounts with MRR > 0 in both months.
        - ``reactivation_mrr``: MRR of accounts returning after a month or more
          without revenue.
        - ``contraction_mrr``: decreases of accounts with MRR > 0 in both
          months, as a positive amount.
        - ``churned_mrr``: last month's MRR of accounts with none this month,
          as a positive amount.
        - ``ending_mrr``: starting + new + expansion + reactivation −
          contraction − churned (the month's total MRR).
        - ``n_new``, ``n_expanded``, ``n_reactivated``, ``n_contracted``,
          ``n_churned``: the accounts behind each movement.
        - ``quick_ratio``: (new + expansion + reactivation) / (contraction +
          churned); NaN when no MRR was lost that month (undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"account_id": ["a", "a", "b", "b", "c"],
    ...     "month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2 + ["2024-02-01"]),
    ...     "mrr": [100.0, 150.0, 100.0, 0.0, 40.0]})
    >>> b = mrr_bridge(m)
    >>> b[["month", "new_mrr", "expansion_mrr", "churned_mrr", "ending_mrr", "quick_ratio"]]
           month  new_mrr  expansion_mrr  churned_mrr  ending_mrr  quick_ratio
    0 2024-01-01    200.0            0.0          0.0       200.0          NaN
    1 2024-02-01     40.0           50.0        100.0       190.0          0.9
    >>> b[["n_new", "n_expanded", "n_churned"]].to_numpy().tolist()
    [[2, 0, 0], [1, 1, 1]]
    """
    df = validate_mrr(mrr, account_col=account_col, month_col=month_col, mrr_col=mrr_col)
    ids = df["account_id"].cat
    acc_all = ids.codes.to_numpy().astype(np.int64)
    month_all = period_index(df["month"].to_numpy(), "month")
    value_all = df["mrr"].to_numpy(dtype=float)
    paid = value_all > 0
    # Accounts with revenue, in code order; zero rows carry no movement.
    has = np.zeros(len(ids.categories), dtype=bool)
    has[acc_all[paid]] = True
    labels = ids.categories[has]
    seg, segments = _segments(labels, by, df, "account_id", "mrr")
    if len(month_all) == 0:
        return _frame(segments, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), {})
    m0, m1 = int(month_all.min()), int(month_all.max())
    n_m = m1 - m0 + 1
    n_s = len(segments) if segments is not None else 1
    # Positive rows sorted by account, then month: (account, month) keys are unique, so
    # a flag per possible key sorts them in O(keys) while that grid is small.
    remap = np.cumsum(has) - 1
    acc, month, value = remap[acc_all[paid]], month_all[paid] - m0, value_all[paid]
    key = acc * n_m + month
    if len(labels) * n_m <= _DENSE_LIMIT:
        flag = np.zeros(len(labels) * n_m, dtype=bool)
        flag[key] = True
        slot = np.zeros(len(labels) * n_m)
        slot[key] = value
        key = np.flatnonzero(flag)
        value = slot[key]
    else:
        order = np.argsort(key, kind="stable")
        key, value = key[order], value[order]
    acc, month = np.divmod(key, n_m)
    n = len(acc)  # the [:n] keep the shifted arrays empty when no row has revenue
    same_prev = np.r_[False, acc[1:] == acc[:-1]][:n]
    same_next = np.r_[acc[1:] == acc[:-1], False][:n]
    prev_month = np.where(same_prev, np.r_[0, month[:-1]][:n], -2)
    prev_value = np.where(same_prev, np.r_[0.0, value[:-1]][:n], 0.0)
    next_month = np.where(same_next, np.r_[month[1:], 0][:n], n_m + 1)
    delta = value - prev_value
    consecutive = same_prev & (prev_month == month - 1)
    kinds: dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.int64]]]
    kinds = {
        "new": (~same_prev, value, month),
        "expansion": (consecutive & (delta > 0), delta, month),
        "reactivation": (same_prev & ~consecutive, value, month),
        "contraction": (consecutive & (delta < 0), -delta, month),
        # Churn lands in the month after the last positive month of a run, if reported.
        "churned": ((next_month > month + 1) & (month + 1 < n_m), value, month + 1),
    }
    row_seg = seg[acc]
    sums: dict[str, npt.NDArray[np.float64]] = {}
    counts: dict[str, npt.NDArray[np.int64]] = {}
    for name, (mask, amount, at) in kinds.items():
        key = row_seg[mask] * n_m + at[mask]
        total = np.bincount(key, weights=amount[mask], minlength=n_s * n_m)
        sums[name] = total.astype(np.float64).reshape(n_s, n_m)
        counts[name] = np.bincount(key, minlength=n_s * n_m).reshape(n_s, n_m).astype(np.int64)
    starting = np.zeros((n_s, n_m))
    ending = np.zeros((n_s, n_m))
    level = np.zeros(n_s)
    for j in range(n_m):  # a loop over months (not rows): each month starts where the last ended
        starting[:, j] = level
        level = (
            level
            + sums["new"][:, j]
            + sums["expansion"][:, j]
            + sums["reactivation"][:, j]
            - sums["contraction"][:, j]
            - sums["churned"][:, j]
        )
        ending[:, j] = level
    gained = sums["new"] + sums["expansion"] + sums["reactivation"]
    lost = sums["contraction"] + sums["churned"]
    with np.errstate(invalid="ignore", divide="ignore"):
        quick = np.where(lost > 0, gained / lost, np.nan)
    s, k = np.divmod(np.arange(n_s * n_m, dtype=np.int64), n_m)
    body: dict[str, npt.NDArray[np.generic]] = {
        "starting_mrr": starting[s, k],
        **{f"{n}_mrr": sums[n][s, k] for n in kinds},
        "ending_mrr": ending[s, k],
        **{c: counts[n][s, k] for c, n in zip(_COUNTS, kinds, strict=True)},
        "quick_ratio": quick[s, k],
    }
    return _frame(segments, s, k + m0, body)


def _frame(
    segments: pd.DataFrame | None,
    seg: npt.NDArray[np.int64],
    month: npt.NDArray[np.int64],
    body: dict[str, npt.NDArray[np.generic]],
) -> pd.DataFrame:
    cols: dict[str, object] = {"month": period_start(month, "month")}
    for name in ("starting_mrr", *_AMOUNTS[:3], *_AMOUNTS[3:], "ending_mrr"):
        cols[name] = body.get(name, np.zeros(len(seg)))
    for name in _COUNTS:
        cols[name] = body.get(name, np.zeros(len(seg), dtype=np.int64))
    cols["quick_ratio"] = body.get("quick_ratio", np.zeros(len(seg)))
    return _with_segments(segments, seg, cols)
