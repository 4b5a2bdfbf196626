"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API keeps an event loop running in the test's thread, so Django's guard
against ORM calls from async code would trip on every query the test makes; the tests are
synchronous, so the guard is lifted while a browser is open (and only then, so that the
rest of the suite keeps it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.signing_in import forget_sessions

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Package scope: Playwright's sync API keeps an event loop running in the main thread while
# it is open, and the websocket tests after tests/e2e (asyncio.run) need none running.
@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """One headless Chromium for tests/e2e; the test is skipped where there is none."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (scripts/ensure-chromium.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _forget_sessions() -> Iterator[None]:
    """Sessions signed in by one test are not offered to the next (tests/e2e/signing_in.py)."""
    yield
    forget_sessions()
