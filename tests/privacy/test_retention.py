"""Retention policies: set by admins through the API, applied by the nightly job with a
clock the test moves."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sportello.audit.models import AuditEntry
from sportello.conversations.models import Conversation, Message
from sportello.customers.models import Customer
from sportello.ingest.models import InboundRecord
from sportello.privacy.actions import months_before
from sportello.privacy.jobs import apply_retention_policies

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-01-15T10:00:00+00:00")


@pytest.fixture
def at(monkeypatch):
    """Move Sportello's clock (``core.clock.now``) to a given moment."""
    moment = {"now": T0}
    monkeypatch.setattr("sportello.core.clock.now", lambda: moment["now"])

    def move(to: datetime) -> None:
        moment["now"] = to

    return move


def write(api, email: str, text: str, *, resolve: bool = True) -> int:
    posted = api.post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"name": "Ada Lovecchio", "email": email}, "text": text},
    ).json()
    if resolve:
        api.patch(f"/api/v1/conversations/{posted['conversation_id']}", {"status": "resolved"})
    return posted["conversation_id"]


def test_admins_set_the_policy_agents_may_not(api, admin_api):
    assert admin_api.get("/api/v1/privacy/retention").json() == {
        "months": None,
        "action": "anonymise",
        "last_run_at": None,
    }
    assert api.put("/api/v1/privacy/retention", {"months": 6}).status_code == 403
    assert api.get("/api/v1/privacy/retention").status_code == 403
    response = admin_api.put("/api/v1/privacy/retention", {"months": 24, "action": "delete"})
    assert response.status_code == 200 and response.json()["months"] == 24
    entry = AuditEntry.objects.get(action="retention.policy_changed")
    assert entry.detail["after"] == {"months": 24, "action": "delete"}


@pytest.mark.parametrize(
    "body", [{"months": 0}, {"months": 5000}, {"months": 6, "action": "burn"}, {"action": "x"}]
)
def test_a_bad_policy_is_a_422(admin_api, body):
    assert admin_api.put("/api/v1/privacy/retention", body).status_code == 422


def test_the_job_anonymises_finished_conversations_past_the_policy(api, admin_api, at):
    """GIVEN a policy of 12 months, anonymise
    WHEN the job runs 13 months after an old resolved conversation, with a recent one, an
    old one still open, and another workspace-free policy-less history
    THEN only the old finished one is emptied, counts kept, audited as the system."""
    old = write(api, "ada@example.it", "vecchia richiesta tarassaco")
    still_open = write(api, "bruno@example.it", "aperta da tempo tarassaco", resolve=False)
    at(T0 + timedelta(days=330))
    recent = write(api, "carla@example.it", "nuova richiesta tarassaco")
    admin_api.put("/api/v1/privacy/retention", {"months": 12, "action": "anonymise"})
    before = Conversation.objects.get(pk=old).message_count

    at(T0 + timedelta(days=400))
    apply_retention_policies.call_local()

    gone = Conversation.objects.get(pk=old)
    assert gone.anonymised_at is not None and gone.preview == "" and gone.subject == ""
    assert gone.message_count == before and gone.status == "resolved"
    assert not Message.objects.filter(conversation_id=old, text__icontains="tarassaco").exists()
    assert not InboundRecord.objects.filter(conversation_id=old).exists()
    for kept in (still_open, recent):
        assert Conversation.objects.get(pk=kept).anonymised_at is None
    found = admin_api.get("/api/v1/conversations?q=tarassaco&view=all").json()["items"]
    assert {c["id"] for c in found} == {still_open, recent}
    entry = AuditEntry.objects.get(action="retention.applied")
    assert entry.actor_kind == "system" and entry.detail["conversations"] == 1
    assert admin_api.get("/api/v1/privacy/retention").json()["last_run_at"] is not None

    apply_retention_policies.call_local()  # again: nothing more to do, nothing recorded
    assert AuditEntry.objects.filter(action="retention.applied").count() == 1


def test_the_job_deletes_when_the_policy_says_so(api, admin_api, at):
    old = write(api, "ada@example.it", "prima")
    customer = Conversation.objects.get(pk=old).customer_id
    at(T0 + timedelta(days=40))
    second = write(api, "ada@example.it", "seconda")
    admin_api.put("/api/v1/privacy/retention", {"months": 1, "action": "delete"})

    at(T0 + timedelta(days=45))
    apply_retention_policies.call_local()

    assert not Conversation.objects.filter(pk=old).exists()
    assert not Message.objects.filter(conversation_id=old).exists()
    assert Conversation.objects.filter(pk=second).exists()
    assert Customer.objects.get(pk=customer).conversation_count == 1
    assert AuditEntry.objects.get(action="retention.applied").detail["action"] == "delete"


def test_no_policy_keeps_everything(api, at):
    old = write(api, "ada@example.it", "per sempre")
    at(T0 + timedelta(days=4000))
    apply_retention_policies.call_local()
    assert Conversation.objects.get(pk=old).anonymised_at is None


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        ("2026-03-31T12:00:00+00:00", 1, "2026-02-28T12:00:00+00:00"),
        ("2024-03-31T12:00:00+00:00", 1, "2024-02-29T12:00:00+00:00"),
        ("2026-01-15T00:00:00+00:00", 13, "2024-12-15T00:00:00+00:00"),
        ("2026-12-01T00:00:00+00:00", 12, "2025-12-01T00:00:00+00:00"),
    ],
)
def test_months_are_calendar_months(moment, months, expected):
    assert months_before(datetime.fromisoformat(moment), months) == datetime.fromisoformat(expected)


def test_anonymising_removes_the_attachment_files_once_committed(
    at, history, admin_api, django_capture_on_commit_callbacks
):
    for conversation in (history.email_conversation_id, history.api_conversation_id):
        admin_api.patch(f"/api/v1/conversations/{conversation}", {"status": "closed"})
    admin_api.put("/api/v1/privacy/retention", {"months": 1, "action": "anonymise"})
    at(T0 + timedelta(days=60))

    with django_capture_on_commit_callbacks(execute=True):
        apply_retention_policies.call_local()

    assert not history.attachment_file.exists()
    customer = admin_api.get(f"/api/v1/customers/{history.customer_id}").json()
    assert customer["name"] and customer["erased_at"] is None  # the customer stays
    assert AuditEntry.objects.get(action="retention.applied").detail["conversations"] == 2
