"""Account health: the measures CS teams watch, scorecards checked against churn, stages.

- :func:`account_metrics`: the measures per account as of a date (active
  days, active users, seat utilisation, user growth, usage trend, breadth,
  days since active, latest NPS, tenure), built on the activity layer.
- :func:`health_scores`: a weighted, banded score per account with the
  weakest components as reasons; :data:`DEFAULT_SCORECARD` is documented.
- :func:`fit_health_model`: weights learned from churn on past snapshots.
- :func:`backtest_health`: any scorecard checked out of time.
- :func:`lifecycle_stages`, :func:`stage_transitions`: the post-sale stage of
  each account and the flow between two dates.
"""

from __future__ import annotations

from adoptmetrics.health._backtest import HealthBacktest, backtest_health
from adoptmetrics.health._metrics import account_metrics
from adoptmetrics.health._model import HealthModel, fit_health_model
from adoptmetrics.health._scores import DEFAULT_SCORECARD, health_scores
from adoptmetrics.health._stages import (
    STAGES,
    StageRules,
    lifecycle_stages,
    stage_transitions,
)

__all__ = [
    "DEFAULT_SCORECARD",
    "STAGES",
    "HealthBacktest",
    "HealthModel",
    "StageRules",
    "account_metrics",
    "backtest_health",
    "fit_health_model",
    "health_scores",
    "lifecycle_stages",
    "stage_transitions",
]
