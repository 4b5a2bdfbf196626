"""WhatsApp's message templates: synced from a fake Graph API (a real HTTP server), listed
by the API, and sent outside the 24-hour window from the API and the reply box, through
the channel's sender, up to Meta's status callback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.channels.actions import update_channel
from sportello.conversations.models import Conversation, Direction, Message
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.outbound.actions import attempt_delivery
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.whatsapp.actions import sync_templates
from sportello.providers.whatsapp.jobs import sync_every_channel
from sportello.providers.whatsapp.models import WhatsAppTemplate
from tests.factories import AgentFactory
from tests.providers.fake_http import Recorded, Reply
from tests.providers.whatsapp.helpers import (
    ACCESS_TOKEN,
    VERSION,
    customer_message,
    fake_graph,
    make_whatsapp_channel,
    post_signed,
    status_update,
)

pytestmark = pytest.mark.django_db

WABA_ID = "102290129340398"
PAGE_1 = [
    {
        "name": "conferma_ordine",
        "language": "it",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "1001",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Il suo ordine"},
            {
                "type": "BODY",
                "text": "Gentile {{1}}, la sua richiesta n. {{2}} è stata presa in carico.",
            },
        ],
    },
    {
        "name": "order_update",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "1002",
        "components": [{"type": "BODY", "text": "Hello {{1}}, about your request {{2}}."}],
    },
]
PAGE_2 = [
    {
        "name": "promo_estate",
        "language": "it",
        "status": "REJECTED",
        "category": "MARKETING",
        "id": "1003",
        "components": [{"type": "BODY", "text": "Sconti estivi!"}],
    },
    {"name": "Nome Non Valido", "language": "it", "status": "APPROVED"},
]


@pytest.fixture
def graph():
    with fake_graph() as graph:
        path = f"/{VERSION}/{WABA_ID}/message_templates"

        def listing(request: Recorded) -> Reply:
            if request.query.get("after") == ["pagina2"]:
                return Reply(json={"data": PAGE_2, "paging": {"cursors": {"before": "x"}}})
            following = f"{graph.url}{path}?limit=100&after=pagina2"
            return Reply(json={"data": PAGE_1, "paging": {"next": following}})

        graph.fake.route("GET", path, listing)
        graph.templates_path = path
        yield graph


@pytest.fixture
def channel(workspace, graph):
    made = make_whatsapp_channel(workspace.pk, graph.url)
    return update_channel(made, config={**made.config, "waba_id": WABA_ID})


@pytest.fixture
def admin(workspace):
    return AgentFactory(workspace=workspace, role=Role.ADMIN)


def _old_conversation(client, channel) -> Conversation:
    """A customer who wrote 30 hours ago: the window is closed."""
    assert post_signed(client, channel, customer_message("wamid.vecchio")).status_code == 200
    conversation = Message.objects.get(external_id="wamid.vecchio").conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=clock.now() - timedelta(hours=30)
    )
    conversation.refresh_from_db()
    return conversation


def test_sync_copies_every_page_of_templates_and_lists_them(channel, graph, api):
    synced = sync_templates(channel)

    assert (synced.total, synced.approved) == (3, 2)
    [asked, *_] = graph.fake.sent("GET", graph.templates_path)
    assert asked.header("authorization") == f"Bearer {ACCESS_TOKEN}"
    listed = api.get(f"/api/v1/channels/{channel.pk}/whatsapp/templates").json()
    assert [(t["name"], t["language"], t["status"]) for t in listed] == [
        ("conferma_ordine", "it", "APPROVED"),
        ("order_update", "en_US", "APPROVED"),
        ("promo_estate", "it", "REJECTED"),
    ]
    assert listed[0]["placeholders"] == 2
    assert "{{1}}" in listed[0]["body"]


def test_a_template_gone_from_meta_is_removed_at_the_next_sync(channel, graph):
    sync_templates(channel)
    graph.fake.route("GET", graph.templates_path, Reply(json={"data": PAGE_1[:1]}))

    synced = sync_templates(channel)

    assert synced.removed == 2
    assert list(WhatsAppTemplate.objects.values_list("name", flat=True)) == ["conferma_ordine"]


def test_sync_without_the_business_account_id_says_what_to_add(workspace, graph):
    channel = make_whatsapp_channel(workspace.pk, graph.url, slug="senza-waba")
    with pytest.raises(InvalidInput, match="account WhatsApp Business"):
        sync_templates(channel)


def test_meta_refusing_the_listing_is_a_clear_502_not_a_crash(channel, graph, workspace):
    graph.fake.route(
        "GET",
        graph.templates_path,
        Reply(status=400, json={"error": {"message": "Invalid OAuth access token", "code": 190}}),
    )
    admin_api = _admin_api(workspace)

    answer = admin_api.post(f"/api/v1/channels/{channel.pk}/whatsapp/templates/sync")

    assert answer.status_code == 502
    assert "Invalid OAuth access token" in answer.json()["detail"]
    assert sync_every_channel() == {channel.pk: answer.json()["detail"]}


def test_an_agent_cannot_sync_but_an_admin_can(channel, api, workspace):
    path = f"/api/v1/channels/{channel.pk}/whatsapp/templates/sync"
    assert api.post(path).status_code == 403
    answer = _admin_api(workspace).post(path)
    assert answer.status_code == 200
    assert answer.json() == {"total": 3, "approved": 2, "removed": 0}


def test_waba_id_is_validated(channel):
    with pytest.raises(InvalidInput, match="waba_id"):
        update_channel(channel, config={**channel.config, "waba_id": "non-un-numero"})


def test_outside_the_window_a_template_goes_out_and_its_status_comes_back(
    client, channel, graph, api, django_capture_on_commit_callbacks
):
    sync_templates(channel)
    conversation = _old_conversation(client, channel)
    refused = api.post(f"/api/v1/conversations/{conversation.pk}/reply", {"text": "Ciao"})
    assert refused.status_code == 422
    assert "modello di messaggio approvato" in refused.json()["detail"]

    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            f"/api/v1/conversations/{conversation.pk}/whatsapp/template",
            {"name": "conferma_ordine", "language": "it", "parameters": ["Mario Rossi", "42"]},
        )

    assert answer.status_code == 201, answer.content
    # The header's fixed text comes first, as the customer reads it.
    assert answer.json()["text"] == (
        "Il suo ordine\n\nGentile Mario Rossi, la sua richiesta n. 42 è stata presa in carico."
    )
    delivery = Delivery.objects.get(message_id=answer.json()["id"])
    if delivery.status != DeliveryStatus.SENT:
        attempt_delivery(delivery.pk)
    [sent] = graph.sent_messages()
    assert sent.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "393331234567",
        "type": "template",
        "template": {
            "name": "conferma_ordine",
            "language": {"code": "it"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Mario Rossi"},
                        {"type": "text", "text": "42"},
                    ],
                }
            ],
        },
    }
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    wamid = delivery.provider_message_id
    assert post_signed(client, channel, status_update(wamid, "read")).status_code == 200
    detail = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    [reply] = [m for m in detail["messages"] if m["id"] == answer.json()["id"]]
    assert reply["delivery"]["latest"] == "read"


def test_a_template_is_retried_when_meta_answers_503(
    client, channel, graph, api, django_capture_on_commit_callbacks
):
    sync_templates(channel)
    conversation = _old_conversation(client, channel)
    graph.fake.then("POST", graph.messages_path, Reply(status=503, json={}))
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            f"/api/v1/conversations/{conversation.pk}/whatsapp/template",
            {"name": "order_update", "language": "en_US", "parameters": ["Mario", "7"]},
        )
    delivery = Delivery.objects.get(message_id=answer.json()["id"])
    if delivery.status != DeliveryStatus.SENT:
        attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(graph.sent_messages()) == 2


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name": "conferma_ordine", "language": "it", "parameters": ["solo uno"]}, "richiede 2"),
        ({"name": "conferma_ordine", "language": "it", "parameters": ["Mario", " "]}, "è vuoto"),
        ({"name": "promo_estate", "language": "it", "parameters": []}, "non è approvato"),
        ({"name": "inesistente", "language": "it"}, "sincronizza i modelli"),
        ({"name": "conferma_ordine", "language": "it", "parameters": "Mario"}, ""),
    ],
)
def test_bad_template_requests_are_refused_clearly(client, channel, api, body, words):
    sync_templates(channel)
    conversation = _old_conversation(client, channel)

    answer = api.post(f"/api/v1/conversations/{conversation.pk}/whatsapp/template", body)

    assert answer.status_code in (404, 422)
    assert words in str(answer.json())
    assert not Delivery.objects.exists()


def test_a_template_on_a_conversation_of_another_channel_is_refused(api, inbound):
    conversation_id = inbound().json()["conversation_id"]
    answer = api.post(
        f"/api/v1/conversations/{conversation_id}/whatsapp/template",
        {"name": "conferma_ordine", "language": "it"},
    )
    assert answer.status_code == 422


# --- the agent UI -----------------------------------------------------------------------------


@pytest.fixture
def browser(agent) -> Client:
    signed = Client()
    signed.force_login(agent.user)
    return signed


def test_reply_box_says_why_and_offers_templates_prefilled_language_first(client, channel, browser):
    sync_templates(channel)
    conversation = _old_conversation(client, channel)
    Conversation.objects.filter(pk=conversation.pk).update(language="it")

    page = browser.get(f"/c/{conversation.number}/").content.decode()

    assert "più di 24 ore" in page
    picker = page[page.index('id="whatsapp-templates"') :]
    assert picker.index("conferma_ordine") < picker.index("order_update")
    assert "promo_estate" not in picker
    assert 'value="Mario Rossi"' in picker
    assert f'value="{conversation.number}"' in picker


def test_within_the_window_there_is_no_picker(client, channel, browser):
    sync_templates(channel)
    assert post_signed(client, channel, customer_message("wamid.fresco")).status_code == 200
    conversation = Message.objects.get(external_id="wamid.fresco").conversation

    page = browser.get(f"/c/{conversation.number}/").content.decode()

    assert 'id="whatsapp-templates"' not in page


def test_sending_a_template_from_the_reply_box(
    client, channel, graph, browser, django_capture_on_commit_callbacks
):
    sync_templates(channel)
    conversation = _old_conversation(client, channel)
    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.post(
            f"/c/{conversation.number}/whatsapp-template/",
            {"name": "conferma_ordine", "language": "it", "parameters": ["Mario", "99"]},
        )
    assert answer.status_code == 302
    reply = Message.objects.filter(conversation=conversation, direction=Direction.OUTBOUND).get()
    assert reply.text == (
        "Il suo ordine\n\nGentile Mario, la sua richiesta n. 99 è stata presa in carico."
    )
    page = browser.get(f"/c/{conversation.number}/").content.decode()
    assert "Gentile Mario, la sua richiesta n. 99" in page


def test_a_bad_template_from_the_reply_box_is_a_message_not_a_500(client, channel, browser):
    sync_templates(channel)
    conversation = _old_conversation(client, channel)
    answer = browser.post(
        f"/c/{conversation.number}/whatsapp-template/",
        {"name": "conferma_ordine", "language": "it", "parameters": ["Mario"]},
        follow=True,
    )
    assert answer.status_code == 200
    assert "Il modello non è stato inviato" in answer.content.decode()
    assert not Message.objects.filter(
        conversation=conversation, direction=Direction.OUTBOUND
    ).exists()


def test_settings_page_lists_templates_and_syncs_them(channel, workspace, graph):
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN)
    browser = Client()
    browser.force_login(admin.user)
    page = browser.get(f"/settings/channels/{channel.pk}/").content.decode()
    assert "Sincronizza i modelli" in page
    assert "Ancora nessun modello sincronizzato" in page

    answer = browser.post(f"/settings/channels/{channel.pk}/whatsapp/sync/", follow=True)

    page = answer.content.decode()
    assert "Modelli sincronizzati: 3, di cui 2 approvati." in page
    assert "conferma_ordine" in page and "promo_estate" in page


def _admin_api(workspace):
    from sportello.accounts.actions import issue_token
    from tests.conftest import ApiClient

    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))
