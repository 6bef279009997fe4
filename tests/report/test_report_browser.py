"""The demo report, opened in headless Chromium: every figure loads, no console error.

Skips (with the reason) where Chromium or Playwright's driver is not
available; ``.ci/run`` installs Debian's ``chromium`` so it runs there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adoptmetrics.datasets import load_demo
from adoptmetrics.report import ReportData, write_report
from adoptmetrics.report._demo import DEMO_OPTIONS

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    demo = load_demo()
    data = ReportData.from_frames(
        demo.events,
        demo.accounts,
        nps=demo.nps,
        mrr=demo.mrr,
        expansions=demo.expansions,
        as_of=demo.as_of,
        options=DEMO_OPTIONS,
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(data, path)
    return path


@pytest.mark.browser
def test_demo_report_renders_in_chromium(demo_report: Path) -> None:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    console_errors: list[str] = []
    failed_requests: list[str] = []
    try:
        pw = sync_api.sync_playwright().start()
    except Exception as exc:  # the driver is a separate binary inside the wheel
        pytest.skip(f"playwright driver unavailable: {exc}")
    try:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.on(
            "console",
            lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: console_errors.append(str(exc)))
        page.on("requestfailed", lambda req: failed_requests.append(req.url))
        page.goto(demo_report.as_uri(), wait_until="load")
        images = page.eval_on_selector_all(
            "img",
            "els => els.map(e => ({src: e.src.slice(0, 30),"
            " ok: e.complete && e.naturalWidth > 0}))",
        )
        sections = page.eval_on_selector_all("section[id]", "els => els.map(e => e.id)")
        external = page.eval_on_selector_all(
            "[src^='http'], link[href^='http']", "els => els.length"
        )
        browser.close()
    finally:
        pw.stop()
    assert images, "the report has no figures"
    broken = [img["src"] for img in images if not img["ok"]]
    assert not broken, f"figures that did not load: {broken}"
    assert not console_errors, f"console errors: {console_errors}"
    assert not failed_requests, f"failed requests: {failed_requests}"
    assert external == 0, "the report loads external resources"
    for expected in ("overview", "retention", "churn", "nps", "onboarding", "expansion"):
        assert expected in sections, f"section {expected!r} missing; found {sections}"
