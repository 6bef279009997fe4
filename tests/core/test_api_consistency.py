"""The public API reads as one piece: names, docstrings, docs pages.

The checks live in ``tests/api_checks.py``; the last tests show that they
catch a deliberately undocumented function.
"""

from __future__ import annotations

import importlib
import inspect
import types
from pathlib import Path

import pandas as pd
import pytest

import adoptmetrics as am
from api_checks import (
    check_function,
    check_module,
    check_module_sizes,
    check_reference_page,
    check_vocabulary,
    public_functions,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "adoptmetrics"
PUBLIC_MODULES = [
    "activity",
    "models",
    "retention",
    "churn",
    "nps",
    "segments",
    "onboarding",
    "expansion",
    "engagement",
    "impact",
    "health",
    "datasets",
    "plotting",
    "report",
]
# The contract of DESIGN.md: reachable as am.<name> and am.<module>.<name>.
CONTRACT = {
    "retention": ["cohort_retention", "retention_curve", "revenue_retention"],
    "churn": [
        "survival_table",
        "churn_curve",
        "compare_churn",
        "fit_churn_model",
        "churn_risk",
        "fit_sbg",
        "lifetime_value",
    ],
    "nps": ["nps_category", "nps_score", "compare_nps", "nps_quadrants"],
    "onboarding": ["milestone_status", "time_to_value", "success_paths"],
    "expansion": ["trigger_lift", "expansion_scores", "backtest_expansion"],
    "segments": ["attribute_skew"],
    "engagement": [
        "active_counts",
        "stickiness",
        "active_days_distribution",
        "lifecycle",
        "feature_adoption",
        "adopter_categories",
        "adoption_curve",
        "feature_retention",
    ],
    "impact": ["campaign_impact", "release_impact"],
    "health": [
        "account_metrics",
        "health_scores",
        "fit_health_model",
        "backtest_health",
        "lifecycle_stages",
        "stage_transitions",
    ],
}


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_module_is_consistent(name: str) -> None:
    module = importlib.import_module(f"adoptmetrics.{name}")
    problems = check_module(module, DOCS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in CONTRACT.items() for n in names]
)
def test_contract_names_are_reachable(module: str, name: str) -> None:
    mod = getattr(am, module)
    assert name in mod.__all__, f"adoptmetrics.{module}.{name} is not exported"
    assert getattr(am, name) is getattr(mod, name), f"am.{name} is not re-exported"
    assert name in am.__all__


def test_top_level_all_is_sorted_and_complete() -> None:
    for name in am.__all__:
        assert hasattr(am, name), name
    names = [n for n in am.__all__ if not n.startswith("__")]
    assert names == sorted(names, key=str.lower) or names == sorted(names)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_module_speaks_one_vocabulary(name: str) -> None:
    module = importlib.import_module(f"adoptmetrics.{name}")
    problems = [
        p
        for fname, func in public_functions(module)
        for p in check_vocabulary(f"adoptmetrics.{name}.{fname}", func)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_reference_page_renders_exactly_all(name: str) -> None:
    module = importlib.import_module(f"adoptmetrics.{name}")
    problems = check_reference_page(module, DOCS / "api" / f"{name}.md")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", [m for m in PUBLIC_MODULES if m != "models"])
def test_each_capability_is_a_folder(name: str) -> None:
    module = importlib.import_module(f"adoptmetrics.{name}")
    assert hasattr(module, "__path__"), f"adoptmetrics.{name} should be a folder (a package)"
    assert (SRC / name / "__init__.py").exists()


def test_no_module_over_800_lines() -> None:
    problems = check_module_sizes(SRC)
    assert not problems, "\n".join(problems)


def test_no_entity_col_anywhere() -> None:
    """level='account'|'user' replaced entity_col: in signatures, docs and README."""
    offenders = [
        f"adoptmetrics.{name}.{fname}"
        for name in PUBLIC_MODULES
        for fname, func in public_functions(importlib.import_module(f"adoptmetrics.{name}"))
        if "entity_col" in inspect.signature(func).parameters
    ]
    pages = [*DOCS.rglob("*.md"), ROOT / "README.md"]
    offenders += [str(p.relative_to(ROOT)) for p in pages if "entity_col" in p.read_text("utf-8")]
    assert not offenders, offenders


def test_checker_catches_vocabulary_problems() -> None:
    def rates(events: pd.DataFrame, /, *, period: str = "week") -> pd.DataFrame:
        return events

    def cohort_retention(events: pd.DataFrame, /, *, account_col: str = "a") -> pd.DataFrame:
        return events

    assert any("no account_col" in p for p in check_vocabulary("fake.rates", rates))
    assert any(
        "takes no by=" in p for p in check_vocabulary("fake.cohort_retention", cohort_retention)
    )


def test_checker_catches_a_page_that_lists_other_members(tmp_path: Path) -> None:
    page = tmp_path / "retention.md"
    page.write_text(
        "::: adoptmetrics.retention\n    options:\n      members:\n"
        "        - cohort_retention\n        - not_a_function\n"
    )
    problems = check_reference_page(am.retention, page)
    assert any("does not render" in p for p in problems)
    assert any("not in __all__" in p for p in problems)


def test_checker_catches_a_long_module(tmp_path: Path) -> None:
    pkg = tmp_path / "adoptmetrics"
    pkg.mkdir()
    (pkg / "_long.py").write_text("x = 1\n" * 800)
    assert check_module_sizes(pkg) == ["adoptmetrics/_long.py: 800 lines (limit 800); split it"]


# --- the checker itself catches a deliberately undocumented function ------------


def _undocumented(events: pd.DataFrame, id_col: str = "account_id") -> pd.DataFrame:
    return events


def _half_documented(events: pd.DataFrame, /, *, confidence: float = 0.9) -> pd.DataFrame:
    """Rates per account.

    Returns
    -------
    DataFrame
        A table of rates.
    """
    return events


def test_checker_catches_an_undocumented_function() -> None:
    problems = check_function("fake.rates", _undocumented)
    assert problems == ["fake.rates: has no docstring (it will not appear in the API reference)"]


def test_checker_catches_missing_columns_examples_and_odd_names() -> None:
    problems = check_function("fake.rates", _half_documented)
    assert any("lists no columns" in p for p in problems)
    assert any("no Examples block" in p for p in problems)
    assert any("confidence should default to 0.95" in p for p in problems)


def test_checker_catches_a_function_left_out_of_all(tmp_path: Path) -> None:
    fake = types.ModuleType("adoptmetrics_fake")
    fake.__all__ = []  # type: ignore[attr-defined]
    _undocumented.__module__ = "adoptmetrics_fake"
    fake.rates = _undocumented  # type: ignore[attr-defined]
    problems = check_module(fake, tmp_path)
    assert any("missing from __all__" in p for p in problems)
