"""Fast, vectorised synthetic event logs for the benchmarks.

``make_events(10_000_000)`` takes a few seconds and about 150 MB: ids are
categorical (int32 codes), event names categorical (int8 codes), timestamps
``datetime64[ns]``. The shape is meant to look like a B2B product log, not to
be statistically meaningful:

* accounts start uniformly over the first 80 % of the span and stay active for
  an exponential lifetime (mean: half the span), capped at the span's end;
* how many events an account produces is heavy-tailed (log-normal weights), so
  a few accounts are very busy and many are quiet;
* event names follow a Zipf-like law (``event_00`` is the most common);
* each event falls uniformly inside its account's active interval, so no event
  precedes its account's start.

Rows come out in random order (not sorted by time or account), which is what
a concatenation of exports usually looks like and what the library must not
rely on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["T0", "make_events"]

#: Start of the synthetic observation span.
T0 = pd.Timestamp("2023-01-02")  # a Monday

_NS_PER_DAY = 86_400 * 10**9


def make_events(
    n_events: int,
    *,
    n_accounts: int = 100_000,
    months: int = 18,
    n_event_types: int = 30,
    seed: int = 0,
) -> pd.DataFrame:
    """Generate ``n_events`` synthetic product events.

    Parameters
    ----------
    n_events : int
        Number of rows.
    n_accounts : int
        Number of distinct accounts (ids ``acc000000``, ``acc000001``, ...).
        Every account is a category; an account may have no events when
        ``n_events`` is small.
    months : int
        Length of the span starting at :data:`T0`, in 30.4-day months.
    n_event_types : int
        Number of distinct event names (``event_00``, ``event_01``, ...).
    seed : int
        Seed of the NumPy random generator; the output is a pure function of
        the arguments.

    Returns
    -------
    DataFrame
        ``n_events`` rows in random order, with a fresh ``RangeIndex``:

        - ``account_id``: categorical account id.
        - ``event``: categorical event name.
        - ``timestamp``: ``datetime64[ns]`` (tz-naive, UTC).

    Examples
    --------
    >>> ev = make_events(1_000, n_accounts=50, seed=1)
    >>> ev.shape, str(ev["account_id"].dtype), str(ev["timestamp"].dtype)
    ((1000, 3), 'category', 'datetime64[ns]')
    """
    if n_events < 0 or n_accounts < 1 or months < 1 or n_event_types < 1:
        raise ValueError(
            "n_events must be >= 0 and n_accounts, months, n_event_types >= 1.\n"
            "Hint: e.g. make_events(1_000_000)."
        )
    rng = np.random.default_rng(seed)
    span_ns = round(months * 30.4 * _NS_PER_DAY)

    # Per account: start, end of activity, and a heavy-tailed activity weight.
    start = (rng.random(n_accounts) * 0.8 * span_ns).astype(np.int64)
    life = (rng.exponential(0.5, n_accounts) * span_ns).astype(np.int64)
    end = np.minimum(start + np.maximum(life, _NS_PER_DAY), span_ns)
    weight = rng.lognormal(mean=0.0, sigma=1.2, size=n_accounts)
    cum = np.cumsum(weight)
    account = np.searchsorted(cum, rng.random(n_events) * cum[-1], side="right")
    account = np.minimum(account, n_accounts - 1).astype(np.int32)

    # Zipf-like event mix.
    ev_weight = 1.0 / np.arange(1, n_event_types + 1) ** 1.1
    ev_cum = np.cumsum(ev_weight)
    event = np.searchsorted(ev_cum, rng.random(n_events) * ev_cum[-1], side="right")
    event = np.minimum(event, n_event_types - 1).astype(
        np.int8 if n_event_types < 128 else np.int32
    )

    a_start = start[account]
    offset = (rng.random(n_events) * (end[account] - a_start)).astype(np.int64)
    ns = T0.value + a_start + offset

    accounts = pd.Index([f"acc{i:06d}" for i in range(n_accounts)])
    names = pd.Index([f"event_{i:02d}" for i in range(n_event_types)])
    return pd.DataFrame(
        {
            "account_id": pd.Categorical.from_codes(account, categories=accounts),
            "event": pd.Categorical.from_codes(event, categories=names),
            "timestamp": ns.view("datetime64[ns]"),
        }
    )


if __name__ == "__main__":  # pragma: no cover - manual smoke run
    import time

    t = time.perf_counter()
    frame = make_events(10_000_000)
    print(
        f"10M events in {time.perf_counter() - t:.1f} s, {frame.memory_usage(deep=True).sum() / 1e6:.0f} MB"
    )
    print(frame.head())
    print(frame["timestamp"].min(), frame["timestamp"].max(), frame["account_id"].nunique())
