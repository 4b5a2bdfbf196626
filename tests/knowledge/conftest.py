from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from tests.conftest import ApiClient
from tests.factories import AgentFactory


class KbClient(ApiClient):
    """The API client, running what a write leaves for after its commit (the vectors' job:
    jobs run at once in tests) and able to DELETE."""

    def __init__(self, token: str, capture: Callable[..., Any]) -> None:
        super().__init__(token)
        self.capture = capture

    def _send(self, method: str, path: str, body: Any = None, raw: bytes | None = None, **extra):
        with self.capture(execute=True):
            return super()._send(method, path, body, raw, **extra)

    def delete(self, path: str, **extra):
        return self._send("delete", path, **extra)


@pytest.fixture
def editor(workspace, django_capture_on_commit_callbacks) -> KbClient:
    """A supervisor: writes the knowledge base."""
    agent = AgentFactory(workspace=workspace, role=Role.SUPERVISOR, display_name="Sara Verdi")
    return KbClient(issue_token(agent), django_capture_on_commit_callbacks)


@pytest.fixture
def reader(agent, django_capture_on_commit_callbacks) -> KbClient:
    """An agent: reads it, internal articles included."""
    return KbClient(issue_token(agent), django_capture_on_commit_callbacks)


@pytest.fixture
def write_article(editor) -> Callable[..., dict[str, Any]]:
    def write(title: str, body: str, language: str = "it", **fields: Any) -> dict[str, Any]:
        payload = {"title": title, "body": body, "language": language, "status": "published"}
        response = editor.post("/api/v1/kb/articles", {**payload, **fields})
        assert response.status_code == 201, response.content
        return response.json()

    return write
