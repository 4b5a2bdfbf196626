"""One customer across channels: the ingest pipeline resolves a sender by her identities,
the same number under another kind, and the addresses her messages mention."""

from __future__ import annotations

import itertools

import pytest

from sportello.customers.models import Customer, DuplicateSuggestion, Identity
from sportello.ingest import pipeline
from sportello.ingest.inbound import InboundMessage, Sender

pytestmark = pytest.mark.django_db
_ids = itertools.count()


def _send(channel, text: str = "Buongiorno", **sender) -> int:
    message = InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        sender=Sender(**sender),
        text=text,
        external_id=f"res-{next(_ids)}",
    )
    return pipeline.ingest(message, channel=channel).customer_id


def _identities(customer_id: int) -> set[tuple[str, str, str]]:
    return set(
        Identity.objects.filter(customer_id=customer_id).values_list("kind", "value", "source")
    )


def test_email_whatsapp_telegram_and_phone_of_one_person_are_one_customer(api_channel):
    """GIVEN Luca writes by email with his mobile in the signature
    WHEN he then writes on WhatsApp from that mobile, calls from it, and on Telegram
    mentions his email address
    THEN every message goes to the one customer, and each channel's id is hers."""
    luca = _send(
        api_channel,
        "Buongiorno, il reso non è arrivato.\n\nCordiali saluti\nLuca Bianchi\nCell. 347 123 4567",
        name="Luca Bianchi",
        email="luca.bianchi@libero.it",
    )
    assert ("phone", "+393471234567", "signature") in _identities(luca)
    assert _send(api_channel, "ciao sono io", handles={"whatsapp": "+393471234567"}) == luca
    assert _send(api_channel, "(chiamata persa)", phone="347 1234567") == luca
    telegram = _send(
        api_channel,
        "vi ho scritto anche da luca.bianchi@libero.it, nessuna risposta",
        name="Luca",
        handles={"telegram": "88112233"},
    )
    assert telegram == luca
    kinds = {kind for kind, _, _ in _identities(luca)}
    assert kinds >= {"email", "phone", "whatsapp", "telegram"}
    assert Customer.objects.count() == 1


def test_two_people_with_the_same_name_stay_two_customers(
    api_channel, django_capture_on_commit_callbacks
):
    """Two 'Marco Ferrari' on different channels, no shared address: separate customers,
    not even suggested to an agent (a name alone is no evidence of one person), never
    merged."""
    senders = [
        {"name": "Marco Ferrari", "email": "marco.ferrari@gmail.com"},
        {"name": "Marco Ferrari", "handles": {"whatsapp": "+393339998877"}},
        {"name": "Ferrari Marco", "handles": {"telegram": "5550001"}},
    ]
    customers = []
    for sender in senders:
        with django_capture_on_commit_callbacks(execute=True):
            customers.append(_send(api_channel, **sender))
    assert len(set(customers)) == 3
    assert not DuplicateSuggestion.objects.exists()


def test_a_mention_owned_by_two_customers_links_nobody(api_channel):
    anna = _send(api_channel, name="Anna", email="anna@example.it")
    bruno = _send(api_channel, name="Bruno", email="bruno@example.it")
    sender = _send(
        api_channel,
        "scrivo per anna@example.it e bruno@example.it",
        handles={"telegram": "424242"},
    )
    assert sender not in (anna, bruno)


def test_a_known_sender_mentioning_anothers_address_opens_a_suggestion_not_a_merge(api_channel):
    anna = _send(api_channel, name="Anna Neri", email="anna@example.it")
    carla = _send(api_channel, name="Carla Neri", email="carla@example.it")
    assert _send(api_channel, "scrivo anche per anna@example.it", email="carla@example.it") == carla
    suggestion = DuplicateSuggestion.objects.get(
        customer_a_id=min(anna, carla), customer_b_id=max(anna, carla)
    )
    assert "mentioned_identifier" in suggestion.reasons
    assert Identity.objects.filter(customer_id=anna).count() == 1


def test_a_new_sender_whose_signature_holds_a_known_number_is_that_customer(api_channel):
    anna = _send(api_channel, name="Anna", phone="+393331234567")
    carla = _send(
        api_channel, "Ciao\n\nSaluti\nCarla\nTel. 333 1234567", name="Carla", email="c@example.it"
    )
    # Nobody knew c@example.it; the signature's number is Anna's and only Anna's, so the
    # writer is Anna (from another address), and the number stays hers.
    assert carla == anna
    assert Identity.objects.get(value="+393331234567").customer_id == anna


def test_the_inbound_api_answer_names_the_resolved_customer(api, api_channel):
    first = api.post(
        "/api/v1/inbound",
        {
            "channel": "api",
            "sender": {"name": "Giulia Conti", "email": "giulia.conti@studio-conti.it"},
            "text": "Buongiorno\n\n--\nGiulia Conti\nMobile: +39 348 765 4321",
        },
    ).json()
    second = api.post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"phone": "348 7654321"}, "text": "sono Giulia"},
    ).json()
    assert second["customer_id"] == first["customer_id"]
    customer = api.get(f"/api/v1/customers/{first['customer_id']}").json()
    sources = {(i["value"], i["source"]) for i in customer["identities"]}
    assert ("+393487654321", "signature") in sources


def test_resolution_of_a_message_is_one_lookup_whatever_it_mentions(
    api_channel, django_assert_max_num_queries
):
    """O(identifiers): a sender's identities and every mentioned address are looked up in
    the one indexed query ingest already made."""
    known = _send(api_channel, name="Paola", email="paola@example.it")
    plain = InboundMessage(
        workspace_id=api_channel.workspace_id,
        channel_id=api_channel.pk,
        sender=Sender(email="paola@example.it"),
        text="ancora io",
        external_id="plain-1",
    )
    mentioning = InboundMessage(
        workspace_id=api_channel.workspace_id,
        channel_id=api_channel.pk,
        sender=Sender(email="paola@example.it"),
        text="scrivete anche a p1@example.it, p2@example.it o al 333 1112223",
        external_id="mention-1",
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as plain_queries:
        pipeline.ingest(plain, channel=api_channel)
    with CaptureQueriesContext(connection) as mention_queries:
        assert pipeline.ingest(mentioning, channel=api_channel).customer_id == known
    # The three signature-less mentions nobody owns add nothing; at most the suggestion
    # job's reads differ.
    lookups = [q for q in mention_queries.captured_queries if "customers_identity i" in q["sql"]]
    assert len(lookups) == 1
    assert len(mention_queries.captured_queries) <= len(plain_queries.captured_queries) + 1
