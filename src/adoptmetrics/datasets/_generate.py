"""Synthetic B2B SaaS data with documented planted effects, and the bundled demo.

:func:`simulate_saas` draws a seeded, fully vectorised simulation of a SaaS
product: accounts (plan, industry, region, seats), onboarding events, weekly
usage, churn, quarterly NPS surveys, expansion triggers, expansions, monthly
revenue, a feature launch and two campaigns' exposures. A handful of effects
are planted on purpose and recorded in ``SaaSData.truth`` so that tests and
docs can show each method recovering them (see ``docs/datasets.md``).
:func:`load_demo` returns a fixed 2,000-account simulation bundled with the
package.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.datasets import _planted
from adoptmetrics.datasets._simulation import (
    _EV,
    ACTIVITY_COEF,
    BASE_EXPANSION_HAZARD,
    CONTRACTION_RATE,
    DAY,
    EFFECT_DAYS,
    EVENTS,
    EXPANSION_MULTIPLIERS,
    GRACE_DAYS,
    HAZARD_RATIOS,
    INDUSTRIES,
    NPS_RESPONSE_RATE,
    ONBOARDING_DECOYS,
    PAIR_OR,
    PLAN_P,
    PLANS,
    PRICE_PER_SEAT,
    REGION_P,
    REGIONS,
    RETENTION_MULTIPLIER,
    SEAT_RANGE,
    SINGLE_OR,
    SUCCESS_INTERCEPT,
    TRIGGER_DECOYS,
    TRIGGERS,
    USAGE_EVENTS,
    WEIBULL_SCALE_DAYS,
    WEIBULL_SHAPE,
    WINDOW_DAYS,
    _contractions,
    _Events,
    _expansions,
    _expit,
    _nps,
    _onboarding,
    _usage,
)

__all__ = ["SaaSData", "load_demo", "simulate_saas"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@attrs.frozen(slots=True)
class SaaSData:
    """A simulated (or bundled) SaaS dataset: five canonical tables and the truth.

    Attributes
    ----------
    accounts : pandas.DataFrame
        ``account_id``, ``started_at``, ``churned_at`` (NaT while active),
        ``plan``, ``industry``, ``region``, ``seats``, ``mrr`` (current or
        last MRR), ``onboarding_success``.
    events : pandas.DataFrame
        ``account_id``, ``user_id``, ``event``, ``timestamp`` (ids and event
        names as string categoricals), sorted by time.
    nps : pandas.DataFrame
        ``account_id``, ``user_id``, ``timestamp``, ``score`` (0–10).
    mrr : pandas.DataFrame
        ``account_id``, ``month`` (first of month), ``mrr``.
    expansions : pandas.DataFrame
        ``account_id``, ``timestamp``, ``amount`` (MRR increase).
    exposures : pandas.DataFrame
        ``account_id``, ``campaign``, ``exposed_at``: one row per account
        reached by a campaign.
    as_of : pandas.Timestamp
        End of the observation window.
    truth : Mapping
        The planted effects (``churn_hazard_ratios``, ``churn``,
        ``onboarding``, ``retention``, ``nps``, ``expansion``, ``revenue``,
        ``engagement``, ``health``, ``impact``).
    """

    accounts: pd.DataFrame
    events: pd.DataFrame
    nps: pd.DataFrame
    mrr: pd.DataFrame
    expansions: pd.DataFrame
    exposures: pd.DataFrame
    as_of: pd.Timestamp
    truth: Mapping[str, Any]


# --------------------------------------------------------------------------- options


def _check_int(value: object, name: str, minimum: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.\nHint: {hint}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.\nHint: {hint}")
    return int(value)


def _check_start(start: object) -> pd.Timestamp:
    if not isinstance(start, (str, pd.Timestamp, np.datetime64)) and not hasattr(start, "year"):
        raise TypeError(
            f"start must be a date, got {type(start).__name__}.\n"
            "Hint: pass an ISO date string such as start='2024-01-01'."
        )
    try:
        ts = pd.Timestamp(start)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"start={start!r} is not a date.\nHint: pass an ISO date such as '2024-01-01'."
        ) from exc
    if pd.isna(ts) or ts.tzinfo is not None or ts != ts.normalize():
        raise ValueError(
            f"start={start!r} must be a time-zone-naive date at midnight.\n"
            "Hint: pass a plain date such as '2024-01-01'."
        )
    return ts


# --------------------------------------------------------------------------- helpers


def _ids(prefix: str, numbers: npt.ArrayLike, width: int) -> npt.NDArray[np.str_]:
    digits = np.char.zfill(np.asarray(numbers, dtype=np.int64).astype(str), width)
    return np.char.add(prefix, digits)


# --------------------------------------------------------------------------- simulation


def simulate_saas(
    n_accounts: int = 2000,
    *,
    months: int = 18,
    start: str = "2024-01-01",
    seed: int = 0,
) -> SaaSData:
    """Simulate a B2B SaaS product with documented planted effects.

    Accounts start uniformly over the first ``months - 3`` months; churn
    follows a proportional-hazards model (Weibull baseline, shape 0.9, no
    churn in the first 30 days); onboarding success depends on an ordered
    event pair, a single event and activity; NPS depends on usage, plan and
    industry; expansions follow trigger events. Three later additions, each
    from its own random stream: churn is preceded by health signals (fewer
    active days and users, lower NPS); a feature launches two thirds into
    the window, one early feature raises retention next to a decoy; two
    campaigns reach accounts (``exposures``), one helpful and aimed at
    slipping accounts, one with no effect. Every planted effect is in
    ``truth`` and described in ``docs/datasets.md``. Same seed, same output.

    Parameters
    ----------
    n_accounts : int, default 2000
        Number of accounts (about 150 events each).
    months : int, default 18
        Length of the observation window; ``as_of = start + months``. At
        least 4.
    start : str, default "2024-01-01"
        First day of the window (a date at midnight).
    seed : int, default 0
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    SaaSData
        ``accounts``: ``account_id`` ("A00001"…), ``started_at``,
        ``churned_at`` (NaT while active at ``as_of``), ``plan``
        (basic/pro/enterprise), ``industry``, ``region``, ``seats``, ``mrr``
        (current or last MRR), ``onboarding_success`` (bool),
        ``newsletter_opens`` (int, unrelated to churn: a health decoy).
        ``events``: ``account_id``, ``user_id`` ("A00001-U03"), ``event``,
        ``timestamp`` (sorted by time; ids and names categorical).
        ``nps``: ``account_id``, ``user_id``, ``timestamp``, ``score``.
        ``mrr``: ``account_id``, ``month``, ``mrr`` (one row per month from
        the start month to the churn or ``as_of`` month).
        ``expansions``: ``account_id``, ``timestamp``, ``amount``.
        ``exposures``: ``account_id``, ``campaign``, ``exposed_at`` (one row
        per account reached by a campaign).
        ``as_of`` and ``truth`` (the planted effects).

    Raises
    ------
    TypeError
        If an option has the wrong type.
    ValueError
        If ``n_accounts < 1``, ``months < 4``, ``seed < 0`` or ``start`` is
        not a date.

    Examples
    --------
    >>> from adoptmetrics.datasets import simulate_saas
    >>> data = simulate_saas(200, seed=1)
    >>> data.accounts.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['account_id', 'started_at', 'churned_at', 'plan', 'industry', 'region',
     'seats', 'mrr', 'onboarding_success', 'newsletter_opens']
    >>> data.events.columns.tolist()
    ['account_id', 'user_id', 'event', 'timestamp']
    >>> str(data.as_of.date())
    '2025-07-01'
    >>> data.truth["churn_hazard_ratios"]["plan=enterprise"]
    0.35
    >>> data.exposures.columns.tolist()
    ['account_id', 'campaign', 'exposed_at']
    >>> data.truth["engagement"]["retention_feature"]
    'schedule_report'
    """
    n = _check_int(n_accounts, "n_accounts", 1, "pass a positive number such as 2000.")
    months = _check_int(months, "months", 4, "use months >= 4 (accounts start in months - 3).")
    seed = _check_int(seed, "seed", 0, "pass a non-negative integer seed.")
    t0 = _check_start(start)
    raw, truth = _simulate_raw(n, months, t0, seed)
    return _frames(raw, t0, months, truth)


def _simulate_raw(
    n: int, months: int, t0: pd.Timestamp, seed: int
) -> tuple[dict[str, IntArray], Mapping[str, Any]]:
    """The simulation on integer arrays (seconds since ``t0``, codes, cents)."""
    rng = np.random.default_rng(seed)
    as_of = t0 + pd.DateOffset(months=months)
    end = int((as_of - t0).total_seconds())
    start_span = int((t0 + pd.DateOffset(months=months - 3) - t0).total_seconds()) // DAY
    improved_from = t0 + pd.DateOffset(months=months // 2)
    improved = int((improved_from - t0).total_seconds())

    # ---------------------------------------------------------------- accounts
    start_day = rng.integers(0, start_span, size=n)
    started = start_day * DAY + rng.integers(8 * 3600, 12 * 3600, size=n)
    plan = rng.choice(3, size=n, p=PLAN_P)
    industry = rng.integers(0, len(INDUSTRIES), size=n)
    region = rng.choice(3, size=n, p=REGION_P)
    lo = np.asarray([r[0] for r in SEAT_RANGE])[plan]
    hi = np.asarray([r[1] for r in SEAT_RANGE])[plan]
    seats = rng.integers(lo, hi + 1)
    activity = rng.lognormal(0.0, 0.6, size=n)
    fill = rng.beta(2.0, 2.5, size=n)
    n_users = np.clip(np.rint(seats * fill), 1, seats).astype(np.int64)
    ev = _Events()

    # ---------------------------------------------------------------- onboarding
    success = _onboarding(rng, ev, started, activity, n_users)

    # ---------------------------------------------------------------- churn
    hr = np.ones(n)
    hr[plan == 1] *= HAZARD_RATIOS["plan=pro"]
    hr[plan == 2] *= HAZARD_RATIOS["plan=enterprise"]
    hr[industry == INDUSTRIES.index("education")] *= HAZARD_RATIOS["industry=education"]
    hr[success] *= HAZARD_RATIOS["onboarding_success"]
    # S(t) = exp(-hr·(t/scale)^shape)  ⇒  t = scale·(E/hr)^(1/shape), E ~ Exp(1)
    w = WEIBULL_SCALE_DAYS * (rng.exponential(size=n) / hr) ** (1.0 / WEIBULL_SHAPE)
    churn_t = started + GRACE_DAYS * DAY + np.rint(w * DAY).astype(np.int64)
    churned = churn_t <= end
    stop = np.where(churned, churn_t, end)  # exclusive end of activity

    # ---------------------------------------------------------------- usage
    engagement = _expit(0.2 + 0.9 * np.log(activity) + rng.normal(0.0, 0.5, size=n))
    engagement = np.where(started >= improved, engagement * RETENTION_MULTIPLIER, engagement)
    engagement = np.minimum(engagement, 0.95)
    per_week = 3.0 * np.sqrt(activity) * (1.0 + 0.25 * np.log(n_users))
    _usage(rng, ev, started, stop, churned, engagement, per_week, n_users, end)

    # ---------------------------------------------------------------- triggers
    ratio = n_users / seats
    rates = np.stack(
        [
            np.minimum(0.008 * (ratio / 0.45) ** 2, 0.03),
            np.full(n, 0.008) * np.asarray([1.5, 1.0, 0.5])[plan],
            np.full(n, 0.0095),
            np.full(n, 0.0095),
        ]
    )
    live = np.maximum(stop - started - WINDOW_DAYS * DAY, 0)
    for k, name in enumerate((*TRIGGERS, *TRIGGER_DECOYS)):
        count = rng.poisson(rates[k] * live / DAY)
        acc = np.repeat(np.arange(n), count)
        t = started[acc] + WINDOW_DAYS * DAY + (rng.random(acc.size) * live[acc]).astype(np.int64)
        ev.add(acc, rng.integers(0, n_users[acc]), np.full(acc.size, _EV[name]), t)

    acc_e, user_e, event_e, t_e = ev.arrays()
    keep = (t_e >= started[acc_e]) & (t_e < stop[acc_e])
    acc_e, user_e, event_e, t_e = acc_e[keep], user_e[keep], event_e[keep], t_e[keep]
    rest = (acc_e * len(EVENTS) + event_e) * (int(n_users.max()) + 1) + user_e
    order = np.lexsort((rest, t_e))  # (time, account, event, user) order
    acc_e, user_e, event_e, t_e = acc_e[order], user_e[order], event_e[order], t_e[order]

    # ---------------------------------------------------------------- expansions and revenue
    exp_acc, exp_t = _expansions(rng, acc_e, event_e, t_e, started, stop, n, end)
    base_mrr = seats * np.asarray(PRICE_PER_SEAT)[plan] * rng.uniform(0.85, 1.0, size=n)
    base_cents = np.rint(base_mrr * 100).astype(np.int64)
    raises = rng.uniform(0.10, 0.50, size=exp_acc.size)
    con_acc, con_t, cuts = _contractions(rng, started, stop)
    chg_acc = np.concatenate([exp_acc, con_acc])
    chg_t = np.concatenate([exp_t, con_t])
    chg_mult = np.concatenate([1.0 + raises, 1.0 - cuts])
    is_exp = np.concatenate([np.ones(exp_acc.size, bool), np.zeros(con_acc.size, bool)])
    order = np.lexsort((chg_t, chg_acc))
    chg_acc, chg_t, chg_mult, is_exp = chg_acc[order], chg_t[order], chg_mult[order], is_exp[order]
    log_cs = np.concatenate([[0.0], np.cumsum(np.log(chg_mult))])
    first = np.searchsorted(chg_acc, np.arange(n))

    def cents_before(acc: IntArray, pos: IntArray) -> IntArray:
        factor = np.exp(log_cs[pos] - log_cs[first[acc]])
        out: IntArray = np.rint(base_cents[acc] * factor).astype(np.int64)
        return out

    idx = np.arange(chg_acc.size)
    after = cents_before(chg_acc, idx + 1)
    before = cents_before(chg_acc, idx)
    amount_cents = (after - before)[is_exp]
    exp_acc, exp_t = chg_acc[is_exp], chg_t[is_exp]
    ok = amount_cents > 0
    exp_acc, exp_t, amount_cents = exp_acc[ok], exp_t[ok], amount_cents[ok]
    final_cents = cents_before(np.arange(n), np.searchsorted(chg_acc, np.arange(n), side="right"))

    # monthly rows: from the start month to the churn month or the as_of month
    month_starts = pd.date_range(t0.to_period("M").to_timestamp(), as_of, freq="MS")
    month_sec = ((month_starts - t0).total_seconds()).to_numpy().astype(np.int64)
    m_first = np.searchsorted(month_sec, started, side="right") - 1
    m_last = np.searchsorted(month_sec, np.minimum(stop, end - 1), side="right") - 1
    m_count = m_last - m_first + 1
    m_acc = np.repeat(np.arange(n), m_count)
    m_idx = m_first[m_acc] + (
        np.arange(m_acc.size) - np.repeat(np.cumsum(m_count) - m_count, m_count)
    )
    month_end = np.append(month_sec, end)[m_idx + 1]
    key = chg_acc.astype(np.float64) * 1e10 + chg_t
    pos = np.searchsorted(key, m_acc.astype(np.float64) * 1e10 + month_end, side="left")
    m_cents = cents_before(m_acc, pos)

    # ---------------------------------------------------------------- health, engagement, impact
    # Own random streams, after expansions: the core draws above are unchanged.
    launched_at, campaign_starts = _new_dates(t0, months)
    (acc_e, user_e, event_e, t_e), extra, effects = _planted.plant(
        seed,
        (acc_e, user_e, event_e, t_e),
        started=started,
        stop=stop,
        churned=churned,
        n_users=n_users,
        launch=_seconds(launched_at, t0),
        campaign_starts=(_seconds(campaign_starts[0], t0), _seconds(campaign_starts[1], t0)),
        end=end,
        codes=_EV,
        usage_codes=np.asarray([_EV[e] for e in USAGE_EVENTS]),
    )

    # ---------------------------------------------------------------- NPS
    nps_acc, nps_user, nps_t, score, usage_stats = _nps(
        rng,
        acc_e,
        t_e,
        started,
        stop,
        n_users,
        plan,
        industry,
        t0,
        months,
        end,
        np.where(churned, churn_t, -1),
    )

    raw: dict[str, IntArray] = {
        "acc_started": started,
        "acc_churn": np.where(churned, churn_t, -1),
        "acc_plan": plan,
        "acc_industry": industry,
        "acc_region": region,
        "acc_seats": seats,
        "acc_mrr_cents": final_cents,
        "acc_success": success.astype(np.int64),
        "ev_acc": acc_e,
        "ev_user": user_e,
        "ev_event": event_e,
        "ev_t": t_e,
        "nps_acc": nps_acc,
        "nps_user": nps_user,
        "nps_t": nps_t,
        "nps_score": score,
        "mrr_acc": m_acc,
        "mrr_month": m_idx,
        "mrr_cents": m_cents,
        "exp_acc": exp_acc,
        "exp_t": exp_t,
        "exp_cents": amount_cents,
        **extra,
    }
    return raw, _truth(seed, improved_from, usage_stats, launched_at, effects)


def _seconds(ts: pd.Timestamp, t0: pd.Timestamp) -> int:
    return int((ts - t0).total_seconds())


def _new_dates(t0: pd.Timestamp, months: int) -> tuple[pd.Timestamp, tuple[pd.Timestamp, ...]]:
    """Launch (two thirds into the window) and the campaign starts (null, helpful).

    The outreach starts three months before ``as_of``, the webinar two weeks earlier.
    """
    as_of = t0 + pd.DateOffset(months=months)
    launched_at = t0 + pd.DateOffset(months=(2 * months) // 3)
    earliest = t0 + pd.Timedelta(days=_planted.MIN_TENURE_DAYS)
    helpful_start = max(as_of - pd.DateOffset(months=3), earliest)
    null_start = max(helpful_start - pd.Timedelta(days=14), earliest)
    return pd.Timestamp(launched_at), (pd.Timestamp(null_start), pd.Timestamp(helpful_start))


def _frames(raw: Mapping[str, IntArray], t0: pd.Timestamp, months: int, truth: Any) -> SaaSData:
    """The canonical tables from the integer arrays (shared by simulate and load)."""
    n = raw["acc_started"].size
    as_of = t0 + pd.DateOffset(months=months)
    width = max(5, len(str(n)))
    account_ids = _ids("A", np.arange(1, n + 1), width)
    origin = t0.to_datetime64().astype("datetime64[s]")

    def stamp(sec: IntArray) -> npt.NDArray[np.datetime64]:
        out: npt.NDArray[np.datetime64] = (origin + sec.astype("timedelta64[s]")).astype(
            "datetime64[ns]"
        )
        return out

    churn_t = raw["acc_churn"]
    churned_at = stamp(np.maximum(churn_t, 0))
    churned_at[churn_t < 0] = np.datetime64("NaT")
    accounts = pd.DataFrame(
        {
            "account_id": account_ids.astype(object),
            "started_at": stamp(raw["acc_started"]),
            "churned_at": churned_at,
            "plan": np.asarray(PLANS, dtype=object)[raw["acc_plan"]],
            "industry": np.asarray(INDUSTRIES, dtype=object)[raw["acc_industry"]],
            "region": np.asarray(REGIONS, dtype=object)[raw["acc_region"]],
            "seats": raw["acc_seats"].astype(np.int64),
            "mrr": raw["acc_mrr_cents"] / 100.0,
            "onboarding_success": raw["acc_success"].astype(bool),
            "newsletter_opens": raw["acc_newsletter"].astype(np.int64),
        }
    )
    events = _events_frame(
        account_ids, raw["ev_acc"], raw["ev_user"], raw["ev_event"], stamp(raw["ev_t"])
    )
    nps_acc = raw["nps_acc"]
    nps = pd.DataFrame(
        {
            "account_id": account_ids[nps_acc].astype(object),
            "user_id": _user_ids(account_ids, nps_acc, raw["nps_user"]).astype(object),
            "timestamp": stamp(raw["nps_t"]),
            "score": raw["nps_score"].astype(np.int64),
        }
    )
    month_starts = pd.date_range(t0.to_period("M").to_timestamp(), as_of, freq="MS").to_numpy()
    mrr = pd.DataFrame(
        {
            "account_id": account_ids[raw["mrr_acc"]].astype(object),
            "month": month_starts[raw["mrr_month"]],
            "mrr": raw["mrr_cents"] / 100.0,
        }
    )
    order = np.lexsort((raw["exp_acc"], raw["exp_t"]))
    expansions = pd.DataFrame(
        {
            "account_id": account_ids[raw["exp_acc"][order]].astype(object),
            "timestamp": stamp(raw["exp_t"][order]),
            "amount": raw["exp_cents"][order] / 100.0,
        }
    )
    order = np.lexsort((raw["xp_acc"], raw["xp_t"], raw["xp_campaign"]))
    exposures = pd.DataFrame(
        {
            "account_id": account_ids[raw["xp_acc"][order]].astype(object),
            "campaign": np.asarray(_planted.CAMPAIGNS, dtype=object)[raw["xp_campaign"][order]],
            "exposed_at": stamp(raw["xp_t"][order]),
        }
    )
    return SaaSData(accounts, events, nps, mrr, expansions, exposures, pd.Timestamp(as_of), truth)


def _user_ids(account_ids: npt.NDArray[np.str_], acc: IntArray, user: IntArray) -> Any:
    if acc.size == 0:
        return np.zeros(0, dtype=account_ids.dtype)
    return np.char.add(
        np.char.add(account_ids[acc], "-U"), np.char.zfill((user + 1).astype(str), 2)
    )


def _categorical(codes: IntArray, categories: npt.NDArray[np.str_]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories.astype(object)))


def _events_frame(
    account_ids: npt.NDArray[np.str_],
    acc: IntArray,
    user: IntArray,
    event: IntArray,
    timestamp: npt.NDArray[np.datetime64],
) -> pd.DataFrame:
    # Build categoricals from integer codes: no per-row Python strings.
    n_max = int(user.max()) + 1 if user.size else 1
    ucode = acc * n_max + user
    uniq, ucodes = np.unique(ucode, return_inverse=True)
    user_cats = _user_ids(account_ids, uniq // n_max, uniq % n_max)
    return pd.DataFrame(
        {
            "account_id": _categorical(acc, account_ids),
            "user_id": _categorical(ucodes, user_cats),
            "event": _categorical(event, np.asarray(EVENTS)),
            "timestamp": timestamp,
        }
    )


def _truth(
    seed: int,
    improved_from: pd.Timestamp,
    usage: dict[str, float],
    launched_at: pd.Timestamp,
    effects: dict[str, float],
) -> Mapping[str, Any]:
    truth: dict[str, Any] = {
        "seed": seed,
        "churn_hazard_ratios": dict(HAZARD_RATIOS),
        "churn": {
            "baseline": "weibull",
            "shape": WEIBULL_SHAPE,
            "scale_days": WEIBULL_SCALE_DAYS,
            "grace_days": GRACE_DAYS,
            "reference": {"plan": "basic", "industry": "software", "onboarding_success": False},
            "no_effect": [
                "region",
                "seats",
                "industry=retail",
                "industry=finance",
                "industry=healthcare",
            ],
        },
        "onboarding": {
            "window_days": WINDOW_DAYS,
            "ordered_pair": ("invite_teammate", "create_dashboard"),
            "pair_odds_ratio": PAIR_OR,
            "single_event": "connect_integration",
            "single_odds_ratio": SINGLE_OR,
            "activity_coef": ACTIVITY_COEF,
            "decoys": list(ONBOARDING_DECOYS),
            "reversed_pair": ("create_dashboard", "invite_teammate"),
            "intercept": SUCCESS_INTERCEPT,
        },
        "retention": {"improved_from": improved_from, "multiplier": RETENTION_MULTIPLIER},
        "nps": {
            "intercept": 7.0,
            "usage_coef": 1.3,
            "usage_window_days": 90,
            "usage_mean": usage["usage_mean"],
            "usage_sd": usage["usage_sd"],
            "plan_effect": {"enterprise": 0.8},
            "industry_effect": {"healthcare": -1.5},
            "noise_sd": 1.6,
            "response_rate": NPS_RESPONSE_RATE,
        },
        "expansion": {
            "triggers": dict(EXPANSION_MULTIPLIERS),
            "decoys": list(TRIGGER_DECOYS),
            "effect_days": EFFECT_DAYS,
            "base_daily_hazard": BASE_EXPANSION_HAZARD,
            "raise_range": (0.10, 0.50),
        },
        "revenue": {
            "price_per_seat": dict(zip(PLANS, PRICE_PER_SEAT, strict=True)),
            "contraction_rate": CONTRACTION_RATE,
            "contraction_range": (0.10, 0.30),
        },
        **_planted.truth(launched_at, effects),
    }
    return MappingProxyType(truth)


DEMO_OPTIONS: Mapping[str, Any] = MappingProxyType(
    {"n_accounts": 2000, "months": 18, "start": "2024-01-01", "seed": 20240101}
)


def load_demo() -> SaaSData:
    """The bundled demo dataset: 2,000 simulated accounts over 18 months.

    Equal to ``simulate_saas(**DEMO_OPTIONS)`` (2,000 accounts from
    2024-01-01, seed 20240101) as generated by ``scripts/make_demo_data.py``,
    read from compact files shipped with the package (about 1.2 MB) in well
    under a second. The planted effects are in ``truth``.

    Returns
    -------
    SaaSData
        The same layout as :func:`simulate_saas`: ``accounts``
        (``account_id``, ``started_at``, ``churned_at``, ``plan``,
        ``industry``, ``region``, ``seats``, ``mrr``,
        ``onboarding_success``, ``newsletter_opens``), ``events``
        (``account_id``, ``user_id``, ``event``, ``timestamp``), ``nps``
        (``account_id``, ``user_id``, ``timestamp``, ``score``), ``mrr``
        (``account_id``, ``month``, ``mrr``), ``expansions`` (``account_id``,
        ``timestamp``, ``amount``), ``exposures`` (``account_id``,
        ``campaign``, ``exposed_at``), ``as_of`` and ``truth``.

    Examples
    --------
    >>> from adoptmetrics.datasets import load_demo
    >>> demo = load_demo()
    >>> len(demo.accounts)
    2000
    >>> str(demo.as_of.date())
    '2025-07-01'
    >>> demo.truth["onboarding"]["ordered_pair"]
    ('invite_teammate', 'create_dashboard')
    >>> sorted(demo.exposures["campaign"].unique())
    ['product_webinar', 'success_outreach']
    """
    from adoptmetrics.datasets import _codec

    raw, meta = _codec.read()
    opts = meta["options"]
    stored = meta["truth"]
    t0, months = pd.Timestamp(opts["start"]), int(opts["months"])
    truth = _truth(
        int(opts["seed"]),
        pd.Timestamp(stored["retention"]["improved_from"]),
        {k: float(stored["nps"][k]) for k in ("usage_mean", "usage_sd")},
        _new_dates(t0, months)[0],
        {name: float(v["effect"]) for name, v in stored["impact"].items()},
    )
    return _frames(raw, t0, months, truth)


def _write_demo(directory: Any) -> None:
    """Regenerate the bundled files (used by ``scripts/make_demo_data.py``)."""
    from pathlib import Path

    from adoptmetrics.datasets import _codec

    opts = dict(DEMO_OPTIONS)
    raw, truth = _simulate_raw(
        int(opts["n_accounts"]), int(opts["months"]), pd.Timestamp(opts["start"]), int(opts["seed"])
    )
    meta = {"format": 2, "options": opts, "numpy_version": np.__version__, "truth": dict(truth)}
    _codec.write(raw, meta, Path(directory))
