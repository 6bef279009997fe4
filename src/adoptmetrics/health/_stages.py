"""Post-sale lifecycle stages: :func:`lifecycle_stages` and :func:`stage_transitions`.

The rules read only compact tables: the health measures of
:func:`account_metrics`, the health band of :func:`health_scores` and
milestone counts from :func:`adoptmetrics.activity.event_counts` (the same
"event done at least ``min_count`` times since the start" test as
``onboarding.milestone_status``, computed here from the activity layer because
analytics folders do not import each other).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics.activity import event_counts
from adoptmetrics.activity._encode import _NS_PER_DAY
from adoptmetrics.health._metrics import (
    _Inputs,
    add_account_columns,
    check_days,
    default_as_of,
    metrics_at,
    prepare_inputs,
    resolve_features,
)
from adoptmetrics.health._scores import HasScorecard, check_scorecard, health_scores
from adoptmetrics.models import Milestone, Scorecard

__all__ = ["STAGES", "StageRules", "lifecycle_stages", "stage_transitions"]

#: The stages, in funnel order (``at_risk`` and ``churned`` beside the funnel).
STAGES = ("onboarding", "adopting", "established", "expanding", "at_risk", "churned")
_FROM_STAGES = ("not_started", *STAGES)


def _milestones(value: object) -> tuple[Milestone, ...]:
    if isinstance(value, (str, Milestone)):
        value = [value]
    if not isinstance(value, Iterable):
        raise TypeError(
            f"milestones must be a list of event names or Milestone records, got {value!r}.\n"
            "Hint: milestones=['invite_teammate', 'create_report']."
        )
    out = []
    for m in value:
        if isinstance(m, str):
            out.append(Milestone(m, m))
        elif isinstance(m, Milestone):
            out.append(m)
        else:
            raise TypeError(
                f"milestones holds a {type(m).__name__}.\n"
                "Hint: pass event names or am.Milestone(name, event, min_count)."
            )
    return tuple(out)


def _number(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(
            f"StageRules.{attribute.name}={value!r} must be a number ≥ 0.\n"
            f"Hint: see the defaults in StageRules()."
        )


def _band(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in ("red", "yellow"):
        raise ValueError(
            f"StageRules.at_risk_band={value!r} must be 'red' or 'yellow'.\n"
            "Hint: 'yellow' also puts yellow-band accounts at risk."
        )


@attrs.frozen(slots=True)
class StageRules:
    """The rules of :func:`lifecycle_stages`; override any field.

    The first rule that matches decides the stage:

    1. ``churned``: churned on or before the date.
    2. ``onboarding``: tenure below ``onboarding_days`` and not every
       milestone reached yet (without milestones: tenure below
       ``onboarding_days``). New accounts are not judged on health yet.
    3. ``at_risk``: health band ``red`` (or ``red``/``yellow`` with
       ``at_risk_band="yellow"``).
    4. ``onboarding``: a milestone still not reached after ``onboarding_days``
       (stuck in onboarding).
    5. ``expanding``: ``seat_utilization ≥ expand_utilization`` or
       ``user_growth ≥ expand_user_growth`` (buying signals).
    6. ``established``: ``breadth ≥ established_breadth`` and tenure at least
       ``established_days``.
    7. ``adopting``: everything else (onboarded, not yet broad or not yet old).

    Parameters
    ----------
    onboarding_days : float, default 30
        Length of the onboarding phase.
    milestones : list of str or Milestone, default ()
        Events that make an account onboarded (each ``min_count`` times since
        its start); event names count once.
    at_risk_band : {"red", "yellow"}, default "red"
        The worst band that is not yet at risk is the one above it.
    expand_utilization : float, default 0.9
        Seat utilisation that signals a need for more seats.
    expand_user_growth : float, default 1.25
        Growth of active users (this window ÷ the previous) that signals expansion.
    established_breadth : float, default 0.3
        Share of features used that counts as broad adoption.
    established_days : float, default 90
        Tenure needed to be established.

    Examples
    --------
    >>> StageRules(milestones=["invite_teammate"]).milestones[0].event
    'invite_teammate'
    """

    onboarding_days: float = attrs.field(default=30, validator=_number)
    milestones: tuple[Milestone, ...] = attrs.field(default=(), converter=_milestones)
    at_risk_band: str = attrs.field(default="red", validator=_band)
    expand_utilization: float = attrs.field(default=0.9, validator=_number)
    expand_user_growth: float = attrs.field(default=1.25, validator=_number)
    established_breadth: float = attrs.field(default=0.3, validator=_number)
    established_days: float = attrs.field(default=90, validator=_number)


def _check_rules(rules: object) -> StageRules:
    if rules is None:
        return StageRules()
    if not isinstance(rules, StageRules):
        raise TypeError(
            f"rules must be a StageRules, got {type(rules).__name__}.\n"
            "Hint: rules=am.health.StageRules(onboarding_days=14)."
        )
    return rules


def _missing_milestones(
    inp: _Inputs, t: pd.Timestamp, ids: pd.Index, start: np.ndarray, rules: StageRules
) -> list[tuple[str, ...]]:
    """Per account: the milestones not reached between its start and ``t``."""
    if not rules.milestones:
        return [()] * len(ids)
    upto = inp.between(np.iinfo(np.int64).min, t.value)
    # The events hold account codes (positions in inp.keys), not the ids themselves.
    codes = pd.Index(inp.keys.get_indexer(ids).astype(np.int64))
    starts = pd.Series(start.astype(np.int64).view("datetime64[ns]"), index=codes)
    wanted = sorted({m.event for m in rules.milestones})
    counts = event_counts(upto, start=starts, activity_events=wanted)
    counts = counts.reindex(columns=wanted, fill_value=0).reindex(codes, fill_value=0)
    missing = np.column_stack([counts[m.event].to_numpy() < m.min_count for m in rules.milestones])
    names = [m.name for m in rules.milestones]
    return [tuple(n for n, miss in zip(names, row, strict=True) if miss) for row in missing]


def stages_at(
    inp: _Inputs,
    t: pd.Timestamp,
    *,
    rules: StageRules,
    card: Scorecard,
    window_days: float,
    features: dict[str, list[str]],
) -> pd.DataFrame:
    """``account_id``, ``stage``, ``reasons`` for every account started on or before ``t``.

    Also ``rule`` (−1 where ``exact_since`` is the exact entry date: churned,
    or new and onboarding) and ``exact_since``.
    """
    acc = inp.accounts
    if acc is None:
        raise TypeError("stages need the accounts table.\nHint: pass accounts.")
    started = (acc["started_at"] <= t).to_numpy()
    churned = started & (acc["churned_at"] <= t).to_numpy()
    gone = acc.loc[churned]
    gone_out = pd.DataFrame(
        {
            "account_id": gone["account_id"].astype(object).to_numpy(),
            "stage": "churned",
            "reasons": [(f"churned on {d:%Y-%m-%d}",) for d in gone["churned_at"]],
            "rule": -1,
            "exact_since": gone["churned_at"].to_numpy(),
        }
    )
    m = metrics_at(inp, t, window_days=window_days, features=features, warn=False)
    m = add_account_columns(m, inp, card.columns)
    ids = pd.Index(m["account_id"])
    scores = health_scores(m, scorecard=card)
    tenure = m["tenure_days"].to_numpy()
    start = t.value - tenure * _NS_PER_DAY
    missing = _missing_milestones(inp, t, ids, start, rules)
    not_onboarded = np.array([bool(x) for x in missing], dtype=bool)
    new = tenure < rules.onboarding_days
    risky_bands = ["red"] if rules.at_risk_band == "red" else ["red", "yellow"]
    risky = scores["band"].isin(risky_bands).to_numpy()
    util = m["seat_utilization"].to_numpy()
    growth = m["user_growth"].to_numpy()
    breadth = m["breadth"].to_numpy()
    with np.errstate(invalid="ignore"):
        expand_u = util >= rules.expand_utilization
        expand_g = growth >= rules.expand_user_growth
    broad = breadth >= rules.established_breadth
    old = tenure >= rules.established_days
    conditions = [
        new & (not_onboarded if rules.milestones else True),
        risky,
        not_onboarded,
        expand_u | expand_g,
        broad & old,
    ]
    choices = ["onboarding", "at_risk", "onboarding", "expanding", "established"]
    stage = np.select(conditions, choices, default="adopting")
    rule = np.select(conditions, np.arange(len(conditions)), default=len(conditions))
    reasons: list[tuple[str, ...]] = []
    health_reasons = scores["reasons"].tolist()
    score = scores["score"].to_numpy()
    for i in range(len(m)):  # short text per account from the compact table
        r = int(rule[i])
        miss = missing[i]
        why: tuple[str, ...]
        if r == 0:
            why = (f"tenure {tenure[i]:.0f} d < {rules.onboarding_days:g} d",)
            why += (f"milestones not reached: {', '.join(miss)}",) if miss else ()
        elif r == 1:
            why = (f"health score {score[i]:.0f} ({scores['band'].iat[i]})", *health_reasons[i])
        elif r == 2:
            why = (f"milestones not reached: {', '.join(miss)}",)
        elif r == 3:
            why = ()
            if expand_u[i]:
                why += (f"seat_utilization {util[i]:.2f} ≥ {rules.expand_utilization:g}",)
            if expand_g[i]:
                why += (f"user_growth {growth[i]:.2f} ≥ {rules.expand_user_growth:g}",)
        elif r == 4:
            why = (
                f"breadth {breadth[i]:.2f} ≥ {rules.established_breadth:g}",
                f"tenure {tenure[i]:.0f} d ≥ {rules.established_days:g} d",
            )
        else:
            why = ()
            if not broad[i]:
                why += (f"breadth {breadth[i]:.2f} < {rules.established_breadth:g}",)
            if not old[i]:
                why += (f"tenure {tenure[i]:.0f} d < {rules.established_days:g} d",)
        reasons.append(why)
    alive_out = pd.DataFrame(
        {
            "account_id": ids.to_numpy(),
            "stage": stage,
            "reasons": reasons,
            # rule 0 (new, onboarding) started at the account's start: exact.
            "rule": np.where(rule == 0, -1, rule),
            "exact_since": start.astype(np.int64).view("datetime64[ns]"),
        }
    )
    out = pd.concat([alive_out, gone_out], ignore_index=True)
    order = np.argsort(out["account_id"].astype(str).to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _prepare(events: object, accounts: object, nps: object, cols: Mapping[str, Any]) -> _Inputs:
    if accounts is None:
        raise TypeError(
            "lifecycle stages need the accounts table (start and churn dates).\n"
            "Hint: lifecycle_stages(events, accounts, ...)."
        )
    return prepare_inputs(events, accounts, nps, **cols)


def lifecycle_stages(
    events: pd.DataFrame,
    accounts: pd.DataFrame,
    /,
    *,
    as_of: object = None,
    nps: pd.DataFrame | None = None,
    rules: StageRules | None = None,
    scorecard: Scorecard | HasScorecard | None = None,
    window_days: float = 30,
    features: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    history_months: int = 12,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
    seats_col: str | None = "seats",
    score_col: str = "score",
    nps_time_col: str = "timestamp",
) -> pd.DataFrame:
    """Each account's post-sale stage, since when, and why.

    The stages (see :class:`StageRules` for the rules, in order) are
    ``onboarding``, ``adopting``, ``established``, ``expanding`` (the
    funnel), ``at_risk`` (health band red) and ``churned``. Every account
    that started on or before ``as_of`` gets exactly one stage.

    ``since`` is exact for ``churned`` (the churn date) and for a new account
    still onboarding (its start). Otherwise the stage is also evaluated on
    the first day of each of the ``history_months`` months before ``as_of``,
    and ``since`` is the first of those dates from which the account has
    been in its current stage without a break (a monthly resolution; when
    the run reaches back to the earliest date checked, read it as "at least
    since").

    Parameters
    ----------
    events, accounts : DataFrame
        The event log and the accounts table.
    as_of : timestamp, optional
        The date of the stages; default the latest timestamp in the data.
    nps : DataFrame, optional
        NPS responses (used by the health score).
    rules : StageRules, optional
        Override the thresholds and milestones.
    scorecard : Scorecard or HealthModel, optional
        The health scorecard behind ``at_risk``; default the default scorecard.
    window_days : float, default 30
        Window of the measures.
    features : list of str or mapping, optional
        Features for ``breadth``.
    history_months : int, default 12
        How many monthly dates back ``since`` looks.
    account_col, user_col, time_col, event_col : str
        Column names of the events.
    start_col, churn_col, seats_col, score_col, nps_time_col : str
        Column names of the accounts and NPS tables.

    Returns
    -------
    DataFrame
        One row per account started on or before ``as_of``, sorted by id:

        - ``account_id``: the account.
        - ``stage``: one of ``onboarding``, ``adopting``, ``established``,
          ``expanding``, ``at_risk``, ``churned``.
        - ``since``: when the account entered the stage (see above).
        - ``reasons``: tuple of short strings: the rule that matched and its values.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a"] * 3 + ["b"], "user_id": "u",
    ...     "event": ["login", "invite", "login", "login"],
    ...     "timestamp": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-20", "2024-03-05"])})
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"],
    ...     "started_at": pd.to_datetime(["2024-03-01", "2023-01-01", "2023-01-01"]),
    ...     "churned_at": pd.to_datetime([None, None, "2024-02-01"])})
    >>> st = lifecycle_stages(ev, acc, as_of="2024-03-21")
    >>> st[["account_id", "stage"]]
      account_id       stage
    0          a  onboarding
    1          b     at_risk
    2          c     churned
    """
    cols = _cols(locals())
    rules_ = _check_rules(rules)
    card = check_scorecard(scorecard)
    window = check_days(window_days, "window_days", "window_days=30")
    if isinstance(history_months, bool) or not isinstance(history_months, (int, np.integer)):
        raise TypeError(f"history_months={history_months!r} must be a whole number.")
    if history_months < 0:
        raise ValueError(f"history_months={history_months!r} must be ≥ 0.\nHint: 12.")
    inp = _prepare(events, accounts, nps, cols)
    t = coerce_as_of(as_of, default_as_of(inp))
    feats = resolve_features(inp, t, features)
    now = stages_at(inp, t, rules=rules_, card=card, window_days=window, features=feats)
    stage_now = now["stage"].to_numpy()
    since = np.full(len(now), t.to_datetime64())
    # Exact dates: the churn date, and the start of a new account still onboarding.
    exact = now["rule"].to_numpy() < 0
    since[exact] = now["exact_since"].to_numpy()[exact]
    run = ~exact  # still in the current stage, going back one check date at a time
    month_starts = pd.date_range(end=t.normalize(), periods=history_months + 1, freq="MS")
    starts = [d for d in month_starts if d < t]
    grid = starts[len(starts) - history_months :] if history_months else []
    for d in reversed(grid):
        if not run.any():
            break
        past = stages_at(inp, d, rules=rules_, card=card, window_days=window, features=feats)
        s = past.set_index("account_id")["stage"].reindex(now["account_id"]).to_numpy()
        run &= s == stage_now
        since[run] = d.to_datetime64()
    return pd.DataFrame(
        {
            "account_id": now["account_id"].to_numpy(),
            "stage": now["stage"].to_numpy(),
            "since": since.astype("datetime64[ns]"),
            "reasons": now["reasons"].to_numpy(),
        }
    )


def _cols(scope: Mapping[str, Any]) -> dict[str, Any]:
    names = (
        "account_col",
        "user_col",
        "time_col",
        "event_col",
        "start_col",
        "churn_col",
        "seats_col",
        "score_col",
        "nps_time_col",
    )
    return {n: scope[n] for n in names}


def stage_transitions(
    events: pd.DataFrame,
    accounts: pd.DataFrame,
    /,
    *,
    start: object,
    end: object,
    nps: pd.DataFrame | None = None,
    rules: StageRules | None = None,
    scorecard: Scorecard | HasScorecard | None = None,
    window_days: float = 30,
    features: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    account_col: str = "account_id",
    user_col: str | None = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
    seats_col: str | None = "seats",
    score_col: str = "score",
    nps_time_col: str = "timestamp",
) -> pd.DataFrame:
    """The flow of accounts between lifecycle stages from ``start`` to ``end``.

    Each account's stage is taken at both dates with the rules of
    :func:`lifecycle_stages` (each from data up to that date only).
    Accounts that started after ``start`` come from ``not_started``;
    accounts already churned at ``start`` are left out.

    Parameters
    ----------
    events, accounts : DataFrame
        The event log and the accounts table.
    start, end : timestamp
        The two dates, ``start < end`` (a warning when ``end`` is more than a
        day after the data: accounts would look idle there).
    nps : DataFrame, optional
        NPS responses.
    rules : StageRules, optional
        Stage rules.
    scorecard : Scorecard or HealthModel, optional
        Health scorecard behind ``at_risk``.
    window_days : float, default 30
        Window of the measures.
    features : list of str or mapping, optional
        Features for ``breadth``.
    account_col, user_col, time_col, event_col : str
        Column names of the events.
    start_col, churn_col, seats_col, score_col, nps_time_col : str
        Column names of the accounts and NPS tables.

    Returns
    -------
    DataFrame
        One row per (from, to) pair with at least one account, in stage order:

        - ``from_stage``: stage at ``start`` (``not_started`` for accounts
          that started later).
        - ``to_stage``: stage at ``end``.
        - ``n_accounts``: accounts that made this move.
        - ``share``: ``n_accounts`` ÷ accounts in ``from_stage``.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> demo = am.load_demo()
    >>> flow = stage_transitions(demo.events, demo.accounts, start="2025-03-01",
    ...                          end="2025-06-01")
    >>> bool(flow.groupby("from_stage", observed=True)["share"].sum().round(6).eq(1).all())
    True
    """
    cols = _cols(locals())
    rules_ = _check_rules(rules)
    card = check_scorecard(scorecard)
    window = check_days(window_days, "window_days", "window_days=30")
    inp = _prepare(events, accounts, nps, cols)
    t0 = coerce_as_of(start, None, argument="start")
    t1 = coerce_as_of(end, None, argument="end")
    if not t0 < t1:
        raise ValueError(
            f"start={t0:%Y-%m-%d} must be before end={t1:%Y-%m-%d}.\n"
            "Hint: e.g. start='2025-01-01', end='2025-04-01'."
        )
    data_end = default_as_of(inp)
    if data_end is None or t1 > data_end + pd.Timedelta(days=1):
        warnings.warn(
            f"end={t1:%Y-%m-%d} is after the last data ({data_end}); activity after it is "
            "unknown, so accounts look idle there and drift to at_risk.",
            UserWarning,
            stacklevel=2,
        )
    feats = resolve_features(inp, t1, features)
    a = stages_at(inp, t0, rules=rules_, card=card, window_days=window, features=feats)
    b = stages_at(inp, t1, rules=rules_, card=card, window_days=window, features=feats)
    alive_at_start = a.loc[a["stage"] != "churned", ["account_id", "stage"]]
    pairs = b[["account_id", "stage"]].merge(
        alive_at_start, on="account_id", how="left", suffixes=("_to", "_from")
    )
    # Not in the start table: started later (not_started) or churned already (left out).
    gone = (
        pairs["stage_from"].isna().to_numpy() & pairs["account_id"].isin(a["account_id"]).to_numpy()
    )
    pairs = pairs.loc[~gone]
    pairs["stage_from"] = pairs["stage_from"].fillna("not_started")
    counts = pairs.groupby(["stage_from", "stage_to"]).size().rename("n_accounts").reset_index()
    counts["from_stage"] = pd.Categorical(counts["stage_from"], categories=list(_FROM_STAGES))
    counts["to_stage"] = pd.Categorical(counts["stage_to"], categories=list(STAGES))
    counts = counts.sort_values(["from_stage", "to_stage"]).reset_index(drop=True)
    total = counts.groupby("from_stage", observed=True)["n_accounts"].transform("sum")
    counts["share"] = counts["n_accounts"] / total
    counts["n_accounts"] = counts["n_accounts"].astype(np.int64)
    return counts[["from_stage", "to_stage", "n_accounts", "share"]]
