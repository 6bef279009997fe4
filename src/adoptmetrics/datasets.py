"""Synthetic B2B SaaS data with documented planted effects, and the bundled demo.

:func:`simulate_saas` draws a seeded, fully vectorised simulation of a SaaS
product: accounts (plan, industry, region, seats), onboarding events, weekly
usage, churn, quarterly NPS surveys, expansion triggers, expansions and monthly
revenue. A handful of effects are planted on purpose and recorded in
``SaaSData.truth`` so that tests and docs can show each method recovering them
(see ``docs/datasets.md``). :func:`load_demo` returns a fixed 2,000-account
simulation bundled with the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["SaaSData", "load_demo", "simulate_saas"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DAY = 86_400
PLANS = ("basic", "pro", "enterprise")
PLAN_P = (0.50, 0.35, 0.15)
SEAT_RANGE = ((2, 10), (10, 50), (50, 300))
PRICE_PER_SEAT = (15.0, 30.0, 55.0)
INDUSTRIES = ("software", "retail", "finance", "healthcare", "education")
REGIONS = ("NA", "EMEA", "APAC")
REGION_P = (0.45, 0.35, 0.20)

ONBOARDING_EVENTS = (
    "create_project",
    "invite_teammate",
    "create_dashboard",
    "connect_integration",
    "import_data",
    "set_up_alert",
    "share_report",
    "customize_theme",
    "install_mobile_app",
)
ONBOARDING_DECOYS = ("view_tutorial", "view_help_center")
USAGE_EVENTS = (
    "login",
    "view_dashboard",
    "create_report",
    "export_csv",
    "api_call",
    "comment",
    "search",
)
USAGE_P = (0.30, 0.24, 0.10, 0.07, 0.12, 0.10, 0.07)
TRIGGERS = ("seat_limit_reached", "premium_feature_used")
TRIGGER_DECOYS = ("export_pdf", "update_profile")
EVENTS = (*ONBOARDING_EVENTS, *ONBOARDING_DECOYS, *USAGE_EVENTS, *TRIGGERS, *TRIGGER_DECOYS)
_EV = {name: i for i, name in enumerate(EVENTS)}

WINDOW_DAYS = 14
GRACE_DAYS = 30
WEIBULL_SHAPE = 0.9
# Chosen so that ~40 % of basic/software accounts churn within a year, given
# ~45 % onboarding success (solved once: 0.55·F(335) + 0.45·F_0.5(335) = 0.40).
WEIBULL_SCALE_DAYS = 516.0
HAZARD_RATIOS = {
    "plan=pro": 0.6,
    "plan=enterprise": 0.35,
    "industry=education": 1.8,
    "onboarding_success": 0.5,
}
PAIR_OR, SINGLE_OR, ACTIVITY_COEF = 3.0, 2.0, 0.8
# Chosen so that about 45 % of accounts succeed (calibrated on 200,000 accounts).
SUCCESS_INTERCEPT = -1.95
RETENTION_MULTIPLIER = 1.25
NPS_RESPONSE_RATE = 0.30
EXPANSION_MULTIPLIERS = {"seat_limit_reached": 4.0, "premium_feature_used": 3.0}
EFFECT_DAYS = 60
# 1 - exp(-365·base) = 0.20: about 20 % of accounts expand within a year without triggers.
BASE_EXPANSION_HAZARD = float(-np.log(0.8) / 365.0)
CONTRACTION_RATE = 0.05


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
    as_of : pandas.Timestamp
        End of the observation window.
    truth : Mapping
        The planted effects (``churn_hazard_ratios``, ``churn``,
        ``onboarding``, ``retention``, ``nps``, ``expansion``, ``revenue``).
    """

    accounts: pd.DataFrame
    events: pd.DataFrame
    nps: pd.DataFrame
    mrr: pd.DataFrame
    expansions: pd.DataFrame
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


def _first_time(acc: IntArray, t: IntArray, n: int, fill: int) -> IntArray:
    out = np.full(n, fill, dtype=np.int64)
    np.minimum.at(out, acc, t)
    return out


def _last_time(acc: IntArray, t: IntArray, n: int) -> IntArray:
    out = np.full(n, -1, dtype=np.int64)
    np.maximum.at(out, acc, t)
    return out


def _expit(x: FloatArray) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-x))
    return out


class _Events:
    """Accumulates event chunks as integer arrays (account, user, event, second)."""

    def __init__(self) -> None:
        self.parts: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []

    def add(self, acc: IntArray, user: IntArray, event: IntArray, t: IntArray) -> None:
        self.parts.append((acc, user, event, t))

    def arrays(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        cols = [np.concatenate([p[k] for p in self.parts]) for k in range(4)]
        return cols[0], cols[1], cols[2], cols[3]


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
    industry; expansions follow trigger events. Every planted effect is in
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
        (current or last MRR), ``onboarding_success`` (bool).
        ``events``: ``account_id``, ``user_id`` ("A00001-U03"), ``event``,
        ``timestamp`` (sorted by time; ids and names categorical).
        ``nps``: ``account_id``, ``user_id``, ``timestamp``, ``score``.
        ``mrr``: ``account_id``, ``month``, ``mrr`` (one row per month from
        the start month to the churn or ``as_of`` month).
        ``expansions``: ``account_id``, ``timestamp``, ``amount``.
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
     'seats', 'mrr', 'onboarding_success']
    >>> data.events.columns.tolist()
    ['account_id', 'user_id', 'event', 'timestamp']
    >>> str(data.as_of.date())
    '2025-07-01'
    >>> data.truth["churn_hazard_ratios"]["plan=enterprise"]
    0.35
    """
    n = _check_int(n_accounts, "n_accounts", 1, "pass a positive number such as 2000.")
    months = _check_int(months, "months", 4, "use months >= 4 (accounts start in months - 3).")
    seed = _check_int(seed, "seed", 0, "pass a non-negative integer seed.")
    t0 = _check_start(start)
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
    order = np.lexsort((user_e, event_e, acc_e, t_e))
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
    month_starts = pd.date_range(t0, as_of, freq="MS")
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

    # ---------------------------------------------------------------- NPS
    nps_acc, nps_user, nps_t, score, usage_stats = _nps(
        rng, acc_e, t_e, started, stop, n_users, plan, industry, t0, months, end
    )

    # ---------------------------------------------------------------- frames
    width = max(5, len(str(n)))
    account_ids = _ids("A", np.arange(1, n + 1), width)
    origin = t0.to_datetime64().astype("datetime64[s]")

    def stamp(sec: IntArray) -> npt.NDArray[np.datetime64]:
        out: npt.NDArray[np.datetime64] = (origin + sec.astype("timedelta64[s]")).astype(
            "datetime64[ns]"
        )
        return out

    churned_at = stamp(churn_t)
    churned_at[~churned] = np.datetime64("NaT")
    accounts = pd.DataFrame(
        {
            "account_id": account_ids.astype(object),
            "started_at": stamp(started),
            "churned_at": churned_at,
            "plan": np.asarray(PLANS, dtype=object)[plan],
            "industry": np.asarray(INDUSTRIES, dtype=object)[industry],
            "region": np.asarray(REGIONS, dtype=object)[region],
            "seats": seats.astype(np.int64),
            "mrr": final_cents / 100.0,
            "onboarding_success": success,
        }
    )
    events = _events_frame(account_ids, acc_e, user_e, event_e, stamp(t_e))
    nps = pd.DataFrame(
        {
            "account_id": account_ids[nps_acc].astype(object),
            "user_id": _user_ids(account_ids, nps_acc, nps_user).astype(object),
            "timestamp": stamp(nps_t),
            "score": score,
        }
    )
    mrr = pd.DataFrame(
        {
            "account_id": account_ids[m_acc].astype(object),
            "month": month_starts.to_numpy()[m_idx],
            "mrr": m_cents / 100.0,
        }
    )
    expansions = pd.DataFrame(
        {
            "account_id": account_ids[exp_acc].astype(object),
            "timestamp": stamp(exp_t),
            "amount": amount_cents / 100.0,
        }
    ).sort_values(["timestamp", "account_id"], ignore_index=True)
    truth = _truth(seed, improved_from, usage_stats)
    return SaaSData(accounts, events, nps, mrr, expansions, pd.Timestamp(as_of), truth)


def _user_ids(account_ids: npt.NDArray[np.str_], acc: IntArray, user: IntArray) -> Any:
    return np.char.add(
        np.char.add(account_ids[acc], "-U"), np.char.zfill((user + 1).astype(str), 2)
    )


def _categorical(codes: IntArray, categories: npt.NDArray[np.str_]) -> pd.Categorical:
    # pandas-stubs types codes as Sequence[int]; an int ndarray is what pandas uses inside.
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories.astype(object)))  # type: ignore[arg-type]


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


def _onboarding(
    rng: np.random.Generator,
    ev: _Events,
    started: IntArray,
    activity: FloatArray,
    n_users: IntArray,
) -> BoolArray:
    """Onboarding events in the first 14 days and the Bernoulli success draw."""
    n = started.size
    # Active days: day 0 always; the others with a probability growing with A.
    p_day = 1.0 - np.exp(-0.22 * activity)
    active = rng.random((n, WINDOW_DAYS)) < p_day[:, None]
    active[:, 0] = True
    n_active = active.sum(axis=1)
    day_sorted = np.sort(np.where(active, np.arange(WINDOW_DAYS), WINDOW_DAYS + 1), axis=1)
    day0 = started - started % DAY

    def place(acc: IntArray) -> IntArray:
        k = rng.integers(0, n_active[acc])
        day = day_sorted[acc, k]
        first = day == 0
        # day 0: after the signup time; later days: 07:00–21:00
        t0 = started[acc] + rng.integers(60, 8 * 3600, size=acc.size)
        td = day0[acc] + day * DAY + rng.integers(7 * 3600, 21 * 3600, size=acc.size)
        out: IntArray = np.where(first, t0, td)
        return out

    def users(acc: IntArray, admin_share: float) -> IntArray:
        other = rng.integers(0, n_users[acc])
        out: IntArray = np.where(rng.random(acc.size) < admin_share, 0, other)
        return out

    sq = np.sqrt(activity)
    presence = {  # probability the account does the event at least once
        "create_project": np.full(n, 0.92),
        "invite_teammate": np.full(n, 0.66),
        "create_dashboard": np.full(n, 0.72),
        "connect_integration": np.full(n, 0.40),
        "import_data": 1.0 - np.exp(-0.9 * activity),
        "set_up_alert": 1.0 - np.exp(-0.5 * activity),
        "share_report": 1.0 - np.exp(-0.4 * activity),
        "customize_theme": np.full(n, 0.30),
        "install_mobile_app": 1.0 - np.exp(-0.3 * activity),
    }
    for name, p in presence.items():
        count = (rng.random(n) < p) * (1 + rng.poisson(0.25 * sq))
        acc = np.repeat(np.arange(n), count)
        ev.add(acc, users(acc, 0.7), np.full(acc.size, _EV[name]), place(acc))
    for name in ONBOARDING_DECOYS:  # grow with activity, no effect
        acc = np.repeat(np.arange(n), rng.poisson(0.9 * activity**1.5))
        ev.add(acc, users(acc, 0.3), np.full(acc.size, _EV[name]), place(acc))
    # one login per user-visit: at least one per active day
    days = np.repeat(np.arange(n), n_active)
    pos = np.arange(days.size) - np.repeat(np.cumsum(n_active) - n_active, n_active)
    d = day_sorted[days, pos]
    t = np.where(
        d == 0,
        started[days] + 30,
        day0[days] + d * DAY + rng.integers(7 * 3600, 10 * 3600, size=days.size),
    )
    ev.add(days, users(days, 0.6), np.full(days.size, _EV["login"]), t)

    acc, _, event, t = ev.arrays()
    big = np.iinfo(np.int64).max
    inv_first = _first_time(
        acc[event == _EV["invite_teammate"]], t[event == _EV["invite_teammate"]], n, big
    )
    dash = event == _EV["create_dashboard"]
    dash_last = _last_time(acc[dash], t[dash], n)
    pair = inv_first < dash_last
    connected = np.bincount(acc[event == _EV["connect_integration"]], minlength=n) > 0
    day_key = np.unique(acc * 10_000 + t // DAY)
    active_days = np.bincount(day_key // 10_000, minlength=n)
    logit = (
        SUCCESS_INTERCEPT
        + np.log(PAIR_OR) * pair
        + np.log(SINGLE_OR) * connected
        + ACTIVITY_COEF * np.log1p(active_days)
    )
    success: BoolArray = rng.random(n) < _expit(logit)
    return success


def _usage(
    rng: np.random.Generator,
    ev: _Events,
    started: IntArray,
    stop: IntArray,
    churned: BoolArray,
    engagement: FloatArray,
    per_week: FloatArray,
    n_users: IntArray,
    end: int,
) -> None:
    """Weekly usage after onboarding (loop over account-relative weeks)."""
    first = started + WINDOW_DAYS * DAY
    n_weeks = int(max(0, (end - int(first.min())) // (7 * DAY) + 1))
    probs = np.asarray(USAGE_P) / np.sum(USAGE_P)
    usage_codes = np.asarray([_EV[e] for e in USAGE_EVENTS])
    for k in range(n_weeks):
        week = first + k * 7 * DAY
        alive = np.flatnonzero(week < stop)
        if alive.size == 0:
            continue
        weeks_left = (stop[alive] - week[alive]) / (7 * DAY)
        decline = np.where(churned[alive], 1.0 - 0.8 * np.exp(-weeks_left / 3.0), 1.0)
        on = alive[rng.random(alive.size) < engagement[alive] * decline]
        count = 1 + rng.poisson(per_week[on])
        acc = np.repeat(on, count)
        t = week[acc] + rng.integers(0, 7 * DAY, size=acc.size)
        names = usage_codes[rng.choice(probs.size, size=acc.size, p=probs)]
        ev.add(acc, rng.integers(0, n_users[acc]), names, t)


def _expansions(
    rng: np.random.Generator,
    acc: IntArray,
    event: IntArray,
    t: IntArray,
    started: IntArray,
    stop: IntArray,
    n: int,
    end: int,
) -> tuple[IntArray, IntArray]:
    """Daily expansion hazard, multiplied for 60 days after each real trigger."""
    n_days = end // DAY + 1
    last = {}
    for name in TRIGGERS:
        sel = event == _EV[name]
        last[name] = (acc[sel], t[sel] // DAY)
    last_seen = {name: np.full(n, -(10**6), dtype=np.int64) for name in TRIGGERS}
    order = {name: np.argsort(last[name][1], kind="stable") for name in TRIGGERS}
    bounds = {
        name: np.searchsorted(last[name][1][order[name]], np.arange(n_days + 1))
        for name in TRIGGERS
    }
    out_acc: list[IntArray] = []
    out_t: list[IntArray] = []
    first_day = (started // DAY) + WINDOW_DAYS
    stop_day = stop // DAY
    for d in range(n_days):
        hazard = np.full(n, BASE_EXPANSION_HAZARD)
        for name in TRIGGERS:
            recent = (d - last_seen[name]) <= EFFECT_DAYS
            hazard = np.where(recent, hazard * EXPANSION_MULTIPLIERS[name], hazard)
        hit = (rng.random(n) < -np.expm1(-hazard)) & (d >= first_day) & (d < stop_day)
        idx = np.flatnonzero(hit)
        if idx.size:
            out_acc.append(idx)
            out_t.append(d * DAY + rng.integers(9 * 3600, 17 * 3600, size=idx.size))
        for name in TRIGGERS:  # triggers of day d count from day d + 1 on
            sl = order[name][bounds[name][d] : bounds[name][d + 1]]
            last_seen[name][last[name][0][sl]] = d
    if not out_acc:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a, ts = np.concatenate(out_acc), np.concatenate(out_t)
    ok = (ts >= started[a]) & (ts < stop[a])
    return a[ok], ts[ok]


def _contractions(
    rng: np.random.Generator, started: IntArray, stop: IntArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """About 5 % of accounts contract once in each year of tenure (10–30 %)."""
    n = started.size
    accs, ts = [], []
    for year in range(int((stop - started).max() // (365 * DAY)) + 1):
        hit = rng.random(n) < CONTRACTION_RATE
        t = started + (365 * year + rng.integers(30, 365, size=n)) * DAY
        sel = np.flatnonzero(hit & (t < stop))
        accs.append(sel)
        ts.append(t[sel])
    acc = np.concatenate(accs)
    return acc, np.concatenate(ts), rng.uniform(0.10, 0.30, size=acc.size)


def _nps(
    rng: np.random.Generator,
    acc_e: IntArray,
    t_e: IntArray,
    started: IntArray,
    stop: IntArray,
    n_users: IntArray,
    plan: IntArray,
    industry: IntArray,
    t0: pd.Timestamp,
    months: int,
    end: int,
) -> tuple[IntArray, IntArray, IntArray, IntArray, dict[str, float]]:
    """Quarterly surveys: ~30 % of active accounts, 1–3 users each."""
    n = started.size
    accs, users, times = [], [], []
    for q in range(0, months, 3):
        q_start = int((t0 + pd.DateOffset(months=q) - t0).total_seconds())
        q_end = min(int((t0 + pd.DateOffset(months=q + 3) - t0).total_seconds()), end)
        survey = q_start + rng.integers(0, max(q_end - q_start - 7 * DAY, DAY), size=n)
        eligible = (started + GRACE_DAYS * DAY <= survey) & (survey < stop)
        answer = np.flatnonzero(eligible & (rng.random(n) < NPS_RESPONSE_RATE))
        k = np.minimum(rng.integers(1, 4, size=answer.size), n_users[answer])
        acc = np.repeat(answer, k)
        j = np.arange(acc.size) - np.repeat(np.cumsum(k) - k, k)
        u0 = rng.integers(0, n_users[answer])
        t = survey[acc] + rng.integers(0, 7 * DAY, size=acc.size)
        ok = t < np.minimum(stop[acc], end)
        accs.append(acc[ok])
        users.append(((np.repeat(u0, k) + j) % n_users[acc])[ok])
        times.append(t[ok])
    acc, user, t = np.concatenate(accs), np.concatenate(users), np.concatenate(times)
    order = np.lexsort((user, acc, t))
    acc, user, t = acc[order], user[order], t[order]
    # usage: distinct active days in the 90 days before the response
    span = end // DAY + 2
    keys = np.unique(acc_e * span + t_e // DAY)
    today = acc * span + t // DAY
    usage = (np.searchsorted(keys, today) - np.searchsorted(keys, today - 90)).astype(float)
    mean, sd = (float(usage.mean()), float(usage.std())) if usage.size else (0.0, 1.0)
    z = (usage - mean) / (sd if sd > 0 else 1.0)
    raw = (
        7.0
        + 1.3 * z
        + 0.8 * (plan[acc] == PLANS.index("enterprise"))
        - 1.5 * (industry[acc] == INDUSTRIES.index("healthcare"))
        + rng.normal(0.0, 1.6, size=acc.size)
    )
    score = np.rint(np.clip(raw, 0, 10)).astype(np.int64)
    return acc, user, t, score, {"usage_mean": mean, "usage_sd": sd}


def _truth(seed: int, improved_from: pd.Timestamp, usage: dict[str, float]) -> Mapping[str, Any]:
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
    }
    return MappingProxyType(truth)


def load_demo() -> SaaSData:
    """Not yet bundled."""
    raise NotImplementedError
