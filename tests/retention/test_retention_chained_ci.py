"""Known-answer reference for the chained curve's intervals: Greenwood on the life table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from adoptmetrics.retention import retention_curve

W0 = pd.Timestamp("2024-01-01")  # a Monday
AS_OF = W0 + pd.Timedelta(weeks=5)  # weeks 0..4 are over: cohort c is complete to k = 4 - c

# Cohort week -> the last active week offset (k) of each of its accounts.
LAST_ACTIVE = {
    0: [0, 1, 1, 2, 3, 4, 4, 4],
    1: [0, 0, 1, 2, 3, 3],
    2: [0, 1, 1, 2, 2],
}


def _events() -> pd.DataFrame:
    rows = []
    for cohort, lasts in LAST_ACTIVE.items():
        for i, last in enumerate(lasts):
            account = f"c{cohort}-{i}"
            # Active in its cohort week and every week up to its last one.
            for k in range(last + 1):
                rows.append((account, W0 + pd.Timedelta(weeks=cohort + k, hours=10)))
    return pd.DataFrame(rows, columns=["account_id", "timestamp"]).assign(event="login")


def life_table(last_k: int) -> list[tuple[int, int, int]]:
    """(k, n at risk, n lost) for k = 1..last_k, by explicit loops over accounts.

    At step k the life table uses the cohorts complete at k; an account is at risk when
    it was retained at k-1 (last active offset >= k-1) and lost when that offset is k-1.
    """
    rows = []
    for k in range(1, last_k + 1):
        n = d = 0
        for cohort, lasts in LAST_ACTIVE.items():
            if cohort + k > 4:  # week cohort + k not over at as_of
                continue
            for last in lasts:
                if last >= k - 1:
                    n += 1
                    d += int(last == k - 1)
        rows.append((k, n, d))
    return rows


def test_chained_on_or_after_matches_greenwood_on_the_life_table() -> None:
    table = life_table(4)
    # The life table by hand: k1 and k2 use all three cohorts (19 accounts, 4 lost at
    # k1; 15 left, 5 lost at k2), k3 cohorts 0 and 1 (8 at risk, 2 lost), k4 cohort 0.
    assert table == [(1, 19, 4), (2, 15, 5), (3, 8, 2), (4, 4, 1)]
    surv, var_sum = 1.0, 0.0
    expected = [(1.0, 1.0, 1.0)]
    for _, n, d in table:
        surv *= 1 - d / n
        var_sum += d / (n * (n - d))  # Greenwood's sum
        var = surv**2 * var_sum
        n_eff = surv * (1 - surv) / var  # effective sample size of the estimate
        lo, hi = proportion_confint(surv * n_eff, n_eff, alpha=0.05, method="wilson")
        expected.append((surv, float(lo), float(hi)))
    out = retention_curve(
        _events(), period="week", mode="on_or_after", method="chained", as_of=AS_OF
    )
    assert out["period"].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(out["retention_rate"], [e[0] for e in expected], rtol=1e-12)
    np.testing.assert_allclose(out["ci_lower"], [e[1] for e in expected], rtol=1e-9)
    np.testing.assert_allclose(out["ci_upper"], [e[2] for e in expected], rtol=1e-9)


def test_pooled_interval_is_wilson_on_the_pooled_counts() -> None:
    out = retention_curve(_events(), period="week", mode="on_or_after", as_of=AS_OF)
    for row in out[out["period"] > 0].to_dict("records"):
        k = int(row["period"])
        # Pooled counts by explicit loops: cohorts complete at k, retained = last >= k.
        n = sum(len(v) for c, v in LAST_ACTIVE.items() if c + k <= 4)
        kept = sum(sum(last >= k for last in v) for c, v in LAST_ACTIVE.items() if c + k <= 4)
        lo, hi = proportion_confint(kept, n, alpha=0.05, method="wilson")
        assert (row["n_at_risk"], row["n_retained"]) == (n, kept)
        np.testing.assert_allclose([row["ci_lower"], row["ci_upper"]], [lo, hi], rtol=1e-9)
