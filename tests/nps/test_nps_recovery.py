"""Recovery of the planted NPS effects of ``simulate_saas``.

The generator (see ``.datasets-spec.md`` and ``truth["nps"]``) draws scores
that rise with usage (active days in the 90 days before the response), with
healthcare accounts lower (detractors over-represented) and enterprise
accounts higher (promoters over-represented); region has no effect.
"""

from __future__ import annotations

import pandas as pd
import pytest

from adoptmetrics.datasets import SaaSData, simulate_saas
from adoptmetrics.nps import compare_nps, nps_quadrants, nps_score, quadrant_summary
from adoptmetrics.segments import attribute_skew

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data() -> SaaSData:
    return simulate_saas(1500, seed=7)


@pytest.fixture(scope="module")
def quadrants(data: SaaSData) -> pd.DataFrame:
    # usage defaults to active days in the 90 days before each account's latest response
    return nps_quadrants(data.nps, data.events)


def test_generator_documents_the_effects(data: SaaSData) -> None:
    truth = data.truth["nps"]
    assert truth["usage_coef"] > 0
    assert truth["industry_effect"]["healthcare"] < 0
    assert truth["plan_effect"]["enterprise"] > 0


def test_quadrants_recover_usage_effect(quadrants: pd.DataFrame) -> None:
    summary = quadrant_summary(quadrants).set_index(quadrants["quadrant"].cat.categories)
    n = summary["n"]
    # scores rise with usage: promoters are mostly high-usage, detractors mostly low-usage
    assert n["champion"] > 1.5 * n["untapped"]
    assert n["at_risk"] > 1.5 * n["frustrated"]
    high = quadrants[quadrants["usage_level"] == "high"]
    low = quadrants[quadrants["usage_level"] == "low"]
    cmp = compare_nps(high, low, time_col=None)
    assert cmp["difference"].iloc[0] > 20
    assert cmp["p_value"].iloc[0] < 1e-6
    level_nps = summary["usage_level_nps"].to_dict()
    assert level_nps["champion"] > level_nps["at_risk"]


def test_per_account_score_with_intervals(data: SaaSData) -> None:
    acc = data.accounts[["account_id", "plan", "industry"]]
    responses = data.nps.merge(acc, on="account_id", how="left")
    out = nps_score(responses, by="industry", per="account").set_index("industry")
    others = out.drop(index="healthcare")
    # healthcare's interval lies below every other industry's score
    assert (out.loc["healthcare", "ci_upper"] < others["nps"]).all()


def test_attribute_skew_recovers_planted_segments(data: SaaSData, quadrants: pd.DataFrame) -> None:
    category = quadrants.set_index("account_id")["category"]
    attrs = ["industry", "plan", "region", "seats"]
    detractors = attribute_skew(data.accounts, category == "detractor", attributes=attrs)
    hc = detractors[detractors["value"] == "healthcare"].iloc[0]
    assert float(hc["lift"]) > 1.3
    assert float(hc["q_value"]) < 0.01
    industry = detractors[detractors["attribute"] == "industry"]
    assert industry.sort_values("p_value")["value"].iloc[0] == "healthcare"
    assert (detractors[detractors["attribute"] == "region"]["q_value"] > 0.01).all()

    promoters = attribute_skew(data.accounts, category == "promoter", attributes=attrs)
    ent = promoters[promoters["value"] == "enterprise"].iloc[0]
    assert float(ent["lift"]) > 1.2
    assert float(ent["q_value"]) < 0.05
    # only respondents are compared (the mask is indexed by account id)
    assert (
        promoters.groupby("attribute")[["n_group", "n_rest"]].sum().sum(axis=1) == len(quadrants)
    ).all()
