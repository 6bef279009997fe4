"""Out-of-time backtest of expansion scores."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import attrs
import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of, validate_events, validate_expansions
from adoptmetrics._stats._ranking import (
    auc_with_ties,
    expected_precision_at_k,
    top_fraction_lift,
)
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.expansion._model import (
    ExpansionModel,
    _check_triggers,
    _check_weights,
    _cols,
    _fit,
    _positive,
    _prepare,
    _scores,
)
from adoptmetrics.models import Trigger

__all__ = ["ExpansionBacktest", "backtest_expansion"]


@attrs.frozen(slots=True)
class ExpansionBacktest:
    """Out-of-time check of expansion scores (see :func:`backtest_expansion`).

    Every rank metric averages over ties: accounts with the same score are
    taken in every order with equal chance, so no metric depends on how an
    id is spelled.

    Attributes
    ----------
    auc : float
        Area under the ROC curve (ties count one half); 0.5 is chance.
    precision_at_k : float
        Share of the top ``k`` accounts by score that expanded (expected over
        the orders of a tie that straddles the cut).
    lift_top_decile : float
        Expansion rate in the top 10 % by score ÷ the overall rate
        (tie-averaged like ``precision_at_k``).
    brier : float
        Mean squared error of the scores as probabilities.
    n_accounts, n_expanded : int
        Accounts scored at ``cutoff``; those that expanded in the horizon.
    k : int
        How many top accounts ``precision_at_k`` looked at.
    base_rate : float
        ``n_expanded / n_accounts`` (what a random list would achieve).
    cutoff : pandas.Timestamp
        Learn up to it, score at it.
    horizon_days : float
        Evaluation window ``(cutoff, cutoff + horizon_days]``.
    scores : DataFrame
        Per scored account: ``account_id``, ``score``, ``rank``, ``reasons``,
        ``expanded`` (bool).
    model : ExpansionModel
        The model learnt before ``cutoff``.
    """

    auc: float
    precision_at_k: float
    lift_top_decile: float
    brier: float
    n_accounts: int
    n_expanded: int
    k: int
    base_rate: float
    cutoff: pd.Timestamp
    horizon_days: float
    scores: pd.DataFrame = attrs.field(eq=False)
    model: ExpansionModel = attrs.field(eq=False)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: ``auc``, ``precision_at_k``, ``k``, ``lift_top_decile``,
        ``brier``, ``base_rate``, ``n_accounts``, ``n_expanded``."""
        return pd.DataFrame(
            {
                "auc": [self.auc],
                "precision_at_k": [self.precision_at_k],
                "k": [self.k],
                "lift_top_decile": [self.lift_top_decile],
                "brier": [self.brier],
                "base_rate": [self.base_rate],
                "n_accounts": [self.n_accounts],
                "n_expanded": [self.n_expanded],
            }
        )


def _top_k(k: float, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, float)):
        raise TypeError(f"k={k!r} must be a share (0 < k ≤ 1) or a count.\nHint: k=0.1.")
    if isinstance(k, float) and 0 < k <= 1:
        return max(1, math.ceil(k * n - 1e-9))
    if isinstance(k, int) and k >= 1:
        return min(k, n)
    raise ValueError(
        f"k={k!r} must be a share of accounts in (0, 1] or a whole count ≥ 1.\n"
        "Hint: k=0.1 for the top 10 %, or k=50 for the top 50 accounts."
    )


def backtest_expansion(
    events: EventsLike,
    triggers: Sequence[Trigger],
    /,
    *,
    expansions: pd.DataFrame,
    cutoff: object,
    horizon_days: float = 90,
    k: float = 0.1,
    accounts: pd.DataFrame | None = None,
    accounts_at_cutoff: pd.DataFrame | None = None,
    half_life_days: float = 30,
    period_days: float = 7,
    weights: str = "learned",
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    user_col: str = "user_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
    seats_col: str = "seats",
    accounts_account_col: str | None = None,
    expansion_account_col: str | None = None,
    expansion_time_col: str = "timestamp",
) -> ExpansionBacktest:
    """Would the scores have worked? Learn before ``cutoff``, check after it.

    Everything after ``cutoff`` is removed before the model is fitted and the
    accounts are scored — events, expansions, and churn dates (an account
    that churns after ``cutoff`` is active at it) — so no feature can use the
    future. The accounts active at ``cutoff`` are scored, and an account
    counts as expanded when it has an expansion in
    ``(cutoff, cutoff + horizon_days]``.

    Account attributes that change over time cannot be cut at ``cutoff`` by
    the library: ``accounts`` is read for its start and churn dates only
    (both safe, as they are truncated at ``cutoff``), except for the
    ``seats`` of an ``active_user_share`` trigger. Pass those as they were at
    the cutoff in ``accounts_at_cutoff``; without it they are read from
    ``accounts`` (today's values, which may leak the future) with a warning.

    Parameters
    ----------
    events : DataFrame, any frame narwhals supports, or EventLog
        The event log.
    triggers : list of Trigger
        The signals.
    expansions : DataFrame
        One row per expansion (as in :func:`trigger_lift`).
    cutoff : timestamp
        The split point (required).
    horizon_days : float, default 90
        Evaluation window after ``cutoff``; also the scores' horizon.
    k : float or int, default 0.1
        ``precision_at_k`` looks at the top ``k`` accounts: a share of the
        scored accounts (default the top 10 %, rounded up) or a count.
    accounts : DataFrame, optional
        Start and churn dates (and seats); recommended.
    accounts_at_cutoff : DataFrame, optional
        A snapshot of the accounts' changing attributes as of ``cutoff``
        (``account_col`` and ``seats_col``), used for the seats of
        ``active_user_share`` triggers instead of ``accounts``.
    half_life_days, period_days, weights
        Model options (see :func:`fit_expansion_model`).
    account_col, event_col, time_col, user_col : str
        Columns of ``events``.
    start_col, churn_col, seats_col : str
        Columns of ``accounts`` (``seats_col`` also of ``accounts_at_cutoff``).
    accounts_account_col : str, optional
        Account column of ``accounts`` and ``accounts_at_cutoff``; default ``account_col``.
    expansion_account_col, expansion_time_col : str
        Columns of ``expansions`` (the account column defaults to ``account_col``).

    Returns
    -------
    ExpansionBacktest
        ``auc``, ``precision_at_k``, ``lift_top_decile``, ``brier``,
        ``n_accounts``, ``n_expanded`` (also as ``.summary``) and the
        per-account ``scores`` with the outcome ``expanded``.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.datasets.simulate_saas(300, months=12, seed=1)
    >>> trig = [am.Trigger("seat limit", event="seat_limit_reached")]
    >>> bt = backtest_expansion(data.events, trig, expansions=data.expansions,
    ...                         cutoff="2024-09-01", accounts=data.accounts)
    >>> list(bt.summary.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['auc', 'precision_at_k', 'k', 'lift_top_decile', 'brier', 'base_rate',
     'n_accounts', 'n_expanded']
    """
    trig = _check_triggers(triggers)
    _check_weights(weights, trig)
    horizon = _positive(horizon_days, "horizon_days", "horizon_days=90")
    half_life = _positive(half_life_days, "half_life_days", "half_life_days=30")
    period = _positive(period_days, "period_days", "period_days=7")
    if cutoff is None:
        raise TypeError("backtest_expansion needs cutoff=.\nHint: cutoff='2024-09-01'.")
    cut = coerce_as_of(cutoff, None, argument="cutoff")
    cols = _cols(
        account_col, event_col, time_col, user_col, start_col, churn_col, seats_col,
        expansion_account_col, expansion_time_col, accounts_account_col,
    )  # fmt: skip
    ev = validate_events(events, account_col=account_col, event_col=event_col, time_col=time_col)
    ex = validate_expansions(expansions, account_col=cols.exp_account, time_col=cols.exp_time)
    first = ev["timestamp"].min() if len(ev) else pd.NaT
    if pd.isna(first) or cut < first:
        raise ValueError(
            f"cutoff={cut} is before the first event ({first}): there is nothing to learn from.\n"
            "Hint: pick a cutoff inside the data, leaving horizon_days of expansions after it."
        )
    last_exp = ex["timestamp"].max() if len(ex) else pd.NaT
    if pd.isna(last_exp) or cut >= last_exp:
        raise ValueError(
            f"cutoff={cut} is on or after the last expansion ({last_exp}): there is no "
            "outcome to evaluate.\nHint: move cutoff at least horizon_days before the end "
            "of the data."
        )
    data_end = max(ev["timestamp"].max(), last_exp)
    if cut + pd.Timedelta(days=horizon) > data_end:
        warnings.warn(
            f"the evaluation window (cutoff, cutoff + {horizon:g} days] runs past the end of "
            f"the data ({data_end}); expansions after it are unknown and count as misses.",
            UserWarning,
            stacklevel=2,
        )
    if accounts_at_cutoff is None and any(t.metric == "active_user_share" for t in trig):
        warnings.warn(
            "an 'active_user_share' trigger reads seats from accounts, whose values may be "
            "later than the cutoff (a leak of the future).\nHint: pass accounts_at_cutoff= "
            "with the seats each account had at the cutoff.",
            UserWarning,
            stacklevel=2,
        )
    data = _prepare(
        events, expansions, trig, accounts, cut, cols,
        as_of_argument="cutoff", snapshot=accounts_at_cutoff,
    )  # fmt: skip
    model = _fit(data, trig, horizon=horizon, half_life=half_life, period=period, weights=weights)
    scored = _scores(model, data)
    # Outcomes: expansions in (cutoff, cutoff + horizon] of the scored accounts.
    later = ex[(ex["timestamp"] > cut) & (ex["timestamp"] <= cut + pd.Timedelta(days=horizon))]
    hit = pd.Index(later["account_id"].astype(object).unique())
    y = scored["account_id"].astype(object).isin(hit).to_numpy()
    s = scored["score"].to_numpy(dtype=float)
    n = len(s)
    if n == 0:
        raise ValueError(f"no account is active at cutoff={cut}.\nHint: pick a later cutoff.")
    top = _top_k(k, n)
    rate = float(y.mean())
    if y.all() or not y.any():
        warnings.warn(
            "every scored account has the same outcome; AUC is undefined.",
            UserWarning,
            stacklevel=2,
        )
    return ExpansionBacktest(
        auc=auc_with_ties(s, y),
        precision_at_k=expected_precision_at_k(s, y, top),
        lift_top_decile=top_fraction_lift(s, y, 0.1),
        brier=float(np.mean((s - y) ** 2)),
        n_accounts=n,
        n_expanded=int(y.sum()),
        k=top,
        base_rate=rate,
        cutoff=cut,
        horizon_days=horizon,
        scores=scored.assign(expanded=y),
        model=model,
    )
