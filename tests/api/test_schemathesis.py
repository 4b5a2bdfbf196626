"""The API answers what its committed OpenAPI document says, for generated requests.

Schemathesis reads ``openapi.json`` (the committed file, which ``test_openapi`` keeps equal
to the generated one) and sends a few examples per operation through the WSGI app: no
answer is a 5xx, and every answer's status, content type and body are the ones the
document declares. Bounded (``MAX_EXAMPLES``) so it stays a test, not a campaign.

Every operation runs twice, with an agent's token and with an admin's: an agent meets a 403
on what is reserved to supervisors and admins (reports, the audit log, the settings, the
webhooks), which left those operations' handling of input untried; the admin's run found a
period ending at ``?until=0.5`` and ``"position": false`` taken with a 2xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from tests.factories import AgentFactory

schemathesis = pytest.importorskip("schemathesis")
positive_data_acceptance = pytest.importorskip(
    "schemathesis.specs.openapi.checks"
).positive_data_acceptance

MAX_EXAMPLES = 15
# The API refuses NUL in any text (422, api.body), as its description says: generating
# it in "valid" data would only test that refusal again.
# A body over the request limit is refused with its documented 413 before any field is read.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429"]
config = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "generation": {"allow-x00": False},
        "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
    }
)
schema = schemathesis.openapi.from_path(Path(__file__).parents[2] / "openapi.json", config=config)
schema.app = get_wsgi_application()

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[Role.AGENT, Role.ADMIN])
def token(request, agent, inbound) -> str:
    """An agent's token, then an admin's (the same agent's workspace and conversation)."""
    inbound()  # a conversation and a customer with id 1, for the paths that name one
    if request.param == Role.AGENT:
        return issue_token(agent)
    return issue_token(AgentFactory(workspace=agent.workspace, role=request.param))


@pytest.fixture
def _keep_the_test_connection(token) -> Iterator[None]:
    """Requests go through the WSGI handler, which closes old database connections at
    each request's start and end: on PostgreSQL (not on SQLite's in-memory test database)
    that closes the test's transaction under it. Django's test client stops that for its
    own request, then connects ``close_old_connections`` again, which is why this runs after
    ``token``: the ``inbound`` post there goes through that client."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is one to fix, not luck
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_documented(case, token, _keep_the_test_connection):
    # Every response check but one: positive_data_acceptance wants each schema-valid
    # request accepted, while the API refuses, with its documented 422, what a schema
    # cannot say: a blank text, a cursor it did not issue, an id naming no row.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance],
    )
