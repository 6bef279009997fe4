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
from adoptmetrics.churn import _ids
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


# --- The hash-table proof: exact whatever the table size or key collisions ---


def _shared_reference(key: np.ndarray) -> np.ndarray:
    """Rows whose key occurs more than once, by counting (an independent, exact check)."""
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return np.flatnonzero(counts[inverse] > 1)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=0, max_size=300),
    st.sampled_from([None, 1, 2, 5]),
    st.integers(0, 2**64 - 1),
)
def test_shared_key_rows_match_counting(values: list[int], bits: int | None, base: int) -> None:
    # Few distinct values: many equal keys; a tiny table (bits) forces slot collisions
    # between different keys in every round, and the final sort takes the rest.
    key = (np.array(values, dtype=np.uint64) * np.uint64(2**58)) ^ np.uint64(base)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_ids, "_TABLE_BITS", bits)
        got = _ids._shared_key_rows(key)
    np.testing.assert_array_equal(got, _shared_reference(key))


@pytest.mark.parametrize("bits", [None, 1, 3])
def test_shared_key_rows_on_distinct_and_duplicated_keys(bits: int | None) -> None:
    rng = np.random.default_rng(7)
    key = rng.permutation(np.arange(50_000, dtype=np.uint64) << np.uint64(40))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_ids, "_TABLE_BITS", bits)
        assert len(_ids._shared_key_rows(key)) == 0
        key[[3, 49_999]] = key[1_000]
        np.testing.assert_array_equal(_ids._shared_key_rows(key), [3, 1_000, 49_999])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("width", [3, 9, 16, 17, 33])
def test_ids_differing_only_in_their_last_byte(dtype: str, width: int) -> None:
    stem = "x" * (width - 1)
    ids = [stem + c for c in "9876543210zyxwvutsrqponmlkjihgfedcba"]  # not ascending
    assert proven_unique(_series(ids, dtype)) == "unique"
    for pos in (0, 17, len(ids) - 1):
        dup = [*ids, ids[pos]]
        assert proven_unique(_series(dup, dtype)) is None
    late = [*ids[:5], ids[2][:-1] + ids[3][-1]]  # ids[2]'s bytes up to the last: ids[3]
    assert proven_unique(_series(late, dtype)) is None


@pytest.mark.parametrize("dtype", DTYPES)
def test_key_collisions_are_checked_byte_for_byte(dtype: str) -> None:
    # Every id mixed to one key (a total hash collision): distinct ids are still
    # proven unique by comparing their bytes, and a duplicate is still caught.
    rng = np.random.default_rng(11)
    ids = [f"id{i:08d}" for i in rng.permutation(3_000)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_ids, "_mixed", lambda words: np.zeros(len(words[0]), dtype=np.uint64))
        assert proven_unique(_series(ids, dtype)) == "unique"
        assert proven_unique(_series([*ids, ids[1234]], dtype)) is None
        # Half the ids share a key with one other id: all distinct.
        mp.setattr(_ids, "_mixed", lambda words: np.asarray(words[0]) >> np.uint64(60))
        assert proven_unique(_series(ids, dtype)) == "unique"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="ab\u00e401", min_size=9, max_size=9), min_size=2, max_size=60),
    st.sampled_from(DTYPES),
    st.sampled_from([None, 1, 2]),
)
def test_proof_matches_python_set_with_tiny_tables(
    ids: list[str], dtype: str, bits: int | None
) -> None:
    # ä is two bytes: only some lists have one byte length (the others are not proven).
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_ids, "_TABLE_BITS", bits)
        proof = proven_unique(_series(ids, dtype))
    if len(set(ids)) < len(ids):
        assert proof is None  # exact reference: a duplicate is never proven unique
    elif len({len(i.encode()) for i in ids}) == 1:
        assert proof in ("ascending", "unique")  # one byte length: always proven


@pytest.mark.parametrize("dtype", DTYPES)
def test_churn_curve_names_a_late_byte_duplicate(dtype: str) -> None:
    n = 2_000
    rng = np.random.default_rng(5)
    ids = [f"account-{i:06d}" for i in rng.permutation(n)]
    ids[10] = ids[1_500]  # equal to another id in every byte; the rows are shuffled
    acc = pd.DataFrame(
        {
            "account_id": _series(ids, dtype),
            "started_at": pd.Timestamp("2024-01-01"),
            "churned_at": pd.NaT,
        }
    )
    with pytest.raises(SchemaError, match="duplicate"):
        churn.churn_curve(acc, as_of="2024-06-01")


@pytest.mark.parametrize("dtype", DTYPES)
def test_ascending_only_at_the_start(dtype: str) -> None:
    # The first 1024 ids in order (the quick look says "maybe ascending"), then not.
    ids = [f"a{i:05d}" for i in range(3_000)]
    late_swap = [*ids[:2_500], ids[2_501], ids[2_500], *ids[2_502:]]
    assert proven_unique(_series(late_swap, dtype)) == "unique"
    late_dup = [*ids[:2_500], ids[2_500], *ids[2_500:]]
    assert proven_unique(_series(late_dup, dtype)) is None


@pytest.mark.parametrize(
    "ids",
    [
        ["a", None, "c"],
        ["a", "b", None],
        ["a", np.nan, "c"],
        ["a", "b", 3],
        ["a", "b", "b"],
    ],
    ids=["null", "null-last", "nan", "number", "equal-neighbours"],
)
def test_python_string_ids_in_order_with_a_bad_value_are_not_proven(ids: list[object]) -> None:
    # Ascending Python strings are proven by pandas' compiled comparison of
    # neighbours (no copy to Arrow); anything that is not a str breaks it.
    assert not proven_unique(pd.Series(ids, dtype=object))
    assert proven_unique(pd.Series(["a", "b", "c"], dtype=object)) == "ascending"
