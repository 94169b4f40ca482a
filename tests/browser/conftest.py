"""Headless Chromium for panel tests: the distribution's browser, driven by Playwright.

Playwright never downloads a browser here; CI installs Debian's ``chromium`` package.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.needs import require, require_module

CHROMIUM = Path("/usr/bin/chromium")
# Root in a container with no network: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="package")
def playwright() -> Iterator[Any]:
    """One Playwright driver for the browser tests: a second sync driver in the same thread
    fails. It stops when they end, since its event loop would otherwise stay running in the
    main thread and refuse every later test that calls asyncio.run()."""
    sync_api = require_module("playwright.sync_api")
    require(
        CHROMIUM.exists(),
        "Chromium is missing: apt-get install -y chromium (never `playwright install`).",
    )
    with sync_api.sync_playwright() as driver:
        yield driver


def _launch(playwright: Any, profile: Path, **options: Any) -> Any:
    # launch_persistent_context owns --user-data-dir; a persistent context on a fresh
    # directory is the closest to "a new browser" that still lets us pick the path.
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_FLAGS,
        headless=True,
        locale="vi-VN",
        **options,
    )


@pytest.fixture(scope="package")
def browser(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One browser for the panel tests, on a fresh profile directory."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = _launch(playwright, profile, viewport={"width": 1366, "height": 768})
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser_context(playwright: Any, tmp_path: Path) -> Iterator[Any]:
    """A browser with a brand-new profile: no stored visitor id or outbox (widget tests)."""
    context = _launch(playwright, tmp_path / "profile", viewport={"width": 1280, "height": 860})
    # Generous: it only bounds a test that would otherwise hang, and a search or a reload
    # of the index may take tens of seconds with other jobs on both cores.
    context.set_default_timeout(60_000)
    yield context
    context.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh tab with no cookies from earlier tests."""
    context = browser  # a persistent context: clear state instead of opening a new one
    context.clear_cookies()  # type: ignore[attr-defined]
    tab = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.errors = errors
    yield tab
    tab.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
