"""Planted campaign effects of the simulator are recovered, and the report card shows them.

``simulate_saas`` plants two campaigns (``docs/datasets.md``): one aimed at
slipping accounts that truly helps (the naive comparison says it hurts) and
one with no effect. ``truth["impact"]`` records each true effect on the
exposed (outcome "active", 28 days).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import adoptmetrics as am
from adoptmetrics.report import ReportData
from adoptmetrics.report._impact import section


@pytest.fixture(scope="module")
def demo() -> am.SaaSData:
    return am.load_demo()


@pytest.fixture(scope="module")
def result(demo: am.SaaSData) -> am.ImpactResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return am.campaign_impact(demo.events, demo.exposures, accounts=demo.accounts)


def test_planted_campaigns_are_recovered(demo: am.SaaSData, result: am.ImpactResult) -> None:
    truth = demo.truth["impact"]
    s = result.summary.set_index("campaign")
    for name, planted in truth.items():
        row = s.loc[name]
        assert row["ci_lower"] <= planted["effect"] <= row["ci_upper"], name
    helpful = max(truth, key=lambda n: truth[n]["effect"])
    null = min(truth, key=lambda n: truth[n]["effect"])
    assert s.loc[helpful, "ci_lower"] > 0
    # targeted at slipping accounts: the naive comparison has the wrong sign
    assert s.loc[helpful, "naive_effect"] < 0
    assert s.loc[null, "ci_lower"] <= 0 <= s.loc[null, "ci_upper"]


def test_balance_and_placebo_on_the_demo(result: am.ImpactResult) -> None:
    assert (result.balance["smd_after"].abs() < 0.1).all()
    assert (result.balance["smd_before"].abs().max()) > 0.5  # matching had work to do
    p = result.placebo
    assert ((p["ci_lower"] <= 0) & (p["ci_upper"] >= 0)).all()


def test_report_card_on_the_demo(demo: am.SaaSData) -> None:
    data = ReportData.from_frames(
        demo.events, demo.accounts, exposures=demo.exposures, as_of=demo.as_of
    )
    card = section(data)
    assert card is not None
    assert card.id == "impact"
    assert len(card.figures) == 3
    assert any("Program effect" in m.label for m in card.metrics)
    html = "".join(card.body)
    assert "success_outreach" in html
    assert "Naive difference" in html


def test_report_card_absent_without_exposures(demo: am.SaaSData) -> None:
    data = ReportData.from_frames(demo.events, demo.accounts, as_of=demo.as_of)
    assert section(data) is None


def test_curves_share_is_a_rate(result: am.ImpactResult) -> None:
    share = result.curves["share_active"].to_numpy()
    assert np.all((share >= 0) & (share <= 1))
