"""Shared plotting helpers: axes creation and the house palette."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Colour-blind safe (Okabe–Ito), in the order series are drawn.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
INCOMPLETE_COLOR = "#d9d9d9"


# Set by `offscreen`: new figures are plain `Figure`s, unknown to pyplot.
_OFFSCREEN: ContextVar[bool] = ContextVar("adoptmetrics_offscreen", default=False)


@contextmanager
def offscreen() -> Iterator[None]:
    """New figures made inside are plain matplotlib ``Figure``s, not pyplot's.

    For code that renders figures to files (the report): no pyplot import
    (half a second), no GUI backend, nothing left open to close.
    """
    token = _OFFSCREEN.set(True)
    try:
        yield
    finally:
        _OFFSCREEN.reset(token)


def get_ax(ax: Axes | None, *, figsize: tuple[float, float] = (7.0, 4.0)) -> Axes:
    """Return ``ax``, or a new Axes on a new figure when it is ``None``."""
    if ax is not None:
        return ax
    if _OFFSCREEN.get():
        from matplotlib.figure import Figure

        return Figure(figsize=figsize, layout="constrained").subplots()
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax


def color(i: int) -> str:
    """The i-th colour of the house palette (cycling)."""
    return PALETTE[i % len(PALETTE)]


def log_ratio_axis(ax: Axes, lower: npt.ArrayLike, upper: npt.ArrayLike) -> None:
    """Log-scaled x axis for ratios (hazard, odds): a line at 1, readable ticks."""
    from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullFormatter

    ax.axvline(1.0, color="#333333", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    finite = np.concatenate([np.asarray(lower, float), np.asarray(upper, float), [1.0]])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    candidates = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0])
    shown = candidates[(candidates >= finite.min() * 0.9) & (candidates <= finite.max() * 1.1)]
    ax.xaxis.set_major_locator(FixedLocator(shown.tolist()))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())
