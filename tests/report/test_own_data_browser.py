"""The own-data report in headless Chromium: a full-page screenshot, every figure
loaded, no table wider than its card, no console error.

Skips (with the reason) where Chromium or Playwright's driver is not available.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from test_report_browser import CHROMIUM_FLAGS, _chromium

from adoptmetrics.cli import main

CONFIG = Path(__file__).parent / "fixtures" / "adoptmetrics.toml"


@pytest.mark.browser
def test_own_data_report_screenshot(tmp_path: Path) -> None:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "report.html"
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["report", "--config", str(CONFIG), "-q", "-o", str(out)]) == 0
    try:
        pw = sync_api.sync_playwright().start()
    except Exception as exc:  # the driver is a separate binary inside the wheel
        pytest.skip(f"playwright driver unavailable: {exc}")
    errors: list[str] = []
    try:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(out.as_uri(), wait_until="load")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        broken = page.eval_on_selector_all(
            "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).length"
        )
        # Tables wider than their card (the card scrolls, but a reader should not need to).
        wide = page.eval_on_selector_all(
            ".card table",
            "els => els.filter(t => t.getBoundingClientRect().right >"
            " t.closest('.card').getBoundingClientRect().right + 1).length",
        )
        sections = page.eval_on_selector_all("section[id]", "els => els.map(e => e.id)")
        browser.close()
    finally:
        pw.stop()
    assert shot.stat().st_size > 50_000
    assert broken == 0
    assert not errors, errors
    assert wide == 0, f"{wide} tables overflow their card"
    for name in ("overview", "onboarding", "expansion", "engagement", "impact"):
        assert name in sections
