"""The fast paths of the boundary and the activity layer agree with the plain ones.

* fixed-width Arrow ids encoded by byte-wise rank (``_schema/_radix.py``) give
  the sorted categories and codes of plain Python (``sorted(set(ids))``);
* both split the rows in two halves filled by two threads on large inputs
  (``_schema/_parallel.py``), here from two rows;
* the presence bitmap (``activity/_presence.py``) finds the same active cells
  as the counted cells (``_compute_cells``), including after an ``as_of`` cut
  and past the bitmap's size limit;
* the month index by day table equals numpy's calendar conversion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics._schema import _parallel, _radix
from adoptmetrics._schema._frames import encode_ids
from adoptmetrics._schema._validate import validate_events
from adoptmetrics.activity import _presence
from adoptmetrics.activity._cells import _compute_cells
from adoptmetrics.activity._encode import _encode_valid, period_index

pa = pytest.importorskip("pyarrow")


def _arrow_series(values: list[str], chunk: int | None = None) -> pd.Series:
    if chunk is None:
        arr = pa.chunked_array([pa.array(values, type=pa.large_string())])
    else:
        arr = pa.chunked_array([values[i : i + chunk] for i in range(0, len(values), chunk)])
    return pd.Series(pd.arrays.ArrowStringArray(arr))


def _same_as_python(values: list[str], series: pd.Series) -> None:
    out, nulls = encode_ids(series)
    assert nulls == 0
    # plain Python as the reference (pandas 2's object hashing ends strings at a NUL byte)
    categories = sorted(set(values))
    position = {v: i for i, v in enumerate(categories)}
    assert list(out.cat.categories) == categories
    np.testing.assert_array_equal(out.cat.codes.to_numpy(), [position[v] for v in values])


@pytest.fixture(autouse=True)
def _small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    # exercise the fast paths (and the re-ranking) on small inputs, each step
    # on two halves of the rows in two threads as on large ones
    monkeypatch.setattr(_parallel, "HALVES_ROWS", 2)
    monkeypatch.setattr(_radix, "_MIN_ROWS", 1)
    monkeypatch.setattr(_radix, "_MIN_DISTINCT", 0)
    monkeypatch.setattr(_radix, "_DENSE", 64)
    monkeypatch.setattr(_radix, "_BLOCK", 7)
    monkeypatch.setattr(_presence, "_FILL_BLOCK", 7)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 6),
    alphabet=st.sampled_from(["01", "0123456789", "abcdef0123", "aé"]),
    n=st.integers(1, 60),
    chunk=st.one_of(st.none(), st.integers(1, 20)),
    data=st.data(),
)
def test_fixed_width_ids_encode_like_python(
    width: int, alphabet: str, n: int, chunk: int | None, data: st.DataObject
) -> None:
    if alphabet == "aé":  # one byte width: 'é' is two bytes, so pair it with 'aa'
        pool = ["aa", "é"]
        values = data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    else:  # one width, or (for odd widths) up to that width: padded
        text = st.text(alphabet=alphabet, min_size=width if width % 2 == 0 else 0, max_size=width)
        values = data.draw(st.lists(text, min_size=n, max_size=n))
    series = _arrow_series(["x" + v for v in values], chunk)  # a constant first byte
    _same_as_python(["x" + v for v in values], series)


def test_repeated_fixed_width_ids_take_the_fast_path() -> None:
    rng = np.random.default_rng(0)
    values = [f"acc{v:04d}" for v in rng.integers(0, 300, size=2000)]
    fast = _radix.fixed_width_codes(_arrow_series(values, chunk=333).array._pa_array)
    assert fast is not None
    codes, ordered = fast
    assert ordered.to_pylist() == sorted(set(values))  # sorted without a sort
    assert [ordered[int(c)].as_py() for c in codes] == values


def test_ids_of_several_widths_nulls_and_slices_fall_back_or_agree() -> None:
    mixed = ["a1", "b22", "a1", "c", "", "a", "a1\x00", "b2"] * 50  # padded: "a" < "a1" < "a1\0"
    assert _radix.fixed_width_codes(_arrow_series(mixed).array._pa_array) is not None
    _same_as_python(mixed, _arrow_series(mixed))
    mixed = [*mixed[:8], "é"]
    _same_as_python(mixed, _arrow_series(mixed))
    _same_as_python(mixed * 5, _arrow_series(mixed * 5, chunk=4))
    empty = ["", "", ""]
    assert _radix.fixed_width_codes(_arrow_series(empty).array._pa_array) is None
    _same_as_python(empty, _arrow_series(empty))
    with_null = pa.chunked_array([pa.array(["a1", None, "b2"])])
    assert _radix.fixed_width_codes(with_null) is None
    # a slice of a larger array starts at a nonzero offset into the buffers
    values = [f"id{i % 13:03d}" for i in range(100)]
    sliced = pa.chunked_array([pa.array(values).slice(17, 50)])
    out, _ = encode_ids(pd.Series(pd.arrays.ArrowStringArray(sliced)))
    assert out.astype(object).tolist() == values[17:67]
    assert list(out.cat.categories) == sorted(set(values[17:67]))


def test_nearly_unique_ids_fall_back_to_hashing() -> None:
    values = [f"{i * 7919 % 10**6:06d}" for i in range(500)]  # one id per row, six digits
    assert _radix.fixed_width_codes(_arrow_series(values).array._pa_array) is None
    _same_as_python(values, _arrow_series(values))
    wide = ["x" * 30, "y" * 30] * 10  # wider than _MAX_WIDTH
    assert _radix.fixed_width_codes(_arrow_series(wide).array._pa_array) is None
    _same_as_python(wide, _arrow_series(wide))


# --------------------------------------------------------------------------- presence cells


def _encoded(seed: int, n: int = 3000) -> object:
    rng = np.random.default_rng(seed)
    ev = pd.DataFrame(
        {
            "account_id": rng.choice([f"a{i}" for i in range(40)], size=n),
            "timestamp": pd.Timestamp("2023-12-20")
            + pd.to_timedelta(rng.integers(0, 400 * 86_400, size=n), unit="s"),
        }
    )
    return _encode_valid(validate_events(ev, event_col=None), with_events=False)


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize("cut", [None, "2024-06-03 12:00"])
def test_presence_cells_equal_the_counted_cells(period: str, cut: str | None) -> None:
    enc = _encoded(1)
    as_of = pd.Timestamp(cut) if cut else pd.Timestamp(enc.latest)  # type: ignore[attr-defined]
    counted = _compute_cells(enc, period=period, as_of=cut)  # type: ignore[arg-type]
    fast = _presence._from_bitmap(enc, period=period, as_of=as_of)  # type: ignore[arg-type]
    assert fast is not None
    np.testing.assert_array_equal(fast[0], counted.entity)
    np.testing.assert_array_equal(fast[1], counted.index)


def test_presence_cells_past_the_size_limit_use_the_counted_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enc = _encoded(2)
    as_of = pd.Timestamp(enc.latest)  # type: ignore[attr-defined]
    monkeypatch.setattr(_presence, "_BITMAP_LIMIT", 10)
    assert _presence._from_bitmap(enc, period="day", as_of=as_of) is None  # type: ignore[arg-type]
    e, i = _presence.active_cells(enc, period="day", as_of=as_of)  # type: ignore[arg-type]
    counted = _compute_cells(enc, period="day", as_of=None)  # type: ignore[arg-type]
    np.testing.assert_array_equal(e, counted.entity)
    np.testing.assert_array_equal(i, counted.index)


def test_month_index_by_day_table_equals_numpy() -> None:
    rng = np.random.default_rng(5)
    for lo, hi in ((-3 * 10**16, 10**17), (-(10**18), 2 * 10**18)):  # dense and sparse spans
        ns = rng.integers(lo, hi, size=20_000)
        expected = ns.view("datetime64[ns]").astype("datetime64[M]").view(np.int64)  # numpy
        np.testing.assert_array_equal(period_index(ns, "month"), expected)
