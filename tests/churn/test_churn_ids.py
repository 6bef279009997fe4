"""The churn boundary's proof that string ids are unique (``churn/_ids.py``).

Known answers: whether a list of ids has duplicates is checked against
Python's ``len(set(ids)) == len(ids)`` (an independent, exact reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics import SchemaError, churn
from adoptmetrics.churn._ids import proven_unique

pytest.importorskip("pyarrow")

DTYPES = ["object", "string[pyarrow]", "str"]


def _series(ids: list[str], dtype: str) -> pd.Series:
    if dtype == "object":
        return pd.Series(ids, dtype=object)
    return pd.Series(ids, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("width", [1, 5, 8, 10, 16, 17, 36])
def test_fixed_width_ids_proven_in_any_order(dtype: str, width: int) -> None:
    rng = np.random.default_rng(width)
    n = 2_000 if width > 2 else 60
    ids = sorted({"".join(rng.choice(list("abcdef0123"), width)) for _ in range(n)})
    assert proven_unique(_series(ids, dtype))  # ascending: one comparison of neighbours
    shuffled = [ids[i] for i in rng.permutation(len(ids))]
    assert proven_unique(_series(shuffled, dtype))  # one length: hashed words, sorted
    dup = [*shuffled, shuffled[len(shuffled) // 2]]
    assert not proven_unique(_series(dup, dtype))
    assert not proven_unique(_series(sorted(dup), dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_unproven_cases_answer_false(dtype: str) -> None:
    varied = ["b", "aa", "c", "abc"]  # different lengths, not ascending: not proven
    assert not proven_unique(_series(varied, dtype))
    assert proven_unique(_series(sorted(varied), dtype))  # ascending: proven
    with_null = pd.Series(["a", None, "c"], dtype=None if dtype == "object" else dtype)
    assert not proven_unique(with_null)
    assert not proven_unique(pd.Series([3, 1, 2]))  # numbers: the exact path
    assert not proven_unique(pd.Series([], dtype=object))


def test_multibyte_and_mixed_object_ids() -> None:
    assert proven_unique(_series(["ä1", "ö1", "äb"], "object"))  # three bytes each
    assert not proven_unique(_series(["ä1", "ö1", "ä1"], "object"))
    assert not proven_unique(pd.Series(["a", 1, "b"], dtype=object))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="ab01", min_size=3, max_size=3), min_size=1, max_size=40),
    st.sampled_from(DTYPES),
)
def test_proof_never_says_unique_when_not(ids: list[str], dtype: str) -> None:
    if proven_unique(_series(ids, dtype)):
        assert len(set(ids)) == len(ids)  # exact reference


@pytest.mark.parametrize("dtype", DTYPES)
def test_churn_curve_same_answer_whatever_the_id_path(dtype: str) -> None:
    rng = np.random.default_rng(3)
    n = 500
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    life = pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    churned = start + life
    acc = pd.DataFrame(
        {
            "account_id": [f"acc{i:05d}" for i in range(n)],
            "started_at": start,
            "churned_at": churned.where(rng.random(n) < 0.7),
        }
    )
    as_of = "2025-03-01"
    ref = churn.churn_curve(acc.assign(account_id=np.arange(n)), as_of=as_of)
    for order in (np.arange(n), rng.permutation(n)):
        frame = acc.take(order).reset_index(drop=True)
        frame["account_id"] = _series(frame["account_id"].tolist(), dtype)
        pd.testing.assert_frame_equal(churn.churn_curve(frame, as_of=as_of), ref)
        ids = frame["account_id"].tolist()
        dup = frame.assign(account_id=_series([*ids[:7], ids[8], *ids[8:]], dtype))
        with pytest.raises(SchemaError, match="duplicate"):
            churn.churn_curve(dup, as_of=as_of)
