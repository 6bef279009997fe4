"""Expansion triggers: which signals precede an upsell, and which accounts show them now.

Three questions, three functions:

- :func:`trigger_lift` — does an account expand more often in the days after
  a trigger fires than at other times? (a person-time rate ratio)
- :func:`expansion_scores` — which active accounts are most likely to expand
  within the horizon, and which triggers say so? (a learned hazard model)
- :func:`backtest_expansion` — would those scores have worked? (a time split:
  learn before ``cutoff``, evaluate after it)

Definitions
-----------
*At-risk time*: an account can expand from its start to its churn (or
``as_of``). With ``accounts=`` these are ``started_at`` and ``churned_at``;
without it, the first and last time the account is seen in the events or
expansions. Only at-risk time counts, and only expansions inside it.

*Firing*: a moment at which a trigger's condition holds
(:func:`adoptmetrics.activity.trigger_firings`). The account is *exposed*
during ``(f, f + horizon_days]`` after every firing ``f``; all other at-risk
time is *unexposed*. An expansion at the very moment of a firing is not
exposed to it: an expansion is never its own trigger.

*Alert*: a firing with no earlier firing of the same trigger in the
preceding ``horizon_days`` (what you would hand to sales). Its outcome is
known once its horizon has ended at ``as_of`` or churn ended it; only such
alerts count in precision and lead times.

*Ties*: accounts with the same score share a rank, and every top-k metric is
averaged over the orders of a tie, so nothing depends on how ids are spelled.

Arguments: the events first, the triggers second, other tables by keyword
(``expansions=``, ``accounts=``), each table with its own column options.
"""

from __future__ import annotations

from adoptmetrics.expansion._backtest import ExpansionBacktest, backtest_expansion
from adoptmetrics.expansion._lift import trigger_lift
from adoptmetrics.expansion._model import ExpansionModel
from adoptmetrics.expansion._mrr import expansions_from_mrr
from adoptmetrics.expansion._scores import expansion_scores, fit_expansion_model

__all__ = [
    "ExpansionBacktest",
    "ExpansionModel",
    "backtest_expansion",
    "expansion_scores",
    "expansions_from_mrr",
    "fit_expansion_model",
    "trigger_lift",
]
