from __future__ import annotations

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from tests.conftest import ApiClient
from tests.factories import AgentFactory


@pytest.fixture
def admin_api_client(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))
