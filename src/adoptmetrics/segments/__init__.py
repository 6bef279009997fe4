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

from adoptmetrics.segments._skew import (
    MISSING,
    attribute_skew,
)

__all__ = [
    "MISSING",
    "attribute_skew",
]
