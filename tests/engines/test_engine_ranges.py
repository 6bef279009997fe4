"""Activity cells reduced in an engine by several queries over ranges of ids.

The reference is the pandas path on the same events; the ranges are forced by
patching ``CELLS_PER_QUERY`` down.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import adoptmetrics as am
from adoptmetrics.activity import _engine, activity_cells

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")


def _events(ids: list[Any]) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    return pd.DataFrame(
        {
            "account_id": np.asarray(ids, dtype=object)[rng.integers(0, len(ids), n)],
            "timestamp": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s"),
        }
    )


def _cells(events: Any, as_of: str | None = None) -> tuple[Any, ...]:
    c = activity_cells(events, period="week", event_col=None, as_of=as_of)
    return (list(np.asarray(c.entities)[c.entity]), list(c.index), list(c.n_events))


def _queries(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Patch the ranges down and record the id bounds each reduction used."""
    monkeypatch.setattr(_engine, "CELLS_PER_QUERY", 10)
    monkeypatch.setattr(_engine, "PAIRS_PER_QUERY", 10)
    seen: list[Any] = []
    real = _engine._id_ranges

    def spy(ee: Any, n_cells: float, per_query: int | None = None) -> list[tuple[Any, Any]]:
        out = real(ee, n_cells, per_query)
        seen.append(out)
        return out

    monkeypatch.setattr(_engine, "_id_ranges", spy)
    return seen


@pytest.mark.parametrize(
    "ids",
    [
        [f"acct_{i:03d}" for i in range(37)],
        [f"é{i}" for i in range(9)] + [f"e{i}" for i in range(9)] + ["Z", "a", "ß"],
        list(range(-5, 30)),
    ],
    ids=["ascii", "unicode", "integers"],
)
@pytest.mark.parametrize("engine", ["duckdb", "polars-lazy"])
def test_ranges_give_the_single_query_cells(
    ids: list[Any], engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ev = _events(ids)
    want = _cells(ev)
    native = duckdb.from_df(ev) if engine == "duckdb" else pl.from_pandas(ev).lazy()
    seen = _queries(monkeypatch)
    assert _cells(native) == want
    assert len(seen[0]) > 2  # several queries ran


def test_an_engine_ordering_ids_differently_still_gives_sorted_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DuckDB compares case-insensitively under this collation ("B" < "a" in Python,
    # not there): the ranges are then uneven and out of our order; the cells are
    # sorted again.
    ev = _events(["a", "B", "c", "D", "e", "F", "g", "H"])
    want = _cells(ev)
    con = duckdb.connect()
    con.execute("SET default_collation = 'nocase'")
    seen = _queries(monkeypatch)
    assert _cells(con.from_df(ev)) == want
    assert len(seen[0]) > 2


def test_categorical_ids_are_reduced_in_one_query(monkeypatch: pytest.MonkeyPatch) -> None:
    # A categorical's order need not be its labels': no ranges over it.
    ev = _events([f"acct_{i}" for i in range(20)])
    want = _cells(ev)
    lazy = pl.from_pandas(ev).lazy().with_columns(pl.col("account_id").cast(pl.Categorical))
    seen = _queries(monkeypatch)
    assert _cells(lazy) == want
    assert seen[0] == [(None, None)]


@pytest.mark.parametrize("engine", ["duckdb", "polars-lazy"])
def test_ranges_before_as_of(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ev = _events([f"acct_{i:03d}" for i in range(37)])
    want = _cells(ev, as_of="2025-02-10")
    native = duckdb.from_df(ev) if engine == "duckdb" else pl.from_pandas(ev).lazy()
    seen = _queries(monkeypatch)
    assert _cells(native, as_of="2025-02-10") == want
    assert len(seen[0]) > 2


@pytest.mark.parametrize(
    "ranges",
    [[(None, "acct_020"), ("acct_010", None)], [(None, "acct_010"), ("acct_020", None)]],
    ids=["overlap", "gap"],
)
def test_ranges_that_overlap_or_miss_ids_are_caught(
    ranges: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ranges that overlap or leave a gap (as an engine's other collation could
    # make them) must not count an id twice or drop it: the check finds it and
    # one query runs instead.
    ev = _events([f"acct_{i:03d}" for i in range(37)])
    want = _cells(ev)
    monkeypatch.setattr(_engine, "_id_ranges", lambda ee, n, per_query=None: ranges)
    assert _cells(duckdb.from_df(ev)) == want


def _user_events() -> pd.DataFrame:
    ev = _events([f"acct_{i:03d}" for i in range(30)])
    ev["user_id"] = ev["account_id"] + "/" + (ev.index % 3).astype(str)
    return ev


COUNTS = {
    "dau": lambda ev: am.active_counts(ev, period="day"),
    "wau-as-of": lambda ev: am.active_counts(ev, period="week", as_of="2025-02-20 12:00"),
    "dau/mau": lambda ev: am.stickiness(ev),
    "wau/mau": lambda ev: am.stickiness(ev, short="week", long="month", level="account"),
    "dau/wau-as-of": lambda ev: am.stickiness(ev, long="week", as_of="2025-02-20 12:00"),
}


@pytest.mark.parametrize("ranges", [False, True], ids=["one-query", "ranges"])
@pytest.mark.parametrize("engine", ["duckdb", "polars-lazy"])
@pytest.mark.parametrize("name", list(COUNTS))
def test_engagement_counts_counted_in_the_engine(
    name: str, engine: str, ranges: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without segments the distinct counts run in the engine (no cells collected);
    # the in-memory path on the same events is the reference. Weeks straddling a
    # month are split by month on both paths.
    ev = _user_events()
    want = COUNTS[name](ev)
    native = duckdb.from_df(ev) if engine == "duckdb" else pl.from_pandas(ev).lazy()
    seen = _queries(monkeypatch) if ranges else []
    collected: list[Any] = []
    monkeypatch.setattr(_engine, "_cells", lambda *a: collected.append(a))
    pd.testing.assert_frame_equal(COUNTS[name](native), want, check_dtype=False, rtol=1e-12)
    assert not collected  # no (entity, period) cells were collected
    assert not ranges or (seen and all(len(r) > 2 for r in seen))  # several queries ran
