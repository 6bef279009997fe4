"""A health scorecard learned from churn: :func:`fit_health_model` → :class:`HealthModel`.

The model is a ridge-penalised logistic regression (IRLS, written once in
``adoptmetrics._stats._logistic``) of "churned within the horizon" on the
measures of stacked monthly snapshots. Each measure is first mapped to [0, 1]
between its 5th and 95th percentile, so its coefficient is the change in the
log odds of churn across the measure's usual range. A coefficient becomes a
``Measure``: the weight is ``|coef| / Σ|coef|``; when the coefficient is
negative (more of it, less churn) ``bad`` is the 5th percentile and ``good``
the 95th, otherwise the other way round. The learned score is then, for an
account with every measure inside that range, an exact decreasing linear
function of the model's log odds of churn.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics._stats._intervals import z_value
from adoptmetrics._stats._logistic import fit_logistic
from adoptmetrics.activity._encode import _NS_PER_DAY, EventsLike
from adoptmetrics.health._metrics import (
    METRIC_COLUMNS,
    IntArray,
    _Inputs,
    add_account_columns,
    check_days,
    default_as_of,
    last_seen_at,
    metrics_and_codes,
    prepare_inputs,
    resolve_features,
)
from adoptmetrics.health._scores import DEFAULT_SCORECARD
from adoptmetrics.models import Measure, Scorecard

__all__ = ["HealthModel", "fit_health_model", "stacked_snapshots"]

FloatArray = npt.NDArray[np.float64]
_QUANTILES = (0.05, 0.95)


@attrs.frozen(slots=True)
class HealthModel:
    """A health scorecard learned from churn (see :func:`fit_health_model`).

    Attributes
    ----------
    scorecard : Scorecard
        The learned measures (weights, bad, good) and the band edges; pass it
        (or the model itself) to ``health_scores`` and ``backtest_health``.
    coef : ndarray
        Logistic coefficients, intercept first, on the [0, 1]-scaled measures.
    columns : tuple of str
        The measures, in the order of ``coef[1:]``.
    low, high : ndarray
        The 5th and 95th percentile of each measure over the snapshots (the
        [0, 1] scaling).
    fill : ndarray
        The scaled value used for a missing measure (its mean).
    as_of : pandas.Timestamp
        Nothing later was read.
    horizon_days, window_days : float
        Churn horizon and measurement window.
    snapshots : tuple of pandas.Timestamp
        The snapshot dates stacked for the fit.
    n_rows, n_churned : int
        Account-snapshots used and how many churned within the horizon.
    converged : bool
        Whether the fit converged.
    summary : DataFrame
        One row per measure, largest weight first:

        - ``measure``: the metric column.
        - ``coef``: change in the log odds of churn from ``low`` to ``high``.
        - ``odds_ratio``: ``exp(coef)``.
        - ``ci_lower``, ``ci_upper``: Wald interval of the odds ratio.
        - ``p_value``: Wald test of ``coef = 0``.
        - ``weight``: the measure's weight in the scorecard (sums to 1).
        - ``bad``, ``good``: the values scoring 0 and 100.
        - ``lower_is_better``: True when more of the measure means more churn.
    """

    scorecard: Scorecard
    coef: FloatArray = attrs.field(eq=False)
    columns: tuple[str, ...]
    low: FloatArray = attrs.field(eq=False)
    high: FloatArray = attrs.field(eq=False)
    fill: FloatArray = attrs.field(eq=False)
    as_of: pd.Timestamp
    horizon_days: float
    window_days: float
    snapshots: tuple[pd.Timestamp, ...]
    n_rows: int
    n_churned: int
    converged: bool
    summary: pd.DataFrame = attrs.field(eq=False, repr=False)

    def predict(self, metrics: pd.DataFrame, /, *, account_col: str = "account_id") -> pd.DataFrame:
        """Churn probability within the horizon for each row of a metrics table.

        Parameters
        ----------
        metrics : DataFrame
            ``account_col`` and the model's measure columns (``account_metrics``).
        account_col : str
            Column holding the account id.

        Returns
        -------
        DataFrame
            One row per account:

            - ``account_id`` (named after ``account_col``): the account.
            - ``churn_probability``: the fitted probability of churning within
              ``horizon_days`` (missing measures at their mean).
        """
        missing = [c for c in (account_col, *self.columns) if c not in metrics.columns]
        if missing:
            raise ValueError(
                f"metrics has no column {missing[0]!r}.\n"
                "Hint: pass the output of account_metrics (same features and window)."
            )
        z = _scale(metrics[list(self.columns)].to_numpy(dtype=float), self.low, self.high)
        z = np.where(np.isnan(z), self.fill, z)
        eta = self.coef[0] + z @ self.coef[1:]
        return pd.DataFrame(
            {
                account_col: metrics[account_col].to_numpy(),
                "churn_probability": 1 / (1 + np.exp(-eta)),
            }
        )


def _scale(x: FloatArray, low: FloatArray, high: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        return np.asarray(np.clip((x - low) / (high - low), 0.0, 1.0), dtype=float)


def snapshot_dates(
    first: pd.Timestamp, as_of: pd.Timestamp, horizon_days: float, n_snapshots: int
) -> list[pd.Timestamp]:
    """Month starts t with first < t and t + horizon ≤ as_of; the latest ``n_snapshots``."""
    last_ok = as_of - pd.Timedelta(days=horizon_days)
    months = pd.date_range(first.normalize().replace(day=1), last_ok, freq="MS")
    months = months[(months > first) & (months <= last_ok)]
    return list(months[-n_snapshots:])


def stacked_snapshots(
    inp: _Inputs,
    dates: Sequence[pd.Timestamp],
    *,
    window_days: float,
    horizon_days: float,
    features: dict[str, list[str]],
) -> tuple[pd.DataFrame, IntArray]:
    """Metrics of the accounts alive at each date, with ``churned`` in (t, t + horizon].

    Also the account code of each row, so later joins need not hash the ids.
    """
    acc = inp.accounts
    if acc is None:
        raise TypeError("stacked snapshots need the accounts table.\nHint: pass accounts=.")
    churn = np.full(len(inp.keys), np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    churn[inp.acc_code] = acc["churned_at"].to_numpy().view(np.int64)
    dates = sorted(dates)
    if inp.has_users and dates:  # hash the user ids of every snapshot's windows once
        w = round(window_days * _NS_PER_DAY)
        inp.log.encode_users(dates[0].value - 2 * w, dates[-1].value)
    inp.log.index_by_day()  # many windows: slices of a log in day order
    frames = []
    all_codes: list[IntArray] = []
    for t, last in zip(dates, last_seen_at(inp, dates), strict=True):
        m, codes = metrics_and_codes(
            inp,
            t,
            window_days=window_days,
            features=features,
            last_seen=last,
            warn=False,
        )
        end = t + pd.Timedelta(days=horizon_days)
        c = churn[codes]
        m["churned"] = (c > t.value) & (c <= end.value)
        m.insert(0, "snapshot", t)
        frames.append(m)
        all_codes.append(codes)
    return pd.concat(frames, ignore_index=True), np.concatenate(all_codes)


def fit_health_model(
    events: EventsLike,
    accounts: pd.DataFrame,
    /,
    *,
    nps: pd.DataFrame | None = None,
    as_of: object = None,
    horizon_days: float = 90,
    window_days: float = 30,
    n_snapshots: int = 12,
    measures: Sequence[str] | None = None,
    features: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    l2: float = 1.0,
    bands: tuple[float, float] = (50, 75),
    confidence: float = 0.95,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
    seats_col: str | None = "seats",
    score_col: str = "score",
    nps_time_col: str = "timestamp",
) -> HealthModel:
    """Learn scorecard weights from churn in the following horizon, on past snapshots only.

    On the first day of each of the last ``n_snapshots`` months ``t`` whose
    horizon ``(t, t + horizon_days]`` ends on or before ``as_of``, the
    measures of every account alive at ``t`` are computed from data up to
    ``t`` (:func:`account_metrics`), and the outcome is whether it churned
    in the horizon. The stacked rows are fitted with a ridge-penalised
    logistic regression (IRLS, ``adoptmetrics._stats._logistic``) on the
    measures scaled to [0, 1] between their 5th and 95th percentiles; a
    missing measure is set to its mean. Each coefficient becomes a
    ``Measure``: weight ``|coef| / Σ|coef|``, ``bad``/``good`` at the
    percentile where churn is higher/lower. So the learned score is a
    decreasing linear function of the model's log odds of churn and reads
    like a hand-made one.

    Parameters
    ----------
    events : DataFrame, EventLog or any frame narwhals supports
        The event log; an ``am.EventLog`` shared between calls is encoded once.
    accounts : DataFrame
        The accounts table (``started_at``, ``churned_at``, ``seats``).
    nps : DataFrame, optional
        NPS responses; without them the ``nps`` measure is left out.
    as_of : timestamp, optional
        Nothing later is read; default the latest timestamp in the data.
    horizon_days : float, default 90
        Churn within this many days after a snapshot is the outcome.
    window_days : float, default 30
        Window of the measures (see :func:`account_metrics`).
    n_snapshots : int, default 12
        How many monthly snapshots to stack (the latest ones that fit).
    measures : list of str, optional
        Columns to learn from: ``account_metrics`` columns and numeric columns
        of ``accounts`` (read as given, without history: a column updated
        after a snapshot date leaks the future). Default: the columns of the
        default scorecard.
    features : list of str or mapping, optional
        Features for ``breadth`` (see :func:`account_metrics`).
    l2 : float, default 1.0
        Ridge penalty ``l2/2 · Σ coef²`` on the scaled measures (the
        intercept is not penalised). It is small next to thousands of rows
        and keeps the fit finite when a measure separates the outcome.
    bands : (float, float), default (50, 75)
        Band edges of the learned scorecard.
    confidence : float, default 0.95
        Level of the odds-ratio intervals in ``summary``.
    account_col, user_col, time_col, event_col : str
        Column names of the events (see :func:`account_metrics`).
    start_col, churn_col, seats_col, score_col, nps_time_col : str
        Column names of the accounts and NPS tables.

    Returns
    -------
    HealthModel
        ``.scorecard`` (usable by ``health_scores``), ``.summary`` (one row per
        measure: ``measure``, ``coef``, ``odds_ratio``, ``ci_lower``,
        ``ci_upper``, ``p_value``, ``weight``, ``bad``, ``good``,
        ``lower_is_better``) and ``.predict(metrics)``.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> demo = am.load_demo()
    >>> model = fit_health_model(demo.events, demo.accounts, nps=demo.nps, n_snapshots=6)
    >>> len(model.snapshots), abs(sum(m.weight for m in model.scorecard.measures) - 1) < 1e-9
    (6, True)
    """
    horizon = check_days(horizon_days, "horizon_days", "horizon_days=90")
    window = check_days(window_days, "window_days", "window_days=30")
    if isinstance(n_snapshots, bool) or not isinstance(n_snapshots, (int, np.integer)):
        raise TypeError(
            f"n_snapshots={n_snapshots!r} must be a whole number.\nHint: n_snapshots=12."
        )
    if n_snapshots < 1:
        raise ValueError(f"n_snapshots={n_snapshots!r} must be ≥ 1.\nHint: n_snapshots=12.")
    if isinstance(l2, bool) or not isinstance(l2, (int, float)) or not l2 >= 0:
        raise ValueError(f"l2={l2!r} must be a number ≥ 0.\nHint: l2=1.0.")
    z = z_value(confidence)
    if accounts is None:
        raise TypeError(
            "fit_health_model needs the accounts table (start and churn dates).\n"
            "Hint: fit_health_model(events, accounts, ...)."
        )
    inp = prepare_inputs(
        events,
        accounts,
        nps,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        start_col=start_col,
        churn_col=churn_col,
        seats_col=seats_col,
        score_col=score_col,
        nps_time_col=nps_time_col,
    )
    t_end = coerce_as_of(as_of, default_as_of(inp))
    columns = list(DEFAULT_SCORECARD.columns if measures is None else measures)
    if isinstance(measures, str) or not columns:
        raise ValueError(
            "measures must be a non-empty list of metric columns.\n"
            "Hint: measures=['active_days', 'usage_trend', 'nps']."
        )
    acc_cols = set(inp.accounts.columns) - {"account_id", "started_at", "churned_at"}  # type: ignore[union-attr]
    unknown = [c for c in columns if c not in METRIC_COLUMNS and c not in acc_cols]
    if unknown:
        raise ValueError(
            f"measures: {unknown[0]!r} is not an account_metrics column nor a column of "
            f"accounts.\nHint: choose from {', '.join(METRIC_COLUMNS)} or a numeric "
            "accounts column."
        )
    if inp.latest is None or inp.first is None:
        raise ValueError("events is empty.\nHint: pass the event log with at least one event.")
    first = min(pd.Timestamp(inp.accounts["started_at"].min()), inp.first)  # type: ignore[index]
    dates = snapshot_dates(first, t_end, horizon, int(n_snapshots))
    if not dates:
        raise ValueError(
            f"no monthly snapshot has its {horizon:g}-day horizon observed by as_of="
            f"{t_end:%Y-%m-%d} (data start {first:%Y-%m-%d}).\n"
            "Hint: use a shorter horizon_days or a later as_of."
        )
    feats = resolve_features(inp, t_end, features)
    stacked, codes = stacked_snapshots(
        inp, dates, window_days=window, horizon_days=horizon, features=feats
    )
    stacked = add_account_columns(stacked, inp, columns, codes)
    y = stacked["churned"].to_numpy()
    if y.sum() == 0 or y.all():
        raise ValueError(
            f"every account-snapshot has the same outcome ({int(y.sum())} of {len(y)} churned "
            "within the horizon), so nothing can be learned.\n"
            "Hint: use more snapshots (n_snapshots), a longer horizon, or more accounts."
        )
    x = stacked[columns].to_numpy(dtype=float)
    x = np.where(np.isfinite(x), x, np.nan)
    with warnings.catch_warnings():  # an all-NaN measure is reported below
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanquantile(x, _QUANTILES[0], axis=0)
        high = np.nanquantile(x, _QUANTILES[1], axis=0)
        lo_all = np.nanmin(x, axis=0)
        hi_all = np.nanmax(x, axis=0)
    flat = ~(high > low)
    low = np.where(flat, lo_all, low)
    high = np.where(flat, hi_all, high)
    usable = high > low
    dropped = [c for c, ok in zip(columns, usable, strict=True) if not ok]
    if dropped:
        warnings.warn(
            f"measures {dropped} are missing or constant in every snapshot and were left out "
            "of the model (e.g. nps without NPS responses, seats without a seats column).",
            UserWarning,
            stacklevel=2,
        )
    keep = np.flatnonzero(usable)
    if len(keep) == 0:
        raise ValueError(
            "no measure varies across the snapshots, so no weight can be learned.\n"
            "Hint: check that the events have timestamps over several months."
        )
    columns = [columns[j] for j in keep]
    low, high = low[keep], high[keep]
    zx = _scale(x[:, keep], low, high)
    fill = np.nanmean(zx, axis=0)
    zx = np.where(np.isnan(zx), fill, zx)
    fit = fit_logistic(zx, y, l2=float(l2))
    beta = fit.coef[1:]
    total = float(np.abs(beta).sum())
    weights = np.abs(beta) / total if total > 0 else np.full(len(beta), 1 / len(beta))
    worse_high = beta > 0
    bad = np.where(worse_high, high, low)
    good = np.where(worse_high, low, high)
    card = Scorecard(
        [
            Measure(c, float(w), bad=float(b), good=float(g))
            for c, w, b, g in zip(columns, weights, bad, good, strict=True)
        ],
        bands=bands,
    )
    se = fit.se[1:]
    summary = pd.DataFrame(
        {
            "measure": columns,
            "coef": beta,
            "odds_ratio": np.exp(beta),
            "ci_lower": np.exp(beta - z * se),
            "ci_upper": np.exp(beta + z * se),
            "p_value": fit.p_values()[1:],
            "weight": weights,
            "bad": bad,
            "good": good,
            "lower_is_better": worse_high,
        }
    )
    summary = summary.iloc[np.argsort(-weights, kind="stable")].reset_index(drop=True)
    return HealthModel(
        scorecard=card,
        coef=fit.coef,
        columns=tuple(columns),
        low=low,
        high=high,
        fill=fill,
        as_of=t_end,
        horizon_days=horizon,
        window_days=window,
        snapshots=tuple(dates),
        n_rows=len(y),
        n_churned=int(y.sum()),
        converged=bool(fit.converged),
        summary=summary,
    )
