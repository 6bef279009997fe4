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

Kaplan–Meier is :func:`adoptmetrics._stats.kaplan_meier`; the log-rank test,
the Cox fit (Efron ties, delayed entry), concordance and the
proportional-hazards test live in :mod:`adoptmetrics._stats._survival` (all
numpy; lifelines is an optional extra, used only as a test reference). Here:
curves and tests in ``_curves``, the Cox model and risk scores in ``_model``,
recent-usage covariates in ``_usage``, the shifted-beta-geometric model in
``_sbg``, lifetime value in ``_ltv``, lapses in ``_lapse`` and the accounts
boundary in ``_data``/``_ids`` (public names re-exported here).
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
from adoptmetrics.churn._usage import (
    usage_covariates,
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
    "usage_covariates",
]
