"""A template's header and buttons: what the picker asks for, what the API refuses, the
exact ``components`` the fake Graph API receives (Meta's documented shape), a header file
uploaded through the media endpoint first, and a quick-reply press coming back through
the webhook with its payload."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sportello.channels.actions import update_channel
from sportello.conversations.models import Conversation, Direction, Message
from sportello.core import clock
from sportello.outbound.actions import attempt_delivery
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.whatsapp.actions import sync_templates
from tests.providers.fake_http import Reply
from tests.providers.whatsapp.helpers import (
    VERSION,
    customer_message,
    fake_graph,
    make_whatsapp_channel,
    post_signed,
)

pytestmark = pytest.mark.django_db

WABA_ID = "102290129340398"
PDF = b"%PDF-1.4\n% la fattura di Mario\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
TEMPLATES = [
    {
        "name": "spedizione_partita",
        "language": "it",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "2001",
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1n"]}},
            {"type": "BODY", "text": "Gentile {{1}}, il suo pacco è partito."},
            {"type": "FOOTER", "text": "Negozio Rossi"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "URL",
                        "text": "Traccia il pacco",
                        "url": "https://negozio.example.it/traccia/{{1}}",
                    },
                    {"type": "QUICK_REPLY", "text": "Va bene"},
                    {"type": "QUICK_REPLY", "text": "Chiamatemi"},
                ],
            },
        ],
    },
    {
        "name": "fattura_pronta",
        "language": "it",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "2002",
        "components": [
            {"type": "HEADER", "format": "DOCUMENT"},
            {"type": "BODY", "text": "Ecco la fattura dell'ordine."},
        ],
    },
    {
        "name": "promemoria_appuntamento",
        "language": "it",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "2003",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Appuntamento del {{1}}"},
            {"type": "BODY", "text": "La aspettiamo in negozio."},
            {
                "type": "BUTTONS",
                "buttons": [{"type": "PHONE_NUMBER", "text": "Chiama", "phone_number": "+39061"}],
            },
        ],
    },
    {
        "name": "sconto_codice",
        "language": "it",
        "status": "APPROVED",
        "category": "MARKETING",
        "id": "2004",
        "components": [
            {"type": "BODY", "text": "Un codice sconto per lei."},
            {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "SCONTO10"}]},
        ],
    },
]


@pytest.fixture
def graph():
    with fake_graph() as graph:
        graph.fake.route(
            "GET", f"/{VERSION}/{WABA_ID}/message_templates", Reply(json={"data": TEMPLATES})
        )
        yield graph


@pytest.fixture
def channel(workspace, graph):
    made = make_whatsapp_channel(workspace.pk, graph.url)
    channel = update_channel(made, config={**made.config, "waba_id": WABA_ID})
    sync_templates(channel)
    return channel


@pytest.fixture
def conversation(client, channel) -> Conversation:
    """A customer who wrote 30 hours ago: only a template can go out."""
    assert post_signed(client, channel, customer_message("wamid.ieri")).status_code == 200
    conversation = Message.objects.get(external_id="wamid.ieri").conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=clock.now() - timedelta(hours=30)
    )
    conversation.refresh_from_db()
    return conversation


def _send(api, conversation, body, capture):
    with capture(execute=True):
        answer = api.post(f"/api/v1/conversations/{conversation.pk}/whatsapp/template", body)
    assert answer.status_code == 201, answer.content
    delivery = Delivery.objects.get(message_id=answer.json()["id"])
    if delivery.status != DeliveryStatus.SENT:
        attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    return answer.json()


def test_the_api_lists_what_each_template_asks(api, channel):
    listed = {
        t["name"]: t["asks"]
        for t in api.get(f"/api/v1/channels/{channel.pk}/whatsapp/templates").json()
    }
    assert listed["spedizione_partita"] == {
        "header": "image",
        "buttons": [
            {"index": 0, "type": "URL", "label": "Traccia il pacco", "asks": "url_suffix"},
            {"index": 1, "type": "QUICK_REPLY", "label": "Va bene", "asks": "payload"},
            {"index": 2, "type": "QUICK_REPLY", "label": "Chiamatemi", "asks": "payload"},
        ],
        "unsupported": "",
    }
    assert listed["promemoria_appuntamento"]["header"] == "text"
    assert listed["fattura_pronta"]["header"] == "document"
    assert "copy-code" in listed["sconto_codice"]["unsupported"]


def test_image_header_by_link_url_button_and_quick_reply_payload_reach_meta(
    api, conversation, graph, django_capture_on_commit_callbacks
):
    reply = _send(
        api,
        conversation,
        {
            "name": "spedizione_partita",
            "language": "it",
            "parameters": ["Mario"],
            "header": {"link": "https://negozio.example.it/foto/pacco.jpg"},
            "buttons": [
                {"index": 0, "url_suffix": "ORD-42"},
                {"index": 2, "payload": "richiamata-ord-42"},
            ],
        },
        django_capture_on_commit_callbacks,
    )

    [sent] = graph.sent_messages()
    assert sent.json()["template"] == {
        "name": "spedizione_partita",
        "language": {"code": "it"},
        "components": [
            {
                "type": "header",
                "parameters": [
                    {
                        "type": "image",
                        "image": {"link": "https://negozio.example.it/foto/pacco.jpg"},
                    }
                ],
            },
            {"type": "body", "parameters": [{"type": "text", "text": "Mario"}]},
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "ORD-42"}],
            },
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "2",
                "parameters": [{"type": "payload", "payload": "richiamata-ord-42"}],
            },
        ],
    }
    assert reply["text"] == (
        "https://negozio.example.it/foto/pacco.jpg\n\n"
        "Gentile Mario, il suo pacco è partito.\n\n"
        "[Traccia il pacco: https://negozio.example.it/traccia/ORD-42] [Va bene] [Chiamatemi]"
    )


def test_document_header_uploaded_through_the_media_endpoint_first(
    api, conversation, graph, django_capture_on_commit_callbacks
):
    reply = _send(
        api,
        conversation,
        {
            "name": "fattura_pronta",
            "language": "it",
            "header": {
                "file": {
                    "filename": "fattura-42.pdf",
                    "content_base64": base64.b64encode(PDF).decode(),
                }
            },
        },
        django_capture_on_commit_callbacks,
    )

    [upload] = graph.fake.sent("POST", graph.media_path)
    assert PDF in upload.body and b'filename="fattura-42.pdf"' in upload.body
    assert b"application/pdf" in upload.body
    [sent] = graph.sent_messages()
    assert sent.json()["template"]["components"] == [
        {
            "type": "header",
            "parameters": [
                {
                    "type": "document",
                    "document": {"id": "caricato-1", "filename": "fattura-42.pdf"},
                }
            ],
        }
    ]
    assert [a["filename"] for a in reply["attachments"]] == ["fattura-42.pdf"]


def test_a_text_header_with_a_parameter(
    api, conversation, graph, django_capture_on_commit_callbacks
):
    reply = _send(
        api,
        conversation,
        {"name": "promemoria_appuntamento", "language": "it", "header": {"text": "12 marzo"}},
        django_capture_on_commit_callbacks,
    )
    [sent] = graph.sent_messages()
    assert sent.json()["template"]["components"] == [
        {"type": "header", "parameters": [{"type": "text", "text": "12 marzo"}]}
    ]
    assert reply["text"] == "Appuntamento del 12 marzo\n\nLa aspettiamo in negozio.\n\n[Chiama]"


GOOD = {
    "name": "spedizione_partita",
    "language": "it",
    "parameters": ["Mario"],
    "header": {"link": "https://negozio.example.it/p.jpg"},
    "buttons": [{"index": 0, "url_suffix": "ORD-42"}],
}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"buttons": []}, "Traccia il pacco ha bisogno della fine del suo indirizzo"),
        ({"header": None}, "serve un file per l'intestazione"),
        ({"header": {"link": "ftp://negozio.example.it/p.jpg"}}, "indirizzo http(s) pubblico"),
        (
            {"header": {"file": {"filename": "p.jpg", "content_base64": "bm9u"}}},
            "JPEG o PNG",
        ),
        (
            {"buttons": [{"index": 0, "url_suffix": "ORD-42", "payload": "x"}]},
            "solo un pulsante di risposta rapida",
        ),
        (
            {"buttons": [{"index": 0, "url_suffix": "A"}, {"index": 7, "payload": "x"}]},
            "nessun pulsante 7",
        ),
        ({"buttons": [{"index": False, "url_suffix": "ORD-42"}]}, "index"),
        ({"name": "sconto_codice", "header": None, "buttons": [], "parameters": []}, "copy-code"),
        (
            {"name": "promemoria_appuntamento", "parameters": [], "buttons": [], "header": None},
            "{{1}} dell'intestazione è vuoto",
        ),
    ],
)
def test_a_template_missing_or_with_wrong_values_is_refused_in_italian(
    api, conversation, change, words
):
    answer = api.post(
        f"/api/v1/conversations/{conversation.pk}/whatsapp/template", {**GOOD, **change}
    )

    assert answer.status_code == 422, answer.content
    assert words in answer.json()["detail"]
    assert not Delivery.objects.exists()


# --- the agent UI -----------------------------------------------------------------------------


@pytest.fixture
def browser(agent) -> Client:
    signed = Client()
    signed.force_login(agent.user)
    return signed


def _form(page: str, name: str) -> str:
    start = page.index(f'name="name" value="{name}"')
    return page[start : page.index("</form>", start)]


def test_the_picker_shows_only_the_fields_each_template_needs(conversation, browser):
    page = browser.get(f"/c/{conversation.number}/").content.decode()

    shipping = _form(page, "spedizione_partita")
    assert 'name="header_link"' in shipping and 'name="header_file"' in shipping
    assert 'accept="image/jpeg,image/png"' in shipping
    assert (
        'name="url_suffix_0"' in shipping and "https://negozio.example.it/traccia/{{1}}" in shipping
    )
    assert 'name="payload_1"' in shipping and 'name="payload_2"' in shipping
    assert "header_text" not in shipping
    invoice = _form(page, "fattura_pronta")
    assert 'accept="application/pdf"' in invoice
    assert 'name="parameters"' not in invoice and "url_suffix" not in invoice
    reminder = _form(page, "promemoria_appuntamento")
    assert 'name="header_text"' in reminder and "Appuntamento del {{1}}" in page
    assert "payload_" not in reminder and "header_file" not in reminder
    assert "non può essere inviato da Sportello" in page  # the copy-code template, why


def test_sending_from_the_picker_with_an_uploaded_image(
    conversation, browser, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.post(
            f"/c/{conversation.number}/whatsapp-template/",
            {
                "name": "spedizione_partita",
                "language": "it",
                "parameters": ["Mario"],
                "header_link": "",
                "header_file": SimpleUploadedFile("pacco.png", PNG, content_type="image/png"),
                "url_suffix_0": "ORD-7",
                "payload_1": "",
                "payload_2": "",
            },
        )
    assert answer.status_code == 302
    reply = Message.objects.get(conversation=conversation, direction=Direction.OUTBOUND)
    assert [a["filename"] for a in reply.attachments] == ["pacco.png"]
    delivery = Delivery.objects.get(message=reply)
    if delivery.status != DeliveryStatus.SENT:
        attempt_delivery(delivery.pk)
    [sent] = graph.sent_messages()
    assert sent.json()["template"]["components"][0] == {
        "type": "header",
        "parameters": [{"type": "image", "image": {"id": "caricato-1"}}],
    }
    assert sent.json()["template"]["components"][2]["parameters"] == [
        {"type": "text", "text": "ORD-7"}
    ]
    assert len(sent.json()["template"]["components"]) == 3  # no empty payloads


def test_a_wrong_file_from_the_picker_is_a_translated_message(conversation, browser):
    answer = browser.post(
        f"/c/{conversation.number}/whatsapp-template/",
        {
            "name": "fattura_pronta",
            "language": "it",
            "header_file": SimpleUploadedFile("fattura.pdf", b"non un pdf"),
        },
        follow=True,
    )
    assert answer.status_code == 200
    assert "deve essere un file PDF" in answer.content.decode()
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


# --- the customer's press comes back ------------------------------------------------------------


def test_a_quick_reply_press_comes_back_with_its_payload_threaded(
    client, channel, api, conversation, graph, django_capture_on_commit_callbacks
):
    sent = _send(
        api,
        conversation,
        {
            **GOOD,
            "buttons": [{"index": 0, "url_suffix": "A"}, {"index": 1, "payload": "ok-ord-42"}],
        },
        django_capture_on_commit_callbacks,
    )
    wamid = Delivery.objects.get(message_id=sent["id"]).provider_message_id
    press = customer_message(
        "wamid.premuto",
        "button",
        button={"payload": "ok-ord-42", "text": "Va bene"},
        context={"from": "390612345678", "id": wamid},
    )

    assert post_signed(client, channel, press).status_code == 200

    message = Message.objects.get(external_id="wamid.premuto")
    assert message.conversation_id == conversation.pk
    assert message.text == "Va bene"
    assert message.data["whatsapp"]["payload"] == "ok-ord-42"
    detail = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    [shown] = [m for m in detail["messages"] if m["id"] == message.pk]
    assert shown["data"]["whatsapp"]["payload"] == "ok-ord-42"


def test_an_interactive_button_reply_keeps_its_id_as_payload(client, channel):
    press = customer_message(
        "wamid.interattivo",
        "interactive",
        interactive={"type": "button_reply", "button_reply": {"id": "si-grazie", "title": "Sì"}},
    )
    assert post_signed(client, channel, press).status_code == 200
    message = Message.objects.get(external_id="wamid.interattivo")
    assert (message.text, message.data["whatsapp"]["payload"]) == ("Sì", "si-grazie")
