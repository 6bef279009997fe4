"""Shared statistics, written once.

Intervals (Wilson, Woolf, exact Poisson, NPS), exact and chi-square tests,
Benjamini–Hochberg (``_intervals``); Kaplan–Meier helpers, log-rank and the
Cox fit (``_survival``); logistic regression by IRLS (``_logistic``);
activity-adjusted odds ratios with BH q-values and forward selection, shared by
onboarding paths and feature retention (``_adjusted_odds``); tie-aware
precision@k, top-decile lift and AUC (``_ranking``).
"""

from __future__ import annotations
