"""Planted effects for engagement, account health and campaign impact.

These steps run after the core simulation (onboarding, usage, churn, triggers,
expansions) on the finished event arrays, each from its own random stream
(``default_rng([seed, k])``), so the core tables keep their random draws:

- health (stream 16): in the 90 days before churn, churners' routine usage is
  thinned and comes from fewer and fewer of their users (declining active
  days and events, shrinking active users, falling seat use; NPS falls with
  usage). ``newsletter_opens`` is drawn independently of everything.
- engagement (stream 15): ``ai_assistant`` launches mid-window with an
  exponential adoption curve; ``schedule_report`` used in the first 7 days
  raises retention (any activity in [start + 28 d, start + 56 d)) with an
  odds ratio of 2.5 given log(1 + early active days); ``bulk_edit`` is more
  common among busy accounts and has no effect given activity. Retention is
  planted by making each account's activity in its retention window agree
  with a logistic draw (deleting the window's events, or adding one login).
- impact (stream 18): 35 % of the accounts slip around the
  ``success_outreach`` campaign (three thinner weeks, then eight silent
  ones); the campaign reaches accounts whose active days decline and
  rescues 40 % of those that would otherwise be inactive in the next 28
  days (one login); ``product_webinar`` reaches quiet accounts (few
  active days) and does nothing.

All times are integer seconds since the window start; accounts are indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DAY = 86_400

# engagement (issue 15)
LAUNCHED_FEATURE = "ai_assistant"
RETENTION_FEATURE = "schedule_report"
DECOY_FEATURE = "bulk_edit"
NEW_EVENTS = (LAUNCHED_FEATURE, RETENTION_FEATURE, DECOY_FEATURE)
ADOPT_SHARE = 0.6  # share of accounts that ever adopt the launched feature
ADOPT_MEAN_DAYS = 30.0  # mean days from launch (or start) to adoption among adopters
ADOPT_REPEAT_PER_WEEK = 0.5  # later uses per week after adoption
FIRST_DAYS = 7
RETAINED_DAYS = (28, 56)
RETENTION_FEATURE_P = 0.30  # early use of the retention feature, unrelated to activity
RETENTION_FEATURE_OR = 2.5
RETENTION_INTERCEPT = -0.2
RETENTION_ACTIVITY_COEF = 1.2  # per unit of log(1 + early active days)
DECOY_INTERCEPT, DECOY_SLOPE = -2.5, 0.7  # P(decoy) = expit(-2.5 + 0.7 · early active days)

# health (issue 16)
HEALTH_SIGNALS = (
    "usage_trend",
    "user_growth",
    "seat_utilization",
    "active_days",
    "nps",
    "days_since_active",
)
HEALTH_DAYS = 90  # how long before churn the signals build up
HEALTH_KEEP_AT_CHURN = 0.3  # share of routine usage kept just before churn (1.0 at 90 days)
HEALTH_USERS_AT_CHURN = 0.25  # share of users still active just before churn
NEWSLETTER_MEAN = 6.0

# impact (issue 18)
HELPFUL_CAMPAIGN = "success_outreach"
NULL_CAMPAIGN = "product_webinar"
CAMPAIGN_DAYS = 35  # exposures spread over five weeks
PRE_DAYS = 28
HORIZON_DAYS = 28
MIN_TENURE_DAYS = 56
LAPSE_SHARE = 0.35  # accounts that slip around the outreach campaign
LAPSE_LEAD_DAYS = 28  # lapses start from 4 weeks before the campaign to its end
LAPSE_THIN_DAYS = 21  # usage thins over the 3 weeks before a lapse ...
LAPSE_KEEP = 0.35  # ... keeping this share of events
LAPSE_SILENT_DAYS = 56  # then no activity for 8 weeks (unless rescued)
RESCUE_P = 0.4
HELPFUL_COEF = (-0.3, 0.35, -1.8)  # intercept, early-half and late-half active days
HELPFUL_TARGETING = (
    "alive, tenure >= 56 days and active in the 28 days before exposure; "
    "P(exposed) = expit(-0.3 + 0.35 * d_early - 1.8 * d_late), d_early = active days "
    "in [t - 28d, t - 14d), d_late = active days in [t - 14d, t) (slipping accounts)"
)
NULL_COEF = (0.0, -0.35)  # intercept, active days in [t - 28 d, t)
NULL_TARGETING = (
    "alive, tenure >= 56 days and active in the 28 days before exposure; "
    "P(exposed) = expit(0.0 - 0.35 * active days in [t - 28d, t)) (quiet accounts)"
)


def _expit(x: npt.ArrayLike) -> FloatArray:
    out: FloatArray = 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))
    return out


class _Log:
    """The event arrays (account, user, event code, second) being edited."""

    def __init__(self, acc: IntArray, user: IntArray, event: IntArray, t: IntArray) -> None:
        self.acc, self.user, self.event, self.t = acc, user, event, t

    def keep(self, mask: BoolArray) -> None:
        self.acc, self.user, self.event, self.t = (
            self.acc[mask],
            self.user[mask],
            self.event[mask],
            self.t[mask],
        )

    def add(self, acc: IntArray, user: IntArray, event: IntArray, t: IntArray) -> None:
        self.acc = np.concatenate([self.acc, acc])
        self.user = np.concatenate([self.user, user])
        self.event = np.concatenate([self.event, event])
        self.t = np.concatenate([self.t, t])

    def sorted(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        # (time, account, event, user) order; the last three folded into one key (faster)
        n_event = int(self.event.max()) + 1 if self.event.size else 1
        n_user = int(self.user.max()) + 1 if self.user.size else 1
        rest = (self.acc * n_event + self.event) * n_user + self.user
        order = np.lexsort((rest, self.t))
        return self.acc[order], self.user[order], self.event[order], self.t[order]


def _day_counts(acc: IntArray, t: IntArray, n: int) -> IntArray:
    """Distinct calendar days with an event, per account (t: seconds from midnight t0)."""
    if acc.size == 0:
        return np.zeros(n, dtype=np.int64)
    span = int(t.max()) // DAY + 2
    keys = distinct(acc * span + t // DAY)
    return np.bincount(keys // span, minlength=n).astype(np.int64)


def distinct(keys: IntArray) -> IntArray:
    """Sorted distinct values (np.sort + diff: faster than np.unique's hashing here)."""
    s = np.sort(keys)
    out: IntArray = s[np.concatenate([[True], s[1:] != s[:-1]])] if s.size else s
    return out


def _in_window(log: _Log, lo: IntArray, hi: IntArray) -> BoolArray:
    """Events at or after ``lo[acc]`` and before ``hi[acc]``."""
    out: BoolArray = (log.t >= lo[log.acc]) & (log.t < hi[log.acc])
    return out


def _health(
    rng: np.random.Generator,
    log: _Log,
    started: IntArray,
    stop: IntArray,
    churned: BoolArray,
    n_users: IntArray,
    usage_codes: IntArray,
) -> None:
    """Thin churners' routine usage and narrow it to fewer users before churn."""
    days_left = (stop[log.acc] - log.t) / DAY
    near = (
        churned[log.acc]
        & (days_left < HEALTH_DAYS)
        & np.isin(log.event, usage_codes)
        & (log.t >= started[log.acc] + 14 * DAY)  # leave the onboarding window alone
    )
    frac = np.clip(days_left / HEALTH_DAYS, 0.0, 1.0)
    p_keep = HEALTH_KEEP_AT_CHURN + (1.0 - HEALTH_KEEP_AT_CHURN) * frac
    n_eff = np.maximum(
        1,
        np.ceil(n_users[log.acc] * (HEALTH_USERS_AT_CHURN + (1 - HEALTH_USERS_AT_CHURN) * frac)),
    ).astype(np.int64)
    log.user = np.where(near, log.user % n_eff, log.user)
    log.keep(~near | (rng.random(log.t.size) < p_keep))


def _launch(
    rng: np.random.Generator,
    log: _Log,
    started: IntArray,
    stop: IntArray,
    n_users: IntArray,
    launch: int,
    end: int,
    code: int,
) -> None:
    """First use after launch (or start) ~ share × exponential; weekly repeats after it."""
    n = started.size
    first = np.maximum(started + 3600, launch)
    adopt = first + np.rint(rng.exponential(ADOPT_MEAN_DAYS * DAY, size=n)).astype(np.int64)
    ever = rng.random(n) < ADOPT_SHARE
    ok = np.flatnonzero(ever & (adopt < np.minimum(stop, end)))
    live_weeks = (np.minimum(stop, end)[ok] - adopt[ok]) / (7 * DAY)
    k = rng.poisson(ADOPT_REPEAT_PER_WEEK * live_weeks)
    rep = np.repeat(ok, k)
    span = np.minimum(stop, end)[rep] - adopt[rep]
    t_rep = adopt[rep] + 1 + (rng.random(rep.size) * (span - 1)).astype(np.int64)
    acc = np.concatenate([ok, rep])
    t = np.concatenate([adopt[ok], t_rep])
    log.add(acc, rng.integers(0, n_users[acc]), np.full(acc.size, code), t)


def _early_features(
    rng: np.random.Generator,
    log: _Log,
    start: IntArray,
    codes: tuple[int, int],
) -> tuple[BoolArray, IntArray]:
    """Retention feature and decoy, placed on days already active in the first week.

    Each use sits 1–600 s after a random existing event of the first week (same
    user, same calendar day: events are never later than 21:00), so early
    active days are unchanged. Returns ``used`` and early active days.
    """
    n = start.size
    early = np.flatnonzero(_in_window(log, start, start + FIRST_DAYS * DAY))
    if early.size == 0:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
    e_acc = log.acc[early]
    days = _day_counts(e_acc, log.t[early], n)
    # one random early event per account: sort by (account, random key), take the first
    order = np.lexsort((rng.random(early.size), e_acc))
    first_pos = np.searchsorted(e_acc[order], np.arange(n))
    has = days > 0
    anchor = early[order[np.minimum(first_pos, early.size - 1)]]
    used = has & (rng.random(n) < RETENTION_FEATURE_P)
    decoy = has & (rng.random(n) < _expit(DECOY_INTERCEPT + DECOY_SLOPE * days))
    for flag, code in ((used, codes[0]), (decoy, codes[1])):
        acc = np.flatnonzero(flag)
        src = anchor[acc]
        t0 = log.t[src]
        day_end = (t0 // DAY + 1) * DAY - 1
        t = np.minimum(t0 + rng.integers(1, 601, size=acc.size), day_end)
        t = np.minimum(t, start[acc] + FIRST_DAYS * DAY - 1)
        log.add(acc, log.user[src], np.full(acc.size, code), t)
    return used, days


def _plant_retention(
    rng: np.random.Generator,
    log: _Log,
    start: IntArray,
    stop: IntArray,
    used: BoolArray,
    days: IntArray,
    end: int,
    login: int,
) -> None:
    """Make activity in [start + 28 d, start + 56 d) follow the planted logistic."""
    n = start.size
    lo, hi = start + RETAINED_DAYS[0] * DAY, start + RETAINED_DAYS[1] * DAY
    closed = (hi <= end) & (days > 0)
    logit = (
        RETENTION_INTERCEPT
        + RETENTION_ACTIVITY_COEF * np.log1p(days)
        + np.log(RETENTION_FEATURE_OR) * used
    )
    retained = rng.random(n) < _expit(logit)
    in_win = _in_window(log, lo, hi)
    has = np.bincount(log.acc[in_win], minlength=n) > 0
    log.keep(~(in_win & closed[log.acc] & ~retained[log.acc]))
    # stop >= started + 30 d > lo, so the window always has room before churn
    add = np.flatnonzero(closed & retained & ~has)
    room = np.minimum(hi, stop)[add] - lo[add]
    t = lo[add] + (rng.random(add.size) * room).astype(np.int64)
    log.add(add, np.zeros(add.size, np.int64), np.full(add.size, login), t)


def _lapses(
    rng: np.random.Generator,
    log: _Log,
    start: IntArray,
    stop: IntArray,
    c0: int,
) -> None:
    """Some accounts slip around the outreach campaign: thinner use, then eight silent weeks."""
    n = start.size
    offset = (rng.random(n) * (CAMPAIGN_DAYS + LAPSE_LEAD_DAYS) - LAPSE_LEAD_DAYS) * DAY
    lapse: IntArray = c0 + offset.astype(np.int64)
    chosen = (
        (rng.random(n) < LAPSE_SHARE)
        & (lapse > start + (RETAINED_DAYS[1] + LAPSE_THIN_DAYS) * DAY)
        & (lapse < stop)
    )
    thin = _in_window(log, lapse - LAPSE_THIN_DAYS * DAY, lapse) & chosen[log.acc]
    silent = _in_window(log, lapse, lapse + LAPSE_SILENT_DAYS * DAY) & chosen[log.acc]
    drop = silent | (thin & (rng.random(log.t.size) >= LAPSE_KEEP))
    log.keep(~drop)


def _campaign(
    rng: np.random.Generator,
    log: _Log,
    started: IntArray,
    stop: IntArray,
    c0: int,
    end: int,
    helpful: bool,
    login: int,
) -> tuple[IntArray, IntArray, float]:
    """Exposures of one campaign (staggered over five weeks) and, if helpful, its effect."""
    n = started.size
    # business hours on one of the campaign's days
    t = (
        c0
        + rng.integers(0, CAMPAIGN_DAYS, size=n) * DAY
        + rng.integers(9 * 3600, 17 * 3600, size=n)
    )
    t = np.minimum(t, end - HORIZON_DAYS * DAY - 1)
    early = _in_window(log, t - PRE_DAYS * DAY, t - 14 * DAY)
    late = _in_window(log, t - 14 * DAY, t)
    d_early = _day_counts(log.acc[early], log.t[early], n)
    d_late = _day_counts(log.acc[late], log.t[late], n)
    eligible = (stop > t + DAY) & (t >= started + MIN_TENURE_DAYS * DAY) & (d_early + d_late > 0)
    if helpful:
        p = _expit(HELPFUL_COEF[0] + HELPFUL_COEF[1] * d_early + HELPFUL_COEF[2] * d_late)
    else:
        p = _expit(NULL_COEF[0] + NULL_COEF[1] * (d_early + d_late))
    exposed = eligible & (rng.random(n) < p)
    rescue_draw = rng.random(n)
    acc = np.flatnonzero(exposed)
    if not helpful or acc.size == 0:
        return acc, t[acc], 0.0
    post = _in_window(log, t + 1, t + HORIZON_DAYS * DAY + 1)  # (t, t + horizon]
    y0 = np.bincount(log.acc[post], minlength=n) > 0
    rescued = exposed & ~y0 & (rescue_draw < RESCUE_P)
    r = np.flatnonzero(rescued)
    room = np.minimum(t + HORIZON_DAYS * DAY, stop - 1)[r] - t[r]
    t_r = t[r] + 1 + (rng.random(r.size) * room).astype(np.int64)
    log.add(r, np.zeros(r.size, np.int64), np.full(r.size, login), t_r)
    # exact sample effect on the exposed: Y(1) - Y(0) is 1 for the rescued, else 0
    return acc, t[acc], float(r.size / acc.size)


def plant(
    seed: int,
    arrays: tuple[IntArray, IntArray, IntArray, IntArray],
    *,
    started: IntArray,
    stop: IntArray,
    churned: BoolArray,
    n_users: IntArray,
    launch: int,
    campaign_starts: tuple[int, int],
    end: int,
    codes: dict[str, int],
    usage_codes: IntArray,
) -> tuple[tuple[IntArray, IntArray, IntArray, IntArray], dict[str, IntArray], dict[str, Any]]:
    """Apply the health, engagement and impact effects to the event arrays.

    Returns the sorted event arrays, the extra raw arrays (``acc_newsletter``,
    ``xp_acc``, ``xp_campaign``, ``xp_t``) and the computed campaign effects.
    """
    n = started.size
    log = _Log(*arrays)
    rng_h = np.random.default_rng([seed, 16])
    _health(rng_h, log, started, stop, churned, n_users, usage_codes)
    newsletter = rng_h.poisson(NEWSLETTER_MEAN, size=n).astype(np.int64)

    rng_e = np.random.default_rng([seed, 15])
    _launch(rng_e, log, started, stop, n_users, launch, end, codes[LAUNCHED_FEATURE])
    start = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(start, log.acc, log.t)
    used, days = _early_features(
        rng_e, log, start, (codes[RETENTION_FEATURE], codes[DECOY_FEATURE])
    )
    _plant_retention(rng_e, log, start, stop, used, days, end, codes["login"])

    rng_i = np.random.default_rng([seed, 18])
    effects: dict[str, float] = {}
    xp_acc, xp_c, xp_t = [], [], []
    _lapses(rng_i, log, start, stop, campaign_starts[1])
    # The webinar runs while accounts slip too (so its outcome varies). It is drawn
    # last, from the final log: its exposure depends only on observed pre-period
    # activity, so the outreach's rescues fall alike on its exposed and controls.
    for k, name, helpful in ((1, HELPFUL_CAMPAIGN, True), (0, NULL_CAMPAIGN, False)):
        acc, t, effect = _campaign(
            rng_i, log, started, stop, campaign_starts[k], end, helpful, codes["login"]
        )
        effects[name] = effect
        xp_acc.append(acc)
        xp_t.append(t)
        xp_c.append(np.full(acc.size, k, dtype=np.int64))
    extra = {
        "acc_newsletter": newsletter,
        "xp_acc": np.concatenate(xp_acc),
        "xp_campaign": np.concatenate(xp_c),
        "xp_t": np.concatenate(xp_t),
    }
    return log.sorted(), extra, effects


CAMPAIGNS = (NULL_CAMPAIGN, HELPFUL_CAMPAIGN)


def truth(launched_at: Any, effects: dict[str, float]) -> dict[str, Any]:
    """The ``engagement``, ``health`` and ``impact`` entries of ``SaaSData.truth``."""
    return {
        "engagement": {
            "launched_feature": LAUNCHED_FEATURE,
            "launched_at": launched_at,
            "retention_feature": RETENTION_FEATURE,
            "retention_feature_odds_ratio": RETENTION_FEATURE_OR,
            "decoy_feature": DECOY_FEATURE,
        },
        "health": {"signals": list(HEALTH_SIGNALS), "decoy_column": "newsletter_opens"},
        "impact": {
            HELPFUL_CAMPAIGN: {
                "effect": float(effects[HELPFUL_CAMPAIGN]),
                "outcome": "active",
                "horizon_days": HORIZON_DAYS,
                "targeting": HELPFUL_TARGETING,
            },
            NULL_CAMPAIGN: {
                "effect": 0.0,
                "outcome": "active",
                "horizon_days": HORIZON_DAYS,
                "targeting": NULL_TARGETING,
            },
        },
    }
