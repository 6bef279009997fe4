"""Shared plotting helpers: axes creation and the house palette."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Colour-blind safe (Okabe–Ito), in the order series are drawn.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
INCOMPLETE_COLOR = "#d9d9d9"


def get_ax(ax: Axes | None, *, figsize: tuple[float, float] = (7.0, 4.0)) -> Axes:
    """Return ``ax``, or a new Axes on a new figure when it is ``None``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax


def color(i: int) -> str:
    """The i-th colour of the house palette (cycling)."""
    return PALETTE[i % len(PALETTE)]
