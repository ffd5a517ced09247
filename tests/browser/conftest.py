"""A real Chromium, driven by Playwright, against the real `kmsearch serve`.

One browser and one server for the whole session (starting them is the slow
part); a fresh browser context per test, at a desktop and a phone width.
The browser is Debian's chromium (`apt-get install chromium`); Playwright's
own browser download is never used. When it cannot start, the tests fail and
say what to install: they never skip.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ..servers import start_server
from .corpus import write_browser_corpus


def pytest_collection_modifyitems(items):
    """Every test in this folder drives a browser: marked so, whatever module
    it is in (``pytest -m "not browser"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


CHROMIUM = os.environ.get("KMSEARCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# The narrowest phones still sold in Thailand; every page must fit it too.
SIZES = {**WIDTHS, "phone-360": (360, 780)}
BUNDLED_CONTENT = Path(__file__).resolve().parents[2] / "content"
PAGE_SIZE = 2
INSTALL = (
    "Install it with `make test` (as root it runs `apt-get install -y chromium` and installs the "
    "Python packages), or by hand: `sudo apt-get install -y chromium` and "
    "`.venv/bin/pip install -e '.[test]'`; KMSEARCH_CHROMIUM may name another Chromium binary."
)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """tests/screenshots/, emptied at the start of each run (git-ignored)."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as e:
        pytest.fail(f"the browser tests need the playwright package ({e}). {INSTALL}", pytrace=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}. {INSTALL}", pytrace=False)
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Error as e:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {e}. {INSTALL}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The base URL of a real server over the test corpus, two results a page."""
    root = tmp_path_factory.mktemp("browser-site")
    content = write_browser_corpus(root / "content")
    with pytest.MonkeyPatch.context() as env:
        # read by the server process when it starts
        env.setenv("KMSEARCH_PAGE_SIZE", str(PAGE_SIZE))
        env.setenv("KMSEARCH_USAGE_DB", "off")
        env.delenv("KMSEARCH_PUBLIC_URL", raising=False)
        server = start_server(content, root / "index")
        base = server.__enter__()
    try:
        yield base
    finally:
        server.__exit__(None, None, None)


class Visit:
    """One browser tab at one width, which fails the test on any error the
    page logs (a script error, a Content-Security-Policy refusal, a missing
    file) and saves screenshots named after the test."""

    def __init__(self, browser, base: str, width_name: str, folder: Path, script: bool = True):
        width, height = SIZES[width_name]
        phone = width_name.startswith("phone")
        self.base = base
        self.width_name = width_name
        self.folder = folder
        self.context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="th-TH",
            timezone_id="Asia/Bangkok",
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=2 if phone else 1,
            java_script_enabled=script,
        )
        self.context.set_default_timeout(10_000)
        self.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"script: {e}"))
        self.page.on(
            "response",
            lambda r: r.status >= 400 and not self.expected(r.url) and self.errors.append(f"HTTP {r.status}: {r.url}"),
        )
        self.allowed: set[str] = set()
        # console errors a test expects from the browser itself (message and page address)
        self.tolerated: list[re.Pattern] = []

    def expected(self, url: str) -> bool:
        return any(a in url for a in self.allowed)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and self.expected(message.location.get("url", "")):
            return  # a 404 page the test asked for
        if any(p.search(f"{message.text} ({message.location.get('url', '')})") for p in self.tolerated):
            return
        self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def go(self, path: str):
        self.page.goto(self.base + path)
        self.page.evaluate("document.fonts.ready.then(() => true)")
        return self.page

    def shot(self, name: str, full_page: bool = True) -> Path:
        self.page.evaluate("document.fonts.ready.then(() => true)")
        path = self.folder / f"{name}-{self.width_name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self):
        self.context.close()


def _visit(browser, site, screenshots, width_name: str, script: bool = True):
    v = Visit(browser, site, width_name, screenshots, script)
    yield v
    errors = list(v.errors)
    v.close()
    assert not errors, "the page reported errors:\n" + "\n".join(errors)


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def visit(request, browser, site, screenshots):
    """A tab at each width in turn: the test runs once per width."""
    yield from _visit(browser, site, screenshots, request.param)


@pytest.fixture
def desktop(browser, site, screenshots):
    """A tab at desktop width only."""
    yield from _visit(browser, site, screenshots, "desktop")


@pytest.fixture
def phone(browser, site, screenshots):
    """A tab at phone width only."""
    yield from _visit(browser, site, screenshots, "phone")


@pytest.fixture
def phone_without_script(browser, site, screenshots):
    """A tab at phone width with JavaScript off: every page must work so."""
    yield from _visit(browser, site, screenshots, "phone", script=False)


@pytest.fixture(scope="session")
def bundled(tmp_path_factory):
    """(base URL, index folder) of a real server over the content shipped
    with the project (content/), ten results a page as deployed."""
    index = tmp_path_factory.mktemp("bundled") / "index"
    with pytest.MonkeyPatch.context() as env:
        env.delenv("KMSEARCH_PAGE_SIZE", raising=False)
        env.setenv("KMSEARCH_USAGE_DB", "off")
        env.delenv("KMSEARCH_PUBLIC_URL", raising=False)
        env.delenv("KMSEARCH_KM_TOKEN", raising=False)
        server = start_server(BUNDLED_CONTENT, index)
        base = server.__enter__()
    try:
        yield base, index
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(params=["phone-360", "phone"], ids=["360px", "390px"])
def bundled_phone(request, browser, bundled, screenshots):
    """A tab on the bundled content at 360 and at 390 px."""
    yield from _visit(browser, bundled[0], screenshots, request.param)
