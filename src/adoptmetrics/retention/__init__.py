"""Cohort retention: logos, users, features and revenue, with honest censoring.

Definitions (the contract, see ``docs/retention.md``):

* **Entity** — ``level="account"`` (``account_col``) or ``level="user"`` (``user_col``).
* **Activity** — any event, or only ``activity_events`` (feature retention).
* **Cohort** — the period of the entity's start: the start column of
  ``accounts=`` (accounts with no activity count as not retained), a
  ``start=`` Series, or, without either, the entity's first qualifying event.
  ``cohort`` is that period's start timestamp.
* **Period k** — ``k`` periods after the cohort's period (0 = the cohort's
  own period, retained by definition). Weeks start on Monday, months are
  calendar months.
* **Mode** — ``"on"``: active in period ``k``; ``"on_or_after"``: active in
  period ``k`` or any later period up to ``as_of``.
* **as_of** — events after it are ignored; a cell exists when its period
  starts at or before ``as_of`` and is **complete** when its period has ended
  by then: ``start of the next period <= as_of``. Incomplete cells keep their
  counts so far with ``complete=False``.

``mrr_bridge`` and ``revenue_retention`` read the account × month MRR table;
there a missing month or an MRR of 0 is no revenue, and a return after it is
a reactivation.

Every other function reads the activity layer's compact (entity × period) cells, not
the raw events, so the work after encoding is proportional to the number of
active cells.
"""

from __future__ import annotations

from adoptmetrics.retention._bridge import mrr_bridge
from adoptmetrics.retention._cohorts import (
    cohort_retention,
    retention_curve,
    retention_matrix,
    retention_trend,
)
from adoptmetrics.retention._revenue import revenue_retention

__all__ = [
    "cohort_retention",
    "mrr_bridge",
    "retention_curve",
    "retention_matrix",
    "retention_trend",
    "revenue_retention",
]
