"""The report's figures drawn by a helper process: placeholders while building, PNGs after.

A built-in section's :func:`~adoptmetrics.report.render_figure` returns a
placeholder at once (see :mod:`._figure_process`); once every section is
built, :meth:`DeferredFigures.resolve` puts each PNG in its figure and hands
the warnings raised while drawing it to its own section, as if it had been
drawn on the spot: a ``UserWarning`` becomes a caveat of that section, other
warnings are passed on, and an error turns the section into an error box.
"""

from __future__ import annotations

import base64
import sys
import warnings
from collections.abc import Callable
from typing import Any

import attrs

from adoptmetrics.report._figure_process import FigureProcess, Rendered, WarningRecord
from adoptmetrics.report._html import Outcome, error_text
from adoptmetrics.report._section import Figure

__all__ = ["PROCESS_EVENTS", "DeferredFigures", "caveats_of", "start"]

#: From this many events the report draws its figures in a helper process by default
#: (below it, starting the helper costs more than drawing the figures here).
PROCESS_EVENTS = 1_000_000


class DeferredFigures:
    """Figures handed to a helper process, and the report entry each belongs to."""

    def __init__(self, pool: FigureProcess) -> None:
        self._pool = pool
        self._jobs: dict[str, tuple[int, int]] = {}  # placeholder -> (entry, job)

    def defer_for(self, entry: int) -> Callable[[Any, int], str]:
        """What ``render_figure`` calls inside report entry ``entry``."""

        def defer(figure: Any, dpi: int) -> str:
            job = self._pool.submit(figure, dpi)
            placeholder = f"<figure {job} being drawn>"  # never valid base64
            self._jobs[placeholder] = (entry, job)
            return placeholder

        return defer

    def __len__(self) -> int:
        return len(self._jobs)

    def resolve(self, outcomes: list[Outcome], positions: dict[int, int]) -> list[Outcome]:
        """The outcomes with their PNGs in place (``positions``: entry -> index in ``outcomes``)."""
        done = self._pool.results()
        per_entry: dict[int, dict[str, Rendered]] = {}
        for placeholder, (entry, job) in self._jobs.items():
            per_entry.setdefault(entry, {})[placeholder] = done[job]
        out = list(outcomes)
        for entry, drawn in per_entry.items():
            pos = positions.get(entry)
            if pos is None or out[pos].section is None:
                continue  # the section failed or had nothing to show: its figures are unused
            outcome = out[pos]
            section = outcome.section
            assert section is not None
            failed = next((r.error for r in drawn.values() if r.error is not None), None)
            if failed is not None:
                out[pos] = Outcome(outcome.name, outcome.title, error=error_text(failed))
                continue
            figures = tuple(
                Figure(_base64(drawn[f.png_base64]), f.alt, f.caption)
                if f.png_base64 in drawn
                else f
                for f in section.figures
            )
            drawing = caveats_of([w for r in drawn.values() for w in r.warnings])
            out[pos] = attrs.evolve(
                outcome,
                section=attrs.evolve(section, figures=figures),
                caveats=(*outcome.caveats, *drawing),
            )
        return out

    def close(self) -> None:
        """Stop the helper process (idempotent)."""
        self._pool.close()


def _base64(rendered: Rendered) -> str:
    assert rendered.png is not None  # a figure without a PNG has an error, handled first
    return base64.b64encode(rendered.png).decode("ascii")


def caveats_of(records: list[WarningRecord]) -> list[str]:
    """The texts of the ``UserWarning`` records (a section's caveats); other
    warnings (deprecations and the like, for developers) are passed on."""
    caveats: list[str] = []
    for category, message, filename, lineno in records:
        if issubclass(category, UserWarning):
            caveats.append(str(message))
        else:
            warnings.warn_explicit(message, category, filename, lineno)
    return caveats


def start(option: bool | None, n_events: int) -> DeferredFigures | None:
    """A helper process for the figures, or ``None`` to draw them on the spot.

    ``option``: ``None`` uses one from :data:`PROCESS_EVENTS` events, ``True``
    always (warning when it cannot start), ``False`` never.
    """
    if option is False or (option is None and n_events < PROCESS_EVENTS):
        return None
    why = ""
    if not sys.executable or getattr(sys, "frozen", False):
        why = "this Python has no interpreter to start (embedded or frozen)"
    else:
        try:
            return DeferredFigures(FigureProcess())
        except OSError as exc:
            why = f"{type(exc).__name__}: {exc}"
    if option:
        warnings.warn(
            f"the figures are drawn in this process: no helper process could be started ({why}).",
            UserWarning,
            stacklevel=3,
        )
    return None
