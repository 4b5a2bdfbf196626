"""Agents' pictures in the widget: uploaded on the profile page, limited in size and type,
served as inert images by a random name; the widget learns an agent's display name and
picture, nothing else."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sportello.accounts.actions import MAX_AVATAR_BYTES
from sportello.conversations.models import Conversation
from sportello.outbound.actions import send_reply
from tests.providers.webchat.helpers import Widget, make_webchat_channel

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
def browser(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def _upload(browser: Client, content: bytes, name: str = "me.png") -> object:
    return browser.post("/profile/avatar/", {"avatar": SimpleUploadedFile(name, content)})


def _reply_seen_by_visitor(workspace, agent) -> dict:
    channel = make_webchat_channel(workspace.pk)
    widget = Widget(channel)
    widget.open()
    assert widget.say("Avete la taglia 42?").status_code == 201
    send_reply(Conversation.objects.get(channel=channel), agent, "Sì, in negozio")
    lines = widget.get("messages?after=0").json()["messages"]
    return next(line for line in lines if line["author"] == "agent")


def test_an_uploaded_picture_is_shown_beside_the_agents_replies(workspace, agent, browser):
    answer = _upload(browser, PNG)
    assert answer.status_code == 302
    page = browser.get("/profile/").content.decode()
    line = _reply_seen_by_visitor(workspace, agent)
    assert line["name"] == "Giulia Bianchi"
    assert line["avatar"].startswith("/hooks/webchat/avatars/")
    assert line["avatar"] in page  # the profile shows the same picture
    # Nothing else of the agent reaches the visitor.
    assert "giulia@negozio.it" not in json.dumps(line)
    # The address is the picture's random name alone: no agent id, no workspace.
    assert line["avatar"] == f"/hooks/webchat/avatars/{agent.avatar.name}"
    assert len(agent.avatar.name) == 32

    served = Client().get(line["avatar"])  # an <img> on the shop's site: no cookie, no Origin
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert served["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert served.content == PNG


def test_without_a_picture_the_widget_gets_only_the_name(workspace, agent, browser):
    _upload(browser, PNG)
    browser.post("/profile/avatar/", {"remove": "1"})
    line = _reply_seen_by_visitor(workspace, agent)
    assert line["name"] == "Giulia Bianchi" and "avatar" not in line
    page = browser.get("/profile/").content.decode()
    assert ">GB</span>" in page  # the initials the widget also draws


def test_a_new_picture_gets_a_new_address_and_the_old_one_is_gone(agent, browser, workspace):
    _upload(browser, PNG)
    first = _reply_seen_by_visitor(workspace, agent)["avatar"]
    _upload(browser, b"\xff\xd8\xff\xe0" + b"\x00" * 100, "me.jpg")
    assert Client().get(first).status_code == 404
    assert Client().get("/hooks/webchat/avatars/not-a-name").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "error"),
    [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "a.svg",
            "WebP",
        ),
        (b"GIF89a" + b"\x00" * 50, "a.gif", "WebP"),
        (b"<html><script>alert(1)</script></html>", "a.png", "WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_AVATAR_BYTES, "big.png", "256 KB)."),
    ],
)
def test_a_picture_of_the_wrong_type_or_size_is_refused_with_a_reason(
    browser, agent, content, name, error
):
    answer = _upload(browser, content, name)
    assert answer.status_code == 422
    assert error in answer.content.decode()
    assert not hasattr(agent, "avatar") or agent.avatar is None


@pytest.mark.parametrize(
    ("language", "said"),
    [("it", "deve essere in formato PNG, JPEG o WebP"), ("en", "must be a PNG, JPEG or WebP")],
)
def test_the_refusal_is_in_the_agents_language(browser, agent, language, said):
    agent.language = language
    agent.save()
    answer = _upload(browser, b"not an image", "x.png")
    assert answer.status_code == 422
    assert said in answer.content.decode()


def test_posting_no_file_says_what_to_do(browser):
    answer = browser.post("/profile/avatar/", {})
    assert answer.status_code == 422
    assert "Choose a picture" in answer.content.decode() or "Scegli" in answer.content.decode()
