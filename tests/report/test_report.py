"""The HTML report: ReportData, section plumbing, isolation of failures, the overview."""

from __future__ import annotations

import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics._schema._validate import SchemaError
from adoptmetrics.plotting._overview import activity_overview, plot_activity_overview
from adoptmetrics.report import (
    SECTION_MODULES,
    Figure,
    Metric,
    ReportData,
    Section,
    SectionUnavailable,
    build_report,
    fmt_int,
    fmt_pct,
    html_table,
    render_figure,
    write_report,
)
from strategies import events_frames


def tiny_events() -> pd.DataFrame:
    # a: 3 events (login ×2, invite), b: 1 login, c: none; d is not in accounts.
    return pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "a", "d"],
            "event": ["login", "invite", "login", "login", "login"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-03", "2024-01-10", "2024-02-20", "2024-02-01"]
            ),
            "user_id": ["a-1", "a-2", "b-1", "a-1", "d-1"],
        }
    )


def tiny_accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "started_at": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-20"]),
            "churned_at": pd.to_datetime(pd.Series([None, "2024-02-01", None])),
            "plan": ["pro", "basic", "basic"],
        }
    )


@pytest.fixture(scope="module")
def tiny() -> ReportData:
    return ReportData.from_frames(tiny_events(), tiny_accounts())


def only(name: str) -> list[str]:
    return [name]


# --------------------------------------------------------------------------- ReportData


def test_from_frames_maps_custom_columns_and_defaults_as_of() -> None:
    ev = tiny_events().rename(columns={"account_id": "org", "timestamp": "ts", "event": "action"})
    acc = tiny_accounts().rename(
        columns={"account_id": "org", "started_at": "signup", "churned_at": "lost"}
    )
    data = ReportData.from_frames(
        ev, acc, account_col="org", time_col="ts", event_col="action",
        start_col="signup", churn_col="lost",
    )  # fmt: skip
    assert {"account_id", "event", "timestamp", "user_id"} <= set(data.events.columns)
    assert {"account_id", "started_at", "churned_at", "plan"} <= set(data.accounts.columns)
    # the latest timestamp anywhere in the data (the event on 2024-02-20)
    assert data.as_of == pd.Timestamp("2024-02-20")
    assert isinstance(data.events["user_id"].dtype, pd.CategoricalDtype)


def test_from_frames_cuts_everything_at_as_of() -> None:
    data = ReportData.from_frames(tiny_events(), tiny_accounts(), as_of="2024-01-25")
    assert data.events["timestamp"].max() <= pd.Timestamp("2024-01-25")
    assert len(data.events) == 3
    # b churned on 2024-02-01, after as_of: still active then
    assert data.accounts["churned_at"].isna().all()
    early = ReportData.from_frames(tiny_events(), tiny_accounts(), as_of="2024-01-10")
    assert list(early.accounts["account_id"].astype(str)) == ["a", "b"]  # c starts later


def test_from_frames_validates_optional_tables() -> None:
    nps = pd.DataFrame(
        {"account_id": ["a"], "timestamp": ["2024-01-05"], "score": [11]}  # out of range
    )
    with pytest.raises(SchemaError, match="score"):
        ReportData.from_frames(tiny_events(), tiny_accounts(), nps=nps)
    mrr = pd.DataFrame({"account_id": ["a"], "month": ["2024-01-01"], "revenue": [10.0]})
    with pytest.raises(SchemaError, match="mrr_col"):
        ReportData.from_frames(tiny_events(), tiny_accounts(), mrr=mrr)
    ok = ReportData.from_frames(
        tiny_events(), tiny_accounts(), mrr=mrr, mrr_col="revenue",
        expansions=pd.DataFrame({"account_id": ["a"], "timestamp": ["2024-02-01"],
                                 "amount": [5.0]}),
    )  # fmt: skip
    assert ok.mrr is not None
    assert list(ok.mrr.columns) == ["account_id", "month", "mrr"]
    assert ok.expansions is not None
    assert "amount" in ok.expansions.columns


def test_from_frames_does_not_mutate_inputs() -> None:
    ev, acc = tiny_events(), tiny_accounts()
    ev_before, acc_before = ev.copy(), acc.copy()
    ReportData.from_frames(ev, acc, as_of="2024-01-25")
    pd.testing.assert_frame_equal(ev, ev_before)
    pd.testing.assert_frame_equal(acc, acc_before)


def test_report_data_refuses_non_frames() -> None:
    with pytest.raises(TypeError, match="Hint"):
        ReportData([1, 2], tiny_accounts(), as_of="2024-01-01")
    with pytest.raises(TypeError, match="Hint"):
        ReportData.from_frames("events.csv", tiny_accounts())


def test_missing_column_names_the_option() -> None:
    with pytest.raises(SchemaError, match="account_col"):
        ReportData.from_frames(tiny_events().rename(columns={"account_id": "org"}), tiny_accounts())
    with pytest.raises(SchemaError, match="user_col"):
        ReportData.from_frames(tiny_events(), tiny_accounts(), user_col="member")


# --------------------------------------------------------------------------- Section & helpers


def test_section_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="Hint"):
        Section(id="Not A Slug", title="x")
    with pytest.raises(TypeError, match="Hint"):
        Section(id="x", title="x", figures=["not a figure"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="Hint"):
        Section(id="x", title="x", metrics=[("a", "1")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="Hint"):
        Section(id="x", title="x", body=[1])  # type: ignore[list-item]
    assert Section(id="x", title="x", body="<p>one</p>").body == ("<p>one</p>",)


def test_html_table_escapes_and_truncates() -> None:
    df = pd.DataFrame({"name": ["<script>", "b", "c"], "n": [1, 2, 3]})
    out = html_table(df, max_rows=2)
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "Showing 2 of 3 rows" in out
    # formats per column; missing values shown as a dash
    out = html_table(pd.DataFrame({"p": [0.5, np.nan]}), formats={"p": fmt_pct})
    assert "50 %" in out
    assert "–" in out
    assert fmt_int(1234567.4) == "1,234,567"
    assert fmt_pct(np.nan) == "–"


def test_render_figure_makes_a_png_data_uri() -> None:
    from matplotlib.figure import Figure as MplFigure

    ax = MplFigure(figsize=(2, 1)).subplots()
    ax.plot([0, 1], [1, 0])
    fig = render_figure(ax, alt="a line", caption="cap")
    assert isinstance(fig, Figure)
    assert fig.data_uri.startswith("data:image/png;base64,iVBORw0KGgo")
    assert "a line" in repr(fig)


def test_report_figures_bypass_pyplot(tiny: ReportData) -> None:
    # Inside the report a plot function's own figure is a plain Figure (no
    # pyplot import, nothing to close); outside, pyplot makes it as users expect.
    from adoptmetrics.plotting._common import get_ax

    made: list[object] = []

    def probe(data: ReportData) -> Section:
        made.append(get_ax(None).get_figure(root=True))
        return Section(id="probe", title="Probe", body=["<p>ok</p>"])

    build_report(tiny, sections=[probe])
    assert len(made) == 1
    assert getattr(made[0], "number", None) is None
    import matplotlib.pyplot as plt

    outside = get_ax(None).get_figure(root=True)
    assert getattr(outside, "number", None) is not None
    plt.close(outside)


# --------------------------------------------------------------------------- build_report

_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", re.IGNORECASE)


def assert_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not _EXTERNAL.search(page), "external resource referenced"
    assert "<script" not in page.lower()
    assert "@import" not in page
    assert "url(" not in page
    assert "Content-Security-Policy" in page
    for src in re.findall(r'<img[^>]*src="([^"]*)"', page):
        assert src.startswith("data:image/png;base64,")


def test_report_is_self_contained(tiny: ReportData) -> None:
    page = build_report(tiny)
    assert_self_contained(page)
    assert 'id="overview"' in page
    assert 'id="summary"' in page
    assert page.count("<img ") >= 1
    assert "How to read this" in page


def test_report_lists_metrics_in_the_executive_summary(tiny: ReportData) -> None:
    def headline(data: ReportData) -> Section:
        return Section(
            id="head",
            title="Head",
            metrics=[Metric("Logo retention", "81 %", "m6")],
            highlights=[html_table(pd.DataFrame({"at risk": ["A00042"]}))],
        )

    page = build_report(tiny, sections=["overview", headline])
    summary = page[page.index('id="summary"') : page.index('id="overview"')]
    assert "Logo retention" in summary
    assert "81 %" in summary
    assert 'href="#head"' in summary
    assert "A00042" in summary


def test_a_failing_section_shows_an_error_box_and_the_rest_survives(tiny: ReportData) -> None:
    def broken(data: ReportData) -> Section:
        raise RuntimeError("the <model> did not converge")

    def fine(data: ReportData) -> Section:
        return Section(id="fine", title="Fine", body=["<p>all good</p>"])

    lines: list[str] = []
    page = build_report(tiny, sections=[broken, "overview", fine], progress=lines.append)
    assert 'class="card error"' in page
    assert "RuntimeError: the &lt;model&gt; did not converge" in page
    assert 'id="overview"' in page
    assert "all good" in page
    assert any("FAILED" in line and "broken" in line for line in lines)
    assert_self_contained(page)


def test_a_registered_module_that_raises_is_isolated(
    tiny: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("adoptmetrics.report._churn")

    def section(data: ReportData) -> Section:
        raise ValueError("no churned accounts")

    module.section = section  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "adoptmetrics.report._churn", module)
    page = build_report(tiny, sections=["overview", "churn"])
    assert "ValueError: no churned accounts" in page
    assert 'id="overview"' in page


def test_missing_modules_are_skipped_but_broken_imports_are_reported(
    tiny: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A section module that does not exist yet: skipped without a trace.
    monkeypatch.setitem(sys.modules, "adoptmetrics.report._expansion", None)
    lines: list[str] = []
    page = build_report(tiny, sections=["expansion"], progress=lines.append)
    assert 'class="card error"' not in page
    assert any("skipped" in line for line in lines)

    # A module that exists but imports something missing: an error box.
    class Finder:
        def find_spec(self, name: str, path: object, target: object = None) -> None:
            if name == "adoptmetrics.report._nps":
                raise ModuleNotFoundError("No module named 'scikit_nps'", name="scikit_nps")

    monkeypatch.delitem(sys.modules, "adoptmetrics.report._nps", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    page = build_report(tiny, sections=["nps"])
    assert "scikit_nps" in page
    assert 'class="card error"' in page


def test_section_returning_none_or_garbage(tiny: ReportData) -> None:
    def nothing(data: ReportData) -> None:
        return None

    def garbage(data: ReportData) -> str:
        return "<p>not a Section</p>"

    page = build_report(tiny, sections=[nothing, garbage])  # type: ignore[list-item]
    # never a silent omission: a card that says it has nothing to show
    assert 'class="card unavailable" id="nothing"' in page
    assert "Not shown:" in page
    assert "returned str, not Section" in page


def test_unavailable_section_says_why_and_what_to_configure(tiny: ReportData) -> None:
    def needs_config(data: ReportData) -> Section:
        raise SectionUnavailable("the config names no milestones", "set [onboarding] milestones")

    page = build_report(tiny, sections=[needs_config])
    assert "the config names no milestones" in page
    assert "set [onboarding] milestones" in page
    assert "(not shown)" in page  # in the contents
    assert "card error" not in page


def test_section_warnings_become_caveats(tiny: ReportData) -> None:
    def cautious(data: ReportData) -> Section:
        warnings.warn("only 12 responses: the interval is wide", UserWarning, stacklevel=2)
        return Section(id="cautious", title="Cautious", caveats=["hand-written caveat"])

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes the report
        page = build_report(tiny, sections=[cautious])
    assert "only 12 responses: the interval is wide" in page
    assert "hand-written caveat" in page


def test_bad_sections_option(tiny: ReportData) -> None:
    with pytest.raises(ValueError, match="Hint"):
        build_report(tiny, sections=["overveiw"])
    with pytest.raises(TypeError, match="Hint"):
        build_report(tiny, sections="overview")
    with pytest.raises(TypeError, match="Hint"):
        build_report(tiny, sections=[42])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="Hint"):
        build_report(tiny_events())  # type: ignore[arg-type]


def test_registry_order() -> None:
    assert SECTION_MODULES[0] == "overview"
    assert SECTION_MODULES == (
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


def test_write_report(tiny: ReportData, tmp_path: Path) -> None:
    out = write_report(tiny, tmp_path / "r.html", sections=["overview"])
    assert out.read_text(encoding="utf-8") == build_report(tiny, sections=["overview"])


def test_report_does_not_depend_on_row_order(tiny: ReportData) -> None:
    ev = tiny_events().sample(frac=1.0, random_state=3)
    acc = tiny_accounts().sample(frac=1.0, random_state=4)
    shuffled = ReportData.from_frames(ev, acc)
    assert build_report(shuffled, sections=only("overview")) == build_report(
        tiny, sections=only("overview")
    )


# --------------------------------------------------------------------------- overview


def test_overview_known_answers(tiny: ReportData) -> None:
    from adoptmetrics.report._overview import section

    s = section(tiny)
    text = "".join(s.body)
    # By hand: accounts a, b, c (b churned); events per account a=3, b=1, c=0.
    assert "<td>Accounts</td><td>3</td>" in text
    assert "<td>Active at the as-of date</td><td>2 (67 %)</td>" in text
    assert "<td>Accounts without any event</td><td>1</td>" in text
    assert "<td>Events</td><td>5</td>" in text
    assert "<td>Users</td><td>4</td>" in text
    assert '<td>median</td><td class="num">1</td>' in text
    assert '<td>mean</td><td class="num">1.33</td>' in text
    # event mix: login 4 of 5 events, used by a, b, d
    assert '<td>login</td><td class="num">4</td><td class="num">80 %</td>' in text
    # a is the only active account with an event in the 28 days before 2024-02-20
    assert s.metrics[1].value == "50 %"
    # d is not in the accounts table
    assert any("not in the accounts table" in c for c in s.caveats)
    assert len(s.figures) == 1


def test_activity_overview_known_answer() -> None:
    # By hand: week of 2024-01-01 has a, a, b (2 accounts, 3 events); the week of
    # 2024-01-08 is empty; the week of 2024-01-15 has a once and is cut by as_of.
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "a"],
            "event": "x",
            "timestamp": pd.to_datetime(
                ["2024-01-01 00:00", "2024-01-07 23:00", "2024-01-02 00:00", "2024-01-16 00:00"]
            ),
        }
    )
    out = activity_overview(ev, as_of="2024-01-17")
    assert out["active_accounts"].tolist() == [2, 0, 1]
    assert out["n_events"].tolist() == [3, 0, 1]
    assert out["complete"].tolist() == [True, True, False]
    assert out["period"].dt.dayofweek.eq(0).all()


@settings(max_examples=30)
@given(events_frames(), st.sampled_from(["day", "week", "month"]))
def test_activity_overview_properties(events: pd.DataFrame, period: str) -> None:
    before = events.copy()
    out = activity_overview(events, period=period)
    pd.testing.assert_frame_equal(events, before)  # no mutation
    assert out["n_events"].sum() == len(events)
    assert (out["active_accounts"] <= out["n_events"]).all()
    assert out["active_accounts"].max() <= events["account_id"].nunique()
    shuffled = activity_overview(events.sample(frac=1.0, random_state=0), period=period)
    pd.testing.assert_frame_equal(out, shuffled)


def test_plot_activity_overview_returns_axes() -> None:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.patches import Rectangle

    ax = MplFigure().subplots()
    out = plot_activity_overview(tiny_events(), ax=ax)
    assert out is ax
    assert isinstance(out, Axes)
    # By hand (as_of = last event, Tue 2024-02-20): weeks from Mon 2024-01-01 to
    # 2024-02-19 hold 2, 1, 0, 0, 1 (d), 0, 0, 1 events; the last week is unfinished.
    (bars,) = [other for other in ax.figure.axes if other is not ax]
    heights = [r.get_height() for r in bars.patches if isinstance(r, Rectangle)]
    assert heights == [2, 1, 0, 0, 1, 0, 0, 1]
    empty = tiny_events().iloc[:0]
    ax2 = plot_activity_overview(empty, ax=MplFigure().subplots())
    assert ax2.texts[0].get_text() == "no events"
    with pytest.raises(ValueError, match="Hint"):
        plot_activity_overview(tiny_events(), period="year")


def test_report_on_simulated_data() -> None:
    from adoptmetrics.datasets import simulate_saas

    d = simulate_saas(120, seed=2)
    data = ReportData.from_frames(
        d.events, d.accounts, nps=d.nps, mrr=d.mrr, expansions=d.expansions, as_of=d.as_of
    )
    page = build_report(data)
    assert_self_contained(page)
    assert 'id="overview"' in page
    assert "<td>Accounts</td><td>120</td>" in page  # the 120 simulated accounts


def test_ids_missing_between_tables_are_counted_each_way_with_examples() -> None:
    ev = pd.DataFrame(
        {
            "account_id": ["acme", "acme", "beta", "gamma"],
            "event": "login",
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
        }
    )
    acc = pd.DataFrame(
        {"account_id": ["ACME", "BETA", "gamma"], "started_at": pd.Timestamp("2024-01-01")}
    )
    nps = pd.DataFrame(
        {"account_id": ["acme", "gamma"], "timestamp": pd.Timestamp("2024-01-03"), "score": 9}
    )
    with pytest.warns(UserWarning, match="not in the accounts table") as caught:
        data = ReportData.from_frames(ev, acc, nps=nps)
    messages = [str(w.message) for w in caught]
    # By hand: events have acme, beta, gamma; accounts ACME, BETA, gamma.
    assert any(
        "events: 2 of 3 account ids are not in the accounts table (e.g. 'acme', 'beta')" in m
        and "2 of 3 accounts have no events (e.g. 'ACME', 'BETA')" in m
        and "2 of them match when upper/lower case is ignored" in m
        for m in messages
    ), messages
    assert any("nps: 1 of 2 account ids" in m for m in messages)
    assert len(data.notes) == 2
    assert data.nps is not None
    assert data.nps["account_id"].astype(str).tolist() == ["gamma"]  # acme's answer left out
    assert len(data.events) == 4  # events are kept as activity


def test_future_rows_are_refused_unless_as_of_is_given() -> None:
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a", "a"],
            "event": "login",
            "timestamp": ["2024-01-01", "2099-01-01", "2024-02-01"],
        }
    )
    acc = pd.DataFrame({"account_id": ["a"], "started_at": ["2024-01-01"]})
    with pytest.raises(SchemaError, match="later than the moment of this call") as info:
        ReportData.from_frames(ev, acc)
    assert info.value.table == "events"
    assert info.value.rows == [1]
    with pytest.warns(UserWarning, match="events: 1 rows have 'timestamp' after as_of"):
        data = ReportData.from_frames(ev, acc, as_of="2024-06-30")
    assert len(data.events) == 2
    assert data.as_of == pd.Timestamp("2024-06-30")


@pytest.mark.parametrize("table", ["events", "accounts", "nps"])
def test_header_only_tables_are_refused(table: str) -> None:
    frames = {
        "events": tiny_events(),
        "accounts": tiny_accounts(),
        "nps": pd.DataFrame({"account_id": ["a"], "timestamp": ["2024-01-02"], "score": [9]}),
    }
    frames[table] = frames[table].iloc[:0]
    with pytest.raises(SchemaError, match="has no rows") as info:
        ReportData.from_frames(frames["events"], frames["accounts"], nps=frames["nps"])
    assert info.value.table == table


def test_dayfirst_reaches_every_table() -> None:
    ev = pd.DataFrame({"account_id": ["a"], "event": "x", "timestamp": ["03/02/2024 10:00"]})
    acc = pd.DataFrame({"account_id": ["a"], "started_at": ["02/01/2024"]})
    with pytest.raises(SchemaError, match="read both as dd/mm and as mm/dd"):
        ReportData.from_frames(ev, acc)
    data = ReportData.from_frames(ev, acc, dayfirst=True)
    assert data.accounts["started_at"].iloc[0] == pd.Timestamp("2024-01-02")
    assert data.events["timestamp"].iloc[0] == pd.Timestamp("2024-02-03 10:00")
