"""The agent UI of issue 18: suggestions on the customer page, the review queue, the merge
confirmation that shows what moves, and the undo."""

from __future__ import annotations

import pytest

from sportello.customers.actions import create_customer
from sportello.customers.actions.duplicates import refresh_suggestions
from sportello.customers.actions.merge import merge_customers
from sportello.customers.models import Customer, CustomerMerge, DuplicateSuggestion, Identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(workspace):
    email = create_customer(
        workspace.pk, name="Maria Rossi", identities=[("email", "maria@rossi-arredi.it")]
    )
    whatsapp = create_customer(
        workspace.pk,
        name="ROSSI MARIA",
        identities=[("whatsapp", "+393471234567"), ("email", "ordini@rossi-arredi.it")],
    )
    Identity.objects.filter(kind="email", value="ordini@rossi-arredi.it").update(source="signature")
    # What the job does after each creation (tests' transactions never commit).
    refresh_suggestions(email.pk)
    refresh_suggestions(whatsapp.pk)
    return email.pk, whatsapp.pk


def test_the_customer_page_shows_the_suggestion_and_its_reasons(agent_client, twins):
    email, whatsapp = twins
    page = agent_client.get(f"/customers/{email}/", HTTP_ACCEPT_LANGUAGE="it")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Forse la stessa persona" in text
    assert "stesso nome" in text and "stesso dominio aziendale" in text
    assert f"/customers/{email}/merge/{whatsapp}/" in text
    other = agent_client.get(f"/customers/{whatsapp}/").content.decode()
    assert "badge-unverified" in other  # the signature's address is marked as such


def test_the_merge_confirmation_shows_what_moves_then_merges_and_undoes(agent_client, twins):
    email, whatsapp = twins
    confirm = agent_client.get(f"/customers/{email}/merge/{whatsapp}/").content.decode()
    assert "+39 347 123 4567" in confirm and "ordini@rossi-arredi.it" in confirm
    assert Identity.objects.filter(customer_id=whatsapp).count() == 2  # nothing moved yet
    done = agent_client.post(
        f"/customers/{email}/merge/{whatsapp}/", {"reason": "confermato al telefono"}
    )
    assert done.status_code == 302 and done["Location"] == f"/customers/{email}/"
    assert Identity.objects.filter(customer_id=email).count() == 3
    merge = CustomerMerge.objects.get()
    assert merge.reason == "confermato al telefono" and merge.by_name == "Giulia Bianchi"
    page = agent_client.get(f"/customers/{email}/").content.decode()
    assert f"/customers/{email}/unmerge/{merge.pk}/" in page
    undo = agent_client.post(f"/customers/{email}/unmerge/{merge.pk}/")
    assert undo.status_code == 302
    assert Identity.objects.filter(customer_id=whatsapp).count() == 2
    assert Customer.objects.get(pk=whatsapp).merged_into_id is None


def test_a_merge_refused_says_why_on_the_page(agent_client, workspace, twins):
    email, whatsapp = twins
    third = create_customer(workspace.pk, name="Terza").pk
    merge_customers(workspace.pk, third, whatsapp)
    answer = agent_client.post(f"/customers/{email}/merge/{whatsapp}/", follow=True)
    assert "merged into another already" in answer.content.decode()
    assert Customer.objects.get(pk=whatsapp).merged_into_id == third


def test_the_review_queue_lists_pairs_and_dismisses_them(agent_client, twins):
    email, whatsapp = twins
    queue = agent_client.get("/customers/duplicates/", HTTP_ACCEPT_LANGUAGE="it")
    assert "Possibili duplicati" in queue.content.decode()
    assert "Maria Rossi" in queue.content.decode()
    back = agent_client.post(f"/customers/{email}/dismiss/{whatsapp}/", {"next": "queue"})
    assert back.status_code == 302 and back["Location"] == "/customers/duplicates/"
    assert DuplicateSuggestion.objects.get().state == "dismissed"
    assert "Maria Rossi" not in agent_client.get("/customers/duplicates/").content.decode()


def test_a_common_name_is_shown_as_a_reason_that_weighs_less(agent_client, agent, workspace):
    """Two 'Giulia Bianchi' among many, sharing a phone: the page names the phone and says
    the name is common, in Italian and in English."""
    from sportello.customers.actions.duplicates import save_suggestions
    from sportello.customers.matching import Comparison

    a = create_customer(workspace.pk, name="Giulia Bianchi", identities=[("phone", "+393401")])
    b = create_customer(workspace.pk, name="Bianchi Giulia", identities=[("whatsapp", "+393401")])
    reasons = ("same_name", "same_phone", "common_name")
    save_suggestions(workspace.pk, [(a.pk, b.pk, Comparison(score=0.7, reasons=reasons))])
    italian = agent_client.get(f"/customers/{a.pk}/").content.decode()
    assert "un nome comune (pesa meno)" in italian and "stesso numero di telefono" in italian
    agent.language = "en"
    agent.save(update_fields=["language"])
    english = agent_client.get("/customers/duplicates/").content.decode()
    assert "a common name (weighs less)" in english and "same phone number" in english


def test_a_big_town_is_shown_as_a_reason_that_weighs_less(agent_client, agent, workspace):
    """Two 'Ilaria Zedda' of Roma, born the same day: the page says the town is one many
    customers share, in Italian and in English."""
    from sportello.customers.actions.duplicates import save_suggestions
    from sportello.customers.matching import Comparison

    a = create_customer(workspace.pk, name="Ilaria Zedda")
    b = create_customer(workspace.pk, name="ZEDDA ILARIA")
    reasons = ("same_name", "same_city", "same_birth_date", "common_city")
    save_suggestions(workspace.pk, [(a.pk, b.pk, Comparison(score=0.7, reasons=reasons))])
    italian = agent_client.get(f"/customers/{a.pk}/").content.decode()
    assert "una città dove vivono molti clienti (pesa meno)" in italian
    agent.language = "en"
    agent.save(update_fields=["language"])
    english = agent_client.get("/customers/duplicates/").content.decode()
    assert "a town many customers share (weighs less)" in english and "same city" in english
