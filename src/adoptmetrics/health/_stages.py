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
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics.activity._encode import _NS_PER_DAY, EventsLike
from adoptmetrics.health._metrics import (
    IntArray,
    _Inputs,
    add_account_columns,
    check_days,
    default_as_of,
    last_seen_at,
    metrics_and_codes,
    prepare_inputs,
    resolve_features,
    start_ns,
)
from adoptmetrics.health._scores import (
    BANDS,
    HasScorecard,
    check_scorecard,
    health_scores,
    score_arrays,
    tuples_by_pattern,
)
from adoptmetrics.models import Milestone, Scorecard

__all__ = ["STAGES", "StageRules", "lifecycle_stages", "stage_transitions"]

#: The stages, in funnel order (``at_risk`` and ``churned`` beside the funnel).
STAGES = ("onboarding", "adopting", "established", "expanding", "at_risk", "churned")
_FROM_STAGES = ("not_started", *STAGES)
ObjArray = npt.NDArray[np.object_]


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
    inp: _Inputs, t: pd.Timestamp, codes: IntArray, start: IntArray, rules: StageRules
) -> npt.NDArray[np.bool_]:
    """Per account (rows of ``codes``) × milestone: not reached between its start and ``t``."""
    n = len(codes)
    if not rules.milestones:
        return np.zeros((n, 0), dtype=bool)
    log = inp.log
    wanted = sorted({m.event for m in rules.milestones})
    in_log = codes < log.n_accounts
    start_by_code = np.zeros(log.n_accounts, dtype=np.int64)
    start_by_code[codes[in_log]] = start[in_log]
    counts = np.zeros((n, len(wanted)), dtype=np.int64)
    counts[in_log] = log.event_counts_since(wanted, start_by_code, t.value)[codes[in_log]]
    return np.column_stack(
        [counts[:, wanted.index(m.event)] < m.min_count for m in rules.milestones]
    )


def _texts(fmt: str, values: npt.NDArray[np.float64], rows: IntArray, n: int) -> ObjArray:
    """``fmt.format(value)`` at ``rows`` (None elsewhere): strings only where they are shown."""
    out = np.empty(n, dtype=object)
    out[rows] = [fmt.format(v) for v in values[rows].tolist()]
    return out


def _stage_reasons(
    rule: IntArray,
    missing: npt.NDArray[np.bool_],
    names: list[str],
    values: dict[str, npt.NDArray[np.float64]],
    flags: dict[str, npt.NDArray[np.bool_]],
    health: tuple[npt.NDArray[np.float64], ObjArray, ObjArray],
    rules: StageRules,
) -> list[tuple[str, ...]]:
    """The reasons of each account's stage, built per rule over string arrays."""
    n = len(rule)
    tenure, util, growth, breadth = (values[k] for k in ("tenure", "util", "growth", "breadth"))
    # Text of each missing-milestone pattern, once per pattern.
    code = missing.astype(np.int64) @ (1 << np.arange(missing.shape[1], dtype=np.int64))
    kinds, which = np.unique(code, return_inverse=True)
    table = np.empty(len(kinds), dtype=object)
    for k, c in enumerate(kinds.tolist()):  # a loop over patterns, not accounts
        table[k] = "milestones not reached: " + ", ".join(
            nm for j, nm in enumerate(names) if c >> j & 1
        )
    miss_text = table[np.asarray(which).reshape(-1)] if n else np.empty(0, dtype=object)
    has_miss = code > 0
    at = {r: rule == r for r in range(6)}
    include = [
        at[0],
        (at[0] | at[2]) & has_miss,
        at[3] & flags["expand_u"],
        at[3] & flags["expand_g"],
        at[4],
        at[4],
        at[5] & ~flags["broad"],
        at[5] & ~flags["old"],
    ]
    columns = [
        _texts(
            f"tenure {{:.0f}} d < {rules.onboarding_days:g} d", tenure, np.flatnonzero(at[0]), n
        ),
        np.where(has_miss, miss_text, np.array(None, dtype=object)),
        _texts(
            f"seat_utilization {{:.2f}} ≥ {rules.expand_utilization:g}",
            util,
            np.flatnonzero(include[2]),
            n,
        ),
        _texts(
            f"user_growth {{:.2f}} ≥ {rules.expand_user_growth:g}",
            growth,
            np.flatnonzero(include[3]),
            n,
        ),
        _texts(
            f"breadth {{:.2f}} ≥ {rules.established_breadth:g}", breadth, np.flatnonzero(at[4]), n
        ),
        _texts(
            f"tenure {{:.0f}} d ≥ {rules.established_days:g} d", tenure, np.flatnonzero(at[4]), n
        ),
        _texts(
            f"breadth {{:.2f}} < {rules.established_breadth:g}",
            breadth,
            np.flatnonzero(include[6]),
            n,
        ),
        _texts(
            f"tenure {{:.0f}} d < {rules.established_days:g} d",
            tenure,
            np.flatnonzero(include[7]),
            n,
        ),
    ]
    # Slots in column order (the order of the texts in each rule), empty slots last.
    slot = np.sort(np.where(np.column_stack(include), np.arange(len(include)), 99), axis=1)[:, :2]
    out = tuples_by_pattern(np.where(slot == 99, -1, slot), columns, n)
    score, band, reasons = health
    for i in np.flatnonzero(at[1]).tolist():  # at-risk accounts: the score and its reasons
        out[i] = (f"health score {score[i]:.0f} ({band[i]})", *reasons[i])
    return out


def stages_at(
    inp: _Inputs,
    t: pd.Timestamp,
    *,
    rules: StageRules,
    card: Scorecard,
    window_days: float,
    features: dict[str, list[str]],
    reasons: bool = True,
    last_seen: npt.NDArray[np.float64] | None = None,
) -> pd.DataFrame:
    """``account_id``, ``stage``, ``reasons`` for every account started on or before ``t``.

    Also ``rule`` (−1 where ``exact_since`` is the exact entry date: churned,
    or new and onboarding), ``exact_since`` and ``code`` (the account code).
    ``reasons=False`` leaves the reasons empty (a history only needs stages).
    """
    acc = inp.accounts
    if acc is None:
        raise TypeError("stages need the accounts table.\nHint: pass accounts.")
    churned = (inp.acc_start <= t.value) & (inp.acc_churn <= t.value)
    gone_code = inp.acc_code[churned]
    gone_at = acc["churned_at"].to_numpy()[churned]
    gone_reasons: ObjArray = np.empty(len(gone_code), dtype=object)
    gone_reasons[:] = [()] * len(gone_code)
    if reasons and len(gone_code):
        text = np.asarray("churned on " + pd.Series(gone_at).dt.strftime("%Y-%m-%d"), dtype=object)
        gone_reasons = np.fromiter(zip(text, strict=True), dtype=object, count=len(text))
    m, codes = metrics_and_codes(
        inp,
        t,
        window_days=window_days,
        features=features,
        last_seen=last_seen,
        warn=False,
        with_ids=reasons,
    )
    m = add_account_columns(m, inp, card.columns, codes)
    score, _, _ = score_arrays(m, card, account_col=None)
    band = np.asarray(BANDS, dtype=object)[np.digitize(score, card.bands)]  # NaN: not shown
    tenure = m["tenure_days"].to_numpy()
    start = start_ns(inp, codes)
    missing = _missing_milestones(inp, t, codes, start, rules)
    not_onboarded = missing.any(axis=1)
    new = tenure < rules.onboarding_days
    with np.errstate(invalid="ignore"):  # no score (NaN): not at risk
        risky = score < card.bands[0 if rules.at_risk_band == "red" else 1]
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
    rule = np.select(conditions, np.arange(len(conditions)), default=len(conditions))
    # Stage of each rule (positions in STAGES); the last rule is "adopting".
    stage = np.array([0, 4, 0, 3, 2, 1], dtype=np.int64)[rule]
    why: list[tuple[str, ...]] = [()] * len(m)
    if reasons:  # the health reasons are shown for at-risk accounts only
        health: ObjArray = np.empty(len(m), dtype=object)
        health[:] = [()] * len(m)
        risky_rows = np.flatnonzero(rule == 1)
        if len(risky_rows):
            health[risky_rows] = health_scores(m.iloc[risky_rows], scorecard=card)[
                "reasons"
            ].to_numpy(dtype=object)
        why = _stage_reasons(
            rule,
            missing,
            [mm.name for mm in rules.milestones],
            {"tenure": tenure, "util": util, "growth": growth, "breadth": breadth},
            {"expand_u": expand_u, "expand_g": expand_g, "broad": broad, "old": old},
            (score, band, health),
            rules,
        )
    code = np.concatenate([codes, gone_code])
    order = np.argsort(inp.rank[code], kind="stable")  # by id
    why_all: ObjArray = np.empty(len(code), dtype=object)
    why_all[: len(codes)] = why
    why_all[len(codes) :] = gone_reasons
    ids = {"account_id": np.asarray(inp.keys[code[order]], dtype=object)} if reasons else {}
    churned_stage = np.full(len(gone_code), STAGES.index("churned"))
    stage_code = np.concatenate([stage, churned_stage])[order]
    # Names for the table shown; a categorical for a history (only compared).
    stage_column: Any = np.asarray(STAGES, dtype=object)[stage_code]
    if not reasons:
        stage_column = pd.Categorical.from_codes(
            stage_code.astype(np.int64), categories=pd.Index(list(STAGES))
        )
    return pd.DataFrame(
        {
            **ids,
            "stage": stage_column,
            **({"reasons": why_all[order]} if reasons else {}),
            # rule 0 (new, onboarding) started at the account's start: exact.
            "rule": np.concatenate([np.where(rule == 0, -1, rule), np.full(len(gone_code), -1)])[
                order
            ],
            "exact_since": np.concatenate([start.view("datetime64[ns]"), gone_at])[order],
            "code": code[order],
        }
    )


def _prepare(events: object, accounts: object, nps: object, cols: Mapping[str, Any]) -> _Inputs:
    if accounts is None:
        raise TypeError(
            "lifecycle stages need the accounts table (start and churn dates).\n"
            "Hint: lifecycle_stages(events, accounts, ...)."
        )
    return prepare_inputs(events, accounts, nps, **cols)


def lifecycle_stages(
    events: EventsLike,
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
    events : DataFrame, EventLog or any frame narwhals supports
        The event log; an ``am.EventLog`` shared between calls is encoded once.
    accounts : DataFrame
        The accounts table.
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
    month_starts = pd.date_range(end=t.normalize(), periods=history_months + 1, freq="MS")
    starts = [d for d in month_starts if d < t]
    grid = starts[len(starts) - history_months :] if history_months else []
    dates = [t, *grid]
    if inp.has_users:  # hash the user ids of every date's windows once
        w = round(window * _NS_PER_DAY)
        inp.log.encode_users(min(dates).value - 2 * w, t.value)
    inp.log.index_by_day()  # many windows: slices of a log in day order
    last = dict(zip(dates, last_seen_at(inp, dates), strict=True))
    kw = {"rules": rules_, "card": card, "window_days": window, "features": feats}
    now = stages_at(inp, t, last_seen=last[t], **kw)  # type: ignore[arg-type]
    stage_now = now["stage"].to_numpy()
    since = np.full(len(now), t.to_datetime64())
    # Exact dates: the churn date, and the start of a new account still onboarding.
    exact = now["rule"].to_numpy() < 0
    since[exact] = now["exact_since"].to_numpy()[exact]
    run = ~exact  # still in the current stage, going back one check date at a time
    row_of = np.full(len(inp.keys), -1, dtype=np.int64)  # account code → row of now
    row_of[now["code"].to_numpy()] = np.arange(len(now))
    for d in reversed(grid):
        if not run.any():
            break
        past = stages_at(inp, d, reasons=False, last_seen=last[d], **kw)  # type: ignore[arg-type]
        s = np.full(len(now), None, dtype=object)
        hit = row_of[past["code"].to_numpy()]
        s[hit[hit >= 0]] = past["stage"].to_numpy()[hit >= 0]
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
    events: EventsLike,
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
    events : DataFrame, EventLog or any frame narwhals supports
        The event log; an ``am.EventLog`` shared between calls is encoded once.
    accounts : DataFrame
        The accounts table.
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
    if inp.has_users:  # hash the user ids of both dates' windows once
        w = round(window * _NS_PER_DAY)
        inp.log.encode_users(t0.value - 2 * w, t1.value)
    last = last_seen_at(inp, [t0, t1])
    kw = {"rules": rules_, "card": card, "window_days": window, "features": feats}
    a = stages_at(inp, t0, reasons=False, last_seen=last[0], **kw)  # type: ignore[arg-type]
    b = stages_at(inp, t1, reasons=False, last_seen=last[1], **kw)  # type: ignore[arg-type]
    # Matched by account code (no hashing of ids): the stage at start of each account at end.
    at_start = np.full(len(inp.keys), None, dtype=object)
    at_start[a["code"].to_numpy()] = a["stage"].to_numpy()
    from_stage = at_start[b["code"].to_numpy()]
    # Churned already at start: left out; not in the start table: started later.
    kept = from_stage != "churned"
    pairs = pd.DataFrame({"stage_from": from_stage[kept], "stage_to": b["stage"].to_numpy()[kept]})
    pairs["stage_from"] = pairs["stage_from"].fillna("not_started")
    counts = pairs.groupby(["stage_from", "stage_to"]).size().rename("n_accounts").reset_index()
    counts["from_stage"] = pd.Categorical(counts["stage_from"], categories=list(_FROM_STAGES))
    counts["to_stage"] = pd.Categorical(counts["stage_to"], categories=list(STAGES))
    counts = counts.sort_values(["from_stage", "to_stage"]).reset_index(drop=True)
    total = counts.groupby("from_stage", observed=True)["n_accounts"].transform("sum")
    counts["share"] = counts["n_accounts"] / total
    counts["n_accounts"] = counts["n_accounts"].astype(np.int64)
    return counts[["from_stage", "to_stage", "n_accounts", "share"]]
