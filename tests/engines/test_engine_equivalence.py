"""The same numbers from every engine: one parametrised suite over the public API.

Every public function whose first positional parameter is ``events`` (found by
introspection, so a new one cannot be forgotten) is called on the same small
event log held by pandas (object strings, Arrow strings), Polars (eager and
lazy), PyArrow, DuckDB, Ibis and PySpark (local mode, ``-m spark``), and through an
``am.EventLog``. The reference is the pandas frame with object string ids.
Results are compared with ids as strings, rows and columns in a canonical
order, timestamps as int64 nanoseconds and floats to 1e-9; a function that
raises must raise the same error type and message on every engine.
"""

from __future__ import annotations

import inspect
import os
import shutil
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest

import adoptmetrics as am
from adoptmetrics.activity import ActivityCells, _engine

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
duckdb = pytest.importorskip("duckdb")

N_ACCOUNTS = 120


# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    demo = am.load_demo()
    keep = demo.accounts["account_id"].astype(str).sort_values().iloc[:N_ACCOUNTS]
    kept = set(keep)
    ev = demo.events[demo.events["account_id"].astype(str).isin(kept)]
    ev = pd.DataFrame(
        {
            "account_id": ev["account_id"].astype(str).astype(object).to_numpy(),
            "user_id": ev["user_id"].astype(str).astype(object).to_numpy(),
            "event": ev["event"].astype(str).astype(object).to_numpy(),
            "timestamp": ev["timestamp"].to_numpy().astype("datetime64[ns]"),
        }
    )
    accounts = demo.accounts[demo.accounts["account_id"].astype(str).isin(kept)].copy()
    accounts["account_id"] = accounts["account_id"].astype(str).astype(object)

    def subset(df: pd.DataFrame) -> pd.DataFrame:
        out = df[df["account_id"].astype(str).isin(kept)].copy()
        out["account_id"] = out["account_id"].astype(str).astype(object)
        return out

    return {
        "events": ev,
        "accounts": accounts,
        "nps": subset(demo.nps),
        "expansions": subset(demo.expansions),
        "exposures": subset(demo.exposures),
        "truth": demo.truth,
        "as_of": demo.as_of,
    }


def _arrow_strings(ev: pd.DataFrame) -> pd.DataFrame:
    dtype = pd.ArrowDtype(pa.string())
    return ev.astype({"account_id": dtype, "user_id": dtype, "event": dtype})


def _duckdb(ev: pd.DataFrame) -> Any:
    con = duckdb.connect()
    return con.from_arrow(pa.Table.from_pandas(ev, preserve_index=False))


_SPARK: list[Any] = []


def _spark(ev: pd.DataFrame) -> Any:
    """A local Spark session (started once), session time zone UTC."""
    sql = pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("PySpark needs Java (17) on the PATH or JAVA_HOME")
    if not _SPARK:
        _SPARK.append(
            sql.SparkSession.builder.master("local[1]")
            .appName("adoptmetrics-tests")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark warns about pandas 3 support
        return _SPARK[0].createDataFrame(ev)


def _ibis(ev: pd.DataFrame) -> Any:
    """An Ibis table (its default DuckDB backend), read through narwhals like any lazy frame."""
    ibis = pytest.importorskip("ibis")
    return ibis.memtable(ev)


ENGINES: dict[str, Callable[[pd.DataFrame], Any]] = {
    "pandas-arrow": _arrow_strings,
    "pandas-categorical": lambda ev: ev.astype({"account_id": "category", "event": "category"}),
    "polars": lambda ev: pl.from_pandas(ev),
    "polars-lazy": lambda ev: pl.from_pandas(ev).lazy(),
    "pyarrow": lambda ev: pa.Table.from_pandas(ev, preserve_index=False),
    "duckdb": _duckdb,
    # Reductions run as several queries over ranges of ids (*_PER_QUERY patched).
    "duckdb-ranges": _duckdb,
    "polars-lazy-ranges": lambda ev: pl.from_pandas(ev).lazy(),
    "eventlog": lambda ev: am.EventLog(ev),
    "eventlog-duckdb": lambda ev: am.EventLog(_duckdb(ev)),
    "spark": _spark,
    "ibis": _ibis,
}


# --------------------------------------------------------------------------- the API


def events_functions() -> dict[str, Callable[..., Any]]:
    """Every public function whose first positional parameter is ``events``."""
    found: dict[str, Callable[..., Any]] = {}
    for name in sorted(dir(am)):
        module = getattr(am, name)
        if not isinstance(module, types.ModuleType) or not hasattr(module, "__all__"):
            continue
        if module.__name__.startswith("adoptmetrics.plotting"):
            continue  # figures, not numbers
        for fname in module.__all__:
            fn = getattr(module, fname)
            if not inspect.isfunction(fn):
                continue
            params = [
                p
                for p in inspect.signature(fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            if params and params[0].name == "events":
                found[fname] = fn
    return found


def _triggers() -> list[Any]:
    return [
        am.Trigger("invites", event="invite_teammate", min_count=2, window_days=14),
        am.Trigger("usage surge", metric="usage_growth", threshold=1.5),
    ]


def _won(w: dict[str, Any]) -> pd.Series:
    won: pd.Series = w["accounts"].set_index("account_id")["onboarding_success"]
    return won


MILESTONES = ["create_project", "invite_teammate", "create_dashboard"]
CUTOFF = "2025-01-01"


def _launch(w: dict[str, Any]) -> tuple[str, Any]:
    eng = w["truth"]["engagement"]
    return eng["launched_feature"], eng["launched_at"]


# name -> (extra positional arguments, keyword arguments), from the world.
CALLS: dict[str, Callable[[dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "activity_cells": lambda w: ((), {}),
    "event_counts": lambda w: ((), {"window_days": 30}),
    "event_sequences": lambda w: ((), {"window_days": 14}),
    "first_last_seen": lambda w: ((), {}),
    "period_activity": lambda w: ((), {"period": "month", "activity_events": ["login"]}),
    "trigger_firings": lambda w: (
        (),
        {"event": "invite_teammate", "min_count": 2, "window_days": 14},
    ),
    "window_activity": lambda w: ((), {"window_days": 30}),
    "lapse_table": lambda w: ((), {}),
    "active_counts": lambda w: ((), {}),
    "active_days_distribution": lambda w: ((), {}),
    "adopter_categories": lambda w: ((_launch(w)[0],), {"launched_at": _launch(w)[1]}),
    "adoption_curve": lambda w: ((_launch(w)[0],), {"launched_at": _launch(w)[1]}),
    "feature_adoption": lambda w: ((), {}),
    "feature_retention": lambda w: ((), {"features": ["create_dashboard", "bulk_edit"]}),
    "lifecycle": lambda w: ((), {}),
    "stickiness": lambda w: ((), {}),
    "backtest_expansion": lambda w: (
        (_triggers(),),
        {"expansions": w["expansions"], "cutoff": CUTOFF, "accounts": w["accounts"]},
    ),
    "expansion_scores": lambda w: (
        (_triggers(),),
        {"expansions": w["expansions"], "accounts": w["accounts"]},
    ),
    "fit_expansion_model": lambda w: (
        (_triggers(),),
        {"expansions": w["expansions"], "accounts": w["accounts"]},
    ),
    "trigger_lift": lambda w: (
        (_triggers(),),
        {"expansions": w["expansions"], "accounts": w["accounts"]},
    ),
    "account_metrics": lambda w: ((), {"accounts": w["accounts"], "nps": w["nps"]}),
    "backtest_health": lambda w: ((w["accounts"],), {"nps": w["nps"], "cutoff": CUTOFF}),
    "fit_health_model": lambda w: (
        (w["accounts"],),
        {"nps": w["nps"], "as_of": CUTOFF, "n_snapshots": 3},
    ),
    "lifecycle_stages": lambda w: ((w["accounts"],), {"nps": w["nps"]}),
    "stage_transitions": lambda w: (
        (w["accounts"],),
        {"nps": w["nps"], "start": "2025-04-01", "end": w["as_of"]},
    ),
    "campaign_impact": lambda w: (
        (w["exposures"],),
        {"outcome": "active", "horizon_days": 28, "pre_days": 28, "accounts": w["accounts"]},
    ),
    "release_impact": lambda w: (
        (_launch(w)[0],),
        {"launched_at": _launch(w)[1], "outcome": "active_days"},
    ),
    "golden_path": lambda w: (
        (_won(w),),
        {"window_days": 14, "accounts": w["accounts"], "max_length": 2},
    ),
    "milestone_status": lambda w: ((MILESTONES,), {"window_days": 14, "accounts": w["accounts"]}),
    "onboarding_funnel": lambda w: ((MILESTONES,), {"window_days": 14, "accounts": w["accounts"]}),
    "success_paths": lambda w: (
        (_won(w),),
        {"window_days": 14, "accounts": w["accounts"], "max_length": 2},
    ),
    "time_to_value": lambda w: ((MILESTONES,), {"window_days": 14, "accounts": w["accounts"]}),
    "cohort_retention": lambda w: ((), {"period": "month"}),
    "retention_curve": lambda w: ((), {"period": "month", "method": "chained"}),
    "retention_matrix": lambda w: ((), {"period": "month"}),
    "retention_trend": lambda w: ((), {"period": "month"}),
    "usage_covariates": lambda w: ((), {"window_days": 14}),
}


def _nps_quadrants(events: Any, w: dict[str, Any]) -> Any:
    return am.nps.nps_quadrants(w["nps"], events)


def test_every_events_function_has_a_call() -> None:
    missing = sorted(set(events_functions()) - set(CALLS))
    assert not missing, f"add these to CALLS so every engine is checked: {missing}"


# --------------------------------------------------------------------------- comparison


def _text(v: object) -> str:
    """Ids and labels as strings; every kind of missing value as one marker."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "<NA>"
    return str(v)


def _frame(df: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    cols: dict[str, Any] = {}
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
            cols[str(c)] = s.astype("datetime64[ns]").astype("int64").where(s.notna(), -1)
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            cols[str(c)] = s.astype("float64") if s.dtype.kind == "f" else s
        else:
            cols[str(c)] = s.astype(object).map(_text)
    out = pd.DataFrame(cols)
    out = out[sorted(out.columns)]
    keys = [c for c in out.columns if out[c].dtype.kind != "f"]
    if len(out) and keys:
        out = out.sort_values(keys, kind="stable")
    return out.reset_index(drop=True)


def normalise(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return _frame(value)
    if isinstance(value, pd.Series):
        return _frame(value.to_frame(name=value.name if value.name is not None else "value"))
    if isinstance(value, ActivityCells):
        return _frame(
            pd.DataFrame(
                {
                    "entity": np.asarray(value.entities)[value.entity].astype(str),
                    "index": value.index,
                    "n_events": value.n_events,
                }
            )
        )
    if attrs.has(type(value)):
        return {
            f.name: normalise(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if not f.name.startswith("_")
        }
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, np.ndarray):
        return value
    return value


def assert_same(got: Any, want: Any, where: str = "") -> None:
    if isinstance(want, pd.DataFrame):
        assert isinstance(got, pd.DataFrame), where
        pd.testing.assert_frame_equal(
            got, want, check_dtype=False, rtol=1e-9, atol=1e-9, obj=where or "result"
        )
    elif isinstance(want, dict):
        assert isinstance(got, dict), where
        assert set(got) == set(want), where
        for k in want:
            assert_same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list), where
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, np.ndarray) and want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=where)
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9, nan_ok=True), where
    elif isinstance(want, np.ndarray):
        np.testing.assert_array_equal(got, want, err_msg=where)
    elif isinstance(want, (int, str, bool, type(None), pd.Timestamp)):
        assert got == want, where


def run(fn: Callable[..., Any], events: Any, w: dict[str, Any], name: str) -> Any:
    args, kwargs = CALLS[name](w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return normalise(fn(events, *args, **kwargs))
        except (ValueError, TypeError) as exc:
            return ("error", type(exc).__name__, str(exc).split("\n")[0])


# --------------------------------------------------------------------------- the tests

_REFERENCE: dict[str, Any] = {}


def reference(name: str, w: dict[str, Any]) -> Any:
    if name not in _REFERENCE:
        _REFERENCE[name] = run(events_functions()[name], w["events"], w, name)
    return _REFERENCE[name]


# Known gaps in other areas, tracked here so they cannot pass silently.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _params() -> Iterator[Any]:
    for name in sorted(events_functions()):
        for engine in ENGINES:
            marks = []
            if engine == "spark":
                marks.append(pytest.mark.spark)
            if (name, engine) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[name, engine], strict=True))
            yield pytest.param(name, engine, id=f"{name}-{engine}", marks=marks)


@pytest.mark.parametrize(("name", "engine"), list(_params()))
def test_same_numbers_on_every_engine(
    name: str, engine: str, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    want = reference(name, world)
    if engine.endswith("-ranges"):
        monkeypatch.setattr(_engine, "CELLS_PER_QUERY", 50)
        monkeypatch.setattr(_engine, "PAIRS_PER_QUERY", 50)
    got = run(events_functions()[name], ENGINES[engine](world["events"]), world, name)
    assert_same(got, want, f"{name} on {engine}")
