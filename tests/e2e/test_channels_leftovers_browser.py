"""In a real browser: an agent fills a WhatsApp template whose header is an image and
whose buttons take a URL suffix and a payload (only those fields shown), sends it, and
the fake Graph API receives the components; an admin sees a reviews channel's Google
Business Profile settings (tokens never shown back) and where its location stands.

Screenshots on a desktop and a 360 px phone, in Italian and English, go to
/tmp/shots/channels/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from sportello.accounts.models import Role
from sportello.channels.actions import update_channel
from sportello.conversations.models import Conversation, Message
from sportello.core import clock
from sportello.outbound.actions import attempt_delivery
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.reviews.models import GoogleLocationState
from sportello.providers.whatsapp.actions import sync_templates
from tests.e2e.test_agent_flow import sign_in
from tests.factories import AgentFactory
from tests.providers.fake_http import Reply
from tests.providers.reviews.helpers import make_reviews_channel
from tests.providers.whatsapp.helpers import (
    VERSION,
    customer_message,
    fake_graph,
    make_whatsapp_channel,
    post_signed,
)
from tests.providers.whatsapp.test_template_components import TEMPLATES, WABA_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/channels")
VIEWPORTS = ((1366, 800, "desktop"), (360, 740, "phone"))


@pytest.mark.parametrize("language", ["it", "en"])
def test_an_agent_fills_a_template_with_header_and_buttons(
    chromium, live_server, workspace, client, language
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    agent = AgentFactory(workspace=workspace, display_name="Giulia Bianchi", language=language)
    words = {
        "it": ("Immagine d'intestazione", "Invia il modello"),
        "en": ("Header image", "Send template"),
    }[language]
    with fake_graph() as graph:
        graph.fake.route(
            "GET", f"/{VERSION}/{WABA_ID}/message_templates", Reply(json={"data": TEMPLATES})
        )
        made = make_whatsapp_channel(workspace.pk, graph.url)
        channel = update_channel(made, config={**made.config, "waba_id": WABA_ID})
        sync_templates(channel)
        assert post_signed(client, channel, customer_message("wamid.ieri")).status_code == 200
        conversation = Message.objects.get(external_id="wamid.ieri").conversation
        Conversation.objects.filter(pk=conversation.pk).update(
            last_inbound_at=clock.now() - timedelta(hours=30), language="it"
        )
        for width, height, device in VIEWPORTS:
            context = chromium.new_context(
                viewport={"width": width, "height": height}, locale="it-IT"
            )
            page = context.new_page()
            sign_in(page, live_server, agent.user.email, to=f"/c/{conversation.number}/")
            page.locator("summary", has_text="spedizione_partita").click()
            form = page.locator(
                "form.wa-template-form:has(input[name=name][value=spedizione_partita])"
            )
            assert form.locator("legend", has_text=words[0]).count() == 1
            assert form.locator("input[name=header_text]").count() == 0
            form.locator("input[name=header_link]").fill("https://negozio.example.it/pacco.jpg")
            form.locator("input[name=url_suffix_0]").fill("ORD-42")
            form.locator("input[name=payload_1]").fill("ok-ord-42")
            page.locator("#whatsapp-templates").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"picker-{language}-{device}.png"), full_page=True)
            form.get_by_role("button", name=words[1]).click()
            page.wait_for_load_state("networkidle")
            context.close()
        for delivery in Delivery.objects.all():
            if delivery.status != DeliveryStatus.SENT:
                attempt_delivery(delivery.pk)
        sent = graph.sent_messages()
    assert len(sent) == 2
    components = sent[0].json()["template"]["components"]
    assert components[0]["parameters"][0] == {
        "type": "image",
        "image": {"link": "https://negozio.example.it/pacco.jpg"},
    }
    assert [c.get("sub_type") for c in components[2:]] == ["url", "quick_reply"]


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_reviews_channel_google_settings(chromium, live_server, workspace, language):
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = AgentFactory(
        workspace=workspace, role=Role.ADMIN, display_name="Chiara Esposito", language=language
    )
    channel = make_reviews_channel(
        workspace.pk,
        google_account_id="1098765432",
        google_location_id="4455667788",
        google_access_token="ya29.segreto",
        google_refresh_token="1//rinnovo",
        google_client_id="123-abc.apps.googleusercontent.com",
        google_client_secret="GOCSPX-segreto",
    )
    GoogleLocationState.objects.create(
        workspace=workspace,
        channel=channel,
        location="accounts/1098765432/locations/4455667788",
        polled_at=timezone.now() - timedelta(minutes=12),
        imported=37,
    )
    heading = {"it": "Token di accesso OAuth", "en": "OAuth access token"}[language]
    for width, height, device in VIEWPORTS:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, admin.user.email, to=f"/settings/channels/{channel.pk}/")
        assert page.get_by_label(heading).count() == 1
        assert page.get_by_label(heading).input_value() == ""
        assert "ya29.segreto" not in page.content() and "GOCSPX-segreto" not in page.content()
        assert page.locator("#review-google li.check-ok", has_text="37").count() == 1
        page.screenshot(path=str(SHOTS / f"reviews-google-{language}-{device}.png"), full_page=True)
        context.close()
