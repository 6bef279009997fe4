"""The report's figures drawn in a helper process: the same page, and every fallback."""

from __future__ import annotations

import base64
import pickle
import sys
import warnings

import matplotlib
import pytest
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FuncFormatter

from adoptmetrics.report import Figure, ReportData, Section, build_report, render_figure
from adoptmetrics.report import _figure_process as fp_module
from adoptmetrics.report._deferred import PROCESS_EVENTS, DeferredFigures, start
from adoptmetrics.report._figure_process import FigureProcess, png
from adoptmetrics.report._html import Outcome


@pytest.fixture(scope="module")
def world() -> ReportData:
    from adoptmetrics.datasets import simulate_saas
    from adoptmetrics.report._demo import DEMO_OPTIONS

    d = simulate_saas(150, months=12, seed=4)
    return ReportData.from_frames(
        d.events, d.accounts, nps=d.nps, mrr=d.mrr, expansions=d.expansions,
        exposures=d.exposures, as_of=d.as_of, options=DEMO_OPTIONS,
    )  # fmt: skip


def line_figure(label: str = "a line") -> MplFigure:
    fig = MplFigure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label=label)
    ax.set_title(label)
    return fig


def warning_figure() -> MplFigure:
    # DejaVu Sans has no Gothic letters: matplotlib warns while drawing, not before.
    fig = line_figure()
    fig.axes[0].set_xlabel("\U00010348")
    return fig


def test_the_page_is_the_same_with_and_without_the_helper(world: ReportData) -> None:
    lines: list[str] = []
    helped = build_report(world, figure_process=True, progress=lines.append)
    here = build_report(world, figure_process=False)
    assert helped == here
    assert any(line.startswith("figures:") and "helper process" in line for line in lines)
    assert "being drawn>" not in helped  # no placeholder left behind


def test_auto_uses_the_helper_only_for_large_logs() -> None:
    assert start(None, PROCESS_EVENTS - 1) is None
    assert start(False, 10 * PROCESS_EVENTS) is None
    deferred = start(None, PROCESS_EVENTS)
    assert isinstance(deferred, DeferredFigures)
    deferred.close()
    deferred.close()  # idempotent


def test_helper_pngs_equal_those_drawn_here() -> None:
    figures = [line_figure(str(i)) for i in range(3)]
    with FigureProcess() as pool:
        jobs = [pool.submit(f, 90) for f in figures]
        done = pool.results()
    assert [done[j].png for j in jobs] == [png(f, 90) for f in figures]
    assert all(done[j].error is None and done[j].warnings == [] for j in jobs)


def test_a_figure_is_taken_as_it_was_when_rendered() -> None:
    fig = line_figure()
    before = png(fig, 80)
    with FigureProcess() as pool:
        job = pool.submit(fig, 80)
        fig.axes[0].plot([0, 2], [4, 0], color="red")  # drawn on afterwards
        done = pool.results()
    assert done[job].png == before
    assert png(fig, 80) != before


def test_rcparams_at_render_time_travel_with_the_figure() -> None:
    fig = line_figure()
    with matplotlib.rc_context({"savefig.facecolor": "#ffe0e0", "font.size": 14}):
        here = png(fig, 80)
        with FigureProcess() as pool:
            job = pool.submit(fig, 80)
            done = pool.results()
    assert done[job].png == here
    assert here != png(fig, 80)  # the settings matter to the picture


def test_drawing_warnings_go_to_the_section_that_drew_the_figure() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        here = png(warning_figure(), 110)  # render_figure's default dpi
    expected = [str(w.message) for w in caught]
    assert any("missing from font" in m for m in expected)

    deferred = DeferredFigures(FigureProcess())
    try:
        quiet = Section(
            id="quiet", title="Quiet",
            figures=[placeholder_figure(deferred, 1, line_figure())],
        )  # fmt: skip
        noisy = Section(
            id="noisy", title="Noisy",
            figures=[placeholder_figure(deferred, 2, warning_figure())],
        )  # fmt: skip
        outcomes = [
            Outcome("quiet", "Quiet", section=quiet),
            Outcome("noisy", "Noisy", section=noisy, caveats=("from the section",)),
        ]
        out = deferred.resolve(outcomes, {1: 0, 2: 1})
    finally:
        deferred.close()
    assert out[0].caveats == ()
    assert out[1].caveats == ("from the section", *expected)
    assert out[1].section is not None
    assert base64.b64decode(out[1].section.figures[0].png_base64) == here


def placeholder_figure(deferred: DeferredFigures, entry: int, fig: MplFigure) -> Figure:
    # What render_figure returns inside a built-in section: a placeholder figure.
    from adoptmetrics.report._section import deferred_figures

    with deferred_figures(deferred.defer_for(entry)):
        return render_figure(fig, alt="a figure")


def test_a_figure_that_fails_to_draw_makes_its_section_an_error_box() -> None:
    bad = line_figure()
    bad.axes[0].set_title(r"$\frac{$")  # unparsable mathtext: fails when drawn
    with pytest.raises(ValueError) as inline:
        png(bad, 80)
    deferred = DeferredFigures(FigureProcess())
    try:
        section = Section(id="bad", title="Bad", figures=[placeholder_figure(deferred, 1, bad)])
        out = deferred.resolve([Outcome("bad", "Bad", section=section)], {1: 0})
    finally:
        deferred.close()
    assert out[0].section is None
    assert out[0].error == f"ValueError: {inline.value}"


def test_an_unpicklable_figure_is_drawn_here() -> None:
    fig = line_figure()
    fig.axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} u"))
    with pytest.raises(Exception):  # noqa: B017 (pickle raises several types)
        pickle.dumps(fig)
    with FigureProcess() as pool:
        job = pool.submit(fig, 80)
        done = pool.results()
    assert done[job].png == png(fig, 80)


def test_a_helper_that_dies_leaves_its_figures_to_this_process() -> None:
    figures = [line_figure(str(i)) for i in range(2)]
    with FigureProcess() as pool:
        pool._proc.kill()
        pool._proc.wait()
        jobs = [pool.submit(f, 80) for f in figures]
        done = pool.results()
    assert [done[j].png for j in jobs] == [png(f, 80) for f in figures]


def test_a_helper_that_hangs_is_stopped_and_its_figures_drawn_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fp_module, "_BOOT", "import time; time.sleep(60)")
    fig = line_figure()
    with FigureProcess() as pool:
        job = pool.submit(fig, 80)
        done = pool.results(patience=0.5)
        assert pool._proc.poll() is not None  # killed, not left behind
    assert done[job].png == png(fig, 80)


def test_a_helper_that_cannot_start_means_drawing_here(
    monkeypatch: pytest.MonkeyPatch, world: ReportData
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with pytest.warns(UserWarning, match="no helper process could be started"):
        assert start(True, 0) is None
    assert start(None, PROCESS_EVENTS) is None  # silent when not asked for
    with pytest.warns(UserWarning, match="drawn in this process"):
        page = build_report(world, sections=["retention"], figure_process=True)
    monkeypatch.undo()
    assert page == build_report(world, sections=["retention"], figure_process=False)


def test_custom_sections_draw_their_figures_on_the_spot(world: ReportData) -> None:
    seen: list[str] = []

    def mine(data: ReportData) -> Section:
        fig = render_figure(line_figure(), alt="mine")
        seen.append(fig.png_base64)  # a custom section may read its PNG back
        return Section(id="mine", title="Mine", figures=[fig])

    build_report(world, sections=[mine, "retention"], figure_process=True)
    assert base64.b64decode(seen[0]).startswith(b"\x89PNG")


def test_every_built_in_figure_travels_to_the_helper(
    world: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lambda tick formatter cannot be pickled: its figure would be drawn in
    # the report's own process, which is correct but gains nothing.
    drawn_here: list[object] = []
    real_png = fp_module.png

    def recorded(figure: MplFigure, dpi: int) -> bytes:
        drawn_here.append(figure)
        return real_png(figure, dpi)

    monkeypatch.setattr(fp_module, "png", recorded)
    lines: list[str] = []
    build_report(world, figure_process=True, progress=lines.append)
    assert drawn_here == []
    assert any(line.startswith("figures: ") for line in lines)


def test_no_helper_is_started_for_custom_sections_only(
    world: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adoptmetrics.report import _deferred

    def refuse() -> FigureProcess:
        raise AssertionError("a helper was started for sections that never use it")

    monkeypatch.setattr(_deferred, "FigureProcess", refuse)

    def mine(data: ReportData) -> Section:
        return Section(id="mine", title="Mine", figures=[render_figure(line_figure(), alt="m")])

    page = build_report(world, sections=[mine], figure_process=True)
    assert 'id="mine"' in page
