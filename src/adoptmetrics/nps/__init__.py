"""Net Promoter Score: scores with honest intervals, trends, and usage × sentiment quadrants.

Scores 9–10 are promoters, 7–8 passives and 0–6 detractors; the NPS is
``100 · (promoters − detractors) / n``, between −100 and 100. Every score comes
with a confidence interval: by default the adjusted Wald interval of Rocks
(2016), which adds 3 pseudo-responses (¾ promoter, 1½ passive, ¾ detractor)
before computing the Wald interval from the variance of the +1/0/−1 coding
(:func:`adoptmetrics._stats._intervals.nps_standard_error`). It keeps its
coverage on small samples and is never of zero width; ``method="wald"`` gives
the textbook interval.

Counting per response or per account
------------------------------------
``per="response"`` counts every answer. Large accounts that send many answers
then weigh more. ``per="account"`` gives every account one vote:

* ``account_score="latest"``: the account's latest response (in the
  ``since``/``until`` window). Responses at the same time are tied, and the
  higher score wins.
* ``account_score="user_mean"``: the mean of the latest score of each of the
  account's users. The mean is then classified with the same cut points:
  a mean of 9 or more is a promoter, 7 or more (below 9) a passive, below 7 a
  detractor. For example, users who answer 10 and 7 (mean 8.5) make the
  account a passive.
"""

from __future__ import annotations

from adoptmetrics.nps._core import (
    CATEGORIES,
)
from adoptmetrics.nps._quadrants import (
    ACTIONS,
    QUADRANTS,
    nps_quadrants,
    quadrant_summary,
)
from adoptmetrics.nps._scores import (
    compare_nps,
    nps_category,
    nps_score,
    nps_trend,
)

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "QUADRANTS",
    "compare_nps",
    "nps_category",
    "nps_quadrants",
    "nps_score",
    "nps_trend",
    "quadrant_summary",
]
