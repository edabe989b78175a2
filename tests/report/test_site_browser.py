"""A headless-browser look at the built site: Debian's chromium through Playwright (no browser
download). In CI (CI=true) a missing chromium is a failure (.ci/services installs it); elsewhere
the test skips with the reason."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from qtilab.report import Report
from qtilab.report.site import build_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def _need_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        why = "the playwright package is not installed (test extra)"
    else:
        if CHROMIUM:
            return CHROMIUM
        why = "chromium is not installed (apt-get install chromium; .ci/services does it)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def test_index_renders_and_search_filters(tmp_path: Path) -> None:
    exe = _need_browser()
    from matplotlib.image import imread
    from playwright.sync_api import sync_playwright

    src = tmp_path / "reports"
    a = Report("Key rate against distance", meta={"seed": 1})
    a.add_headline("zero key rate at", 142.3, unit="km")
    a.new_figure("keyrate").gca().semilogy([0, 50, 100], [1e-2, 1e-3, 1e-4])
    a.write(src / "qkd" / "keyrate")
    b = Report("Ising model with a bad generator", meta={"seed": 2})
    b.add_text("Summary", "Wolff clusters at the critical coupling.")
    b.write(src / "rng" / "ising")
    site = build_site(src, tmp_path / "site", onepagers=False)
    shot = tmp_path / "index.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(site.index.resolve().as_uri())
            assert page.title() == "qtilab studies"
            # every image on the index loaded (thumbnails)
            assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
            assert page.locator(".card:not(.hidden)").count() == 2
            page.fill("#search", "wolff")
            assert page.locator(".card:not(.hidden)").count() == 1
            assert page.inner_text("#search-count") == "1 of 2 match"
            page.fill("#search", "")
            page.screenshot(path=str(shot))
            page.goto((site.out / "catalogue.html").resolve().as_uri())
            assert page.locator("svg.map path").count() > 150
            assert errors == []
        finally:
            browser.close()
    img = imread(shot)
    assert img.shape[0] >= 800 and img.shape[1] >= 1100
    # rendered, not blank: the page has text and a thumbnail, so the pixels vary
    assert float(np.std(img[..., :3])) > 0.05
