"""Expansion triggers: which signals precede an upsell, and which accounts show them now.

Three questions, three functions:

- :func:`trigger_lift` — does an account expand more often in the days after
  a trigger fires than at other times? (a person-time rate ratio)
- :func:`expansion_scores` — which active accounts are most likely to expand
  within the horizon, and which triggers say so? (a learned hazard model)
- :func:`backtest_expansion` — would those scores have worked? (a time split:
  learn before ``cutoff``, evaluate after it)

Definitions
-----------
*At-risk time*: an account can expand from its start to its churn (or
``as_of``). With ``accounts=`` these are ``started_at`` and ``churned_at``;
without it, the first and last time the account is seen in the events or
expansions. Only at-risk time counts, and only expansions inside it.

*Firing*: a moment at which a trigger's condition holds
(:func:`adoptmetrics.activity.trigger_firings`). The account is *exposed*
during ``(f, f + horizon_days]`` after every firing ``f``; all other at-risk
time is *unexposed*. An expansion at the very moment of a firing is not
exposed to it: an expansion is never its own trigger.

*Alert*: a firing with no earlier firing of the same trigger in the
preceding ``horizon_days`` (what you would hand to sales).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import attrs
import numpy as np
import pandas as pd
from scipy import stats

from adoptmetrics._progress import Progress
from adoptmetrics._schema._validate import (
    coerce_as_of,
    validate_events,
    validate_expansions,
    validate_mrr,
)
from adoptmetrics._stats._intervals import (
    benjamini_hochberg,
    check_confidence,
    poisson_rate_ratio,
    wilson_interval,
)
from adoptmetrics.activity._cells import _grouped_searchsorted
from adoptmetrics.expansion._model import (
    _DAY,
    _NEVER,
    BoolArray,
    ExpansionModel,
    FloatArray,
    IntArray,
    _check_triggers,
    _check_weights,
    _Cols,
    _Data,
    _fit,
    _last_at_or_before,
    _positive,
    _prepare,
    _scores,
)
from adoptmetrics.models import Trigger

__all__ = [
    "ExpansionBacktest",
    "ExpansionModel",
    "backtest_expansion",
    "expansion_scores",
    "expansions_from_mrr",
    "fit_expansion_model",
    "trigger_lift",
]


# --------------------------------------------------------------------------- trigger lift


def trigger_lift(
    events: pd.DataFrame,
    expansions: pd.DataFrame,
    triggers: Sequence[Trigger],
    /,
    *,
    horizon_days: float = 90,
    accounts: pd.DataFrame | None = None,
    as_of: object = None,
    confidence: float = 0.95,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    user_col: str = "user_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
    seats_col: str = "seats",
) -> pd.DataFrame:
    """How much more often accounts expand in the ``horizon_days`` after a trigger fires.

    For each trigger the at-risk time of every account is split into
    *exposed* time — within ``(f, f + horizon_days]`` of a firing ``f`` — and
    *unexposed* time (see the module docstring). The **lift** is the rate
    ratio ``(E₁/T₁) / (E₀/T₀)``: expansions per account-day in exposed time
    over expansions per account-day in unexposed time. Its interval and
    p-value are exact conditional Poisson ones; q-values are
    Benjamini–Hochberg over the triggers.

    Parameters
    ----------
    events : DataFrame
        The event log (``account_id``, ``event``, ``timestamp``[, ``user_id``]).
    expansions : DataFrame
        One row per expansion (``account_id``, ``timestamp``), e.g. from
        :func:`expansions_from_mrr`. The timestamp column is ``time_col``.
    triggers : list of Trigger
        The candidate signals.
    horizon_days : float, default 90
        How long after a firing an expansion counts as following it.
    accounts : DataFrame, optional
        ``account_id``, ``started_at``, ``churned_at`` (and ``seats`` for
        ``active_user_share`` triggers). Recommended: without it, at-risk time
        runs from the first to the last time an account is seen.
    as_of : timestamp, optional
        End of observation; default the latest event or expansion.
    confidence : float, default 0.95
        Level of the intervals.
    account_col, event_col, time_col, user_col, start_col, churn_col, seats_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per trigger, by ``lift`` (highest first):

        - ``trigger``: the trigger's name.
        - ``n_fired``: alerts (firings with no firing of the trigger in the
          preceding ``horizon_days``) whose horizon is fully observed.
        - ``n_expanded``: of those, alerts followed by an expansion within
          ``horizon_days``.
        - ``precision``: ``n_expanded / n_fired``.
        - ``precision_ci_lower``, ``precision_ci_upper``: Wilson interval.
        - ``baseline_rate``: probability of expanding within
          ``horizon_days`` at the unexposed rate, ``1 − exp(−H·E₀/T₀)``; the
          number to compare ``precision`` with.
        - ``lift``: the rate ratio ``(E₁/T₁) / (E₀/T₀)``.
        - ``ci_lower``, ``ci_upper``: exact conditional interval of ``lift``.
        - ``p_value``: exact conditional test of ``lift = 1``.
        - ``q_value``: Benjamini–Hochberg adjusted ``p_value``.
        - ``median_lead_days``: median days from an alert to the first
          expansion after it (over ``n_expanded`` alerts).
        - ``n_censored``: alerts too recent to know the outcome (excluded).
        - ``n_accounts_fired``: accounts where the trigger fired.
        - ``exposed_days`` (``T₁``), ``n_expansions_exposed`` (``E₁``),
          ``unexposed_days`` (``T₀``), ``n_expansions_unexposed`` (``E₀``).

    Examples
    --------
    >>> import pandas as pd
    >>> import adoptmetrics as am
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a", "b"],
    ...     "event": ["seat_limit", "login", "login", "login"],
    ...     "timestamp": pd.to_datetime(["2024-01-11", "2024-01-01", "2024-05-30", "2024-05-30"])})
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "started_at": pd.Timestamp("2024-01-01")})
    >>> ex = pd.DataFrame({"account_id": ["a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-01-21", "2024-04-01"])})
    >>> out = trigger_lift(ev, ex, [am.Trigger("seats", event="seat_limit")],
    ...                    horizon_days=30, accounts=acc, as_of="2024-05-30")
    >>> out[["trigger", "n_fired", "n_expanded", "exposed_days", "unexposed_days", "lift"]]
      trigger  n_fired  n_expanded  exposed_days  unexposed_days  lift
    0   seats        1           1          30.0         270.0   9.0
    """
    trig = _check_triggers(triggers)
    horizon = _positive(horizon_days, "horizon_days", "horizon_days=90")
    check_confidence(confidence)
    cols = _Cols(account_col, event_col, time_col, user_col, start_col, churn_col, seats_col)
    data = _prepare(events, expansions, trig, accounts, as_of, cols)
    h = round(horizon * _DAY)
    total_days = float(np.sum((data.end - data.start) / _DAY))
    rows = [_lift_row(data, f_acc, f_ns, h) for f_acc, f_ns in data.firings]
    out = pd.DataFrame(rows)
    out.insert(0, "trigger", [t.name for t in trig])
    out["unexposed_days"] = total_days - out["exposed_days"]
    out["n_expansions_unexposed"] = len(data.x_ns) - out["n_expansions_exposed"]
    e1, t1 = out["n_expansions_exposed"].to_numpy(float), out["exposed_days"].to_numpy(float)
    e0, t0 = out["n_expansions_unexposed"].to_numpy(float), out["unexposed_days"].to_numpy(float)
    lift, lo, hi, p = poisson_rate_ratio(e1, t1, e0, t0, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.where(t0 > 0, 1 - np.exp(-horizon * e0 / t0), np.nan)
        precision = out["n_expanded"] / out["n_fired"].where(out["n_fired"] > 0)
    p_lo, p_hi = wilson_interval(out["n_expanded"], out["n_fired"], confidence)
    result = pd.DataFrame(
        {
            "trigger": out["trigger"],
            "n_fired": out["n_fired"].astype(np.int64),
            "n_expanded": out["n_expanded"].astype(np.int64),
            "precision": precision.astype(float),
            "precision_ci_lower": p_lo,
            "precision_ci_upper": p_hi,
            "baseline_rate": base,
            "lift": lift,
            "ci_lower": lo,
            "ci_upper": hi,
            "p_value": p,
            "q_value": benjamini_hochberg(p),
            "median_lead_days": out["median_lead_days"].astype(float),
            "n_censored": out["n_censored"].astype(np.int64),
            "n_accounts_fired": out["n_accounts_fired"].astype(np.int64),
            "exposed_days": t1,
            "n_expansions_exposed": out["n_expansions_exposed"].astype(np.int64),
            "unexposed_days": t0,
            "n_expansions_unexposed": out["n_expansions_unexposed"].astype(np.int64),
        }
    )
    order = np.lexsort((result["trigger"].to_numpy(), -np.nan_to_num(lift, nan=-np.inf)))
    return result.iloc[order].reset_index(drop=True)


def _lift_row(data: _Data, f_acc: IntArray, f_ns: IntArray, h: int) -> dict[str, float]:
    """Person-time and alert counts of one trigger (vectorised over firings)."""
    n = len(f_ns)
    new = np.r_[True, (f_acc[1:] != f_acc[:-1]) | (f_ns[1:] - f_ns[:-1] > h)] if n else f_ns[:0]
    last = np.r_[new[1:], True] if n else new
    ep_acc, ep_start = f_acc[new], f_ns[new]
    ep_end = np.minimum(f_ns[last] + h, data.end[ep_acc]) if n else f_ns[:0]
    exposed_days = float(np.sum((ep_end - ep_start) / _DAY))
    prev = _last_at_or_before(f_acc, f_ns, data.x_acc, data.x_ns, strict=True)
    exposed = (prev != _NEVER) & (data.x_ns - prev <= h)
    # Alerts: the first expansion strictly after each alert, within the horizon.
    pos = _grouped_searchsorted(data.x_acc, data.x_ns, ep_acc, ep_start, side="right")
    nx = len(data.x_ns)
    ok = pos < nx
    ok[ok] = data.x_acc[pos[ok]] == ep_acc[ok]
    lead = np.where(ok, data.x_ns[np.where(ok, pos, 0)] - ep_start, np.iinfo(np.int64).max)
    expanded = ok & (lead <= h)
    churn_known = data.churned[ep_acc] & (data.end[ep_acc] <= ep_start + h)
    complete = expanded | (ep_start + h <= data.as_of) | churn_known
    leads = lead[expanded] / _DAY
    return {
        "n_fired": int(complete.sum()),
        "n_expanded": int(expanded.sum()),
        "median_lead_days": float(np.median(leads)) if len(leads) else math.nan,
        "n_censored": int((~complete).sum()),
        "n_accounts_fired": len(np.unique(f_acc)),
        "exposed_days": exposed_days,
        "n_expansions_exposed": int(exposed.sum()),
    }


def fit_expansion_model(
    events: pd.DataFrame,
    expansions: pd.DataFrame,
    triggers: Sequence[Trigger],
    /,
    *,
    horizon_days: float = 90,
    half_life_days: float = 30,
    period_days: float = 7,
    weights: str = "learned",
    as_of: object = None,
    accounts: pd.DataFrame | None = None,
    progress: bool = False,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    user_col: str = "user_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
    seats_col: str = "seats",
) -> ExpansionModel:
    """Learn trigger weights from history (see :class:`ExpansionModel`).

    Parameters
    ----------
    events, expansions : DataFrame
        Event log and expansions (as in :func:`trigger_lift`).
    triggers : list of Trigger
        The signals; each becomes one recency-decayed feature.
    horizon_days : float, default 90
        The horizon the scores are for.
    half_life_days : float, default 30
        A firing's feature halves every ``half_life_days``.
    period_days : float, default 7
        Length of the account-period rows.
    weights : {"learned", "hand"}
        ``"hand"``: use each ``Trigger.weight`` (a log odds ratio) and learn
        only the baseline (intercept).
    as_of : timestamp, optional
        Use data up to it only; default the latest event or expansion.
    accounts : DataFrame, optional
        Start and churn dates (and seats), as in :func:`trigger_lift`.
    progress : bool
        Report the steps on stderr (silent by default).
    account_col, event_col, time_col, user_col, start_col, churn_col, seats_col : str
        Column names.

    Returns
    -------
    ExpansionModel
        Weights in ``.summary`` (``trigger``, ``coef``, ``odds_ratio``,
        ``ci_lower``, ``ci_upper``, ``p_value``).

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.datasets.simulate_saas(300, months=12, seed=1)
    >>> trig = [am.Trigger("seat limit", event="seat_limit_reached")]
    >>> model = fit_expansion_model(data.events, data.expansions, trig, accounts=data.accounts)
    >>> list(model.summary.columns)
    ['trigger', 'coef', 'odds_ratio', 'ci_lower', 'ci_upper', 'p_value']
    """
    trig = _check_triggers(triggers)
    _check_weights(weights, trig)
    horizon = _positive(horizon_days, "horizon_days", "horizon_days=90")
    half_life = _positive(half_life_days, "half_life_days", "half_life_days=30")
    period = _positive(period_days, "period_days", "period_days=7")
    cols = _Cols(account_col, event_col, time_col, user_col, start_col, churn_col, seats_col)
    steps = Progress("fit_expansion_model", total=2, enabled=progress)
    data = _prepare(events, expansions, trig, accounts, as_of, cols)
    steps.step(f"trigger firings for {len(trig)} triggers")
    model = _fit(data, trig, horizon=horizon, half_life=half_life, period=period, weights=weights)
    steps.step(f"hazard model on {model.n_rows:,} account-period rows")
    return model


def expansion_scores(
    events: pd.DataFrame,
    triggers: Sequence[Trigger],
    /,
    *,
    model: ExpansionModel | None = None,
    expansions: pd.DataFrame | None = None,
    as_of: object = None,
    accounts: pd.DataFrame | None = None,
    horizon_days: float = 90,
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
) -> pd.DataFrame:
    """Probability that each active account expands within the horizon, and why.

    Without ``model``, one is fitted on ``expansions`` and events up to
    ``as_of`` (:func:`fit_expansion_model`, whose options apply); with it,
    its own horizon and decay are used and the fitting options are ignored.
    The score projects the period hazard over the horizon, letting the
    trigger features keep decaying (no new firings assumed).

    Parameters
    ----------
    events : DataFrame
        The event log.
    triggers : list of Trigger
        The signals (the same, in the same order, as the model's).
    model : ExpansionModel, optional
        A fitted model; default fit one now (needs ``expansions``).
    expansions : DataFrame, optional
        Past expansions, to fit the model.
    as_of : timestamp, optional
        Score as of this time, using data up to it only; default the latest
        event (or expansion).
    accounts : DataFrame, optional
        Start and churn dates: only accounts active at ``as_of`` are scored.
        Without it every account seen up to ``as_of`` is scored.
    horizon_days, half_life_days, period_days, weights
        Fitting options (see :func:`fit_expansion_model`).
    account_col, event_col, time_col, user_col, start_col, churn_col, seats_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per active account, best first:

        - ``account_id``: the account.
        - ``score``: probability of at least one expansion within
          ``horizon_days`` after ``as_of``.
        - ``rank``: 1 for the highest score (ties by account id).
        - ``reasons``: tuple of the trigger names that raise the score, most
          important first: those whose current contribution raises the odds
          of expanding by at least 10 % and, for learned weights, whose
          weight is significantly positive (95 % Wald interval above 0).

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.datasets.simulate_saas(300, months=12, seed=1)
    >>> trig = [am.Trigger("seat limit", event="seat_limit_reached")]
    >>> top = expansion_scores(data.events, trig, expansions=data.expansions,
    ...                        accounts=data.accounts)
    >>> list(top.columns)
    ['account_id', 'score', 'rank', 'reasons']
    """
    trig = _check_triggers(triggers)
    cols = _Cols(account_col, event_col, time_col, user_col, start_col, churn_col, seats_col)
    if model is not None:
        if not isinstance(model, ExpansionModel):
            raise TypeError(
                f"model must be an ExpansionModel, got {type(model).__name__}.\n"
                "Hint: model = am.expansion.fit_expansion_model(events, expansions, triggers)."
            )
        if [t.name for t in model.triggers] != [t.name for t in trig]:
            raise ValueError(
                "triggers differ from the model's triggers.\n"
                "Hint: pass the same list (same names, same order) the model was fitted with."
            )
        data = _prepare(events, expansions, trig, accounts, as_of, cols)
        return _scores(model, data)
    if expansions is None:
        raise TypeError(
            "expansion_scores needs expansions= to learn the weights (or model=).\n"
            "Hint: expansion_scores(events, triggers, expansions=expansions), or build "
            "expansions with expansions_from_mrr(mrr)."
        )
    _check_weights(weights, trig)
    horizon = _positive(horizon_days, "horizon_days", "horizon_days=90")
    half_life = _positive(half_life_days, "half_life_days", "half_life_days=30")
    period = _positive(period_days, "period_days", "period_days=7")
    data = _prepare(events, expansions, trig, accounts, as_of, cols)
    fitted = _fit(data, trig, horizon=horizon, half_life=half_life, period=period, weights=weights)
    return _scores(fitted, data)


# --------------------------------------------------------------------------- backtest


@attrs.frozen(slots=True)
class ExpansionBacktest:
    """Out-of-time check of expansion scores (see :func:`backtest_expansion`).

    Attributes
    ----------
    auc : float
        Area under the ROC curve (ties count one half); 0.5 is chance.
    precision_at_k : float
        Share of the top ``k`` accounts by score that expanded.
    lift_top_decile : float
        Expansion rate in the top 10 % by score ÷ the overall rate.
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


def _auc(score: FloatArray, y: BoolArray) -> float:
    """Mann–Whitney AUC with average ranks for ties."""
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return math.nan
    ranks = stats.rankdata(score)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


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
    events: pd.DataFrame,
    expansions: pd.DataFrame,
    triggers: Sequence[Trigger],
    /,
    *,
    cutoff: object,
    horizon_days: float = 90,
    k: float = 0.1,
    accounts: pd.DataFrame | None = None,
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
) -> ExpansionBacktest:
    """Would the scores have worked? Learn before ``cutoff``, check after it.

    Everything after ``cutoff`` is removed before the model is fitted and the
    accounts are scored — events, expansions, and churn dates (an account
    that churns after ``cutoff`` is active at it) — so no feature can use the
    future. The accounts active at ``cutoff`` are scored, and an account
    counts as expanded when it has an expansion in
    ``(cutoff, cutoff + horizon_days]``.

    Parameters
    ----------
    events, expansions : DataFrame
        Event log and expansions (as in :func:`trigger_lift`).
    triggers : list of Trigger
        The signals.
    cutoff : timestamp
        The split point (required).
    horizon_days : float, default 90
        Evaluation window after ``cutoff``; also the scores' horizon.
    k : float or int, default 0.1
        ``precision_at_k`` looks at the top ``k`` accounts: a share of the
        scored accounts (default the top 10 %, rounded up) or a count.
    accounts : DataFrame, optional
        Start and churn dates (and seats); recommended.
    half_life_days, period_days, weights
        Model options (see :func:`fit_expansion_model`).
    account_col, event_col, time_col, user_col, start_col, churn_col, seats_col : str
        Column names.

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
    >>> bt = backtest_expansion(data.events, data.expansions, trig, cutoff="2024-09-01",
    ...                         accounts=data.accounts)
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
    cols = _Cols(account_col, event_col, time_col, user_col, start_col, churn_col, seats_col)
    ev = validate_events(events, account_col=account_col, event_col=event_col, time_col=time_col)
    ex = validate_expansions(expansions, account_col=account_col, time_col=time_col)
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
    data = _prepare(events, expansions, trig, accounts, cut, cols, as_of_argument="cutoff")
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
    decile = max(1, math.ceil(0.1 * n - 1e-9))
    rate = float(y.mean())
    if y.all() or not y.any():
        warnings.warn(
            "every scored account has the same outcome; AUC is undefined.",
            UserWarning,
            stacklevel=2,
        )
    return ExpansionBacktest(
        auc=_auc(s, y),
        precision_at_k=float(y[:top].mean()),
        lift_top_decile=float(y[:decile].mean() / rate) if rate > 0 else math.nan,
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


# --------------------------------------------------------------------------- MRR


def expansions_from_mrr(
    mrr: pd.DataFrame,
    /,
    *,
    min_increase: float = 0.0,
    account_col: str = "account_id",
    month_col: str = "month",
    mrr_col: str = "mrr",
) -> pd.DataFrame:
    """Expansions read off monthly recurring revenue: months where MRR went up.

    A month counts when the account's MRR is higher than in its previous
    recorded month by more than ``min_increase`` and the previous MRR was
    positive (a restart from 0 is a reactivation, not an expansion). The
    timestamp is the first day of the month with the higher MRR, so lead
    times are only accurate to a month.

    Parameters
    ----------
    mrr : DataFrame
        Account × month revenue (``account_id``, ``month``, ``mrr``).
    min_increase : float, default 0
        Smallest increase (in MRR units) that counts.
    account_col, month_col, mrr_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per expansion, sorted by account and time:

        - ``account_id``: the account.
        - ``timestamp``: first day of the month with the higher MRR.
        - ``amount``: the increase.
        - ``mrr_before``, ``mrr_after``: MRR in the previous and this month.

    Examples
    --------
    >>> import pandas as pd
    >>> mrr = pd.DataFrame({"account_id": ["a", "a", "a", "b"],
    ...     "month": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01"],
    ...     "mrr": [100.0, 150.0, 120.0, 80.0]})
    >>> expansions_from_mrr(mrr)
      account_id  timestamp  amount  mrr_before  mrr_after
    0          a 2024-02-01    50.0       100.0      150.0
    """
    if isinstance(min_increase, bool) or not isinstance(min_increase, (int, float)):
        raise TypeError(f"min_increase={min_increase!r} must be a number.\nHint: min_increase=0.")
    if not min_increase >= 0:
        raise ValueError(
            f"min_increase={min_increase!r} must be ≥ 0.\nHint: 0 counts every increase."
        )
    df = validate_mrr(mrr, account_col=account_col, month_col=month_col, mrr_col=mrr_col)
    acc = df["account_id"].astype(object).to_numpy()
    codes = df["account_id"].cat.codes.to_numpy()
    month = df["month"].to_numpy()
    order = np.lexsort((month, codes))
    codes, month, value, acc = codes[order], month[order], df["mrr"].to_numpy()[order], acc[order]
    same = np.r_[False, codes[1:] == codes[:-1]]
    before = np.r_[np.nan, value[:-1]]
    rise = same & (before > 0) & (value - before > min_increase)
    return pd.DataFrame(
        {
            account_col: acc[rise],
            "timestamp": month[rise],
            "amount": (value - before)[rise],
            "mrr_before": before[rise],
            "mrr_after": value[rise],
        }
    ).reset_index(drop=True)
