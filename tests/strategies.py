"""Hypothesis strategies for the canonical tables, shared by every test module."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

T0 = pd.Timestamp("2024-01-01")
ACCOUNT_IDS = [f"a{i}" for i in range(12)]
EVENT_NAMES = ["login", "invite", "report", "export", "upgrade"]


@st.composite
def events_frames(
    draw: st.DrawFn,
    *,
    min_rows: int = 1,
    max_rows: int = 80,
    max_days: int = 120,
    with_users: bool = False,
) -> pd.DataFrame:
    """Event logs: a few accounts, a few event names, timestamps over ``max_days``."""
    n = draw(st.integers(min_rows, max_rows))
    ids = draw(st.lists(st.sampled_from(ACCOUNT_IDS), min_size=n, max_size=n))
    names = draw(st.lists(st.sampled_from(EVENT_NAMES), min_size=n, max_size=n))
    seconds = draw(st.lists(st.integers(0, max_days * 86_400 - 1), min_size=n, max_size=n))
    frame: dict[str, Any] = {
        "account_id": ids,
        "event": names,
        "timestamp": T0 + pd.to_timedelta(np.asarray(seconds, dtype=np.int64), unit="s"),
    }
    if with_users:
        users = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
        frame["user_id"] = [f"{a}-u{u}" for a, u in zip(ids, users, strict=True)]
    return pd.DataFrame(frame)


@st.composite
def accounts_frames(
    draw: st.DrawFn, *, min_rows: int = 1, max_rows: int = 40, max_days: int = 400
) -> pd.DataFrame:
    """Accounts with start dates, optional churn on or after start, plan and seats."""
    n = draw(st.integers(min_rows, max_rows))
    starts = draw(st.lists(st.integers(0, max_days), min_size=n, max_size=n))
    lengths = draw(st.lists(st.one_of(st.none(), st.integers(0, max_days)), min_size=n, max_size=n))
    plans = draw(st.lists(st.sampled_from(["basic", "pro", "enterprise"]), min_size=n, max_size=n))
    seats = draw(st.lists(st.integers(1, 200), min_size=n, max_size=n))
    started = T0 + pd.to_timedelta(starts, unit="D")
    churned = [
        pd.NaT if length is None else s + pd.Timedelta(days=length)
        for s, length in zip(started, lengths, strict=True)
    ]
    return pd.DataFrame(
        {
            "account_id": [f"a{i}" for i in range(n)],
            "started_at": started,
            "churned_at": pd.to_datetime(pd.Series(churned, dtype="datetime64[ns]")),
            "plan": plans,
            "seats": seats,
        }
    )


@st.composite
def nps_frames(
    draw: st.DrawFn, *, min_rows: int = 1, max_rows: int = 60, max_days: int = 365
) -> pd.DataFrame:
    """NPS responses: integer scores 0–10 from a few accounts."""
    n = draw(st.integers(min_rows, max_rows))
    ids = draw(st.lists(st.sampled_from(ACCOUNT_IDS), min_size=n, max_size=n))
    scores = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, max_days), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "account_id": ids,
            "timestamp": T0 + pd.to_timedelta(days, unit="D"),
            "score": np.asarray(scores, dtype=np.int64),
        }
    )


@st.composite
def mrr_frames(draw: st.DrawFn, *, max_accounts: int = 8, max_months: int = 12) -> pd.DataFrame:
    """Monthly revenue: each account has MRR for a run of consecutive months."""
    rows: list[dict[str, Any]] = []
    n_accounts = draw(st.integers(1, max_accounts))
    for i in range(n_accounts):
        first = draw(st.integers(0, max_months - 1))
        length = draw(st.integers(1, max_months - first))
        for m in range(first, first + length):
            amount = draw(st.sampled_from([0.0, 50.0, 100.0, 150.0, 400.0]))
            rows.append(
                {
                    "account_id": f"a{i}",
                    "month": T0 + pd.DateOffset(months=m),
                    "mrr": amount,
                }
            )
    return pd.DataFrame(rows)


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same rows in another order (index kept), for order-invariance tests."""
    return frame.sample(frac=1.0, random_state=seed)
