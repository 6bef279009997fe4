"""A small simulated world with a known campaign effect, for the impact tests.

Accounts are active on a day with a per-account rate; a third of them slip
(their rate declines). A campaign reaches mostly accounts whose last two
weeks were quieter than the two before (the team targets on what it can
see) and multiplies their rate by ``1 + lift`` for 28 days. Potential outcomes are
drawn with common random numbers, so the true effect on the exposed (ATT) is
known exactly for the draw.
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd


@attrs.frozen
class World:
    events: pd.DataFrame
    exposures: pd.DataFrame
    accounts: pd.DataFrame
    att_active: float
    att_active_days: float
    effect_active: pd.Series  # exposed account id -> y1 - y0 (any activity in the window)
    effect_active_days: pd.Series  # exposed account id -> d1 - d0 (active days in the window)


def simulate(
    n: int = 600, days: int = 200, lift: float = 0.5, seed: int = 0, horizon: int = 28
) -> World:
    rng = np.random.default_rng(seed)
    base = rng.beta(2, 6, size=n)
    slipping = rng.random(n) < 0.35
    t = np.arange(days)
    decline = np.clip(1 - 0.012 * np.maximum(t - 60, 0), 0.15, 1)
    rate0 = base[:, None] * np.where(slipping[:, None], decline[None, :], 1.0)
    u = rng.random((n, days))
    act0 = u < rate0
    # The CS team checks each account once and reaches out when its last two
    # weeks were quieter than the two before: targeting on what it can see.
    check = rng.integers(90, 150, size=n)
    cum = np.concatenate([np.zeros((n, 1), dtype=int), act0.cumsum(axis=1)], axis=1)
    rows_n = np.arange(n)
    recent = cum[rows_n, check] - cum[rows_n, check - 14]
    earlier = cum[rows_n, check - 14] - cum[rows_n, check - 28]
    exposed = rng.random(n) < np.where(recent < earlier, 0.6, 0.08)
    e_day = np.where(exposed, check, -1)
    after = (
        exposed[:, None] & (t[None, :] > e_day[:, None]) & (t[None, :] <= e_day[:, None] + horizon)
    )
    rate1 = np.where(after, np.minimum(rate0 * (1 + lift), 1.0), rate0)
    act1 = u < rate1
    window = after[exposed]
    y1 = (act1[exposed] & window).any(axis=1)
    y0 = (act0[exposed] & window).any(axis=1)
    d1 = (act1[exposed] & window).sum(axis=1)
    d0 = (act0[exposed] & window).sum(axis=1)
    rows, cols = np.nonzero(act1)
    start = pd.Timestamp("2024-01-01")
    ids = np.array([f"acct-{i:04d}" for i in range(n)])
    events = pd.DataFrame(
        {
            "account_id": ids[rows],
            "event": "login",
            "timestamp": start + pd.to_timedelta(cols, unit="D") + pd.Timedelta(hours=9),
        }
    )
    exposures = pd.DataFrame(
        {
            "account_id": ids[exposed],
            "campaign": "rescue",
            "exposed_at": start
            + pd.to_timedelta(e_day[exposed], unit="D")
            + pd.Timedelta(hours=12),
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "started_at": start,
            "churned_at": pd.NaT,
            "plan": np.where(rng.random(n) < 0.5, "basic", "pro"),
        }
    )
    return World(
        events=events,
        exposures=exposures,
        accounts=accounts,
        att_active=float(np.mean(y1.astype(float) - y0)),
        att_active_days=float(np.mean(d1 - d0)),
        effect_active=pd.Series(y1.astype(float) - y0, index=ids[exposed]),
        effect_active_days=pd.Series((d1 - d0).astype(float), index=ids[exposed]),
    )
