"""adoptmetrics: adoption metrics for SaaS customer success.

Cohort retention, survival-based churn, NPS quadrants, onboarding success
paths and expansion triggers, from product events, accounts, NPS responses
and revenue.

>>> import adoptmetrics as am
>>> am.__version__
'0.1.0'
"""

from __future__ import annotations

from adoptmetrics import (
    activity,
    churn,
    datasets,
    expansion,
    models,
    nps,
    onboarding,
    plotting,
    retention,
    segments,
)
from adoptmetrics._schema import SchemaError
from adoptmetrics.models import (
    Account,
    Event,
    Milestone,
    NPSResponse,
    Trigger,
    from_frame,
    to_frame,
)

__version__ = "0.1.0"

__all__ = [
    "Account",
    "Event",
    "Milestone",
    "NPSResponse",
    "SchemaError",
    "Trigger",
    "__version__",
    "activity",
    "churn",
    "datasets",
    "expansion",
    "from_frame",
    "models",
    "nps",
    "onboarding",
    "plotting",
    "retention",
    "segments",
    "to_frame",
]
