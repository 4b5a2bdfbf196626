"""Signing an agent in through the login form, as the browser tests do.

A test that opens several browser contexts for one agent (a screenshot per size and
language, say) goes through the form the first time only: the session cookie it got is
given to the later contexts, which open the inbox with it. A session the test ended (it
signed out) sends the page back to the form, which is then filled again. The cookies are
forgotten after each test (``forget_sessions``, tests/e2e/conftest.py): the next test's
database has neither the agent nor the session."""

from __future__ import annotations

from typing import Any

PASSWORD = "password-123"  # tests.factories.UserFactory's

_sessions: dict[tuple[str, str], list[Any]] = {}


def sign_in(page: Any, live_server: Any, email: str, button: str = "Accedi", to: str = "/") -> None:
    """Sign in with ``PASSWORD`` (``button``: the form's button in the page's language) and
    wait for the page at ``to``, the inbox unless told: the page asked for sends a signed-out
    browser to the form, which brings it back there."""
    target = f"{live_server.url}{to}"
    cookies = _sessions.get((live_server.url, email))
    if cookies is not None:
        page.context.add_cookies(cookies)
    page.goto(target)
    if cookies is not None and page.url == target:
        return
    assert "/login/" in page.url, page.url
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(target)
    _sessions[(live_server.url, email)] = page.context.cookies(live_server.url)


def forget_sessions() -> None:
    _sessions.clear()
