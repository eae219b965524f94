"""The website chat against the real bot: one bot for tests/browser/, Chromium via Playwright.

The bot runs as ``scripts/run.sh`` runs it for a website: ``BOT_CORS_ORIGINS`` names one allowed site (a
local page server, see :func:`site`) and ``rasa run --cors`` gets the same origin.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import yaml

from bot import PROJECT_ROOT
from tests.e2e.server import BotServer, free_port

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: tests in a real browser (headless Chromium via Playwright)")


class Site:
    """A plain local web server (another origin than the bot) with files written by the tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def origin(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def __enter__(self) -> "Site":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@pytest.fixture(scope="package")
def site(tmp_path_factory) -> Iterator[Site]:
    with Site(tmp_path_factory.mktemp("site")) as server:
        yield server


@pytest.fixture(scope="package")
def web_bot(tmp_path_factory, site: Site) -> Iterator[BotServer]:
    allowed = site.origin("127.0.0.1")  # http://localhost:<same port> is another origin: not allowed
    extra = ["--cors", allowed]
    if os.environ.get("WEBCHAT_TEST_MODEL"):  # another trained model than models/bot.tar.gz (development)
        extra += ["--model", os.environ["WEBCHAT_TEST_MODEL"]]
    workdir = tmp_path_factory.mktemp("webbot")
    server = BotServer(workdir=workdir, env={"BOT_CORS_ORIGINS": allowed}, extra_args=extra)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def responses() -> Dict[str, List[str]]:
    """All response texts of the domain, by response name."""
    found: Dict[str, List[str]] = {}
    for path in sorted(Path(PROJECT_ROOT, "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            found[name] = [v.get("text", "") for v in variants]
    return found


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for one test module. Not for the session: Playwright's sync API keeps an event
    loop running while it is open, and later tests elsewhere call asyncio.run()."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium ontbreekt ({CHROMIUM}): run scripts/install_browser_deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
