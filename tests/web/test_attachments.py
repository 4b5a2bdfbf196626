"""Attachments in the agent UI: files attached to replies and notes, shown as links and
thumbnails, and downloaded back safely (type from the bytes, never shown inline unless a
plain image, never from another workspace)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sportello.conversations.models import Kind, Message
from tests.attachment_files import HTML_PAGE, SVG_IMAGE, png
from tests.factories import AgentFactory
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def reply_with(client, conversation, *files, text="Ecco la foto", box="reply"):
    return client.post(
        f"/c/{conversation.number}/{box}/",
        {"text": text, "attachments": list(files)},
        **htmx(f"{box}-form"),
    )


def latest(conversation, kind=Kind.MESSAGE) -> Message:
    return conversation.messages.filter(kind=kind).latest("pk")


def test_a_reply_with_an_image_shows_a_thumbnail_and_downloads_it_inline(
    agent_client, customer_writes
):
    conversation = customer_writes()
    image = png()
    response = reply_with(agent_client, conversation, upload("piatti rotti.png", image))
    assert response.status_code == 200

    message = latest(conversation)
    [meta] = message.attachments
    assert meta["filename"] == "piatti rotti.png" and meta["size"] == len(image)
    assert meta["content_type"] == "image/png"
    url = f"/attachments/{message.pk}/0/"
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert f'<img src="{url}"' in page and f'href="{url}" download>piatti rotti.png</a>' in page

    download = agent_client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("inline")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == image


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("pagina.html", HTML_PAGE, "text/html"),
        ("disegno.svg", SVG_IMAGE, "image/svg+xml"),
        ("finta.png", HTML_PAGE, "image/png"),  # the label lies about the bytes
    ],
)
def test_html_and_svg_are_only_ever_downloaded(
    agent_client, customer_writes, name, content, declared
):
    conversation = customer_writes()
    reply_with(agent_client, conversation, upload(name, content, declared), box="note")
    note = latest(conversation, Kind.NOTE)
    assert note.attachments[0]["content_type"] == "application/octet-stream"
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert f'<img src="/attachments/{note.pk}/0/"' not in page

    download = agent_client.get(f"/attachments/{note.pk}/0/")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    assert name in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_another_workspaces_agent_gets_404(agent_client, customer_writes):
    conversation = customer_writes()
    reply_with(agent_client, conversation, upload("foto.png", png()))
    message = latest(conversation)
    stranger = Client()
    stranger.force_login(AgentFactory().user)
    assert stranger.get(f"/attachments/{message.pk}/0/").status_code == 404
    assert agent_client.get(f"/attachments/{message.pk}/1/").status_code == 404


def test_a_signed_out_visitor_is_sent_to_the_login(agent_client, customer_writes):
    conversation = customer_writes()
    reply_with(agent_client, conversation, upload("foto.png", png()))
    response = Client().get(f"/attachments/{latest(conversation).pk}/0/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_file_over_the_limit_is_refused_in_italian_and_nothing_is_sent(
    agent_client, customer_writes, settings
):
    settings.ATTACHMENT_MAX_FILE_BYTES = 100
    conversation = customer_writes()
    before = conversation.messages.count()
    response = reply_with(agent_client, conversation, upload("grande.pdf", b"%PDF-" + b"x" * 200))
    assert response.status_code == 422
    content = response.content.decode()
    assert "“grande.pdf” è troppo grande: al massimo 100\xa0bytes per file." in content
    assert "Ecco la foto" in content  # the text the agent wrote is kept
    assert conversation.messages.count() == before


def test_files_over_the_limit_together_are_refused(agent_client, customer_writes, settings):
    settings.ATTACHMENT_MAX_REPLY_BYTES = 150
    conversation = customer_writes()
    files = [upload(f"parte{i}.pdf", b"%PDF-" + b"x" * 95) for i in range(2)]
    response = reply_with(agent_client, conversation, *files)
    assert response.status_code == 422
    assert "I file insieme sono troppo grandi" in response.content.decode()


def test_the_limit_is_explained_in_english_to_an_english_agent(
    agent, agent_client, customer_writes, settings
):
    agent.language = "en"
    agent.save(update_fields=["language"])
    settings.ATTACHMENT_MAX_FILE_BYTES = 100
    conversation = customer_writes()
    response = reply_with(agent_client, conversation, upload("big.pdf", b"%PDF-" + b"x" * 200))
    assert "“big.pdf” is too large: at most 100\xa0bytes a file." in response.content.decode()


def test_the_reply_box_offers_files_and_says_the_limit(agent_client, customer_writes):
    conversation = customer_writes()
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'hx-encoding="multipart/form-data"' in page
    assert 'name="attachments" multiple' in page
    assert "Allega file" in page and "Al massimo 10,0\xa0MB per file" in page


def test_a_dropped_attachment_is_named_without_a_link(agent_client, customer_writes):
    conversation = customer_writes()
    message = conversation.messages.get(kind=Kind.MESSAGE)
    Message.objects.filter(pk=message.pk).update(
        attachments=[{"filename": "enorme.zip", "size": 99_000_000, "dropped": True}]
    )
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "enorme.zip" in page and f"/attachments/{message.pk}/0/" not in page
    assert agent_client.get(f"/attachments/{message.pk}/0/").status_code == 404
