"""The engagement effects planted in the simulator are recovered (datasets/_planted.py)."""

from __future__ import annotations

import numpy as np
import pytest

import adoptmetrics as am
from adoptmetrics.engagement import adopter_categories, adoption_curve, feature_retention

DEMO = am.load_demo()
TRUTH = DEMO.truth.get("engagement", {})
needs_truth = pytest.mark.skipif(
    "retention_feature_odds_ratio" not in TRUTH,
    reason="the simulator does not plant the engagement effects yet",
)


@needs_truth
def test_retention_feature_and_decoy() -> None:
    keep, decoy = TRUTH["retention_feature"], TRUTH["decoy_feature"]
    out = feature_retention(DEMO.events, features=[keep, decoy]).set_index("feature")
    real = out.loc[keep]
    # The planted feature: the adjusted interval holds the true odds ratio and excludes 1.
    assert real["ci_lower"] <= TRUTH["retention_feature_odds_ratio"] <= real["ci_upper"]
    assert real["ci_lower"] > 1
    assert real["q_value"] < 0.05
    # The decoy is only common among busy accounts: adjusted, its interval holds 1 ...
    fake = out.loc[decoy]
    assert fake["ci_lower"] <= 1 <= fake["ci_upper"]
    # ... although, unadjusted, its users do retain better (what Compass would report).
    assert fake["retention_used"] > fake["retention_not_used"]


@needs_truth
def test_launch_adoption_curve() -> None:
    feature, launch = TRUTH["launched_feature"], TRUTH["launched_at"]
    curve = adoption_curve(DEMO.events, feature, launched_at=launch)
    # Planted: 60 % ever adopt, exponential with mean 30 days after the launch, so by the
    # end of day d the share is 0.6 · (1 − exp(−(d + 1) / 30)).
    for day in (14, 30, 60):
        row = curve[curve["day"] == day].iloc[0]
        truth = 0.6 * (1 - np.exp(-(day + 1) / 30))
        assert row["ci_lower"] <= truth <= row["ci_upper"], day
    cats = adopter_categories(DEMO.events, feature, launched_at=launch)
    shares = cats["category"].value_counts(normalize=True, sort=False)
    # Rogers' cuts of the eligible population, up to ties (each cut is a floor).
    assert shares["innovator"] <= 0.025
    assert shares["innovator"] + shares["early_adopter"] <= 0.16
    assert shares["not_yet"] > 0.3  # 40 % never adopt
