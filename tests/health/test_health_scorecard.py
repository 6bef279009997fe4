"""Measure, Scorecard and health_scores: a scorecard computed by hand, validation, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoptmetrics import SchemaError
from adoptmetrics.health import DEFAULT_SCORECARD, health_scores
from adoptmetrics.models import Measure, Scorecard, from_frame, to_frame

CARD = Scorecard(
    [
        Measure("active_days", 2, bad=0, good=10),
        Measure("days_since_active", 1, bad=14, good=0),  # lower is better
        Measure("nps", 1, bad=6, good=9),
    ]
)


def test_scores_by_hand() -> None:
    metrics = pd.DataFrame(
        {
            "account_id": ["x", "y", "z", "w", "v"],
            "active_days": [5, 12, 1, np.nan, 7.5],
            "days_since_active": [7, 0, 28, np.nan, 3.5],
            "nps": [9, np.nan, 7.5, np.nan, 8.25],
        }
    )
    out = health_scores(metrics, scorecard=CARD).set_index("account_id")
    # x: components 50, 50, 100 → (2·50 + 50 + 100) / 4.
    assert out.loc["x", "score"] == 62.5
    assert out.loc["x", "band"] == "yellow"
    assert out.loc["x", "score_days_since_active"] == 50
    # y: nps missing → weights renormalised over the other two: (2·100 + 100) / 3.
    assert out.loc["y", "score"] == 100
    assert out.loc["y", "band"] == "green"
    assert out["score_nps"].isna()["y"]
    # z: 10, 0 (28 days is past bad=14: clipped), 50 → (20 + 0 + 50) / 4.
    assert out.loc["z", "score"] == 17.5
    assert out.loc["z", "band"] == "red"
    # weakest first by weighted shortfall: active_days 2·90 > days_since 1·100; nps is not < 50.
    assert out.loc["z", "reasons"] == ("active_days low (1)", "days_since_active high (28)")
    # w: nothing to score.
    assert out["score"].isna()["w"]
    assert out["band"].isna()["w"]
    assert out.loc["w", "reasons"] == ()
    # v: exactly on the upper band edge → green.
    assert out.loc["v", "score"] == 75
    assert out.loc["v", "band"] == "green"
    assert list(out.columns) == [
        "score",
        "band",
        "score_active_days",
        "score_days_since_active",
        "score_nps",
        "reasons",
    ]


def test_band_edges_and_reason_limit() -> None:
    card = Scorecard([Measure("m", 1, bad=0, good=100)], bands=(40, 60))
    m = pd.DataFrame({"account_id": list("abcd"), "m": [39.999, 40, 59.999, 60]})
    out = health_scores(m, scorecard=card)
    assert out["band"].tolist() == ["red", "yellow", "yellow", "green"]
    assert health_scores(m, scorecard=card, n_reasons=0)["reasons"].tolist() == [()] * 4


def test_default_scorecard_weights_sum_to_one_and_use_metric_columns() -> None:
    assert sum(m.weight for m in DEFAULT_SCORECARD.measures) == pytest.approx(1)
    assert DEFAULT_SCORECARD.bands == (50, 75)
    lower = [m.column for m in DEFAULT_SCORECARD.measures if m.lower_is_better]
    assert lower == ["days_since_active"]


def test_records_round_trip_through_frames() -> None:
    frame = CARD.to_frame()
    assert list(frame.columns) == ["column", "weight", "bad", "good"]
    assert Scorecard.from_frame(frame, bands=(50, 75)) == CARD
    assert from_frame(to_frame(CARD.measures), Measure) == list(CARD.measures)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: Measure("a", -1, bad=0, good=1), ValueError, "negative"),
        (lambda: Measure("a", 1, bad=3, good=3), ValueError, "both 3"),
        (lambda: Measure("a", 1, bad=float("nan"), good=3), ValueError, "finite"),
        (lambda: Measure("a", "1", bad=0, good=3), TypeError, "number"),  # type: ignore[arg-type]
        (lambda: Measure("", 1, bad=0, good=3), ValueError, "must not be empty"),
        (lambda: Scorecard([]), ValueError, "at least one Measure"),
        (lambda: Scorecard("active_days"), TypeError, "list of Measure"),
        (lambda: Scorecard([Measure("a", 0, bad=0, good=1)]), ValueError, "every Measure weight"),
        (
            lambda: Scorecard([Measure("a", 1, bad=0, good=1), Measure("a", 1, bad=0, good=2)]),
            ValueError,
            "repeat the columns",
        ),
        (lambda: Scorecard(CARD.measures, bands=(75, 50)), ValueError, "increase inside"),
        (lambda: Scorecard(CARD.measures, bands=(0, 50)), ValueError, "increase inside"),
        (lambda: Scorecard(CARD.measures, bands=(50, 100)), ValueError, "increase inside"),
        (lambda: Scorecard(CARD.measures, bands=(50,)), ValueError, "two finite"),
        (lambda: Scorecard(CARD.measures, bands=50), TypeError, "two numbers"),
    ],
)
def test_bad_records(build: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        build()  # type: ignore[operator]


def test_bad_metrics() -> None:
    good = pd.DataFrame({"account_id": ["a"], "active_days": [1], "days_since_active": [1]})
    with pytest.raises(ValueError, match="measure column 'nps' is not a column of metrics"):
        health_scores(good, scorecard=CARD)
    with pytest.raises(SchemaError, match="metrics: column 'account_id' is missing"):
        health_scores(good.drop(columns="account_id"), scorecard=CARD)
    dup = pd.concat([good, good]).assign(nps=7)
    with pytest.raises(SchemaError, match="duplicate accounts"):
        health_scores(dup, scorecard=CARD)
    with pytest.raises(SchemaError, match="not numbers"):
        health_scores(good.assign(nps="high"), scorecard=CARD)
    with pytest.raises(TypeError, match="Scorecard"):
        health_scores(good.assign(nps=7), scorecard="default")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="DataFrame"):
        health_scores({"account_id": ["a"]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_reasons"):
        health_scores(good.assign(nps=7), scorecard=CARD, n_reasons=-1)


values = st.one_of(st.none(), st.floats(-50, 50, allow_nan=False))


@given(st.lists(st.tuples(values, values, values), min_size=1, max_size=30), st.randoms())
def test_scores_bounded_order_free_and_input_untouched(
    rows: list[tuple[float | None, ...]], rnd: object
) -> None:
    m = pd.DataFrame(rows, columns=["active_days", "days_since_active", "nps"], dtype=float)
    m.insert(0, "account_id", [f"a{i}" for i in range(len(m))])
    before = m.copy()
    out = health_scores(m, scorecard=CARD)
    pd.testing.assert_frame_equal(m, before)
    s = out["score"].dropna()
    assert ((s >= 0) & (s <= 100)).all()
    # a score exists exactly when some measure is present
    assert (out["score"].notna() == m[list(CARD.columns)].notna().any(axis=1)).all()
    perm = m.sample(frac=1.0, random_state=1)
    again = health_scores(perm, scorecard=CARD).set_index("account_id").loc[out["account_id"]]
    pd.testing.assert_frame_equal(again.reset_index(), out)
