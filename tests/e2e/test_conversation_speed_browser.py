"""The conversation page's faster replies in a real browser: it opens at the latest entry,
an image attachment shows as a thumbnail, a snooze preset snoozes in one click, and
"Send and resolve" sends and resolves in one. Screenshots of the conversation, the new
email page and search results at 1366x800 and 360x740, Italian and English, go to
/tmp/shots/convpage/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.attachment_files import png
from tests.e2e.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/convpage")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def write(api_channel: Channel, n: int, text: str, photo: bytes | None = None) -> int:
    attachments = []
    if photo is not None:
        from sportello.conversations.attachments import store_file

        digest, path = store_file(api_channel.workspace_id, photo)
        attachments = [
            {
                "filename": "piatti_rotti.png",
                "content_type": "image/png",
                "size": len(photo),
                "sha256": digest,
                "path": path,
            }
        ]
    result = ingest(
        InboundMessage(
            workspace_id=api_channel.workspace_id,
            channel_id=api_channel.pk,
            sender=Sender(name="Lucia Bianchi", email="lucia@example.it"),
            text=text,
            subject="Piatti rotti",
            external_id=f"e2e-speed-{n}",
            attachments=attachments,
        ),
        source="test",
    )
    return Conversation.objects.get(pk=result.conversation_id).number


def test_latest_entry_thumbnail_snooze_preset_and_send_and_resolve(
    chromium, live_server, agent, api_channel
):
    from playwright.sync_api import expect

    for n in range(14):
        number = write(api_channel, n, f"Messaggio numero {n}: il servizio di piatti è arrivato.")
    number = write(api_channel, 99, "Ecco la foto: due piatti sono rotti.", png(640, 480))
    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, "Accedi", to=f"/c/{number}/")
        # Opened at the latest entry: the photo's message is on screen, the first is above.
        latest = page.locator("#thread .message-in").last
        expect(latest).to_be_in_viewport()
        assert page.evaluate("window.scrollY") > 0
        thumbnail = latest.locator(".attachment-thumb img")
        expect(thumbnail).to_be_visible()
        assert thumbnail.get_attribute("width") == "240"
        assert thumbnail.get_attribute("loading") == "lazy"
        assert thumbnail.evaluate("img => img.naturalWidth") == 640

        page.locator("[data-snooze='tomorrow']").click()
        expect(page.locator("#side-panel")).to_contain_text("Posticipata fino a")
        conversation = Conversation.objects.get(number=number, workspace=api_channel.workspace)
        assert conversation.status == "snoozed" and conversation.snoozed_until is not None

        page.get_by_label("Rispondi tramite API").fill("Rimborso avviato, ci scusiamo.")
        page.get_by_role("button", name="Invia e risolvi").click()
        expect(page.locator("#conversation-header")).to_contain_text("Risolta")
        expect(page.locator("#thread")).to_contain_text("Rimborso avviato")
        conversation.refresh_from_db()
        assert conversation.status == "resolved"
    finally:
        context.close()


def test_screenshots_of_the_conversation_new_email_and_search(
    chromium, live_server, agent, api_channel
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    Channel.objects.create(
        workspace=api_channel.workspace,
        kind="email",
        name="Assistenza",
        slug="assistenza",
        config={"address": "assistenza@negozio.it", "smtp": {"host": "127.0.0.1", "port": 1}},
    )
    for n in range(6):
        write(api_channel, n, f"Messaggio {n}: uno dei piatti è arrivato rotto, l'altro no.")
    number = write(api_channel, 50, "Ecco la foto dei piatti rotti.", png(640, 480))
    for language, locale in (("it", "it-IT"), ("en", "en-GB")):
        agent.language = language
        agent.save(update_fields=["language"])
        for size_name, size in SIZES.items():
            context = chromium.new_context(viewport=size, locale=locale)
            page = context.new_page()
            try:
                sign_in(
                    page, live_server, agent.user.email, "Accedi" if language == "it" else "Sign in"
                )
                page.goto(f"{live_server.url}/c/{number}/")
                page.screenshot(path=str(SHOTS / f"conversation-{language}-{size_name}.png"))
                page.goto(f"{live_server.url}/new/email/?to=lucia@example.it")
                page.screenshot(
                    path=str(SHOTS / f"new-email-{language}-{size_name}.png"), full_page=True
                )
                page.goto(f"{live_server.url}/?q=rotti")
                page.screenshot(path=str(SHOTS / f"search-{language}-{size_name}.png"))
            finally:
                context.close()
