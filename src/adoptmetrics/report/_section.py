"""What a report section hands back: :class:`Section`, :class:`Metric`, :class:`Figure`."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import attrs

from adoptmetrics.report._figure_process import png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.figure import SubFigure

__all__ = ["Figure", "Metric", "Section", "SectionUnavailable", "render_figure"]

_ID = re.compile(r"^[a-z][a-z0-9-]*$")

#: Set by the report while a built-in section runs: takes (figure, dpi) and
#: returns a placeholder for the PNG, which a helper process renders meanwhile.
_DEFER: ContextVar[Callable[[Any, int], str] | None] = ContextVar(
    "adoptmetrics_defer_figures", default=None
)


@contextmanager
def deferred_figures(defer: Callable[[Any, int], str] | None) -> Iterator[None]:
    """Inside, :func:`render_figure` hands figures to ``defer`` (``None``: renders them)."""
    token = _DEFER.set(defer)
    try:
        yield
    finally:
        _DEFER.reset(token)


def _section_id(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(
            f"Section id {value!r} is not a slug.\n"
            "Hint: use lower-case letters, digits and dashes, e.g. 'retention'."
        )


def _text(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise TypeError(
            f"{attribute.name} must be a string, got {type(value).__name__}.\n"
            f"Hint: pass plain text for {attribute.name}."
        )


def _strings(values: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    out = tuple(values)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(
                f"expected strings, got {type(v).__name__}.\n"
                "Hint: pass HTML fragments (body) or plain text (caveats) as str."
            )
    return out


def _check_items(values: Iterable[Any], kind: type[Any], how: str) -> tuple[Any, ...]:
    out = tuple(values)
    for v in out:
        if not isinstance(v, kind):
            raise TypeError(
                f"expected {kind.__name__} objects, got {type(v).__name__}.\nHint: {how}"
            )
    return out


def _figures(values: Iterable[Figure]) -> tuple[Figure, ...]:
    return _check_items(values, Figure, "render figures with render_figure(ax, alt=...).")


def _metrics(values: Iterable[Metric]) -> tuple[Metric, ...]:
    return _check_items(values, Metric, "build them with Metric(label, value, detail).")


class SectionUnavailable(Exception):
    """Raised by a section builder that cannot be built on these data.

    The report shows a card with the reason and the fix instead of the
    section (never a silent omission).

    Parameters
    ----------
    reason : str
        Why the section cannot be built ("the config names no milestones").
    fix : str
        What to configure ("set [onboarding] milestones = [...]").

    Examples
    --------
    >>> SectionUnavailable("no NPS table", "add [tables] nps").fix
    'add [tables] nps'
    """

    def __init__(self, reason: str, fix: str) -> None:
        self.reason = reason
        self.fix = fix
        super().__init__(f"{reason}. To show it: {fix}")


@attrs.frozen(slots=True)
class Metric:
    """One headline number, shown in the executive summary at the top of the report.

    Parameters
    ----------
    label : str
        What it is ("Logo retention, month 6").
    value : str
        The formatted number ("82 %").
    detail : str, optional
        A short qualifier: interval, denominator ("95 % CI 78–85 %").

    Examples
    --------
    >>> Metric("Accounts", "2,000", "1,640 active")
    Metric(label='Accounts', value='2,000', detail='1,640 active')
    """

    label: str = attrs.field(validator=_text)
    value: str = attrs.field(validator=_text)
    detail: str = attrs.field(default="", validator=_text)


@attrs.frozen(slots=True, repr=False)
class Figure:
    """A rendered figure: a PNG embedded in the HTML as a data URI.

    Make one with :func:`render_figure`.

    Parameters
    ----------
    png_base64 : str
        The PNG image, base64-encoded.
    alt : str
        Text alternative (what the figure shows), for screen readers.
    caption : str, optional
        A caption shown under the figure.
    """

    png_base64: str = attrs.field(validator=_text)
    alt: str = attrs.field(validator=_text)
    caption: str = attrs.field(default="", validator=_text)

    def __repr__(self) -> str:
        return f"Figure(alt={self.alt!r}, caption={self.caption!r}, {len(self.png_base64)} chars)"

    @property
    def data_uri(self) -> str:
        """The image as a ``data:image/png;base64,…`` URI."""
        return "data:image/png;base64," + self.png_base64


@attrs.frozen(slots=True)
class Section:
    """One card of the report, produced by a section module's ``section(data)``.

    Parameters
    ----------
    id : str
        Slug used for the anchor (``"retention"``).
    title : str
        Heading of the card.
    body : tuple of str
        HTML fragments, in order (paragraphs, tables from
        :func:`~adoptmetrics.report.html_table`). They are inserted as they
        are: escape any text that comes from the data
        (:func:`html.escape`).
    figures : tuple of Figure
        Figures shown after the body.
    how_to_read : str
        One paragraph of plain text: how to read the figures and tables, and
        what not to conclude from them.
    metrics : tuple of Metric
        Headline numbers for the executive summary (a handful at most).
    caveats : tuple of str
        Plain-text warnings shown in the card (too few responses, …).
        Warnings raised while the section is built are added automatically.
    highlights : tuple of str
        HTML fragments for the executive summary, below the metric tiles
        (e.g. a five-row table of the accounts most at risk). Keep them short;
        the details belong in the card.

    Examples
    --------
    >>> s = Section(id="demo", title="Demo", body=["<p>Hello</p>"], how_to_read="Read it.")
    >>> s.body
    ('<p>Hello</p>',)
    """

    id: str = attrs.field(validator=_section_id)
    title: str = attrs.field(validator=_text)
    body: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    figures: tuple[Figure, ...] = attrs.field(default=(), converter=_figures)
    how_to_read: str = attrs.field(default="", validator=_text)
    metrics: tuple[Metric, ...] = attrs.field(default=(), converter=_metrics)
    caveats: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    highlights: tuple[str, ...] = attrs.field(default=(), converter=_strings)


def render_figure(
    figure: Axes | MplFigure | SubFigure,
    /,
    *,
    alt: str,
    caption: str = "",
    dpi: int = 110,
    close: bool = True,
) -> Figure:
    """Render a matplotlib figure (or the figure of an Axes) to an embeddable PNG.

    Parameters
    ----------
    figure : matplotlib Axes or Figure
        What to render; for an Axes, its whole figure is rendered.
    alt : str
        Text alternative describing what the figure shows.
    caption : str, optional
        Caption shown under the figure.
    dpi : int, default 110
        Resolution of the PNG.
    close : bool, default True
        Close the figure afterwards (frees memory when it was made by pyplot).

    Returns
    -------
    Figure
        The PNG, base64-encoded, with its ``alt`` text and caption.

    Examples
    --------
    >>> from matplotlib.figure import Figure as MplFigure
    >>> ax = MplFigure(figsize=(2, 1)).subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> fig = render_figure(ax, alt="a line")
    >>> fig.data_uri.startswith("data:image/png;base64,iVBOR")
    True
    """
    from matplotlib.figure import Figure as MplFigure

    root = figure.get_figure(root=True) if not isinstance(figure, MplFigure) else figure
    if root is None:
        raise ValueError("the Axes is not attached to a figure.\nHint: pass a drawn Axes.")
    defer = _DEFER.get()
    if defer is not None:  # inside the report: the PNG comes from its helper process
        data = defer(root, dpi)
    else:
        data = base64.b64encode(png(root, dpi)).decode("ascii")
    if close and getattr(root, "number", None) is not None:
        # Only figures made by pyplot have a number; pyplot is then imported already.
        import matplotlib.pyplot as plt

        plt.close(root)
    return Figure(data, alt, caption)
