"""The boundary's error type, :class:`SchemaError`, and how rows are named in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SchemaError"]

_MAX_SHOWN = 5


class SchemaError(ValueError):
    """Input data does not fit the expected table layout.

    A subclass of :class:`ValueError`. Its message names the table, the
    column, up to five offending rows and, after ``Hint:``, what to do.

    Attributes
    ----------
    table : str
        Name of the offending table (``"events"``, ``"accounts"``, ...).
    column : str or None
        The offending column, when there is one.
    rows : list
        Index labels of (up to five) offending rows.
    problem : str
        What is wrong, without the table, column and rows.
    hint : str
        How to fix it.
    """

    def __init__(
        self,
        table: str,
        column: str | None,
        problem: str,
        hint: str,
        rows: Sequence[Any] = (),
    ) -> None:
        self.table = table
        self.column = column
        self.problem = problem
        self.rows = list(rows)[:_MAX_SHOWN]
        self.hint = hint
        where = f"{table}: column {column!r}" if column is not None else f"{table}:"
        message = f"{where} {problem}"
        if self.rows:
            message += f" (first offending rows: {', '.join(repr(r) for r in self.rows)})"
        message += f".\nHint: {hint}"
        super().__init__(message)


def _offending(mask: np.ndarray[Any, Any] | pd.Series, index: pd.Index) -> list[Any]:
    positions = np.flatnonzero(np.asarray(mask))[:_MAX_SHOWN]
    return list(index[positions])


def _duplicate_column_error(table: str, column: str, count: int) -> SchemaError:
    return SchemaError(
        table,
        column,
        f"appears {count} times in the table's header",
        "give every column a distinct name (rename or drop the duplicates) before calling.",
    )
