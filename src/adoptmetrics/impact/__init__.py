"""Did the program work? Campaign and release impact with matched controls.

Programs are aimed at accounts that are already slipping (or already
engaged), so "touched vs not touched" is biased by who gets touched.
:func:`campaign_impact` compares each exposed account with controls matched
at the exposure's calendar time from the accounts eligible then (risk-set
matching), reports the naive comparison beside it, a balance table and a
placebo on the pre-period. :func:`release_impact` does the same with the
first use of a new feature as the exposure.
"""

from __future__ import annotations

from adoptmetrics.impact._estimate import ImpactResult, campaign_impact
from adoptmetrics.impact._release import release_impact

__all__ = ["ImpactResult", "campaign_impact", "release_impact"]
