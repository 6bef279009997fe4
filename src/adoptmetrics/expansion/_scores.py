"""Learned trigger weights and per-account expansion scores."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from adoptmetrics._progress import Progress
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

__all__ = ["expansion_scores", "fit_expansion_model"]


def fit_expansion_model(
    events: EventsLike,
    triggers: Sequence[Trigger],
    /,
    *,
    expansions: pd.DataFrame,
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
    accounts_account_col: str | None = None,
    expansion_account_col: str | None = None,
    expansion_time_col: str = "timestamp",
) -> ExpansionModel:
    """Learn trigger weights from history (see :class:`ExpansionModel`).

    The history up to ``as_of`` is cut into account-period rows (an account
    at risk for a whole period of ``period_days``); each row's outcome is
    whether the account expanded in it, and its features are the
    recency-decayed trigger firings at the period's start. A logistic
    regression of outcome on features gives the weights.

    Parameters
    ----------
    events : DataFrame, any frame narwhals supports, or EventLog
        The event log (``account_id``, ``event``, ``timestamp``[, ``user_id``]).
    triggers : list of Trigger
        The signals; each becomes one recency-decayed feature.
    expansions : DataFrame
        One row per past expansion (``account_id``, ``timestamp``), e.g. from
        :func:`expansions_from_mrr`.
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
    account_col, event_col, time_col, user_col : str
        Columns of ``events``.
    start_col, churn_col, seats_col : str
        Columns of ``accounts``.
    accounts_account_col : str, optional
        Account column of ``accounts``; default ``account_col``.
    expansion_account_col, expansion_time_col : str
        Columns of ``expansions`` (the account column defaults to ``account_col``).

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
    >>> model = fit_expansion_model(data.events, trig, expansions=data.expansions,
    ...                             accounts=data.accounts)
    >>> list(model.summary.columns)
    ['trigger', 'coef', 'odds_ratio', 'ci_lower', 'ci_upper', 'p_value']
    """
    trig = _check_triggers(triggers)
    _check_weights(weights, trig)
    horizon = _positive(horizon_days, "horizon_days", "horizon_days=90")
    half_life = _positive(half_life_days, "half_life_days", "half_life_days=30")
    period = _positive(period_days, "period_days", "period_days=7")
    cols = _cols(
        account_col, event_col, time_col, user_col, start_col, churn_col, seats_col,
        expansion_account_col, expansion_time_col, accounts_account_col,
    )  # fmt: skip
    steps = Progress("fit_expansion_model", total=2, enabled=progress)
    data = _prepare(events, expansions, trig, accounts, as_of, cols)
    steps.step(f"trigger firings for {len(trig)} triggers")
    model = _fit(data, trig, horizon=horizon, half_life=half_life, period=period, weights=weights)
    steps.step(f"hazard model on {model.n_rows:,} account-period rows")
    return model


def expansion_scores(
    events: EventsLike,
    triggers: Sequence[Trigger],
    /,
    *,
    expansions: pd.DataFrame | None = None,
    as_of: object = None,
    model: ExpansionModel | None = None,
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
    accounts_account_col: str | None = None,
    expansion_account_col: str | None = None,
    expansion_time_col: str = "timestamp",
) -> pd.DataFrame:
    """Probability that each active account expands within the horizon, and why.

    Without ``model``, one is fitted on ``expansions`` and events up to
    ``as_of`` (:func:`fit_expansion_model`, whose options apply); with it,
    its own horizon and decay are used and the fitting options are ignored.
    The score projects the period hazard over the horizon, letting the
    trigger features keep decaying (no new firings assumed).

    Parameters
    ----------
    events : DataFrame, any frame narwhals supports, or EventLog
        The event log.
    triggers : list of Trigger
        The signals (the same, in the same order, as the model's).
    expansions : DataFrame, optional
        Past expansions, to fit the model (needed unless ``model`` is given).
    as_of : timestamp, optional
        Score as of this time, using data up to it only; default the latest
        event (or expansion).
    model : ExpansionModel, optional
        A fitted model; default fit one now (needs ``expansions``).
    accounts : DataFrame, optional
        Start and churn dates: only accounts active at ``as_of`` are scored.
        Without it every account seen up to ``as_of`` is scored.
    horizon_days, half_life_days, period_days, weights
        Fitting options (see :func:`fit_expansion_model`).
    account_col, event_col, time_col, user_col : str
        Columns of ``events``.
    start_col, churn_col, seats_col : str
        Columns of ``accounts``.
    accounts_account_col : str, optional
        Account column of ``accounts``; default ``account_col``.
    expansion_account_col, expansion_time_col : str
        Columns of ``expansions`` (the account column defaults to ``account_col``).

    Returns
    -------
    DataFrame
        One row per active account, highest score first (accounts with the
        same score in id order):

        - ``account_id``: the account.
        - ``score``: probability of at least one expansion within
          ``horizon_days`` after ``as_of``.
        - ``rank``: 1 for the highest score; accounts with the same score
          share the best rank of their tie (1, 2, 2, 4), so no rank depends
          on how an id is spelled.
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
    cols = _cols(
        account_col, event_col, time_col, user_col, start_col, churn_col, seats_col,
        expansion_account_col, expansion_time_col, accounts_account_col,
    )  # fmt: skip
    if model is not None:
        if not isinstance(model, ExpansionModel):
            raise TypeError(
                f"model must be an ExpansionModel, got {type(model).__name__}.\n"
                "Hint: model = am.expansion.fit_expansion_model(events, triggers, "
                "expansions=expansions)."
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
