"""The conversation page's faster replies: "Send and resolve", the page opening at its
latest entry, and image attachments shown as thumbnails (a file when they are corrupted)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sportello.conversations.models import Kind, Status
from tests.attachment_files import png
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_send_and_resolve_replies_and_resolves_in_one_post(agent_client, customer_writes):
    conversation = customer_writes()
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert 'name="then" value="resolve"' in page

    response = agent_client.post(
        f"/c/{conversation.number}/reply/",
        {"text": "Rimborso fatto, buona giornata", "then": "resolve"},
        **htmx("reply-form"),
    )

    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    reply = conversation.messages.filter(kind=Kind.MESSAGE, direction="out").get()
    assert reply.text == "Rimborso fatto, buona giornata"
    body = response.content.decode()
    # The header, the panel and the thread come back out of band, resolved.
    assert 'id="side-panel"' in body and 'id="conversation-header"' in body
    assert "Rimborso fatto" in body and "Riapri" in body


def test_send_and_resolve_without_javascript_redirects_to_the_resolved_page(
    agent_client, customer_writes
):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "Fatto", "then": "resolve"}
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED


def test_a_refused_reply_does_not_resolve(agent_client, customer_writes):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "", "then": "resolve"}, **htmx("reply-form")
    )
    assert response.status_code == 422
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_plain_send_leaves_the_conversation_open(agent_client, customer_writes):
    conversation = customer_writes()
    agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "Ci penso io"}, **htmx("reply-form")
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_a_resolved_conversation_offers_no_send_and_resolve(agent_client, customer_writes):
    conversation = customer_writes()
    agent_client.post(f"/c/{conversation.number}/status/", {"status": "resolved"})
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert 'value="resolve"' not in page


def test_the_page_loads_the_script_that_opens_it_at_the_latest_entry(agent_client, customer_writes):
    conversation = customer_writes()
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "sportello.js" in page and 'id="thread"' in page
    script = agent_client.get("/static/web/sportello.js")
    if script.status_code == 200:  # served by WhiteNoise only with collected files
        assert b"data-opened-at-latest" in b"".join(script.streaming_content)


def _attach(agent_client, conversation, name, content):
    agent_client.post(
        f"/c/{conversation.number}/note/",
        {"text": "Foto del cliente", "attachments": [SimpleUploadedFile(name, content)]},
        **htmx("note-form"),
    )
    return conversation.messages.filter(kind=Kind.NOTE).latest("pk")


def test_an_image_shows_a_thumbnail_with_its_size_lazily(agent_client, customer_writes):
    conversation = customer_writes()
    note = _attach(agent_client, conversation, "piatti_rotti.png", png(640, 480))
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    url = f"/attachments/{note.pk}/0/"
    assert f'<img src="{url}" alt="piatti_rotti.png" width="240" height="180"' in page
    assert 'loading="lazy"' in page
    assert f'class="attachment-thumb" href="{url}" target="_blank"' in page


def test_a_corrupted_image_shows_a_file_icon_and_still_downloads(agent_client, customer_writes):
    conversation = customer_writes()
    broken = png(64, 64)[:20]  # a PNG's signature, its header cut off
    note = _attach(agent_client, conversation, "rotta.png", broken)
    assert note.attachments[0]["content_type"] == "image/png"
    response = agent_client.get(f"/c/{conversation.number}/")
    assert response.status_code == 200
    page = response.content.decode()
    url = f"/attachments/{note.pk}/0/"
    assert f'<img src="{url}"' not in page
    assert 'class="attachment-icon"' in page and f'href="{url}" download>rotta.png' in page
    assert agent_client.get(url).status_code == 200


def test_a_missing_image_file_shows_a_file_icon(agent_client, customer_writes, tmp_path):
    conversation = customer_writes()
    note = _attach(agent_client, conversation, "sparita.png", png(8, 8))
    for path in (tmp_path / "attachments").rglob("*"):
        if path.is_file():
            path.unlink()
    response = agent_client.get(f"/c/{conversation.number}/")
    assert response.status_code == 200
    assert f'<img src="/attachments/{note.pk}/0/"' not in response.content.decode()


def test_a_snooze_preset_snoozes_until_the_next_business_morning(
    agent_client, customer_writes, monkeypatch
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sportello.core import clock
    from sportello.sla.actions import ensure_defaults

    rome = ZoneInfo("Europe/Rome")
    conversation = customer_writes()
    ensure_defaults(conversation.workspace_id)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 7, 19, 0, tzinfo=rome))
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert 'name="preset" value="tomorrow"' in page

    response = agent_client.post(
        f"/c/{conversation.number}/status/",
        {"status": "snoozed", "preset": "tomorrow"},
        **htmx("side-panel"),
    )

    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    # Tuesday 8 December is a public holiday: Wednesday's opening.
    assert conversation.snoozed_until == datetime(2026, 12, 9, 9, 0, tzinfo=rome)


def test_an_unknown_preset_is_refused_in_words(agent_client, customer_writes):
    conversation = customer_writes()
    response = agent_client.post(
        f"/c/{conversation.number}/status/",
        {"status": "snoozed", "preset": "forever"},
        **htmx("side-panel"),
    )
    assert response.status_code == 422
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
