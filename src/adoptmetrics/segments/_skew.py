"""Segments: which kinds of customers are over-represented in a group.

Before acting on a segment (promoters, detractors, churned or renewed
accounts), check who is in it: :func:`attribute_skew` compares, for every value
of every attribute, its share inside the group with its share in the rest.

Tests
-----
Each (attribute, value) gives a 2×2 table: in the group or not × has the value
or not. With ``test="auto"`` the p-value is Fisher's exact test when any
expected cell count is below 5 (small counts, where the chi-square
approximation is poor) and Pearson's chi-square test (1 df, no continuity
correction) otherwise; ``test="fisher"`` or ``test="chi2"`` force one. The
``q_value`` is the Benjamini–Hochberg adjustment over all rows of the result,
because many values are tested at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._errors import _offending
from adoptmetrics._schema._validate import (
    SchemaError,
    _require_column,
    _require_frame,
)
from adoptmetrics._stats import _intervals as _stats

__all__ = ["MISSING", "attribute_skew"]

MISSING = "(missing)"
_TESTS = ("auto", "fisher", "chi2")


def _group_mask(
    group: object, accounts: pd.DataFrame, account_col: str
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Resolve ``group`` to (in group, row is analysed) over the rows of ``accounts``."""
    if isinstance(group, str):
        _require_column(accounts, "accounts", group, "group")
        series = accounts[group]
        keep = np.ones(len(accounts), dtype=bool)
    elif isinstance(group, pd.Series):
        if group.index.has_duplicates:
            raise SchemaError(
                "group",
                "index",
                "has duplicate labels",
                "pass one True/False per account (indexed like accounts or by account id).",
                rows=_offending(group.index.duplicated(), group.index),
            )
        if group.index.equals(accounts.index) or (
            len(group) == len(accounts)
            and group.index.sort_values().equals(accounts.index.sort_values())
        ):
            series = group.reindex(accounts.index)
            keep = np.ones(len(accounts), dtype=bool)
        else:
            _require_column(accounts, "accounts", account_col, "account_col")
            ids = accounts[account_col].astype(str)
            key = pd.Index(group.index.astype(str))
            pos = key.get_indexer(pd.Index(ids.to_numpy()))
            keep = pos >= 0
            if not keep.any():
                raise SchemaError(
                    "group",
                    "index",
                    "matches neither the index of accounts nor any account id",
                    f"index the mask like accounts, or by {account_col!r} "
                    "(e.g. mask.set_axis(accounts[account_col])).",
                )
            series = pd.Series(group.to_numpy()[np.where(keep, pos, 0)], index=accounts.index)
    else:
        arr = np.asarray(group)
        if arr.ndim != 1 or len(arr) != len(accounts):
            raise ValueError(
                f"group has {arr.size} values but accounts has {len(accounts)} rows.\n"
                "Hint: pass a boolean mask with one value per account row, a Series indexed by "
                "account id, or the name of a boolean column."
            )
        series = pd.Series(arr, index=accounts.index)
        keep = np.ones(len(accounts), dtype=bool)
    values = series[keep]
    if values.isna().any():
        null = values.isna().to_numpy()
        raise SchemaError(
            "group",
            str(series.name) if series.name is not None else None,
            f"has {int(null.sum())} missing values",
            "decide for each account whether it is in the group (fillna(False)) or drop it.",
            rows=_offending(null, values.index),
        )
    if not pd.api.types.is_bool_dtype(values.dtype):
        raw = values.to_numpy()
        if not (pd.api.types.is_numeric_dtype(values.dtype) and np.isin(raw, [0, 1]).all()):
            raise SchemaError(
                "group",
                str(series.name) if series.name is not None else None,
                f"has dtype {values.dtype}, not True/False",
                "pass a boolean mask, e.g. quadrants['category'] == 'detractor'.",
            )
    inside = np.zeros(len(accounts), dtype=bool)
    inside[keep] = values.to_numpy().astype(bool)
    n_in = int(inside[keep].sum())
    if n_in == 0 or n_in == int(keep.sum()):
        state = "False" if n_in == 0 else "True"
        raise ValueError(
            f"group is {state} for every account, so there is nothing to compare.\n"
            "Hint: the group must hold some accounts and leave some out "
            "(check the mask, e.g. a category spelled differently)."
        )
    return inside, keep


def _fmt(value: float, digits: int) -> str:
    """A number with ``digits`` significant digits and thousands separators."""
    if not np.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = int(np.floor(np.log10(abs(value))))
    decimals = max(digits - 1 - magnitude, 0)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _bin_labels(lowest: float, rights: list[float]) -> list[str]:
    """Labels ``[lo, r0]``, ``(r0, r1]``, … with the fewest significant digits (≥ 4)
    that keep every edge distinct, so close edges never share a label."""
    edges = [lowest, *rights]
    for digits in range(4, 18):
        shown = [_fmt(e, digits) for e in edges]
        if len(set(shown)) == len(set(edges)):  # edges that differ are shown differently
            break
    labels = [f"({shown[i]}, {shown[i + 1]}]" for i in range(len(rights))]
    labels[0] = f"[{shown[0]}, {shown[1]}]"
    return labels


def _values(column: pd.Series, bins: int) -> tuple[pd.Series, list[Any], str]:
    """The attribute as labels (numeric columns binned into quantiles), their order, kind."""
    numeric = pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
        column.dtype
    )
    if numeric and column.nunique(dropna=True) > bins:
        binned = pd.qcut(column.astype(float), q=bins, duplicates="drop")
        cats = binned.cat.categories
        labels = _bin_labels(float(column.min()), [float(iv.right) for iv in cats])
        codes = np.asarray(binned.cat.codes)
        out = pd.Series(np.array([*labels, MISSING], dtype=object)[codes], index=column.index)
        order = [*labels, MISSING]
        return out, order, "quantile bin"
    if isinstance(column.dtype, pd.CategoricalDtype):
        order = [str(c) for c in column.cat.categories]
    else:
        order = sorted({str(v) for v in column.dropna().unique()})
    out = column.astype(str).where(column.notna(), MISSING)
    return out, [*order, MISSING], "value"


def attribute_skew(
    accounts: pd.DataFrame,
    group: object,
    /,
    *,
    attributes: Sequence[str],
    bins: int = 4,
    test: str = "auto",
    account_col: str = "account_id",
) -> pd.DataFrame:
    """Which attribute values are over-represented in a group of accounts.

    Parameters
    ----------
    accounts : DataFrame
        One row per account with attribute columns (``plan``, ``industry``,
        ``seats``, …).
    group : boolean mask, Series or str
        Who is in the group: a boolean array with one value per row of
        ``accounts``; a boolean Series indexed like ``accounts`` or by account
        id (then only the accounts it names are compared, e.g. promoters
        against the other respondents); or the name of a boolean column.
    attributes : list of str
        Columns to examine. Numeric columns with more than ``bins`` distinct
        values are cut into ``bins`` quantile bins labelled like
        ``"[2, 6]"``, ``"(6, 13]"`` or ``"(1,250, 10,000]"`` (``pandas.qcut``;
        edges shown with thousands separators and at least 4 significant
        digits, more where needed to tell close edges apart); other columns
        are used value by value (missing values become ``"(missing)"``).
    bins : int
        Number of quantile bins for numeric attributes.
    test : {"auto", "fisher", "chi2"}
        The test per 2×2 table; ``"auto"`` uses Fisher's exact test when an
        expected count is below 5 and chi-square otherwise (see module notes).
    account_col : str
        The account id column (used when ``group`` is indexed by account id).

    Returns
    -------
    DataFrame
        One row per (attribute, value) present in the compared accounts,
        in the order of ``attributes`` and then of the values (bins in
        increasing order):

        - ``attribute``, ``value``: the attribute and its value (or bin label),
        - ``n_group``, ``n_rest``: accounts with that value in the group and
          in the rest,
        - ``group_share``, ``rest_share``: their shares of the group and of
          the rest,
        - ``lift``: ``group_share / rest_share`` (``inf`` when the value is
          absent from the rest),
        - ``p_value``: two-sided p-value of the test,
        - ``test``: ``"fisher"`` or ``"chi2"``,
        - ``q_value``: Benjamini–Hochberg q-value over all rows.

    Raises
    ------
    SchemaError
        A missing attribute column, or a mask with missing or non-boolean values.
    ValueError
        A mask that is all True or all False, or of the wrong length.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = pd.DataFrame({"account_id": list("abcdefgh"),
    ...     "plan": ["pro", "pro", "pro", "basic", "basic", "basic", "basic", "pro"]})
    >>> churned = acc["account_id"].isin(["a", "b", "c"])
    >>> attribute_skew(acc, churned, attributes=["plan"])[
    ...     ["value", "n_group", "n_rest", "group_share", "rest_share", "lift"]]
       value  n_group  n_rest  group_share  rest_share  lift
    0  basic        0       4          0.0         0.8   0.0
    1    pro        3       1          1.0         0.2   5.0
    """
    df = _require_frame(accounts, "accounts")
    if isinstance(attributes, str) or not isinstance(attributes, Sequence):
        raise TypeError(
            f"attributes={attributes!r} must be a list of column names.\n"
            f"Hint: pass attributes=[{attributes!r}]."
        )
    if not attributes:
        raise ValueError("attributes is empty.\nHint: pass e.g. attributes=['plan', 'industry'].")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins={bins!r} must be an integer ≥ 2.\nHint: use bins=4 (quartiles).")
    if test not in _TESTS:
        raise ValueError(
            f"test={test!r} is not supported.\nHint: use one of {', '.join(map(repr, _TESTS))}."
        )
    for col in attributes:
        _require_column(df, "accounts", col, "attributes")
    inside, keep = _group_mask(group, df, account_col)
    inside = inside[keep]
    n_in = int(inside.sum())
    n_out = len(inside) - n_in
    frames = []
    for col in attributes:  # a handful of attributes; rows are counted vectorised
        labels, order, _ = _values(df[col][keep], bins)
        codes = pd.Categorical(labels, categories=order).codes
        a = np.bincount(codes[inside], minlength=len(order))
        c = np.bincount(codes[~inside], minlength=len(order))
        present = (a + c) > 0
        frames.append(
            pd.DataFrame(
                {
                    "attribute": col,
                    "value": np.array(order, dtype=object)[present],
                    "n_group": a[present].astype(np.int64),
                    "n_rest": c[present].astype(np.int64),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    a = out["n_group"].to_numpy()
    c = out["n_rest"].to_numpy()
    b, d = n_in - a, n_out - c
    out["group_share"] = a / n_in
    out["rest_share"] = c / n_out
    with np.errstate(divide="ignore", invalid="ignore"):
        out["lift"] = np.where(c > 0, (a / n_in) / np.where(c > 0, c / n_out, 1.0), np.inf)
    total = n_in + n_out
    row_in, col_v = (a + b), (a + c)
    expected = np.minimum.reduce(
        [
            row_in * col_v / total,
            row_in * (total - col_v) / total,
            (total - row_in) * col_v / total,
            (total - row_in) * (total - col_v) / total,
        ]
    )
    use_fisher = np.full(len(out), test == "fisher") | ((test == "auto") & (expected < 5))
    p = _stats.chi2_2x2(a, b, c, d)
    if use_fisher.any():
        p[use_fisher] = _stats.fisher_exact_2x2(
            a[use_fisher], b[use_fisher], c[use_fisher], d[use_fisher]
        )
    out["p_value"] = p
    out["test"] = np.where(use_fisher, "fisher", "chi2")
    out["q_value"] = _stats.benjamini_hochberg(p)
    return out
