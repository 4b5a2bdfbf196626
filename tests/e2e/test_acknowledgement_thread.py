"""An agent reads a conversation the system acknowledged, in a real browser.

The automatic reply shows as Sportello's, with its badge, and a machine's message says
why it got none. Screenshots on a desktop and a 360 px phone, in Italian and English, are
written to /tmp (``sportello-ack-*.png``) for a person to look at.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from sportello.accounts.models import Role
from sportello.automation.actions import update_acknowledgement_settings
from sportello.automation.models import DEFAULT_TEMPLATES
from sportello.conversations.models import Conversation
from sportello.providers.email.receive import receive_email
from tests.e2e.test_agent_flow import SCREENSHOTS, sign_in
from tests.factories import AgentFactory
from tests.outbound.helpers import SHOP_ADDRESS, make_email_channel, smtp_sink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def email(sender: str, subject: str, text: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SHOP_ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@cliente.example.it>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


@pytest.mark.parametrize("language", ["it", "en"])
def test_an_agent_sees_the_acknowledgement_and_why_a_machine_got_none(
    chromium, live_server, workspace, language
):
    agent = AgentFactory(
        workspace=workspace, role=Role.ADMIN, display_name="Giulia Bianchi", language=language
    )
    update_acknowledgement_settings(
        workspace.pk,
        is_enabled=True,
        template_it=DEFAULT_TEMPLATES["it"],
        template_en=DEFAULT_TEMPLATES["en"],
        min_hours_between=24,
    )
    with smtp_sink() as sink:
        channel = make_email_channel(workspace.pk, smtp_port=sink.port)
        acknowledged = receive_email(
            channel,
            email(
                "Mario Rossi <mario.rossi@example.it>",
                "Ordine 4411",
                "Buongiorno, il mio ordine 4411 non è ancora arrivato. Potete controllare?",
            ),
            source="test",
        )
        machine = receive_email(
            channel,
            email(
                "Ufficio Vendite <vendite@fornitore.example.it>",
                "Fuori sede",
                "Sono fuori sede fino a lunedì.",
                Auto_Submitted="auto-replied",
            ),
            source="test",
        )
        assert len(sink.received) == 1
    numbers = {
        name: Conversation.objects.get(pk=outcome.conversation_id).number
        for name, outcome in (("acknowledged", acknowledged), ("machine", machine))
    }
    badge = "Risposta automatica" if language == "it" else "Automatic reply"
    why = (
        "Nessuna risposta automatica: il messaggio è stato scritto da un sistema automatico"
        if language == "it"
        else "No automatic reply: the message was written by a machine"
    )

    for width, height, device in ((1366, 800, "desktop"), (360, 740, "phone")):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, agent.user.email, to=f"/c/{numbers['acknowledged']}/")
        automatic = page.locator(".message-out", has_text="Ti risponderemo entro le")
        assert automatic.count() == 1
        assert automatic.locator(".badge-automatic", has_text=badge).count() == 1
        assert automatic.locator(".message-sender", has_text="Sportello").count() == 1
        page.screenshot(path=SCREENSHOTS.format(name=f"ack-{language}-{device}"), full_page=True)
        page.goto(f"{live_server.url}/c/{numbers['machine']}/")
        assert why in page.content()
        page.screenshot(
            path=SCREENSHOTS.format(name=f"ack-skipped-{language}-{device}"), full_page=True
        )
        context.close()
