"""Conversations through the API: listing, search, triage, replies and notes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sportello.accounts.actions import create_team
from sportello.conversations.models import Conversation, Message
from sportello.outbound.models import Delivery
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def _post(api, n: int, text: str = "Buongiorno, ho una domanda", **sender):
    return api.post(
        "/api/v1/inbound",
        {
            "channel": "api",
            "external_id": f"m-{n}",
            "sender": sender or {"email": f"cliente{n}@example.it", "name": f"Cliente {n}"},
            "subject": f"Richiesta {n}",
            "text": text,
        },
    ).json()


def test_list_is_paginated_with_a_cursor_without_gaps_or_repeats(api):
    ids = {_post(api, n)["conversation_id"] for n in range(7)}
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        url = "/api/v1/conversations?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_invalid_cursor_is_422(api):
    response = api.get("/api/v1/conversations?cursor=%%%")
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


def test_full_text_search_matches_italian_stems(api):
    hit = _post(api, 1, "Le spedizioni verso la Sardegna sono in ritardo")
    _post(api, 2, "Vorrei cambiare la taglia della giacca")
    found = api.get("/api/v1/conversations?q=spedizione").json()["items"]
    assert [c["id"] for c in found] == [hit["conversation_id"]]


def test_full_text_search_matches_english_stems_and_subjects(api):
    hit = _post(api, 1, "My parcels were delivered damaged")
    assert [c["id"] for c in api.get("/api/v1/conversations?q=parcel damage").json()["items"]] == [
        hit["conversation_id"]
    ]
    subject_hit = api.get("/api/v1/conversations?q=richiesta").json()["items"]
    assert hit["conversation_id"] in [c["id"] for c in subject_hit]


def test_search_ignores_other_workspaces(api):
    from sportello.channels.actions import ensure_channel
    from sportello.core.models import Workspace
    from sportello.ingest.inbound import InboundMessage, Sender
    from sportello.ingest.pipeline import ingest

    other = Workspace.objects.create(name="Altro", slug="altro")
    channel = ensure_channel(other.pk, kind="api", name="API", slug="api")
    ingest(
        InboundMessage(
            workspace_id=other.pk,
            channel_id=channel.pk,
            sender=Sender(email="x@y.it"),
            text="spedizione segreta",
        )
    )
    assert api.get("/api/v1/conversations?q=spedizione").json()["items"] == []
    assert api.get("/api/v1/conversations").json()["items"] == []


def test_filters_by_status_assignee_tag_team_and_customer(api, agent, workspace):
    a = _post(api, 1)["conversation_id"]
    b = _post(api, 2)["conversation_id"]
    team = create_team(workspace, "Resi", [agent])
    api.patch(
        f"/api/v1/conversations/{a}",
        {"assignee_id": agent.pk, "tags": ["Reso"], "team_id": team.pk},
    )
    api.patch(f"/api/v1/conversations/{b}", {"status": "resolved"})

    def ids(query: str) -> list[int]:
        return [c["id"] for c in api.get(f"/api/v1/conversations?{query}").json()["items"]]

    assert ids("status=resolved") == [b]
    assert ids("assignee=me") == [a]
    assert ids(f"assignee={agent.pk}") == [a]
    assert ids("assignee=none") == [b]
    assert ids("tag=reso") == [a]
    assert ids(f"team={team.pk}") == [a]
    assert ids("view=mine") == [a]
    assert ids("view=team") == [a]
    assert ids("view=resolved") == [b]
    assert ids("view=unassigned") == []
    customer = Conversation.objects.get(pk=b).customer_id
    assert ids(f"customer_id={customer}") == [b]
    assert ids("channel=api") == [b, a] or ids("channel=api") == [a, b]
    assert api.get("/api/v1/conversations?view=nonsense").status_code == 422


def test_detail_has_messages_customer_status_language_first_reply(api):
    created = _post(api, 1, "Buongiorno, il pacco è arrivato rotto. Potete aiutarmi?")
    cid = created["conversation_id"]
    detail = api.get(f"/api/v1/conversations/{cid}").json()
    assert detail["status"] == "open" and detail["language"] == "it"
    assert detail["first_reply_at"] is None
    assert detail["customer_detail"]["identities"] == [
        {"kind": "email", "value": "cliente1@example.it", "unverified": False, "source": "channel"}
    ]
    assert [m["kind"] for m in detail["messages"]] == ["event", "message"]
    reply = api.post(f"/api/v1/conversations/{cid}/reply", {"text": "Ci scusiamo, lo sostituiamo."})
    assert reply.status_code == 201 and reply.json()["direction"] == "out"
    detail = api.get(f"/api/v1/conversations/{cid}").json()
    assert detail["first_reply_at"] is not None and detail["waiting_since"] is None


def test_notes_are_internal_messages(api):
    cid = _post(api, 1)["conversation_id"]
    note = api.post(
        f"/api/v1/conversations/{cid}/notes", {"text": "Cliente storico, trattare bene"}
    )
    assert note.status_code == 201 and note.json()["kind"] == "note"
    assert Conversation.objects.get(pk=cid).first_reply_at is None


def test_patch_records_timeline_events(api, workspace):
    cid = _post(api, 1)["conversation_id"]
    colleague = AgentFactory(workspace=workspace, display_name="Marco")
    response = api.patch(
        f"/api/v1/conversations/{cid}",
        {"status": "pending", "assignee_id": colleague.pk, "priority": 3, "tags": ["VIP", "reso"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pending" and body["priority"] == 3
    assert body["assignee"]["display_name"] == "Marco"
    assert body["tags"] == ["reso", "vip"]
    events = list(
        Message.objects.filter(conversation_id=cid, kind="event")
        .order_by("pk")  # heap order is not insertion order on PostgreSQL
        .values_list("event", flat=True)
    )
    assert events == ["created", "status_changed", "assigned", "priority_changed", "tags_changed"]
    unassigned = api.patch(f"/api/v1/conversations/{cid}", {"assignee_id": None}).json()
    assert unassigned["assignee"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"status": "deleted"},
        {"priority": 9},
        {"assignee_id": 999999},
        {"status": "snoozed"},
        {"tags": ["x" * 61]},
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(api, body):
    cid = _post(api, 1)["conversation_id"]
    response = api.patch(f"/api/v1/conversations/{cid}", body)
    assert response.status_code == 422, response.content
    assert Conversation.objects.get(pk=cid).status == "open"


def test_snooze_needs_a_future_time(api):
    cid = _post(api, 1)["conversation_id"]
    year = timezone.now().year + 2  # within the five years a snooze may last
    response = api.patch(
        f"/api/v1/conversations/{cid}",
        {"status": "snoozed", "snoozed_until": f"{year}-01-01T09:00:00Z"},
    )
    assert response.status_code == 200
    assert response.json()["snoozed_until"].startswith(str(year))


def test_other_workspace_conversation_is_404(api):
    from sportello.accounts.actions import issue_token
    from tests.conftest import ApiClient
    from tests.factories import AgentFactory as AF
    from tests.factories import WorkspaceFactory

    cid = _post(api, 1)["conversation_id"]
    stranger = ApiClient(issue_token(AF(workspace=WorkspaceFactory())))
    assert stranger.get(f"/api/v1/conversations/{cid}").status_code == 404
    assert stranger.post(f"/api/v1/conversations/{cid}/reply", {"text": "ciao"}).status_code == 404


def test_list_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries):
    for n in range(30):
        cid = _post(api, n)["conversation_id"]
        api.patch(f"/api/v1/conversations/{cid}", {"tags": ["a", "b"]})
    with django_assert_max_num_queries(6):
        page = api.get("/api/v1/conversations?limit=30").json()
    assert len(page["items"]) == 30


def test_detail_query_count_does_not_grow_with_messages(api, django_assert_max_num_queries):
    cid = _post(api, 1)["conversation_id"]
    for n in range(50):
        api.post(f"/api/v1/conversations/{cid}/reply", {"text": f"Risposta {n}"})
    with django_assert_max_num_queries(8):
        detail = api.get(f"/api/v1/conversations/{cid}").json()
    assert len(detail["messages"]) == 52


def test_reply_on_an_email_channel_shows_its_delivery_state(
    api, workspace, django_capture_on_commit_callbacks
):
    from tests.outbound.helpers import customer_email, free_port, lose_smtp, make_email_channel

    channel = make_email_channel(workspace.pk, slug="posta", smtp_port=free_port())
    conversation = customer_email(channel)
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/api/v1/conversations/{conversation.pk}/reply", {"text": "Arriva oggi"})
        lose_smtp(channel)  # removed before the job runs: the delivery fails
    assert sent.status_code == 201
    detail = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    outbound = [m for m in detail["messages"] if m["direction"] == "out" and m["kind"] == "message"]
    assert outbound[0]["delivery"]["status"] == "failed"
    assert "SMTP" in outbound[0]["delivery"]["last_error"]
    inbound = [m for m in detail["messages"] if m["direction"] == "in"]
    assert inbound[0]["delivery"] is None


def test_a_reply_retried_with_its_idempotency_key_is_stored_and_sent_once(
    api, workspace, django_capture_on_commit_callbacks
):
    """GIVEN a client whose first answer was lost
    WHEN it posts the same reply again with the same Idempotency-Key
    THEN it gets the first reply back with 200, and there is one message, one delivery."""
    from tests.outbound.helpers import customer_email, free_port, make_email_channel

    channel = make_email_channel(workspace.pk, slug="posta-chiave", smtp_port=free_port())
    conversation = customer_email(channel)
    url = f"/api/v1/conversations/{conversation.pk}/reply"
    key = {"HTTP_IDEMPOTENCY_KEY": "3f1c9a52-8d7e-4b1a-9c33-0d5e2f6a7b81"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(url, {"text": "Arriva oggi"}, **key)
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(url, {"text": "Arriva oggi"}, **key)

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    replies = Message.objects.filter(conversation=conversation, direction="out", kind="message")
    assert replies.count() == 1
    assert Delivery.objects.filter(message__conversation=conversation).count() == 1

    other = api.post(url, {"text": "Arriva domani"}, **key)
    assert other.status_code == 422 and "idempotency key" in other.json()["detail"]
    assert api.post(url, {"text": "Arriva domani"}).status_code == 201  # no key: a new reply
    too_long = api.post(url, {"text": "Arriva"}, HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert too_long.status_code == 422
