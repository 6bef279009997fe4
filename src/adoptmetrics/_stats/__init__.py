"""Shared statistics, written once.

Intervals (Wilson, Woolf, exact Poisson, NPS), exact and chi-square tests,
Benjamini–Hochberg (``_intervals``); Kaplan–Meier helpers, log-rank and the
Cox fit (``_survival``); logistic regression by IRLS (``_logistic``).
"""

from __future__ import annotations
