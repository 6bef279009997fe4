"""Release impact: adopters of a feature against matched non-adopters."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of, validate_events
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.impact._estimate import SELF_SELECTION, ImpactResult, campaign_impact
from adoptmetrics.impact._inputs import NS_PER_DAY, day_of


def release_impact(
    events: EventsLike,
    feature: str,
    /,
    *,
    launched_at: object,
    outcome: str = "active_days",
    horizon_days: int = 28,
    pre_days: int = 28,
    accounts: pd.DataFrame | None = None,
    match_on: Sequence[str] | None = None,
    as_of: object = None,
    seed: int = 0,
    n_controls: int = 1,
    confidence: float = 0.95,
    account_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> ImpactResult:
    """Did the release change behaviour? Adopters against matched non-adopters.

    An account's exposure is its first use of ``feature`` on or after
    ``launched_at`` (its day); everything else is :func:`campaign_impact`
    with that exposures table: controls are accounts that had not used the
    feature by ``t + horizon_days``, matched at ``t`` on pre-period activity,
    tenure and ``match_on``. Adoption is self-selected, so the result carries
    that caveat (``.caveat``): accounts that chose the feature may differ in
    ways past activity does not show.

    Parameters
    ----------
    events : DataFrame
        The event log.
    feature : str
        The event name of the released feature.
    launched_at : timestamp
        When the feature became available.
    outcome, horizon_days, pre_days, accounts, match_on, as_of, seed, n_controls, confidence
        As in :func:`campaign_impact` (``outcome`` defaults to
        ``"active_days"``, a difference in differences of active days).
    account_col, time_col, event_col, start_col, churn_col : str
        Column names of the events and accounts tables.

    Returns
    -------
    ImpactResult
        As :func:`campaign_impact`, with one row (``campaign`` = the feature)
        and ``caveat`` set. The summary's columns:

        - ``campaign``: the feature.
        - ``n_exposed``: adopters with a closed outcome window.
        - ``n_matched``: of those, matched to non-adopters.
        - ``n_controls``: distinct control accounts used.
        - ``outcome_exposed``: mean outcome of the matched adopters.
        - ``outcome_control``: mean outcome of their matched controls.
        - ``effect``: the difference (adopters − controls).
        - ``ci_lower``, ``ci_upper``: its interval.
        - ``p_value``: two-sided test of no effect.
        - ``naive_effect``: adopters − every eligible non-adopter.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.load_demo()
    >>> launch = data.truth["engagement"]["launched_at"]
    >>> feature = data.truth["engagement"]["launched_feature"]
    >>> res = am.release_impact(data.events, feature, launched_at=launch)
    >>> res.caveat is not None
    True
    """
    if not isinstance(feature, str):
        raise TypeError(f"feature must be an event name (a string), got {type(feature).__name__}.")
    ev = validate_events(events, account_col=account_col, event_col=event_col, time_col=time_col)
    if len(ev) == 0:
        raise ValueError("events has no rows.\nHint: pass the product event log.")
    latest = pd.Timestamp(ev["timestamp"].max())
    end = coerce_as_of(as_of, latest)
    launch = coerce_as_of(launched_at, None, argument="launched_at")
    if launch > end:
        raise ValueError(
            f"launched_at ({launch.date()}) is after as_of ({end.date()}).\n"
            "Hint: pass the launch date of the feature, or a later as_of."
        )
    uses = ev[(ev["event"].astype(str) == feature) & (ev["timestamp"] >= launch)]
    uses = uses[uses["timestamp"] <= end]
    if len(uses) == 0:
        raise ValueError(
            f"no account used {feature!r} between launched_at ({launch.date()}) and as_of.\n"
            "Hint: check the event name and the launch date."
        )
    first = uses.groupby(uses["account_id"].astype(str), observed=True)["timestamp"].min()
    day = day_of(first.to_numpy())
    exposures = pd.DataFrame(
        {
            "account_id": first.index.to_numpy(),
            "campaign": feature,
            "exposed_at": (day * NS_PER_DAY).astype("datetime64[ns]"),
        }
    )
    if accounts is not None and account_col != "account_id":
        accounts = accounts.rename(columns={account_col: "account_id"})
    result = campaign_impact(
        ev,
        exposures,
        outcome=outcome,
        horizon_days=horizon_days,
        pre_days=pre_days,
        accounts=accounts,
        match_on=match_on,
        as_of=end,
        seed=seed,
        n_controls=n_controls,
        confidence=confidence,
        start_col=start_col,
        churn_col=churn_col,
    )
    return attrs.evolve(result, caveat=SELF_SELECTION)
