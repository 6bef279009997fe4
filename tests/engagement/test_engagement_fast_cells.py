"""The fast distinct-pair paths behind engagement equal straightforward references.

``distinct_pairs`` (bitmap, or windowed scratch table), the sort fallback of
``distinct_keys`` and of ``entity_period_cells`` (grids too big for a bitmap)
and ``stickiness`` built on them are checked against Python sets and an
explicit pandas computation on random data. The window and bitmap limits are
shrunk so that small inputs take the many-window and no-bitmap paths.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import adoptmetrics.activity._engagement_cells as cells
from adoptmetrics.engagement import active_counts, feature_adoption, stickiness


def _pairs(
    draw_n: int, n_ent: int, n_per: int, seed: int, *, time_order: bool
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    ent = rng.integers(0, n_ent, draw_n).astype(np.int64)
    per = rng.integers(0, n_per, draw_n).astype(np.int64)
    if time_order:  # event logs usually arrive sorted by time
        order = np.argsort(per, kind="stable")
        ent, per = ent[order], per[order]
    return ent, per


@given(
    st.integers(0, 400),
    st.integers(1, 30),
    st.integers(1, 40),
    st.integers(0, 2**32 - 1),
    st.booleans(),
    st.sampled_from([0, 1, 7, 64, 1 << 22]),
)
def test_distinct_pairs_equal_a_set_of_the_pairs(
    n: int, n_ent: int, n_per: int, seed: int, time_order: bool, window: int
) -> None:
    ent, per = _pairs(n, n_ent, n_per, seed, time_order=time_order)
    before = (ent.copy(), per.copy())
    with pytest.MonkeyPatch.context() as mp:
        if window:  # no bitmap: windows of about `window` pairs (many, also unsorted)
            mp.setattr(cells, "_DENSE_LIMIT", 0)
            mp.setattr(cells, "_WINDOW_KEYS", window)
        got_ent, got_per = cells.distinct_pairs(ent, per, n_ent, n_per)
    assert np.array_equal(ent, before[0])  # not mutated
    assert np.array_equal(per, before[1])
    got = list(zip(got_ent.tolist(), got_per.tolist(), strict=True))
    # Reference: a Python set of the pairs.
    assert len(got) == len(set(got))
    assert set(got) == set(zip(ent.tolist(), per.tolist(), strict=True))


@given(st.integers(0, 300), st.integers(1, 50), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_sort_fallbacks_equal_numpy_unique(n: int, n_ent: int, n_per: int, seed: int) -> None:
    ent, per = _pairs(n, n_ent, n_per, seed, time_order=False)
    ns = (per + 19_000) * 86_400 * 10**9 + 3_600 * 10**9
    dense = cells.entity_period_cells(
        ent, ns, period="day", p0=19_000, n_periods=n_per, n_entities=n_ent
    )
    key = ent * n_per + per
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cells, "_DENSE_LIMIT", 0)  # no grid is small enough: the sort fallbacks
        sparse = cells.entity_period_cells(
            ent, ns, period="day", p0=19_000, n_periods=n_per, n_entities=n_ent
        )
        keys = cells.distinct_keys(key, n_ent * n_per)
    ref = np.unique(key)  # reference: numpy's own unique
    assert np.array_equal(keys, ref)
    assert np.array_equal(dense[0], ref // n_per)
    assert np.array_equal(dense[1], ref % n_per + 19_000)
    assert np.array_equal(sparse[0], dense[0])
    assert np.array_equal(sparse[1], dense[1])


def _random_log(seed: int, n: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    users = np.array([f"u{i:03d}" for i in range(120)], dtype=object)
    u = rng.integers(0, len(users), n)
    start = pd.Timestamp("2024-01-17 05:00").value
    ns = start + rng.integers(0, 150 * 86_400, n) * 10**9
    ev = pd.DataFrame(
        {
            "account_id": np.array([f"a{i % 17}" for i in range(120)], dtype=object)[u],
            "user_id": users[u],
            "event": "login",
            "timestamp": pd.to_datetime(ns),
        }
    )
    return ev.sort_values("timestamp", kind="stable").reset_index(drop=True) if seed % 2 else ev


def _reference_stickiness(
    ev: pd.DataFrame, short: str, long: str, as_of: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    """Independent: pandas periods; a short period cut at each long period's start."""
    freq = {"day": "D", "week": "W-SUN", "month": "M"}
    t = ev["timestamp"]
    long_p = t.dt.to_period(freq[long]).dt.start_time
    part = pd.DataFrame(
        {"u": ev["user_id"], "long": long_p, "short": t.dt.to_period(freq[short]).dt.start_time}
    )
    n_active = part.groupby("long")["u"].nunique()
    short_active = part.drop_duplicates().groupby("long").size()
    # Observed days from the first event's day to as_of's day, as parts per long period.
    days = pd.date_range(t.min().normalize(), as_of.normalize(), freq="D")
    obs = pd.DataFrame(
        {
            "long": days.to_period(freq[long]).start_time,
            "short": days.to_period(freq[short]).start_time,
        }
    ).drop_duplicates()
    n_short = obs.groupby("long").size()
    return (short_active / n_short).dropna(), n_active


@pytest.fixture(params=["bitmap", "windows"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the period-major bitmap, then on many small windows (no bitmap)."""
    if request.param == "windows":
        monkeypatch.setattr(cells, "_DENSE_LIMIT", 0)
        monkeypatch.setattr(cells, "_WINDOW_KEYS", 200)
    return str(request.param)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("short", "long"), [("day", "month"), ("day", "week"), ("week", "month")])
def test_stickiness_equals_pandas_reference_on_random_logs(
    seed: int, short: str, long: str, path: str
) -> None:
    ev = _random_log(seed)
    as_of = pd.Timestamp("2024-06-20 12:00")
    out = stickiness(ev, short=short, long=long, as_of=as_of).set_index("period")
    by = stickiness(ev, short=short, long=long, as_of=as_of, by="account_id")
    counts = active_counts(ev, period=long, level="user", as_of=as_of).set_index("period")
    kept = ev[ev["timestamp"] <= as_of]
    mean_short, n_active = _reference_stickiness(kept, short, long, as_of)
    got = out[out["n_active"] > 0]
    assert got["n_active"].to_dict() == n_active.to_dict()
    np.testing.assert_allclose(
        got["mean_short_active"].to_numpy(), mean_short.loc[got.index].to_numpy(), rtol=1e-12
    )
    assert out["n_active"].tolist() == counts["n_active"].tolist()
    # Segments (accounts; users never change account here) add up to the whole.
    summed = by.groupby("period")[["n_active", "mean_short_active"]].sum()
    assert summed["n_active"].tolist() == out["n_active"].tolist()
    np.testing.assert_allclose(summed["mean_short_active"], out["mean_short_active"], rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_feature_adoption_equals_pandas_reference_on_random_logs(seed: int, path: str) -> None:
    rng = np.random.default_rng(seed)
    ev = _random_log(seed)
    ev["event"] = rng.choice(np.array(["login", "export", "share", "invite"]), len(ev))
    with pytest.warns(UserWarning, match="nope"):
        out = feature_adoption(ev, features=["export", "share", "nope"], period="week")
    # Reference: pandas groupby on calendar weeks.
    week = ev["timestamp"].dt.to_period("W-SUN").dt.start_time
    n_active = ev.groupby(week)["account_id"].nunique()
    for f in ("export", "share"):
        mine = out[out["feature"] == f].set_index("period")
        rows = ev["event"] == f
        adopters = ev[rows].groupby(week[rows])["account_id"].nunique()
        n_events = ev[rows].groupby(week[rows]).size()
        assert mine["n_active"].to_dict() == n_active.reindex(mine.index, fill_value=0).to_dict()
        assert mine["n_adopters"].to_dict() == adopters.reindex(mine.index, fill_value=0).to_dict()
        with_adopters = mine[mine["n_adopters"] > 0]
        np.testing.assert_allclose(
            with_adopters["events_per_adopter"],
            (n_events / adopters).loc[with_adopters.index],
            rtol=1e-12,
        )
    assert (out.loc[out["feature"] == "nope", "n_adopters"] == 0).all()


@given(st.integers(0, 300), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_early_use_and_return_equals_explicit_loop(n: int, n_ent: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    day = 86_400 * 10**9
    entity = rng.integers(0, n_ent, n).astype(np.int64)
    ns = rng.integers(-5 * day, 40 * day, n).astype(np.int64)  # also before 1970
    event = rng.integers(0, 3, n).astype(np.int64)
    start = rng.integers(-3 * day, 20 * day, n_ent).astype(np.int64)
    start[rng.random(n_ent) < 0.3] = np.iinfo(np.int64).min  # no start
    early, ret = 7 * day, (10 * day, 15 * day)
    counts, active_days, returned = cells.early_use_and_return(
        entity, ns, event, start, n_events=3, early_ns=early, return_ns=ret
    )
    # Reference: an explicit loop over the rows.
    ref_counts = np.zeros((n_ent, 3), dtype=np.int64)
    ref_days: list[set[int]] = [set() for _ in range(n_ent)]
    ref_ret = np.zeros(n_ent, dtype=bool)
    for e, t, v in zip(entity.tolist(), ns.tolist(), event.tolist(), strict=True):
        s = int(start[e])
        if s == np.iinfo(np.int64).min or t < s:
            continue
        if t - s < early:
            ref_counts[e, v] += 1
            ref_days[e].add((t - s) // day)
        if ret[0] <= t - s < ret[1]:
            ref_ret[e] = True
    assert np.array_equal(counts, ref_counts)
    assert active_days.tolist() == [len(d) for d in ref_days]
    assert np.array_equal(returned, ref_ret)
