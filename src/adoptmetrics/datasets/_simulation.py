"""The simulation engine behind :func:`adoptmetrics.datasets.simulate_saas`.

Constants of the planted effects and the vectorised steps (onboarding, weekly
usage, expansions, contractions, NPS). All times are integer seconds since the
start of the window; accounts are integer indices. Nothing here is public.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.datasets._planted import NEW_EVENTS, distinct

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
# New event names go last so the codes of the older ones never change.
EVENTS = (
    *ONBOARDING_EVENTS,
    *ONBOARDING_DECOYS,
    *USAGE_EVENTS,
    *TRIGGERS,
    *TRIGGER_DECOYS,
    *NEW_EVENTS,
)
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
# health signal (issue 16): answers sink before churn (0 at 90 days, -2 points at churn)
NPS_CHURN_DROP, NPS_CHURN_DAYS = 2.0, 90
EXPANSION_MULTIPLIERS = {"seat_limit_reached": 4.0, "premium_feature_used": 3.0}
EFFECT_DAYS = 60
# 1 - exp(-365·base) = 0.20: about 20 % of accounts expand within a year without triggers.
BASE_EXPANSION_HAZARD = float(-np.log(0.8) / 365.0)
CONTRACTION_RATE = 0.05


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


def _churn_drop(churn_t: IntArray, t: IntArray) -> FloatArray:
    """Scores fall linearly to NPS_CHURN_DROP points over the 90 days before churn."""
    days_left = (churn_t - t) / DAY
    near = (churn_t >= 0) & (days_left < NPS_CHURN_DAYS)
    out: FloatArray = np.where(near, NPS_CHURN_DROP * (1.0 - days_left / NPS_CHURN_DAYS), 0.0)
    return out


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
    churn_t: IntArray,
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
    keys = distinct(acc_e * span + t_e // DAY)
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
        - _churn_drop(churn_t[acc], t)
    )
    score = np.rint(np.clip(raw, 0, 10)).astype(np.int64)
    return acc, user, t, score, {"usage_mean": mean, "usage_sd": sd}
