"""Screenshots of the dashboard's tabs in headless Chromium (Debian's ``chromium`` driven by
Playwright through ``executable_path``; Playwright never downloads a browser here)."""

from __future__ import annotations

import hashlib
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
    stamp, digest = out_dir / ".dashboard.sha256", _content_digest(site_dir)
    current = [out_dir / tab.screenshot for tab in PAGES]
    if stamp.exists() and stamp.read_text() == digest and all(p.exists() for p in current):
        log.info("screenshots unchanged: the dashboard's content is the same")
        return current
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
    stamp.write_text(digest)
    return written


def _content_digest(site_dir: Path) -> str:
    """What the screenshots show depends only on the site's files: same files, same pictures."""
    digest = hashlib.sha256()
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(site_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
