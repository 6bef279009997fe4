"""adopter_categories and adoption_curve: Rogers cut-offs with ties, censoring, eligibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoptmetrics.engagement import adopter_categories, adoption_curve
from strategies import shuffled

LAUNCH = pd.Timestamp("2024-03-01")


def _launch_log(adopt_days: list[float | None]) -> pd.DataFrame:
    """Entity i is active the day before the launch and adopts ``adopt_days[i]`` days after."""
    rows = []
    for i, d in enumerate(adopt_days):
        rows.append((f"e{i:03d}", "login", LAUNCH - pd.Timedelta(days=1)))
        if d is not None:
            rows.append((f"e{i:03d}", "export", LAUNCH + pd.Timedelta(days=d)))
    rows.append(("zz_late", "login", LAUNCH + pd.Timedelta(days=60)))  # fixes as_of
    rows.append(("zz_early", "login", LAUNCH - pd.Timedelta(days=30)))  # the data starts here
    return pd.DataFrame(rows, columns=["account_id", "event", "timestamp"])


def test_rogers_cut_offs_on_forty_entities() -> None:
    # 40 eligible, 40 distinct adoption days: cuts at floor(40 × .025, .16, .5, .84) = 1, 6, 20, 33.
    ev = _launch_log([float(i) for i in range(40)])
    out = adopter_categories(ev, "export", launched_at=LAUNCH, eligible_days=7)
    counts = out["category"].value_counts(sort=False).to_dict()
    assert counts == {"innovator": 1, "early_adopter": 5, "early_majority": 14,
                      "late_majority": 13, "laggard": 7, "not_yet": 0}  # fmt: skip
    assert len(out) == 40  # zz_late and zz_early were not active in the window: not eligible


def test_window_before_the_data_warns() -> None:
    ev = _launch_log([1.0, 2.0])
    with pytest.warns(UserWarning, match="before the first event"):
        adopter_categories(ev, "export", launched_at=LAUNCH, eligible_days=60)


def test_rogers_ties_share_the_first_ones_category() -> None:
    # 40 eligible; ranks 0..4 adopt at distinct days, then 10 tie at day 5 (ranks 5..14):
    # rank 5 is early_adopter (< 6), so all ten tied ones are early adopters.
    days: list[float | None] = [0.0, 1.0, 2.0, 3.0, 4.0] + [5.0] * 10 + [None] * 25
    out = adopter_categories(_launch_log(days), "export", launched_at=LAUNCH, eligible_days=7)
    tied = out[out["days_to_adopt"] == 5.0]
    assert len(tied) == 10
    assert (tied["category"] == "early_adopter").all()
    assert (out[out["adopted_at"].isna()]["category"] == "not_yet").all()
    assert out["category"].iloc[0] == "innovator"


def test_adopter_categories_order_independent_of_ids() -> None:
    days: list[float | None] = [3.0, 3.0, 1.0, None]
    ev = _launch_log(days)
    out = adopter_categories(ev, "export", launched_at=LAUNCH, eligible_days=7)
    renamed = ev.assign(account_id=ev["account_id"].map(lambda s: s[::-1]))
    again = adopter_categories(renamed, "export", launched_at=LAUNCH, eligible_days=7)
    assert sorted(out["category"].astype(str)) == sorted(again["category"].astype(str))


def test_use_before_launch_is_not_adoption() -> None:
    ev = _launch_log([2.0])
    ev = pd.concat([ev, pd.DataFrame({"account_id": ["e000"], "event": ["export"],
                                      "timestamp": [LAUNCH - pd.Timedelta(days=2)]})])  # fmt: skip
    with pytest.warns(UserWarning, match="before launched_at"):
        out = adopter_categories(ev, "export", launched_at=LAUNCH, eligible_days=7)
    assert out["days_to_adopt"].tolist() == [2.0]


def _km_loop(duration: np.ndarray, event: np.ndarray, day: int) -> float:
    """Independent: the product-limit estimator written as an explicit loop."""
    s = 1.0
    for t in range(day + 1):
        at_risk = int((duration >= t).sum())
        d = int(((duration == t) & event).sum())
        if at_risk:
            s *= 1 - d / at_risk
    return 1 - s


def test_adoption_curve_censors_at_last_activity() -> None:
    # e0 adopts day 0, e1 day 3; e2 last seen on day 1 (censored at 1), e3 never seen
    # after the launch (censored at 0), e4 active until day 10 without adopting.
    rows = [(f"e{i}", "login", LAUNCH - pd.Timedelta(days=1)) for i in range(5)]
    rows.append(("zz_early", "login", LAUNCH - pd.Timedelta(days=30)))
    rows += [("e0", "export", LAUNCH), ("e1", "export", LAUNCH + pd.Timedelta(days=3, hours=5)),
             ("e2", "login", LAUNCH + pd.Timedelta(days=1)),
             ("e4", "login", LAUNCH + pd.Timedelta(days=10))]  # fmt: skip
    ev = pd.DataFrame(rows, columns=["account_id", "event", "timestamp"])
    out = adoption_curve(ev, "export", launched_at=LAUNCH, eligible_days=7)
    assert out["day"].tolist() == list(range(11))
    assert out["n_at_risk"].tolist()[:5] == [5, 3, 2, 2, 1]
    assert out["n_adopted"].tolist()[:5] == [1, 0, 0, 1, 0]
    duration = np.array([0, 3, 1, 0, 10])
    event = np.array([True, True, False, False, False])
    for d in range(11):
        assert out["adoption_rate"].iloc[d] == pytest.approx(_km_loop(duration, event, d))
    # The naive share (2 of 5) understates adoption among those still observed.
    assert out["adoption_rate"].iloc[-1] == pytest.approx(1 - 0.8 * 0.5)
    assert (
        (out["ci_lower"] <= out["adoption_rate"]) & (out["adoption_rate"] <= out["ci_upper"])
    ).all()


def test_adoption_curve_against_lifelines() -> None:
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(3)
    n = 60
    days = rng.integers(0, 20, n).astype(float)
    adopt = rng.random(n) < 0.6
    rows = [(f"e{i}", "login", LAUNCH - pd.Timedelta(days=2)) for i in range(n)]
    rows.append(("zz_early", "login", LAUNCH - pd.Timedelta(days=30)))
    for i in range(n):
        kind = "export" if adopt[i] else "login"
        rows.append((f"e{i}", kind, LAUNCH + pd.Timedelta(days=days[i], hours=1)))
    rows.append(("late", "login", LAUNCH + pd.Timedelta(days=25)))
    ev = pd.DataFrame(rows, columns=["account_id", "event", "timestamp"])
    out = adoption_curve(ev, "export", launched_at=LAUNCH, eligible_days=7)
    kmf = lifelines.KaplanMeierFitter().fit(days, adopt)
    expected = 1 - kmf.survival_function_at_times(np.arange(26)).to_numpy()
    assert np.allclose(out["adoption_rate"].to_numpy(), expected)


def test_adoption_curve_zero_adopters_has_an_upper_bound() -> None:
    out = adoption_curve(_launch_log([None] * 10), "export", launched_at=LAUNCH, eligible_days=7)
    assert (out["adoption_rate"] == 0).all()
    assert out["ci_upper"].iloc[0] > 0.1


def test_adoption_curve_by_segment() -> None:
    ev = _launch_log([0.0, 1.0, None, None])
    ids = ["e000", "e001", "e002", "e003", "zz_late", "zz_early"]
    seg = pd.Series(dict(zip(ids, "xyxyxx", strict=True)), name="s")
    out = adoption_curve(ev, "export", launched_at=LAUNCH, eligible_days=7, by=seg)
    assert list(out.columns[:2]) == ["s", "day"]
    x = out[out["s"] == "x"]
    assert x["adoption_rate"].iloc[0] == pytest.approx(0.5)


@given(st.lists(st.one_of(st.none(), st.floats(0, 30)), min_size=1, max_size=40), st.integers(0, 5))
@pytest.mark.filterwarnings("ignore:feature. no event named")
def test_launch_properties(days: list[float | None], seed: int) -> None:
    ev = _launch_log(days)
    before = ev.copy()
    out = adoption_curve(ev, "export", launched_at=LAUNCH, eligible_days=7)
    pd.testing.assert_frame_equal(ev, before)
    r = out["adoption_rate"]
    assert ((r >= 0) & (r <= 1)).all()
    assert (np.diff(r) >= -1e-12).all()
    assert ((out["ci_lower"] <= r + 1e-12) & (r <= out["ci_upper"] + 1e-12)).all()
    cats = adopter_categories(ev, "export", launched_at=LAUNCH, eligible_days=7)
    again = adopter_categories(shuffled(ev, seed), "export", launched_at=LAUNCH, eligible_days=7)
    pd.testing.assert_frame_equal(cats, again)
    # Categories never go backwards in adoption order.
    adopted = cats.dropna(subset=["adopted_at"]).sort_values("adopted_at")
    assert (np.diff(adopted["category"].cat.codes.to_numpy()) >= 0).all()
