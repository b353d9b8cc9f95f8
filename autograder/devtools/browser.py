"""Open the reports in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright, for the project's tests and ``bench/bench_insight.py`` (not used by grading).

:func:`open_browser` yields a :class:`ReportBrowser` that loads a page, records what the
browser complained about (console errors and warnings, script errors, failed loads) and
takes screenshots. Raises :class:`BrowserMissing` (with the reason) where Chromium or
Playwright is not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: where Chromium is looked for, first found wins (``AUTOGRADER_CHROMIUM`` overrides)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


class BrowserMissing(RuntimeError):
    """No headless browser can run here; the message says what to install."""


def chromium_path() -> str:
    """The Chromium executable (raises :class:`BrowserMissing` when there is none)."""
    chosen = os.environ.get("AUTOGRADER_CHROMIUM")
    found = shutil.which(chosen) if chosen else None
    for name in () if found else CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            break
    if not found:
        raise BrowserMissing(
            "Chromium is not installed (Debian: apt-get install -y chromium; or set "
            "AUTOGRADER_CHROMIUM to a Chromium or Chrome executable)"
        )
    return found


@dataclass
class PageVisit:
    """What loading one page gave: the browser's complaints and the page's links."""

    url: str
    problems: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # absolute URLs of <a href>


class ReportBrowser:
    """One headless Chromium page, reused for every visit."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self._problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self._problems.append(f"script error: {exc}"))
        page.on("requestfailed",
                lambda req: self._problems.append(f"failed to load {req.url}: {req.failure}"))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning", "assert"):
            self._problems.append(f"console {message.type}: {message.text}")

    def visit(self, path: Path) -> PageVisit:
        """Load ``path`` (a local HTML file) and wait until it and its resources loaded."""
        self._problems = []
        url = Path(path).resolve().as_uri()
        response = self.page.goto(url, wait_until="load")
        visit = PageVisit(url=url)
        if response is not None and not response.ok:
            self._problems.append(f"{url}: status {response.status}")
        visit.links = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        visit.problems = list(self._problems)
        return visit

    def screenshot(self, path: Path, selector: str | None = None, *,
                   full_page: bool = True) -> None:
        """A PNG of the whole page (``full_page=False``: what the window shows), or from
        the element ``selector`` to the next ``h2``."""
        if selector is None:
            self.page.screenshot(path=str(path), full_page=full_page)
            return
        box = self.page.evaluate(
            """sel => {
                const start = document.querySelector(sel);
                if (!start) return null;
                let end = start.nextElementSibling;
                while (end && end.tagName !== 'H2') end = end.nextElementSibling;
                const top = start.getBoundingClientRect().top + window.scrollY;
                const bottom = end ? end.getBoundingClientRect().top + window.scrollY
                                   : document.body.scrollHeight;
                return {x: 0, y: top - 8, width: document.body.scrollWidth,
                        height: Math.min(bottom - top + 8, 2400)};
            }""",
            selector,
        )
        if box is None:
            raise ValueError(f"no element {selector} on {self.page.url}")
        self.page.screenshot(path=str(path), full_page=True, clip=box)


@contextlib.contextmanager
def open_browser(width: int = 1280, height: int = 900) -> Iterator[ReportBrowser]:
    """A headless Chromium page (raises :class:`BrowserMissing` when it cannot start)."""
    executable = chromium_path()
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise BrowserMissing(
            "the Python package playwright is not installed (pip install -e '.[dev]')"
        ) from None
    with sync_playwright() as pw:
        try:
            # --no-sandbox: Chromium's own sandbox refuses to start as root (CI)
            browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except Error as exc:
            raise BrowserMissing(f"{executable} did not start: {exc}") from None
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield ReportBrowser(page)
        finally:
            browser.close()
