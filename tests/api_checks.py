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
}

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
        if obj.__module__ == modname and name not in exported:
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
