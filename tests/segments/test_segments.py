"""Known answers and bad inputs for adoptmetrics.segments.attribute_skew.

The expected numbers come from a hand-built table with one planted
over-represented value; the test statistics are recomputed here from their
textbook formulas (math.comb for Fisher, the chi-square closed form via erfc).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from adoptmetrics import SchemaError
from adoptmetrics.segments import MISSING, attribute_skew


def _planted() -> tuple[pd.DataFrame, np.ndarray]:
    """100 accounts; the group is 20 of them, 12 in healthcare (rest: 8 of 80)."""
    industry = (
        ["healthcare"] * 12
        + ["retail"] * 8  # group
        + ["healthcare"] * 8
        + ["retail"] * 36
        + ["finance"] * 36  # rest
    )
    plan = (["basic", "pro"] * 10) + (["basic", "pro"] * 40)
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i:03d}" for i in range(100)],
            "industry": industry,
            "plan": plan,
        }
    )
    group = np.zeros(100, dtype=bool)
    group[:20] = True
    return accounts, group


def _fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Minimum-likelihood two-sided Fisher p-value, from the hypergeometric pmf."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def pmf(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = pmf(a)
    lo, hi = max(0, row1 + col1 - n), min(row1, col1)
    return min(1.0, sum(pmf(x) for x in range(lo, hi + 1) if pmf(x) <= observed * (1 + 1e-7)))


def test_planted_value_chi2_by_hand() -> None:
    accounts, group = _planted()
    out = attribute_skew(accounts, group, attributes=["industry", "plan"], test="chi2")
    assert out[["attribute", "value"]].values.tolist() == [
        ["industry", "finance"],
        ["industry", "healthcare"],
        ["industry", "retail"],
        ["plan", "basic"],
        ["plan", "pro"],
    ]
    hc = out.iloc[1]
    assert (hc["n_group"], hc["n_rest"]) == (12, 8)
    assert hc["group_share"] == pytest.approx(0.6)
    assert hc["rest_share"] == pytest.approx(0.1)
    assert hc["lift"] == pytest.approx(6.0)
    # χ² = n (ad − bc)² / (r1 r2 c1 c2) = 100 · (12·72 − 8·8)² / (20·80·20·80) = 25
    assert hc["p_value"] == pytest.approx(math.erfc(math.sqrt(25 / 2)))
    # plan is balanced: 10/20 vs 40/80 → lift 1, χ² = 0, p = 1
    assert out.iloc[3]["lift"] == pytest.approx(1.0)
    assert out.iloc[3]["p_value"] == pytest.approx(1.0)
    # BH by hand over the 5 p-values
    p = out["p_value"].to_numpy()
    order = np.argsort(p)
    ranked = p[order] * 5 / np.arange(1, 6)
    expected = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(5)
    q[order] = np.minimum(expected, 1)
    np.testing.assert_allclose(out["q_value"], q)
    assert out["test"].eq("chi2").all()


def test_planted_value_fisher_by_hand_and_auto_choice() -> None:
    accounts, group = _planted()
    out = attribute_skew(accounts, group, attributes=["industry"])
    hc = out[out["value"] == "healthcare"].iloc[0]
    # expected count in the (group, healthcare) cell is 20·20/100 = 4 < 5 → Fisher
    assert hc["test"] == "fisher"
    assert hc["p_value"] == pytest.approx(_fisher_two_sided(12, 8, 8, 72), rel=1e-9)
    # finance: expected 20·36/100 = 7.2 in the smallest cell... but the group has 0
    fin = out[out["value"] == "finance"].iloc[0]
    assert fin["n_group"] == 0
    assert fin["lift"] == 0.0
    assert hc["q_value"] < 0.01


def test_lift_is_inf_when_value_absent_from_rest() -> None:
    acc = pd.DataFrame({"account_id": list("abcd"), "plan": ["x", "y", "y", "y"]})
    out = attribute_skew(acc, np.array([True, True, False, False]), attributes=["plan"])
    assert out.set_index("value").loc["x", "lift"] == np.inf


def test_numeric_attribute_binned_into_quantiles() -> None:
    acc = pd.DataFrame(
        {"account_id": [f"a{i}" for i in range(8)], "seats": [1, 2, 3, 4, 5, 6, 7, 8]}
    )
    out = attribute_skew(acc, acc["seats"] > 6, attributes=["seats"], bins=4)
    # quartile edges of 1..8: 1, 2.75, 4.5, 6.25, 8 → two accounts per bin
    assert out["value"].tolist() == ["[1, 2.75]", "(2.75, 4.5]", "(4.5, 6.25]", "(6.25, 8]"]
    assert out["n_group"].tolist() == [0, 0, 0, 2]
    assert out["n_rest"].tolist() == [2, 2, 2, 0]


def test_missing_attribute_values_get_their_own_row() -> None:
    acc = pd.DataFrame({"account_id": list("abcd"), "region": ["NA", None, "NA", "EMEA"]})
    out = attribute_skew(acc, [True, True, False, False], attributes=["region"])
    assert out["value"].tolist() == ["EMEA", "NA", MISSING]


def test_group_forms_agree() -> None:
    accounts, group = _planted()
    base = attribute_skew(accounts, group, attributes=["industry"])
    with_col = accounts.assign(churned=group)
    pd.testing.assert_frame_equal(
        attribute_skew(with_col, "churned", attributes=["industry"]), base
    )
    series = pd.Series(group, index=accounts.index)
    pd.testing.assert_frame_equal(attribute_skew(accounts, series, attributes=["industry"]), base)
    by_id = pd.Series(group, index=accounts["account_id"]).sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(attribute_skew(accounts, by_id, attributes=["industry"]), base)


def test_group_by_id_compares_only_named_accounts() -> None:
    acc = pd.DataFrame({"account_id": list("abcdef"), "plan": ["x", "x", "y", "y", "y", "y"]})
    # only a, b, c, d responded; a and b are promoters
    promoters = pd.Series([True, True, False, False], index=list("abcd"))
    out = attribute_skew(acc, promoters, attributes=["plan"])
    assert out["n_group"].tolist() == [2, 0]
    assert out["n_rest"].tolist() == [0, 2]


# --------------------------------------------------------------------------- bad input


def test_all_true_or_all_false_group() -> None:
    accounts, _ = _planted()
    for value in (True, False):
        with pytest.raises(ValueError, match=f"(?s)group is {value} for every account.*Hint:"):
            attribute_skew(accounts, np.full(100, value), attributes=["plan"])


def test_bad_groups() -> None:
    accounts, group = _planted()
    with pytest.raises(ValueError, match=r"(?s)group has 3 values.*Hint:"):
        attribute_skew(accounts, [True, False, True], attributes=["plan"])
    with pytest.raises(SchemaError, match="missing values"):
        attribute_skew(
            accounts,
            pd.Series([True if g else None for g in group], dtype=object),
            attributes=["plan"],
        )
    with pytest.raises(SchemaError, match="not True/False"):
        attribute_skew(accounts, np.where(group, "yes", "no"), attributes=["plan"])
    with pytest.raises(SchemaError, match="matches neither"):
        attribute_skew(accounts, pd.Series([True, False], index=["zz", "yy"]), attributes=["plan"])
    with pytest.raises(SchemaError, match=r"'churned'.*missing"):
        attribute_skew(accounts, "churned", attributes=["plan"])


def test_bad_attributes_and_options() -> None:
    accounts, group = _planted()
    with pytest.raises(SchemaError, match=r"(?s)'industy'.*did you mean 'industry'"):
        attribute_skew(accounts, group, attributes=["industy"])
    with pytest.raises(TypeError, match="Hint:"):
        attribute_skew(accounts, group, attributes="plan")
    with pytest.raises(ValueError, match="Hint:"):
        attribute_skew(accounts, group, attributes=[])
    with pytest.raises(ValueError, match="Hint:"):
        attribute_skew(accounts, group, attributes=["plan"], bins=1)
    with pytest.raises(ValueError, match="Hint:"):
        attribute_skew(accounts, group, attributes=["plan"], test="g")
    with pytest.raises(TypeError, match="DataFrame"):
        attribute_skew([1, 2], group, attributes=["plan"])  # type: ignore[arg-type]


def test_close_numeric_values_get_unique_readable_bins() -> None:
    # Issue 12, defect 9: mrr = 10000 + U(0, 0.5) raised "Categorical categories must be
    # unique" because every %.4g bin edge read "1e+04".
    rng = np.random.default_rng(3)
    mrr = 10_000 + rng.uniform(0, 0.5, 200)
    acc = pd.DataFrame({"account_id": [f"a{i}" for i in range(200)], "mrr": mrr})
    group = mrr > np.quantile(mrr, 0.75)  # the top quartile: the last bin only
    out = attribute_skew(acc, group, attributes=["mrr"])
    labels = out["value"].tolist()
    assert len(labels) == len(set(labels)) == 4
    assert all("10,000" in label and "e+" not in label for label in labels)
    # every label shows its edges with enough digits to tell them apart, in order
    edges = [float(x.strip("[]() ").replace(",", "")) for lab in labels for x in lab.split(", ")]
    assert edges == sorted(edges)
    assert out["n_group"].tolist() == [0, 0, 0, 50]
    assert out["lift"].iloc[-1] == np.inf


def test_large_numbers_get_thousands_separators() -> None:
    arr = [1200, 2500, 9000, 12_000, 48_000, 5, 5, 5]
    acc = pd.DataFrame({"account_id": range(8), "arr": arr})
    out = attribute_skew(acc, np.arange(8) < 4, attributes=["arr"], bins=2)
    # the median of (5, 5, 5, 1200, 2500, 9000, 12000, 48000) is (1200 + 2500) / 2 = 1850
    assert out["value"].tolist() == ["[5, 1,850]", "(1,850, 48,000]"]
