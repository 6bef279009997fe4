"""Recovery of the retention improvement planted by ``simulate_saas``."""

from __future__ import annotations

import numpy as np
import pytest

from adoptmetrics.datasets import simulate_saas
from adoptmetrics.retention import cohort_retention, retention_curve, revenue_retention


@pytest.mark.slow
def test_later_cohorts_retain_better_as_planted() -> None:
    data = simulate_saas(2000, seed=1)
    start = data.accounts.set_index("account_id")["started_at"]
    improved = data.truth["retention"]["improved_from"]
    group = (start >= improved).map({True: "late", False: "early"}).rename("cohort_group")
    curve = retention_curve(
        data.events, period="week", start=start, by=group, as_of=data.as_of
    ).set_index(["cohort_group", "period"])
    rate = curve["retention_rate"].to_dict()
    lower = curve["ci_lower"].to_dict()
    for k in (4, 8, 12):
        # The planted multiplier (1.25 on weekly activity) shows as a clear gap.
        assert rate[("late", k)] > rate[("early", k)] + 0.03
        assert lower[("late", k)] > rate[("early", k)]
    # Every account is in exactly one cohort; cohort sizes add up to the accounts table.
    cells = cohort_retention(data.events, period="month", accounts=data.accounts, as_of=data.as_of)
    sizes = cells.drop_duplicates("cohort")["cohort_size"].sum()
    assert sizes == int((data.accounts["started_at"] <= data.as_of).sum())


@pytest.mark.slow
def test_revenue_retention_on_simulated_mrr() -> None:
    data = simulate_saas(500, seed=2)
    rev = revenue_retention(data.mrr)
    assert (rev["gross_revenue_retention"] <= 1 + 1e-12).all()
    assert (rev["gross_revenue_retention"] <= rev["net_revenue_retention"] + 1e-12).all()
    month0 = rev[rev["period"] == 0]
    np.testing.assert_allclose(month0["net_revenue_retention"], 1.0)
    assert (rev["logo_retention"].between(0, 1)).all()
