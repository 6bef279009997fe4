"""Survival-based churn: curves, tests, drivers, risk scores and lifetime value.

Churn is a time-to-event problem with censoring: an account still active at
``as_of`` has not churned *yet*. Every function here works on whole-day
durations (``floor((end − started_at) / 1 day)``) from :func:`survival_table`:

* churn after ``as_of`` is treated as not yet happened and accounts that
  start after ``as_of`` are left out, so anything computed "as of" a past
  date never sees the future;
* ``observed_from`` handles left truncation: when the data only holds
  accounts still active on that date (e.g. a CRM export that dropped older
  churns), accounts that started earlier enter the risk set on that date.

Kaplan–Meier is :func:`adoptmetrics._stats.kaplan_meier` (numpy), the
log-rank test is numpy, the Cox model is lifelines' ``CoxPHFitter`` (wrapped
in :mod:`adoptmetrics._survival`). The shifted-beta-geometric model lives in
:mod:`adoptmetrics._sbg`, the Cox model in :mod:`adoptmetrics._churn_model`,
lifetime value in :mod:`adoptmetrics._ltv` and lapses in
:mod:`adoptmetrics._lapse` (all re-exported here).
"""

from __future__ import annotations

from adoptmetrics.churn._curves import (
    churn_curve,
    compare_churn,
    median_lifetime,
    restricted_mean_lifetime,
    survival_table,
)
from adoptmetrics.churn._lapse import (
    lapse_table,
)
from adoptmetrics.churn._ltv import (
    lifetime_value,
)
from adoptmetrics.churn._model import (
    ChurnModel,
    churn_risk,
    fit_churn_model,
)
from adoptmetrics.churn._sbg import (
    SBGModel,
    fit_sbg,
)

__all__ = [
    "ChurnModel",
    "SBGModel",
    "churn_curve",
    "churn_risk",
    "compare_churn",
    "fit_churn_model",
    "fit_sbg",
    "lapse_table",
    "lifetime_value",
    "median_lifetime",
    "restricted_mean_lifetime",
    "survival_table",
]
