"""Screenshots of the dashboard's tabs in headless Chromium (Debian's ``chromium`` driven by
Playwright through ``executable_path``; Playwright never downloads a browser here)."""

from __future__ import annotations

import logging
from pathlib import Path

from crm_warehouse.publish.powerbi.layout import PAGES

log = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 1000}


def take_screenshots(site_dir: Path, out_dir: Path, *, chromium: Path) -> list[Path]:
    """One PNG per tab, named as the README shows them; [] when Chromium is not installed."""
    if not chromium.exists():
        return []
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            for tab in PAGES:
                page.goto((site_dir / f"{tab.key}.html").resolve().as_uri())
                page.wait_for_function("window.CRM_READY === true", timeout=60_000)
                target = out_dir / tab.screenshot
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                log.info("screenshot %s", target)
        finally:
            browser.close()
    return written
