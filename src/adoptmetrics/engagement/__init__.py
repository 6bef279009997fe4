"""Engagement: how many are active, how habitually, which features are adopted, and by whom.

Everyday product-analytics questions answered with honest statistics: DAU,
WAU and MAU (:func:`active_counts`), DAU/MAU stickiness
(:func:`stickiness`) and its histogram (:func:`active_days_distribution`),
the new / returning / resurrecting / dormant lifecycle (:func:`lifecycle`),
feature adoption over time (:func:`feature_adoption`), who adopted a
launched feature early and who lags (:func:`adopter_categories`,
:func:`adoption_curve`), and which early feature use goes with retention
once overall activity is accounted for (:func:`feature_retention`).

Every rate has an interval; every period not over at ``as_of`` is marked
``complete=False``; ``level="account"|"user"`` and ``by=`` work everywhere.
"""

from __future__ import annotations

from adoptmetrics.engagement._counts import active_counts, active_days_distribution, stickiness
from adoptmetrics.engagement._drivers import feature_retention
from adoptmetrics.engagement._features import feature_adoption
from adoptmetrics.engagement._launch import adopter_categories, adoption_curve
from adoptmetrics.engagement._lifecycle import lifecycle

__all__ = [
    "active_counts",
    "active_days_distribution",
    "adopter_categories",
    "adoption_curve",
    "feature_adoption",
    "feature_retention",
    "lifecycle",
    "stickiness",
]
