"""adoptmetrics: adoption metrics for SaaS customer success.

Cohort retention, survival-based churn, NPS quadrants, onboarding success
paths, expansion triggers, engagement, account health and program impact,
from product events, accounts, NPS responses, revenue and exposures. Every
analytics function is reachable as ``am.<function>`` and as
``am.<module>.<function>``; plots live in ``am.plotting``.

>>> import adoptmetrics as am
>>> am.__version__
'0.2.0'
"""

from __future__ import annotations

from adoptmetrics import (
    activity,
    churn,
    datasets,
    engagement,
    expansion,
    health,
    impact,
    models,
    nps,
    onboarding,
    plotting,
    report,
    retention,
    segments,
)
from adoptmetrics._schema._validate import SchemaError
from adoptmetrics.activity import EventLog
from adoptmetrics.churn import (
    ChurnModel,
    SBGModel,
    churn_curve,
    churn_risk,
    compare_churn,
    fit_churn_model,
    fit_sbg,
    lapse_table,
    lifetime_value,
    median_lifetime,
    restricted_mean_lifetime,
    survival_table,
    usage_covariates,
)
from adoptmetrics.datasets import SaaSData, load_demo, simulate_saas
from adoptmetrics.engagement import (
    active_counts,
    active_days_distribution,
    adopter_categories,
    adoption_curve,
    feature_adoption,
    feature_retention,
    lifecycle,
    stickiness,
)
from adoptmetrics.expansion import (
    ExpansionBacktest,
    ExpansionModel,
    backtest_expansion,
    expansion_scores,
    expansions_from_mrr,
    fit_expansion_model,
    trigger_lift,
)
from adoptmetrics.health import (
    HealthBacktest,
    HealthModel,
    StageRules,
    account_metrics,
    backtest_health,
    fit_health_model,
    health_scores,
    lifecycle_stages,
    stage_transitions,
)
from adoptmetrics.impact import ImpactResult, campaign_impact, release_impact
from adoptmetrics.models import (
    Account,
    Event,
    Measure,
    Milestone,
    NPSResponse,
    Scorecard,
    Trigger,
    from_frame,
    to_frame,
)
from adoptmetrics.nps import (
    compare_nps,
    nps_category,
    nps_quadrants,
    nps_score,
    nps_trend,
    quadrant_summary,
)
from adoptmetrics.onboarding import (
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)
from adoptmetrics.retention import (
    cohort_retention,
    mrr_bridge,
    retention_curve,
    retention_matrix,
    retention_trend,
    revenue_retention,
)
from adoptmetrics.segments import attribute_skew

__version__ = "0.2.0"

__all__ = [
    "Account",
    "ChurnModel",
    "Event",
    "EventLog",
    "ExpansionBacktest",
    "ExpansionModel",
    "HealthBacktest",
    "HealthModel",
    "ImpactResult",
    "Measure",
    "Milestone",
    "NPSResponse",
    "SBGModel",
    "SaaSData",
    "SchemaError",
    "Scorecard",
    "StageRules",
    "Trigger",
    "__version__",
    "account_metrics",
    "active_counts",
    "active_days_distribution",
    "activity",
    "adopter_categories",
    "adoption_curve",
    "attribute_skew",
    "backtest_expansion",
    "backtest_health",
    "campaign_impact",
    "churn",
    "churn_curve",
    "churn_risk",
    "cohort_retention",
    "compare_churn",
    "compare_nps",
    "datasets",
    "engagement",
    "expansion",
    "expansion_scores",
    "expansions_from_mrr",
    "feature_adoption",
    "feature_retention",
    "fit_churn_model",
    "fit_expansion_model",
    "fit_health_model",
    "fit_sbg",
    "from_frame",
    "golden_path",
    "health",
    "health_scores",
    "impact",
    "lapse_table",
    "lifecycle",
    "lifecycle_stages",
    "lifetime_value",
    "load_demo",
    "median_lifetime",
    "milestone_status",
    "models",
    "mrr_bridge",
    "nps",
    "nps_category",
    "nps_quadrants",
    "nps_score",
    "nps_trend",
    "onboarding",
    "onboarding_funnel",
    "plotting",
    "quadrant_summary",
    "release_impact",
    "report",
    "restricted_mean_lifetime",
    "retention",
    "retention_curve",
    "retention_matrix",
    "retention_trend",
    "revenue_retention",
    "segments",
    "simulate_saas",
    "stage_transitions",
    "stickiness",
    "success_paths",
    "survival_table",
    "time_to_value",
    "to_frame",
    "trigger_lift",
    "usage_covariates",
]
