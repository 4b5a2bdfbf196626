"""The agent's side of a callback: the call box on the conversation page, the outcome
logged through the page and the API, the timeline and the reply target."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.conversations.models import Conversation, Message, SlaState
from sportello.providers.phone.models import Callback, CallbackStatus
from tests.providers.phone.helpers import call_event, make_phone_channel, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def missed(client, workspace) -> Conversation:
    channel = make_phone_channel(workspace.pk)
    for call_id in ("c-1", "c-2", "c-3"):
        answer = post_event(client, channel, call_event("missed", call_id))
    return Conversation.objects.get(pk=answer.json()["conversation_id"])


@pytest.fixture
def signed_in(agent) -> Client:
    browser = Client()
    browser.force_login(agent.user)
    return browser


def test_the_inbox_shows_the_call_back_tag_and_filters_by_it(signed_in, missed):
    page = signed_in.get("/?tag=richiamare").content.decode()
    assert f"#{missed.number}" in page and ">richiamare<" in page


def test_the_conversation_page_shows_the_callback_and_its_form(signed_in, missed):
    page = signed_in.get(f"/c/{missed.number}/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Richiamare" in page and "3 chiamate perse" in page
    assert 'href="tel:+393471234567"' in page and "+39 347 123 4567" in page
    assert "richiamare entro" in page
    assert 'name="outcome" value="voicemail"' in page and "Registra la chiamata" in page


def test_an_outcome_logged_on_the_page_counts_an_attempt_and_keeps_the_task_open(signed_in, missed):
    answer = signed_in.post(
        f"/c/{missed.number}/calls/",
        {"outcome": "voicemail", "note": "Lasciato messaggio"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="callback-box",
    )
    assert answer.status_code == 200
    body = answer.content.decode()
    assert 'id="callback-box"' in body and 'hx-swap-oob="true"' in body
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.OPEN and callback.attempts == 1
    assert callback.outcome == "voicemail"
    event = Message.objects.get(event="call_logged")
    assert event.data["note"] == "Lasciato messaggio" and event.sender_name
    missed.refresh_from_db()
    # Calling back is the business's first answer: the first-reply target is met.
    assert missed.first_reply_sla == SlaState.MET


def test_reached_closes_the_callback_and_takes_off_the_tag(signed_in, missed):
    answer = signed_in.post(f"/c/{missed.number}/calls/", {"outcome": "reached"})
    assert answer.status_code == 302
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.DONE and callback.done_at is not None
    missed.refresh_from_db()
    assert "richiamare" not in [t.name for t in missed.tags.all()]
    page = signed_in.get(f"/c/{missed.number}/").content.decode()
    assert "Cliente richiamato: raggiunto" in page


def test_an_unknown_outcome_is_refused_on_the_page(signed_in, missed):
    answer = signed_in.post(
        f"/c/{missed.number}/calls/",
        {"outcome": "maybe"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="callback-box",
    )
    assert answer.status_code == 422
    assert Callback.objects.get().attempts == 0


def test_the_api_logs_a_call_and_shows_the_callback(api, missed):
    shown = api.get(f"/api/v1/conversations/{missed.pk}/callback")
    assert shown.status_code == 200
    assert shown.json()["missed_calls"] == 3 and shown.json()["status"] == "open"
    logged = api.post(
        f"/api/v1/conversations/{missed.pk}/calls", {"outcome": "no_answer", "note": "Squilla"}
    )
    assert logged.status_code == 201, logged.json()
    assert logged.json()["callback"]["attempts"] == 1
    assert logged.json()["callback"]["status"] == "open"
    done = api.post(f"/api/v1/conversations/{missed.pk}/calls", {"outcome": "wrong_number"})
    assert done.json()["callback"]["status"] == "done"
    refused = api.post(f"/api/v1/conversations/{missed.pk}/calls", {"outcome": "forse"})
    assert refused.status_code == 422


def test_a_call_logged_where_no_callback_is_open_is_on_the_timeline(api, inbound):
    conversation_id = inbound().json()["conversation_id"]
    logged = api.post(f"/api/v1/conversations/{conversation_id}/calls", {"outcome": "reached"})
    assert logged.status_code == 201 and logged.json()["callback"] is None
    assert Message.objects.filter(conversation_id=conversation_id, event="call_logged").exists()
    assert api.get(f"/api/v1/conversations/{conversation_id}/callback").status_code == 404
