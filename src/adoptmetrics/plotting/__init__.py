"""Matplotlib figures for every result.

Every function takes ``ax=None`` (a new figure is made when omitted) and
returns the :class:`matplotlib.axes.Axes` it drew on. matplotlib is imported
inside the functions, so importing adoptmetrics stays fast.
"""

from __future__ import annotations

from adoptmetrics.plotting._churn import plot_churn_curve, plot_hazard_ratios
from adoptmetrics.plotting._engagement import (
    plot_adoption_curve,
    plot_feature_adoption,
    plot_feature_heatmap,
    plot_feature_retention,
    plot_lifecycle,
    plot_stickiness,
)
from adoptmetrics.plotting._expansion import plot_cumulative_gains, plot_trigger_lift
from adoptmetrics.plotting._health import (
    plot_health_bands,
    plot_health_components,
    plot_stage_flow,
)
from adoptmetrics.plotting._impact import plot_balance, plot_impact, plot_impact_curves
from adoptmetrics.plotting._nps import (
    plot_attribute_skew,
    plot_nps,
    plot_nps_quadrants,
    plot_nps_trend,
)
from adoptmetrics.plotting._onboarding import (
    plot_onboarding_funnel,
    plot_success_paths,
    plot_time_to_value,
)
from adoptmetrics.plotting._overview import plot_activity_overview
from adoptmetrics.plotting._retention import (
    plot_mrr_bridge,
    plot_retention_curve,
    plot_retention_heatmap,
    plot_retention_trend,
)

__all__: list[str] = [
    "plot_activity_overview",
    "plot_adoption_curve",
    "plot_attribute_skew",
    "plot_balance",
    "plot_churn_curve",
    "plot_cumulative_gains",
    "plot_feature_adoption",
    "plot_feature_heatmap",
    "plot_feature_retention",
    "plot_hazard_ratios",
    "plot_health_bands",
    "plot_health_components",
    "plot_impact",
    "plot_impact_curves",
    "plot_lifecycle",
    "plot_mrr_bridge",
    "plot_nps",
    "plot_nps_quadrants",
    "plot_nps_trend",
    "plot_onboarding_funnel",
    "plot_retention_curve",
    "plot_retention_heatmap",
    "plot_retention_trend",
    "plot_stage_flow",
    "plot_stickiness",
    "plot_success_paths",
    "plot_time_to_value",
    "plot_trigger_lift",
]
