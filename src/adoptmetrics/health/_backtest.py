"""Out-of-time check of a health scorecard: :func:`backtest_health` → :class:`HealthBacktest`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics._stats._intervals import check_confidence, wilson_interval
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.health._metrics import (
    add_account_columns,
    check_days,
    default_as_of,
    metrics_at,
    prepare_inputs,
    resolve_features,
)
from adoptmetrics.health._scores import BANDS, HasScorecard, check_scorecard, health_scores
from adoptmetrics.models import Scorecard

__all__ = ["HealthBacktest", "backtest_health", "churn_auc"]


def churn_auc(score: npt.ArrayLike, churned: npt.ArrayLike) -> float:
    """AUC of "a lower score means churn": P(score of a churner < score of a stayer), ties ½."""
    s = np.asarray(score, dtype=float)
    y = np.asarray(churned, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(-s)  # average ranks: ties count one half
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@attrs.frozen(slots=True)
class HealthBacktest:
    """A scorecard evaluated out of time (see :func:`backtest_health`).

    Attributes
    ----------
    auc : float
        Probability that an account that churned in the horizon scored lower
        than one that did not (ties count one half); 0.5 is chance.
    bands : DataFrame
        One row per band, red first:

        - ``band``: red, yellow or green.
        - ``n_accounts``: accounts scored in the band at the cutoff.
        - ``n_churned``: of those, churned in ``(cutoff, cutoff + horizon]``.
        - ``churn_rate``: ``n_churned / n_accounts``.
        - ``ci_lower``, ``ci_upper``: Wilson interval of the churn rate.
    lift_red_vs_green : float
        Churn rate in red ÷ churn rate in green (``inf`` when green had no
        churn but red had; NaN when either band is empty or both had none).
    n_accounts, n_churned : int
        Accounts scored (alive at the cutoff, with a score) and churners.
    n_unscored : int
        Accounts alive at the cutoff with none of the scorecard's measures.
    base_rate : float
        ``n_churned / n_accounts``.
    cutoff : pandas.Timestamp
        Measures from data up to it; outcome after it.
    horizon_days : float
        Outcome window ``(cutoff, cutoff + horizon_days]``.
    scorecard : Scorecard
        The scorecard evaluated.
    scores : DataFrame
        ``health_scores`` at the cutoff plus ``churned`` (bool).
    """

    auc: float
    bands: pd.DataFrame = attrs.field(eq=False, repr=False)
    lift_red_vs_green: float
    n_accounts: int
    n_churned: int
    n_unscored: int
    base_rate: float
    cutoff: pd.Timestamp
    horizon_days: float
    scorecard: Scorecard
    scores: pd.DataFrame = attrs.field(eq=False, repr=False)


def band_table(band: pd.Series, churned: npt.ArrayLike, confidence: float) -> pd.DataFrame:
    """Per band (red, yellow, green): counts, churn rate and its Wilson interval."""
    y = np.asarray(churned, dtype=bool)
    codes = pd.Categorical(band, categories=list(BANDS)).codes
    ok = codes >= 0
    n = np.bincount(codes[ok], minlength=3)
    k = np.bincount(codes[ok], weights=y[ok].astype(float), minlength=3).astype(np.int64)
    lo, hi = wilson_interval(k, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    return pd.DataFrame(
        {
            "band": list(BANDS),
            "n_accounts": n.astype(np.int64),
            "n_churned": k,
            "churn_rate": rate,
            "ci_lower": lo,
            "ci_upper": hi,
        }
    )


def backtest_health(
    events: EventsLike,
    accounts: pd.DataFrame,
    /,
    *,
    nps: pd.DataFrame | None = None,
    cutoff: object,
    horizon_days: float = 90,
    scorecard: Scorecard | HasScorecard | None = None,
    window_days: float = 30,
    features: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
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
) -> HealthBacktest:
    """Score the accounts at ``cutoff`` and check the scores against churn after it.

    The measures use data up to ``cutoff`` only (:func:`account_metrics` with
    ``as_of=cutoff``); the outcome is churn in ``(cutoff, cutoff +
    horizon_days]``. The accounts are those alive at the cutoff. To test a
    learned scorecard honestly, fit it with ``as_of=cutoff`` too.

    Parameters
    ----------
    events : DataFrame, EventLog or any frame narwhals supports
        The event log; an ``am.EventLog`` shared between calls is encoded once.
    accounts : DataFrame
        The accounts table.
    nps : DataFrame, optional
        NPS responses.
    cutoff : timestamp
        Score at this date. ``cutoff + horizon_days`` must not be later than
        the data (latest event, start, churn or NPS answer).
    horizon_days : float, default 90
        Outcome window after the cutoff.
    scorecard : Scorecard or HealthModel, optional
        What to evaluate; default the default scorecard.
    window_days : float, default 30
        Window of the measures.
    features : list of str or mapping, optional
        Features for ``breadth``.
    confidence : float, default 0.95
        Level of the Wilson intervals.
    account_col, user_col, time_col, event_col : str
        Column names of the events (see :func:`account_metrics`).
    start_col, churn_col, seats_col, score_col, nps_time_col : str
        Column names of the accounts and NPS tables.

    Returns
    -------
    HealthBacktest
        ``auc``, ``bands`` (``band``, ``n_accounts``, ``n_churned``,
        ``churn_rate``, ``ci_lower``, ``ci_upper``), ``lift_red_vs_green`` and
        the scores.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> demo = am.load_demo()
    >>> bt = backtest_health(demo.events, demo.accounts, nps=demo.nps, cutoff="2025-01-01")
    >>> list(bt.bands["band"]), 0 <= bt.auc <= 1
    (['red', 'yellow', 'green'], True)
    """
    horizon = check_days(horizon_days, "horizon_days", "horizon_days=90")
    window = check_days(window_days, "window_days", "window_days=30")
    level = check_confidence(confidence)
    card = check_scorecard(scorecard)
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
    t = coerce_as_of(cutoff, None, argument="cutoff")
    data_end = default_as_of(inp)
    end = t + pd.Timedelta(days=horizon)
    if data_end is None or end > data_end:
        last = "no data" if data_end is None else f"{data_end:%Y-%m-%d %H:%M}"
        raise ValueError(
            f"cutoff={t:%Y-%m-%d} is too late: its {horizon:g}-day horizon ends on "
            f"{end:%Y-%m-%d}, after the last data ({last}), so churn in it is not observed.\n"
            f"Hint: choose cutoff on or before "
            f"{(data_end - pd.Timedelta(days=horizon)) if data_end is not None else '…'} "
            "or a shorter horizon_days."
        )
    feats = resolve_features(inp, t, features)
    metrics = add_account_columns(
        metrics_at(inp, t, window_days=window, features=feats), inp, card.columns
    )
    if len(metrics) == 0:
        raise ValueError(
            f"no account was alive at cutoff={t:%Y-%m-%d}.\nHint: choose a later cutoff."
        )
    scores = health_scores(metrics, scorecard=card)
    acc = inp.accounts
    if acc is None:  # prepare_inputs always gets accounts here
        raise TypeError(
            "backtest_health needs accounts.\nHint: backtest_health(events, accounts, ...)."
        )
    churn = pd.Series(
        acc["churned_at"].to_numpy(), index=pd.Index(acc["account_id"].astype(object))
    )
    c = churn.reindex(pd.Index(scores["account_id"])).to_numpy()
    scores["churned"] = (c > t.to_datetime64()) & (c <= end.to_datetime64())
    scored = scores["score"].notna().to_numpy()
    y = scores["churned"].to_numpy()[scored]
    auc = churn_auc(scores["score"].to_numpy()[scored], y)
    if np.isnan(auc):
        warnings.warn(
            f"all {int(scored.sum())} scored accounts had the same outcome in the horizon; "
            "the AUC is undefined (NaN).",
            UserWarning,
            stacklevel=2,
        )
    bands = band_table(scores["band"], scores["churned"].to_numpy(), level)
    red, green = bands.iloc[0], bands.iloc[2]
    lift = float("nan")
    if red["n_accounts"] > 0 and green["n_accounts"] > 0:
        if green["n_churned"] > 0:
            lift = float(red["churn_rate"] / green["churn_rate"])
        elif red["n_churned"] > 0:
            lift = float("inf")
    n_scored = int(scored.sum())
    return HealthBacktest(
        auc=auc,
        bands=bands,
        lift_red_vs_green=lift,
        n_accounts=n_scored,
        n_churned=int(y.sum()),
        n_unscored=int(len(scores) - n_scored),
        base_rate=float(y.mean()) if n_scored else float("nan"),
        cutoff=t,
        horizon_days=horizon,
        scorecard=card,
        scores=scores,
    )
