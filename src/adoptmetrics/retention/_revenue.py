"""Revenue retention: gross, net and logo retention of MRR cohorts, month by month."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of, validate_mrr
from adoptmetrics._stats._intervals import check_confidence, wilson_interval
from adoptmetrics.activity import period_index, period_start
from adoptmetrics.retention._grid import By, _cohort_starts, _segments, _with_segments
from adoptmetrics.retention._starts import by_source, resolve_starts

__all__ = ["revenue_retention"]

_BIG = np.iinfo(np.int64).max


def revenue_retention(
    mrr: pd.DataFrame,
    /,
    *,
    accounts: pd.DataFrame | None = None,
    start: pd.Series | None = None,
    account_col: str = "account_id",
    month_col: str = "month",
    mrr_col: str = "mrr",
    accounts_account_col: str | None = None,
    start_col: str = "started_at",
    as_of: object = None,
    by: By = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Gross, net and logo retention of each start cohort, month by month.

    An account's cohort is the month of its start (``accounts=`` or
    ``start=``) or, without either, the month of its first positive MRR.
    Its **starting MRR** is its MRR in its *first invoiced month*: the first
    month at or after the start month with MRR > 0. An account enters the
    revenue ratios and the logo count from that month on: a contract signed
    late in a month and first invoiced the next joins its start cohort's
    ratios in the month of its first invoice, with its first invoice as its
    starting MRR (never a starting MRR of 0 with later revenue on top).
    Without ``accounts``/``start`` the first invoiced month is the cohort's
    month, so every account enters at period 0.

    A month without a row (or with MRR 0) is no revenue: the account counts
    as churned that month, and a later return counts again from the month it
    returns (a reactivation in :func:`mrr_bridge`). MRR before the start
    month is ignored. Each month's MRR is taken as reported, so every month
    up to ``as_of`` counts as observed.

    Parameters
    ----------
    mrr : DataFrame
        Account × month revenue (``account_id``, ``month``, ``mrr``).
    accounts : DataFrame, optional
        The accounts table; cohorts come from its start column. Every account
        in ``mrr`` must be in it.
    start : Series, optional
        Account id → start timestamp, in place of ``accounts``.
    account_col, month_col, mrr_col : str
        Column names of ``mrr``.
    accounts_account_col : str, optional
        The id column of ``accounts`` when it differs from ``account_col``.
    start_col : str
        The start column of ``accounts``.
    as_of : timestamp, optional
        Months after it are ignored. Default: the latest month in ``mrr``.
    by : str, list of str, mapping, Series or DataFrame, optional
        Segments: column(s) of ``accounts`` (when given and holding them) or
        of ``mrr`` (fixed per account), or a mapping account → segment; the
        output column is named after it (``segment`` for an unnamed mapping).
    confidence : float
        Level of the Wilson interval on logo retention.

    Returns
    -------
    DataFrame
        One row per (segment,) cohort and month offset up to ``as_of``:

        - the ``by`` columns, when ``by`` is given.
        - ``cohort``: the start month.
        - ``period``: months since the start month.
        - ``cohort_size``: accounts of the ``mrr`` table in the cohort.
        - ``n_accounts``: of them, the accounts invoiced by this month (first
          invoiced month at or before it): the ratios below are over these.
        - ``starting_mrr``: their starting MRR (first invoiced month's).
        - ``mrr``: their MRR in this month.
        - ``gross_revenue_retention``: Σ min(MRR now, starting MRR) / Σ
          starting MRR — contraction and churn only, at most 1.
        - ``net_revenue_retention``: Σ MRR now / Σ starting MRR (with expansion).
        - ``n_retained``: accounts with positive MRR this month.
        - ``logo_retention``: ``n_retained / n_accounts`` (NaN while none
          has been invoiced).
        - ``ci_lower``, ``ci_upper``: Wilson interval of ``logo_retention``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"account_id": ["a", "a", "b", "b"],
    ...     "month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2),
    ...     "mrr": [100.0, 150.0, 100.0, 0.0]})
    >>> revenue_retention(m)[["period", "gross_revenue_retention", "net_revenue_retention"]]
       period  gross_revenue_retention  net_revenue_retention
    0       0                      1.0                   1.0
    1       1                      0.5                   0.75

    With start dates, ``b`` (signed in January, first invoiced in February)
    joins the ratios in February with its February MRR as its starting MRR:

    >>> m2 = pd.DataFrame({"account_id": ["a", "a", "b"],
    ...     "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01"]),
    ...     "mrr": [100.0, 100.0, 500.0]})
    >>> starts = pd.Series(pd.to_datetime(["2024-01-05", "2024-01-28"]), index=["a", "b"])
    >>> revenue_retention(m2, start=starts)[
    ...     ["period", "n_accounts", "starting_mrr", "net_revenue_retention", "logo_retention"]]
       period  n_accounts  starting_mrr  net_revenue_retention  logo_retention
    0       0           1         100.0                    1.0             1.0
    1       1           2         600.0                    1.0             1.0
    """
    conf = check_confidence(confidence)
    df = validate_mrr(mrr, account_col=account_col, month_col=month_col, mrr_col=mrr_col)
    starts = resolve_starts(
        accounts=accounts,
        start=start,
        level="account",
        account_col=account_col,
        accounts_account_col=accounts_account_col,
        start_col=start_col,
    )
    default = pd.Timestamp(df["month"].max()) if len(df) else None
    if len(df) == 0 and as_of is None:
        ts = pd.Timestamp("1970-01-01")
    else:
        ts = coerce_as_of(as_of, default)
    if default is not None and ts < df["month"].min():
        raise ValueError(
            f"as_of={ts} is earlier than every month in mrr.\n"
            "Hint: pass an as_of at or after the first month, or None."
        )
    ids = df["account_id"].cat
    entities = ids.categories
    acc = ids.codes.to_numpy().astype(np.int64)
    month = period_index(df["month"].to_numpy(), "month")
    value = df["mrr"].to_numpy(dtype=float)
    last = int(period_index(np.array([ts.value]), "month")[0])
    inside = month <= last
    acc, month, value = acc[inside], month[inside], value[inside]
    n = len(entities)
    start_m = np.full(n, _BIG, dtype=np.int64)
    if starts.series is None:
        np.minimum.at(start_m, acc[value > 0], month[value > 0])
        member = start_m != _BIG
    else:
        _, start_ns, epos = _cohort_starts(
            starts.series, entities, acc, argument=starts.argument, data="MRR"
        )
        has = epos >= 0
        start_m[has] = period_index(start_ns[epos[has]], "month")
        member = has & (start_m <= last)
    # First invoiced month (first MRR > 0 at or after the start month) and its MRR.
    paid = (value > 0) & (month >= start_m[acc])
    invoiced = np.full(n, _BIG, dtype=np.int64)
    np.minimum.at(invoiced, acc[paid], month[paid])
    first_mrr = np.zeros(n)
    at_first = paid & (month == invoiced[acc])
    first_mrr[acc[at_first]] = value[at_first]

    labels = entities[member]
    pos = np.cumsum(member) - 1
    cohort = start_m[member]
    table, table_col, table_name = by_source(by, starts, df, "account_id", "mrr")
    seg, segments = _segments(labels, by, table, table_col, table_name)
    if len(labels) == 0:
        e = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        body = {"cohort": e.view("datetime64[ns]"), "period": e, "cohort_size": e}
        body |= {"n_accounts": e, "starting_mrr": f, "mrr": f, "gross_revenue_retention": f}
        body |= {"net_revenue_retention": f, "n_retained": e, "logo_retention": f}
        return _with_segments(segments, e, body | {"ci_lower": f, "ci_upper": f})
    row_ok = member[acc]
    r_u = pos[acc[row_ok]]
    r_k = month[row_ok] - cohort[r_u]
    r_v = value[row_ok]
    ok = r_k >= 0
    r_u, r_k, r_v = r_u[ok], r_k[ok], r_v[ok]
    c0 = int(cohort.min())
    n_k = last - c0 + 1
    gkey, ginv = np.unique(seg * n_k + (cohort - c0), return_inverse=True)
    ginv = ginv.astype(np.int64)
    n_g = len(gkey)
    g_cohort = gkey % n_k + c0
    u_start = first_mrr[member]
    # Offset of each account's first invoice; accounts never invoiced by as_of never enter.
    u_entry = invoiced[member] - cohort
    enters = invoiced[member] <= last
    entry_key = ginv[enters] * n_k + u_entry[enters]
    n_in = np.cumsum(np.bincount(entry_key, minlength=n_g * n_k).reshape(n_g, n_k), axis=1)
    g_start = np.cumsum(
        np.bincount(entry_key, weights=u_start[enters], minlength=n_g * n_k).reshape(n_g, n_k),
        axis=1,
    )
    # Before its first invoice an account's MRR is 0, so the sums over all rows are the
    # sums over the accounts already invoiced.
    key = ginv[r_u] * n_k + r_k
    tot = np.bincount(key, weights=r_v, minlength=n_g * n_k).reshape(n_g, n_k)
    capped = np.bincount(key, weights=np.minimum(r_v, u_start[r_u]), minlength=n_g * n_k)
    capped = capped.reshape(n_g, n_k)
    logos = np.bincount(key[r_v > 0], minlength=n_g * n_k).reshape(n_g, n_k)
    size = np.bincount(ginv, minlength=n_g)
    g, k = np.nonzero(g_cohort[:, None] + np.arange(n_k)[None, :] <= last)
    n_acc = n_in[g, k]
    with np.errstate(invalid="ignore", divide="ignore"):
        grr = np.where(g_start[g, k] > 0, capped[g, k] / g_start[g, k], np.nan)
        nrr = np.where(g_start[g, k] > 0, tot[g, k] / g_start[g, k], np.nan)
        logo = np.where(n_acc > 0, logos[g, k] / n_acc, np.nan)
    lo, hi = wilson_interval(logos[g, k], n_acc, conf)
    return _with_segments(
        segments,
        (gkey // n_k)[g],
        {
            "cohort": period_start(g_cohort[g], "month"),
            "period": k.astype(np.int64),
            "cohort_size": size[g].astype(np.int64),
            "n_accounts": n_acc.astype(np.int64),
            "starting_mrr": g_start[g, k],
            "mrr": tot[g, k],
            "gross_revenue_retention": grr,
            "net_revenue_retention": nrr,
            "n_retained": logos[g, k].astype(np.int64),
            "logo_retention": logo,
            "ci_lower": lo,
            "ci_upper": hi,
        },
    )
