"""Static checks that keep the public API reading as one piece.

Used by ``tests/test_api_consistency.py``. Each check returns a list of
human-readable problems (empty when all is well), so a failing test prints
every problem at once.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

# The vocabulary of DESIGN.md: other spellings of the same thing are refused.
FORBIDDEN_PARAMETERS = {
    "id_col": "account_col",
    "entity": "level",
    "entity_col": "level (with account_col / user_col)",
    "date_col": "time_col",
    "timestamp_col": "time_col",
    "ts_col": "time_col",
    "conf": "confidence",
    "conf_level": "confidence",
    "ci_level": "confidence",
    "alpha_level": "confidence",
    "asof": "as_of",
    "reference_date": "as_of",
    "group_by": "by",
    "groupby": "by",
    "segment_col": "by",
    "cohort_start": "start (a Series) or accounts=",
}
FORBIDDEN_COLUMNS = {
    "p": "p_value",
    "pval": "p_value",
    "pvalue": "p_value",
    "q": "q_value",
    "qval": "q_value",
    "lower": "ci_lower",
    "upper": "ci_upper",
    "ci_low": "ci_lower",
    "ci_high": "ci_upper",
    "or": "odds_ratio",
    "rate": "retention_rate",
    "at_risk": "n_at_risk",
    "group": "the by= column's own name",
    "test_statistic": "statistic",
    "z": "statistic",
}
# Tables whose rows carry an account id: a function reading one takes account_col.
TABLE_ARGUMENTS = {"events", "accounts", "responses", "nps", "mrr", "exposures"}
# Functions that summarise a population take by= (DESIGN, "One vocabulary").
POPULATION_SUMMARIES = {
    "cohort_retention",
    "retention_curve",
    "retention_matrix",
    "retention_trend",
    "revenue_retention",
    "mrr_bridge",
    "churn_curve",
    "compare_churn",
    "median_lifetime",
    "restricted_mean_lifetime",
    "lifetime_value",
    "nps_score",
    "nps_trend",
    "quadrant_summary",
    "onboarding_funnel",
    "time_to_value",
    "success_paths",
    "golden_path",
    "trigger_lift",
    "active_counts",
    "stickiness",
    "active_days_distribution",
    "lifecycle",
    "feature_adoption",
    "adoption_curve",
}
MAX_MODULE_LINES = 800

_SECTION = re.compile(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.MULTILINE)
_COLUMN_ITEM = re.compile(r"^\s*-\s+``([^`]+)``", re.MULTILINE)


def public_functions(module: types.ModuleType) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The functions a module exports through ``__all__`` (defined in the package)."""
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name, None)
        if inspect.isfunction(obj):
            yield name, obj


def docstring_sections(doc: str) -> dict[str, str]:
    """NumPy docstring sections by title (``"Returns"`` → its text)."""
    doc = inspect.cleandoc(doc)
    matches = list(_SECTION.finditer(doc))
    sections: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        sections[m.group(1).strip()] = doc[m.end() : end]
    return sections


def _returns_frame(func: Callable[..., Any]) -> bool:
    ann = inspect.signature(func).return_annotation
    text = ann if isinstance(ann, str) else getattr(ann, "__name__", repr(ann))
    return "DataFrame" in str(text) or ann is pd.DataFrame


def check_function(qualname: str, func: Callable[..., Any]) -> list[str]:
    """Docstring and signature rules for one public function."""
    problems: list[str] = []
    doc = inspect.getdoc(func)
    if not doc:
        return [f"{qualname}: has no docstring (it will not appear in the API reference)"]
    sections = docstring_sections(doc)
    returns = sections.get("Returns") or sections.get("Yields")
    if returns is None:
        problems.append(f"{qualname}: docstring has no Returns section")
    elif _returns_frame(func):
        columns = _COLUMN_ITEM.findall(returns)
        if not columns:
            problems.append(
                f"{qualname}: returns a DataFrame but its Returns section lists no "
                "columns (as '- ``name``: meaning')"
            )
        for col in columns:
            if col in FORBIDDEN_COLUMNS:
                problems.append(
                    f"{qualname}: returns column {col!r}; the house name is "
                    f"{FORBIDDEN_COLUMNS[col]!r}"
                )
    examples = sections.get("Examples", "")
    if ">>>" not in examples:
        problems.append(f"{qualname}: docstring has no Examples block with doctests")
    sig = inspect.signature(func)
    for name, param in sig.parameters.items():
        if name in FORBIDDEN_PARAMETERS:
            problems.append(
                f"{qualname}: parameter {name!r} should be called {FORBIDDEN_PARAMETERS[name]!r}"
            )
        if name == "confidence" and param.default not in (0.95, inspect.Parameter.empty):
            problems.append(f"{qualname}: confidence should default to 0.95")
        if name == "as_of" and param.default not in (None, inspect.Parameter.empty):
            problems.append(f"{qualname}: as_of should default to None (latest data)")
        if name == "level" and param.default not in ("account", "user"):
            problems.append(f"{qualname}: level should default to 'account' or 'user'")
        if name.endswith("_col") and param.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(f"{qualname}: column option {name!r} should be keyword-only")
    if qualname.split(".")[-1].startswith("plot_"):
        ax = sig.parameters.get("ax")
        if ax is None or ax.default is not None or ax.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(f"{qualname}: plot functions take a keyword-only ax=None")
        ret = sig.return_annotation
        if "Axes" not in str(ret):
            problems.append(f"{qualname}: plot functions return the matplotlib Axes")
    return problems


def check_module(module: types.ModuleType, docs_dir: Path) -> list[str]:
    """All rules for one public module, including its API reference page."""
    problems: list[str] = []
    modname = module.__name__
    if not hasattr(module, "__all__"):
        problems.append(f"{modname}: has no explicit __all__")
    exported = set(getattr(module, "__all__", []))
    for name, obj in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(obj):
            continue
        if obj.__module__.split("._")[0] == modname and name not in exported:
            problems.append(
                f"{modname}.{name}: public name missing from __all__ "
                "(export it, or prefix it with an underscore)"
            )
    for name, func in public_functions(module):
        problems.extend(check_function(f"{modname}.{name}", func))
    if exported and not any(
        f"::: {modname}" in page.read_text(encoding="utf-8") for page in docs_dir.rglob("*.md")
    ):
        problems.append(f"{modname}: no API reference page renders it ('::: {modname}')")
    return problems


def check_vocabulary(qualname: str, func: Callable[..., Any]) -> list[str]:
    """The one vocabulary: account_col wherever a table is read, by= on summaries."""
    problems: list[str] = []
    params = inspect.signature(func).parameters
    positional = [n for n, p in params.items() if p.kind is inspect.Parameter.POSITIONAL_ONLY]
    tables = [n for n in positional if n in TABLE_ARGUMENTS]
    if tables and "account_col" not in params:
        problems.append(f"{qualname}: reads the {tables[0]} table but has no account_col option")
    short = qualname.split(".")[-1]
    if short in POPULATION_SUMMARIES and "by" not in params:
        problems.append(f"{qualname}: summarises a population but takes no by=")
    return problems


def check_module_sizes(src: Path, limit: int = MAX_MODULE_LINES) -> list[str]:
    """Every module stays one idea: well under ``limit`` lines."""
    problems = []
    for path in sorted(src.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n >= limit:
            problems.append(f"{path.relative_to(src.parent)}: {n} lines (limit {limit}); split it")
    return problems


_DIRECTIVE = re.compile(r"^::: (adoptmetrics[\w.]*)\s*$((?:\n[ ]{4}.*)*)", re.MULTILINE)
_MEMBER = re.compile(r"^\s+- (\w+)\s*$", re.MULTILINE)


def check_reference_page(module: types.ModuleType, page: Path) -> list[str]:
    """The API reference page of a folder renders exactly its ``__all__``."""
    name = module.__name__
    if not page.exists():
        return [f"{name}: no API reference page {page.name}"]
    text = page.read_text(encoding="utf-8")
    exported = set(getattr(module, "__all__", []))
    rendered: set[str] = set()
    whole = False
    for m in _DIRECTIVE.finditer(text):
        target, options = m.group(1), m.group(2)
        if target == name:
            members = _MEMBER.findall(options) if "members:" in options else None
            if members is None:
                whole = True
            else:
                rendered.update(members)
        elif target.startswith(name + "."):
            rendered.add(target[len(name) + 1 :])
    if whole:
        rendered |= exported
    problems = []
    if missing := sorted(exported - rendered):
        problems.append(f"{name}: {page.name} does not render {missing}")
    if extra := sorted(rendered - exported):
        problems.append(f"{name}: {page.name} renders {extra}, which are not in __all__")
    return problems
