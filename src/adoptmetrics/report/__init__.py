"""The HTML report: one self-contained file built from one section per capability.

A report is built from :class:`ReportData` (validated tables cut at
``as_of``). Each capability contributes a section module
``adoptmetrics.report._<name>`` exposing ``section(data) -> Section``;
the modules are listed, in report order, in :data:`SECTION_MODULES`. A module
that is not installed yet is skipped; a section that cannot be built on these
data raises :class:`SectionUnavailable` and is shown as a card saying why and
what to configure; a section that fails shows an error box with the message
instead of breaking the report; warnings raised while a section is built are
shown in its card as caveats.

Examples
--------
>>> import pandas as pd
>>> from adoptmetrics.report import ReportData, build_report
>>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "login",
...     "timestamp": ["2024-01-01", "2024-01-02", "2024-01-09"]})
>>> acc = pd.DataFrame({"account_id": ["a", "b"], "started_at": ["2024-01-01", "2024-01-02"]})
>>> page = build_report(ReportData.from_frames(ev, acc), sections=["overview"])
>>> page.startswith("<!DOCTYPE html>") and 'id="overview"' in page
True
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from adoptmetrics._schema._parallel import unsplit
from adoptmetrics.plotting._common import offscreen
from adoptmetrics.report._config import ReportOptions, load_config
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._data import release_arrow_memory as _release_arrow_memory
from adoptmetrics.report._deferred import caveats_of as _caveats_of
from adoptmetrics.report._deferred import start as _start_deferred
from adoptmetrics.report._figure_process import recorded as _recorded
from adoptmetrics.report._html import Outcome, fmt_int, fmt_pct, html_table
from adoptmetrics.report._html import error_text as _error_text
from adoptmetrics.report._html import render_page as _render_page
from adoptmetrics.report._section import (
    Figure,
    Metric,
    Section,
    SectionUnavailable,
    render_figure,
)
from adoptmetrics.report._section import deferred_figures as _deferred_figures

__all__ = [
    "SECTION_MODULES",
    "Figure",
    "Metric",
    "ReportData",
    "ReportOptions",
    "Section",
    "SectionBuilder",
    "SectionUnavailable",
    "build_report",
    "fmt_int",
    "fmt_pct",
    "html_table",
    "load_config",
    "render_figure",
    "write_report",
]

#: Section modules in report order: ``adoptmetrics.report._<name>``.
SECTION_MODULES: tuple[str, ...] = (
    "overview",
    "retention",
    "churn",
    "nps",
    "onboarding",
    "expansion",
    "engagement",
    "health",
    "impact",
)

_TITLES = {
    "overview": "Overview",
    "retention": "Retention",
    "churn": "Churn",
    "nps": "NPS & segments",
    "onboarding": "Onboarding",
    "expansion": "Expansion",
    "engagement": "Engagement",
    "health": "Health",
    "impact": "Impact of programs",
}

#: Why a registered section may have nothing to show (its builder returned ``None``),
#: and what fixes it: the card says so instead of leaving the section out.
_NEEDS = {
    "overview": ("there are no events", "give an events table with rows"),
    "retention": (
        "no account has a start date and activity to build cohorts from",
        "check [columns.accounts] start and the events' account ids",
    ),
    "churn": (
        "the accounts table cannot support a survival analysis here (no churn dates or too "
        "few accounts)",
        "name the churn date column in [columns.accounts] churn (empty while active)",
    ),
    "nps": (
        "no NPS responses were given",
        'add [tables] nps = "nps.csv" and its columns under [columns.nps] '
        "(account, time, score, optional comment)",
    ),
    "onboarding": (
        "no onboarding milestones or outcome could be used",
        "set [onboarding] milestones = [...] and outcome = '<true/false column>'",
    ),
    "expansion": (
        "no expansions table (and no MRR table to derive expansions from) was given",
        'add [tables] expansions = "expansions.csv" (account, time) or [tables] mrr',
    ),
    "engagement": ("there are no events to measure engagement on", "give an events table"),
    "health": (
        "the events and accounts cannot support health scores here",
        "check that account ids match between the events and the accounts",
    ),
    "impact": (
        "no exposures table (who a program reached, and when) was given",
        'add [impact] exposures = "outreach.csv" with account, campaign and time columns',
    ),
}

SectionBuilder = Callable[[ReportData], "Section | None"]
Progress = Callable[[str], None]


class _Missing:
    """Marker for a registered section module that is not installed yet."""


def _load(name: str) -> SectionBuilder | _Missing:
    """Import ``adoptmetrics.report._<name>`` and return its ``section`` function."""
    module_name = f"{__name__}._{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return _Missing()
        raise
    builder = getattr(module, "section", None)
    if not callable(builder):
        raise TypeError(
            f"{module_name} has no section(data) function.\n"
            "Hint: define `def section(data: ReportData) -> Section | None`."
        )
    result: SectionBuilder = builder
    return result


def _given(builder: SectionBuilder) -> SectionBuilder:
    return builder


def _run(
    name: str, title: str, build: Callable[[], SectionBuilder | _Missing], data: ReportData
) -> Outcome | None:
    """Build one section, turning any exception into an error outcome."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            builder = build()
            if isinstance(builder, _Missing):
                return None
            section = builder(data)
        except SectionUnavailable as exc:
            return Outcome(name, title, unavailable=(exc.reason, exc.fix))
        except Exception as exc:
            return Outcome(name, title, error=_error_text(exc))
    caveats = _caveats_of(_recorded(caught))
    if section is None:
        reason = _NEEDS.get(
            name,
            (
                "these data have nothing this section can show",
                "see the section's requirements in docs/report.md",
            ),
        )
        return Outcome(name, title, unavailable=reason)
    if not isinstance(section, Section):
        return Outcome(
            name,
            title,
            error=f"TypeError: section() returned {type(section).__name__}, not Section or None",
        )
    return Outcome(name, section.title, section=section, caveats=tuple(caveats))


def _entries(
    sections: Sequence[str | SectionBuilder] | None,
) -> list[tuple[str, str, Callable[[], SectionBuilder | _Missing]]]:
    chosen: Sequence[str | SectionBuilder] = SECTION_MODULES if sections is None else sections
    if isinstance(chosen, str):
        raise TypeError(
            f"sections must be a list, not the string {chosen!r}.\n"
            f"Hint: pass sections=[{chosen!r}]."
        )
    out: list[tuple[str, str, Callable[[], SectionBuilder | _Missing]]] = []
    for item in chosen:
        if isinstance(item, str):
            if item not in SECTION_MODULES:
                raise ValueError(
                    f"unknown report section {item!r}.\n"
                    f"Hint: choose from {', '.join(map(repr, SECTION_MODULES))}."
                )
            out.append((item, _TITLES[item], functools.partial(_load, item)))
        elif callable(item):
            name = str(getattr(item, "__name__", "section")).strip("_") or "section"
            title = name.replace("_", " ").capitalize()
            out.append((name, title, functools.partial(_given, item)))
        else:
            raise TypeError(
                f"sections holds a {type(item).__name__}.\n"
                "Hint: pass section names such as 'overview' or functions data -> Section."
            )
    return out


def _coverage(data: ReportData) -> list[tuple[str, str]]:
    ts = data.events["timestamp"]
    span = "–"
    if len(ts):
        span = f"{ts.min():%Y-%m-%d} – {ts.max():%Y-%m-%d}"
    active = int(data.accounts["churned_at"].isna().sum())
    cov = [
        ("Accounts", f"{len(data.accounts):,} ({active:,} active)"),
        ("Events", f"{len(data.events):,}"),
        ("Event dates", span),
        ("As of", f"{data.as_of:%Y-%m-%d}"),
    ]
    if data.nps is not None:
        cov.append(("NPS responses", f"{len(data.nps):,}"))
    if data.mrr is not None:
        cov.append(("MRR rows", f"{len(data.mrr):,}"))
    if data.expansions is not None:
        cov.append(("Expansions", f"{len(data.expansions):,}"))
    return cov


def build_report(
    data: ReportData,
    /,
    *,
    sections: Sequence[str | SectionBuilder] | None = None,
    title: str = "Customer adoption report",
    progress: Progress | None = None,
    figure_process: bool | None = None,
) -> str:
    """Build the report as one self-contained HTML page.

    Parameters
    ----------
    data : ReportData
        Validated tables (see :meth:`ReportData.from_frames`).
    sections : list of str or callables, optional
        Which sections to show, in order: names from
        :data:`SECTION_MODULES` and/or functions ``data -> Section | None``.
        Default: every registered section that is installed.
    title : str, default "Customer adoption report"
        Title of the page.
    progress : callable, optional
        Called with one line of text as each section starts and ends (the
        command line prints these); the library itself stays silent.
    figure_process : bool, optional
        Draw the built-in sections' figures in a helper Python process while
        the next sections are computed (drawing holds the interpreter, so a
        thread cannot overlap it). ``None`` (default): from 1,000,000 events;
        ``True``: always; ``False``: never. The page is the same either way:
        each figure is pickled, with the current ``rcParams``, when it is
        rendered; a figure the helper cannot draw is drawn here. Fonts added at
        run time (``fontManager.addfont``) are unknown to the helper: pass
        ``False`` if you use them.

    Returns
    -------
    str
        The HTML page: inline CSS, figures as ``data:`` URIs, no scripts and
        no external resources.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a"], "event": "login", "timestamp": ["2024-01-01"]})
    >>> acc = pd.DataFrame({"account_id": ["a"], "started_at": ["2024-01-01"]})
    >>> def broken(data):
    ...     raise RuntimeError("boom")
    >>> page = build_report(ReportData.from_frames(ev, acc), sections=[broken])
    >>> "RuntimeError: boom" in page
    True
    """
    if not isinstance(data, ReportData):
        raise TypeError(
            f"data must be a ReportData, got {type(data).__name__}.\n"
            "Hint: build it with ReportData.from_frames(events, accounts, ...)."
        )
    say: Progress = progress or (lambda line: None)
    _release_arrow_memory()  # the caller's raw tables may have been freed since validation
    entries = _entries(sections)
    outcomes: list[Outcome] = []
    positions: dict[int, int] = {}  # entry number -> its outcome's index
    # Only built-in sections defer their figures: their code never reads a PNG back.
    builtin = [isinstance(b, functools.partial) and b.func is _load for _, _, b in entries]
    figures = _start_deferred(figure_process, len(data.events)) if any(builtin) else None
    try:
        for i, (name, label, build) in enumerate(entries, start=1):
            tag = f"[{i}/{len(entries)}] {name}"
            say(f"{tag}: building…")
            t0 = time.perf_counter()
            defer = figures.defer_for(i) if figures is not None and builtin[i - 1] else None
            # Figures go to PNG: no pyplot, no GUI. While the helper draws them on the
            # second core, event-sized numpy work stays in one thread (see _parallel).
            busy = unsplit() if figures is not None else contextlib.nullcontext()
            with offscreen(), _deferred_figures(defer), busy:
                outcome = _run(name, label, build, data)
            elapsed = time.perf_counter() - t0
            if outcome is None:
                say(f"{tag}: not available in this version (skipped)")
                continue
            if outcome.error is not None:
                say(f"{tag}: FAILED after {elapsed:.1f} s — {outcome.error.splitlines()[0]}")
            elif outcome.unavailable is not None:
                say(f"{tag}: not shown — {outcome.unavailable[0]}; {outcome.unavailable[1]}")
            else:
                say(f"{tag}: done in {elapsed:.1f} s")
            positions[i] = len(outcomes)
            outcomes.append(outcome)
        if figures is not None and len(figures):
            t0 = time.perf_counter()
            outcomes = figures.resolve(outcomes, positions)
            waited = time.perf_counter() - t0
            say(f"figures: {len(figures)} drawn in a helper process (waited {waited:.1f} s)")
    finally:
        if figures is not None:
            figures.close()
    from adoptmetrics import __version__

    return _render_page(
        title=title,
        subtitle=f"Product adoption, retention and customer health as of {data.as_of:%Y-%m-%d}.",
        coverage=_coverage(data),
        outcomes=outcomes,
        notes=data.notes,
        footer=f"Generated by adoptmetrics {__version__}. Self-contained: no network needed.",
    )


def write_report(
    data: ReportData,
    path: str | os.PathLike[str],
    /,
    *,
    sections: Sequence[str | SectionBuilder] | None = None,
    title: str = "Customer adoption report",
    progress: Progress | None = None,
    figure_process: bool | None = None,
) -> Path:
    """Build the report (see :func:`build_report`) and write it to ``path`` as UTF-8.

    Parameters
    ----------
    data : ReportData
        Validated tables.
    path : str or path-like
        Where to write the HTML file; missing parent folders are not created.
    sections, title, progress, figure_process
        As in :func:`build_report`.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> ev = pd.DataFrame({"account_id": ["a"], "event": "login", "timestamp": ["2024-01-01"]})
    >>> acc = pd.DataFrame({"account_id": ["a"], "started_at": ["2024-01-01"]})
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> write_report(ReportData.from_frames(ev, acc), out, sections=["overview"]).exists()
    True
    """
    page = build_report(
        data, sections=sections, title=title, progress=progress, figure_process=figure_process
    )
    target = Path(path)
    target.write_text(page, encoding="utf-8")
    return target
