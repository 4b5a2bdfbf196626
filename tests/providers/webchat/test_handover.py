"""Offline and hand-over: the widget says when a reply will come; a reply to a visitor who
has left goes by email through the workspace's email channel, and their answer by email
lands in the same conversation. A video call link is posted to the visitor."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from sportello.conversations.models import Conversation, Message
from sportello.core import clock
from sportello.core.realtime import mark_online
from sportello.outbound.actions import send_reply
from sportello.outbound.models import Delivery
from sportello.providers.email.receive import receive_email
from sportello.providers.webchat.actions import offer_video_call
from sportello.providers.webchat.presence import gone
from sportello.providers.webchat.visitors import handle_of
from sportello.sla.actions import ensure_defaults, update_calendar
from sportello.sla.queries import default_calendar
from tests.outbound.helpers import make_email_channel, smtp_sink
from tests.providers.webchat.helpers import Widget, make_webchat_channel

pytestmark = pytest.mark.django_db


def test_offline_widget_says_when_the_reply_comes(workspace, monkeypatch):
    # A Sunday noon, so the Monday half hour below is always ahead (CI once ran inside it).
    sunday = datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("Europe/Rome"))
    monkeypatch.setattr(clock, "now", lambda: sunday)
    ensure_defaults(workspace.pk)
    calendar = default_calendar(workspace.pk)
    update_calendar(calendar, hours={"mon": [["09:00", "09:30"]]}, holiday_country="")
    channel = make_webchat_channel(workspace.pk, offline_text={"en": "Back on Monday"})
    english = Widget(channel).client.get(
        f"/hooks/webchat/{channel.config['webhook_key']}/config?lang=en"
    )
    answer = english.json()
    assert answer["online"] is False
    assert answer["offline_text"] == "Back on Monday"
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))
    assert datetime.fromisoformat(answer["reply_expected_at"]) == monday
    italian = Widget(channel).get("config").json()
    assert italian["offline_text"].startswith("Ora non ci siamo")

    update_calendar(
        calendar,
        hours={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    # Open, but nobody has a page open: still offline (tests/web/test_live_webchat.py).
    cache.delete(f"realtime:online:{workspace.pk}")
    assert Widget(channel).get("config").json()["online"] is False
    mark_online(workspace.pk)  # an agent's socket
    assert Widget(channel).get("config").json()["online"] is True


def test_reply_to_a_visitor_who_left_goes_by_email_and_the_answer_threads_back(
    workspace, agent, django_capture_on_commit_callbacks
):
    with smtp_sink() as sink:
        email_channel = make_email_channel(workspace.pk, smtp_port=sink.port)
        channel = make_webchat_channel(workspace.pk, email_channel=email_channel.slug)
        widget = Widget(channel)
        widget.open()
        sent = widget.say("Mi richiamate domani?", email="lucia@example.it").json()
        conversation = Conversation.objects.get(
            pk=Message.objects.get(pk=sent["id"]).conversation_id
        )
        gone(handle_of(widget.token))  # the visitor closed the page
        with django_capture_on_commit_callbacks(execute=True):
            reply = send_reply(conversation, agent, "Certo, la chiamiamo alle 10")
        delivery = Delivery.objects.get(pk=reply.delivery.pk)
        assert delivery.status == "sent", delivery.last_error
        [mail] = sink.messages()
        assert mail["To"] == "lucia@example.it"
        assert "Certo, la chiamiamo alle 10" in mail.get_body().get_content()

    answer = EmailMessage()
    answer["From"] = "Lucia <lucia@example.it>"
    answer["To"] = email_channel.config["address"]
    answer["Subject"] = "Re: " + str(mail["Subject"])
    answer["Message-ID"] = "<risposta-lucia@example.it>"
    answer["In-Reply-To"] = mail["Message-ID"]
    answer["References"] = mail["Message-ID"]
    answer.set_content("Perfetto, grazie!")
    receive_email(email_channel, answer.as_bytes(), source="test")
    back = Message.objects.get(external_id="<risposta-lucia@example.it>")
    assert back.conversation_id == conversation.pk


def test_reply_to_a_visitor_still_there_stays_in_the_widget(
    workspace, agent, django_capture_on_commit_callbacks
):
    with smtp_sink() as sink:
        email_channel = make_email_channel(workspace.pk, smtp_port=sink.port)
        channel = make_webchat_channel(workspace.pk, email_channel=email_channel.slug)
        widget = Widget(channel)
        widget.open()
        sent = widget.say("Ci sono ancora", email="lucia@example.it").json()
        conversation = Conversation.objects.get(
            pk=Message.objects.get(pk=sent["id"]).conversation_id
        )
        with django_capture_on_commit_callbacks(execute=True):
            send_reply(conversation, agent, "Bene!")
        assert sink.messages() == []
    assert widget.get(f"messages?after={sent['id']}").json()["messages"][0]["text"] == "Bene!"


def test_video_call_link_is_posted_to_the_visitor(
    workspace, agent, django_capture_on_commit_callbacks
):
    channel = make_webchat_channel(workspace.pk, video_base_url="https://video.negozio.it/")
    widget = Widget(channel)
    widget.open()
    sent = widget.say("Vi mostro la cucina?").json()
    conversation = Conversation.objects.get(pk=Message.objects.get(pk=sent["id"]).conversation_id)
    with django_capture_on_commit_callbacks(execute=True):
        offer_video_call(conversation, agent)
        offer_video_call(conversation, agent)
    lines = widget.get(f"messages?after={sent['id']}").json()["messages"]
    urls = [line["text"].rsplit(" ", 1)[-1] for line in lines]
    assert all(
        u.startswith(f"https://video.negozio.it/sportello-{conversation.number}-") for u in urls
    )
    assert len(set(urls)) == 2


def test_video_call_through_the_api(workspace, api, inbound):
    conversation_id = inbound().json()["conversation_id"]
    answer = api.post(f"/api/v1/conversations/{conversation_id}/video-call")
    assert answer.status_code == 201, answer.json()
    assert "https://meet.jit.si/sportello-" in answer.json()["text"]
    assert api.post("/api/v1/conversations/999999/video-call").status_code == 404
