"""Synthetic B2B SaaS data with documented planted effects, and the bundled demo.

:func:`simulate_saas` draws a seeded, fully vectorised simulation of a SaaS
product: accounts (plan, industry, region, seats), onboarding events, weekly
usage, churn, quarterly NPS surveys, expansion triggers, expansions, monthly
revenue, a feature launch and two campaigns' exposures. A handful of effects
are planted on purpose and recorded in ``SaaSData.truth`` so that tests and
docs can show each method recovering them (see ``docs/datasets.md``).
:func:`load_demo` returns a fixed 2,000-account simulation bundled with the
package.
"""

from __future__ import annotations

from adoptmetrics.datasets._generate import (
    SaaSData,
    load_demo,
    simulate_saas,
)

__all__ = [
    "SaaSData",
    "load_demo",
    "simulate_saas",
]
