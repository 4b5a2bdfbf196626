"""GDPR for a phone customer: their calls and callbacks are in their export and gone from
the rows (numbers, recording URLs, event lists, call notes) after their erasure."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.audit.models import AuditEntry
from sportello.conversations.models import Conversation, Message
from sportello.providers.phone.models import Call, Callback
from tests.conftest import ApiClient
from tests.factories import AgentFactory
from tests.providers.phone.helpers import CALLER_E164, call_event, make_phone_channel, post_event

pytestmark = pytest.mark.django_db

RECORDING = "https://centralino.example.it/registrazioni/c-2.wav"
NOTE = "richiamare dopo le 18, chiede del rimborso 7731"


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


@pytest.fixture
def calls(client, workspace, api) -> Conversation:
    """Two missed calls (a callback), one answered with a recording, a call back logged
    with a note."""
    channel = make_phone_channel(workspace.pk)
    post_event(client, channel, call_event("missed", "c-1"))
    answer = post_event(client, channel, call_event("missed", "c-3"))
    post_event(client, channel, call_event("answered", "c-2", agent="Giulia"))
    post_event(
        client,
        channel,
        call_event("ended", "c-2", duration=95, recording_url=RECORDING),
    )
    conversation = Conversation.objects.get(pk=answer.json()["conversation_id"])
    logged = api.post(
        f"/api/v1/conversations/{conversation.pk}/calls", {"outcome": "no_answer", "note": NOTE}
    )
    assert logged.status_code == 201
    return conversation


def test_export_lists_the_customers_calls_and_callbacks(admin_api, calls):
    answer = admin_api.get(f"/api/v1/customers/{calls.customer_id}/export")
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content)))
    data = json.loads(archive.read("customer.json"))

    assert {c["caller"] for c in data["calls"]} == {CALLER_E164}
    assert sorted(c["outcome"] for c in data["calls"]) == ["answered", "missed", "missed"]
    assert RECORDING in [c["recording_url"] for c in data["calls"]]
    [callback] = data["callbacks"]
    # The answered call closed it: the customer was reached.
    assert (callback["phone"], callback["missed_calls"], callback["status"]) == (
        CALLER_E164,
        2,
        "done",
    )
    assert NOTE in json.dumps(data, ensure_ascii=False)


def test_erasure_empties_numbers_recordings_and_notes_and_counts_them(admin_api, calls):
    answer = admin_api.post(f"/api/v1/customers/{calls.customer_id}/erase")
    assert answer.status_code == 200

    rows = list(Call.objects.values("caller", "called", "recording_url", "agent", "events"))
    assert len(rows) == 3
    assert all(
        row == {"caller": "", "called": "", "recording_url": "", "agent": "", "events": []}
        for row in rows
    )
    durations = Call.objects.values_list("duration", flat=True)
    assert sorted(durations, key=lambda d: d or 0) == [None, None, 95]  # the figures stay
    assert list(Callback.objects.values_list("phone", flat=True)) == [""]
    everything = json.dumps(list(Message.objects.values("text", "data")), ensure_ascii=False)
    assert NOTE not in everything and CALLER_E164 not in everything
    entry = AuditEntry.objects.get(action="customer.erased")
    assert (entry.detail["calls"], entry.detail["callbacks"]) == (3, 1)

    again = admin_api.post(f"/api/v1/customers/{calls.customer_id}/erase")
    assert again.status_code == 200
    latest = AuditEntry.objects.filter(action="customer.erased").order_by("-id").first()
    assert (latest.detail["calls"], latest.detail["callbacks"]) == (0, 0)


def test_erasure_leaves_another_customers_calls_alone(client, admin_api, calls):
    channel = Call.objects.first().channel
    post_event(client, channel, call_event("missed", "c-9", caller="+39 333 765 4321"))

    admin_api.post(f"/api/v1/customers/{calls.customer_id}/erase")

    assert Call.objects.get(call_id="c-9").caller == "+393337654321"
