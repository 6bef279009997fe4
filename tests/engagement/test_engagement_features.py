"""feature_adoption: hand-made logs, feature mappings, unknown names, an explicit loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoptmetrics.engagement import feature_adoption
from strategies import EVENT_NAMES, events_frames, shuffled


def _ev(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": [r[0] for r in rows],
        "event": [r[1] for r in rows],
        "timestamp": pd.to_datetime([r[2] for r in rows], format="ISO8601"),
    })  # fmt: skip


EV = _ev([
    ("a", "export_pdf", "2024-01-02"), ("a", "export_pdf", "2024-01-03"),
    ("b", "export_csv", "2024-01-04"), ("c", "login", "2024-01-05"),
    ("a", "login", "2024-02-01"), ("c", "export_csv", "2024-02-02"),
])  # fmt: skip


def test_known_answer_with_a_feature_of_several_events() -> None:
    feats = {"export": ["export_pdf", "export_csv"], "pdf": "export_pdf"}
    out = feature_adoption(EV, features=feats, as_of="2024-02-29 23:59:59")
    assert out["feature"].tolist() == ["export", "export", "pdf", "pdf"]
    assert out["n_active"].tolist() == [3, 2, 3, 2]
    assert out["n_adopters"].tolist() == [2, 1, 1, 0]
    assert out["adoption_rate"].tolist() == pytest.approx([2 / 3, 0.5, 1 / 3, 0.0])
    assert out["events_per_adopter"].tolist()[:3] == pytest.approx([1.5, 1.0, 2.0])
    assert np.isnan(out["events_per_adopter"].iloc[3])
    assert out["ci_upper"].iloc[3] > 0  # 0 of 2 is not certainty
    assert out["complete"].tolist() == [True, False, True, False]


def test_default_features_are_every_event_name() -> None:
    out = feature_adoption(EV, period="week")
    assert set(out["feature"]) == {"export_pdf", "export_csv", "login"}


def test_unknown_feature_warns_and_gives_zeros() -> None:
    with pytest.warns(UserWarning, match="'shared_dashbaord'"):
        out = feature_adoption(EV, features=["shared_dashbaord", "login"])
    bad = out[out["feature"] == "shared_dashbaord"]
    assert (bad["n_adopters"] == 0).all()
    assert (bad["n_active"] > 0).all()
    assert (bad["adoption_rate"] == 0).all()


def test_by_column() -> None:
    ev = EV.assign(plan=EV["account_id"].map({"a": "pro", "b": "free", "c": "free"}))
    out = feature_adoption(ev, features=["export_csv"], by="plan", as_of="2024-02-29 23:59")
    jan = out[out["period"] == pd.Timestamp("2024-01-01")].set_index("plan")
    assert jan["n_active"].to_dict() == {"free": 2, "pro": 1}
    assert jan["n_adopters"].to_dict() == {"free": 1, "pro": 0}


def _loop(ev: pd.DataFrame, feature: str) -> dict[pd.Timestamp, tuple[int, int, int]]:
    """Independent: explicit loop; (active, adopters, feature events) per month."""
    act: dict[pd.Timestamp, set[str]] = {}
    ado: dict[pd.Timestamp, set[str]] = {}
    n: dict[pd.Timestamp, int] = {}
    for a, e, t in zip(ev["account_id"], ev["event"], ev["timestamp"], strict=True):
        m = t.to_period("M").start_time
        act.setdefault(m, set()).add(a)
        if e == feature:
            ado.setdefault(m, set()).add(a)
            n[m] = n.get(m, 0) + 1
    return {m: (len(s), len(ado.get(m, ())), n.get(m, 0)) for m, s in act.items()}


@given(events_frames(), st.sampled_from(EVENT_NAMES), st.integers(0, 9))
def test_matches_loop_rates_in_unit_interval_and_row_order(
    ev: pd.DataFrame, feature: str, seed: int
) -> None:
    before = ev.copy()
    if feature not in set(ev["event"]):
        with pytest.warns(UserWarning, match="no event named"):
            out = feature_adoption(ev, features=[feature])
    else:
        out = feature_adoption(ev, features=[feature])
    pd.testing.assert_frame_equal(ev, before)
    loop = _loop(ev, feature)
    busy = out[out["n_active"] > 0]
    got = dict(
        zip(busy["period"], zip(busy["n_active"], busy["n_adopters"], strict=True), strict=True)
    )
    assert got == {p: v[:2] for p, v in loop.items()}
    ok = out["n_active"] > 0
    r = out.loc[ok]
    assert ((r["adoption_rate"] >= 0) & (r["adoption_rate"] <= 1)).all()
    assert ((r["ci_lower"] <= r["adoption_rate"]) & (r["adoption_rate"] <= r["ci_upper"])).all()
    full = feature_adoption(shuffled(ev, seed))
    pd.testing.assert_frame_equal(full, feature_adoption(ev))
