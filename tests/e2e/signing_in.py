"""Signing an agent in through the login form, as the browser tests do."""

from __future__ import annotations

from typing import Any

PASSWORD = "password-123"  # tests.factories.UserFactory's


def sign_in(page: Any, live_server: Any, email: str, button: str = "Accedi") -> None:
    """Sign in with ``PASSWORD`` (``button``: the form's button in the page's language) and
    wait for the inbox."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{live_server.url}/")
