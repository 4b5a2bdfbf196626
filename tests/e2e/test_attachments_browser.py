"""An agent attaches a photo to a reply in a real browser, sees its thumbnail in the
timeline and downloads it back. Screenshots of the conversation at 1366x800 and 360x740,
in Italian and English, go to /tmp (``sportello-attachments-*.png``) for a person to look at.
"""

from __future__ import annotations

import pytest

from sportello.conversations.models import Conversation
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from tests.attachment_files import png
from tests.e2e.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/sportello-attachments-{name}.png"
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_an_agent_attaches_a_photo_to_a_reply_and_downloads_it_back(
    chromium, live_server, agent, api_channel
):
    from playwright.sync_api import expect

    result = ingest(
        InboundMessage(
            workspace_id=api_channel.workspace_id,
            channel_id=api_channel.pk,
            sender=Sender(name="Chiara Fontana", email="chiara@example.it"),
            text="Mi sono arrivati i piatti rotti.",
            external_id="e2e-piatti",
        ),
        source="test",
    )
    number = Conversation.objects.get(pk=result.conversation_id).number
    photo = png(24, 16, (30, 120, 200))
    context = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT", accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, agent.user.email, "Accedi", to=f"/c/{number}/")
        page.get_by_label("Rispondi tramite API").fill(
            "Ecco la foto del pacco che abbiamo spedito."
        )
        page.locator("#reply_attachments").set_input_files(
            {"name": "pacco.png", "mimeType": "image/png", "buffer": photo}
        )
        page.get_by_role("button", name="Invia risposta").click()
        thumbnail = page.locator(".message-out .attachment-thumb img")
        expect(thumbnail).to_be_visible()
        # Drawn from our URL (a lazy image: wait for it to load, once it is on screen).
        loaded = (
            "img => img.complete && img.naturalWidth ? img.naturalWidth : new Promise("
            "done => img.addEventListener('load', () => done(img.naturalWidth), {once: true}))"
        )
        assert thumbnail.evaluate(loaded) == 24
        with page.expect_download() as info:
            page.locator(".message-out .attachment-link", has_text="pacco.png").click()
        download = info.value
        assert download.suggested_filename == "pacco.png"
        with open(download.path(), "rb") as file:
            assert file.read() == photo
    finally:
        context.close()

    for language, locale in (("it", "it-IT"), ("en", "en-GB")):
        agent.language = language
        agent.save(update_fields=["language"])
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport, locale=locale)
            page = context.new_page()
            try:
                sign_in(
                    page, live_server, agent.user.email, "Accedi" if language == "it" else "Sign in"
                )
                page.goto(f"{live_server.url}/c/{number}/")
                expect(page.locator(".attachment-thumb img")).to_be_visible()
                page.screenshot(path=SCREENSHOTS.format(name=f"{language}-{size}"), full_page=True)
            finally:
                context.close()
