"""Merging two customers into one and undoing it: everything moves in one transaction,
the bad inputs of issue 18 get clear errors, and nothing is half-merged."""

from __future__ import annotations

import pytest
from django.db import connection

from sportello.audit.models import AuditEntry
from sportello.conversations.models import Conversation, Message
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.core.models import Workspace
from sportello.customers.actions import create_customer, update_customer
from sportello.customers.actions.merge import merge_customers, unmerge_customers
from sportello.customers.models import Customer, CustomerMerge, DuplicateSuggestion, Identity
from sportello.ingest import pipeline
from sportello.ingest.inbound import InboundMessage, Sender
from tests.threads import run_in_threads

pytestmark = pytest.mark.django_db


def _write(channel, external_id: str, text: str = "Buongiorno", **sender) -> int:
    message = InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        sender=Sender(**sender),
        text=text,
        external_id=external_id,
    )
    return pipeline.ingest(message, channel=channel).customer_id


@pytest.fixture
def pair(api_channel):
    """Sara by email (with a custom field) and Sara on WhatsApp, two customers."""
    email = _write(api_channel, "m1", name="Sara Galli", email="sara.galli@example.it")
    _write(api_channel, "m2", "ancora io", email="sara.galli@example.it")
    whatsapp = _write(api_channel, "m3", name="Sara G.", handles={"whatsapp": "+393401112233"})
    update_customer(Customer.objects.get(pk=whatsapp), custom_fields={"tessera": "F-77"})
    update_customer(Customer.objects.get(pk=email), custom_fields={"citta": "Parma"})
    return email, whatsapp


def _state(customer_id: int) -> tuple:
    return (
        sorted(Identity.objects.filter(customer_id=customer_id).values_list("kind", "value")),
        sorted(Conversation.objects.filter(customer_id=customer_id).values_list("pk", flat=True)),
        Customer.objects.get(pk=customer_id).custom_fields,
    )


def test_merge_moves_everything_and_unmerge_restores_the_split(workspace, pair):
    kept, other = pair
    before_kept, before_other = _state(kept), _state(other)
    merge = merge_customers(workspace.pk, kept, other, reason="stessa cliente, confermato")

    identities, conversations, fields = _state(kept)
    assert identities == sorted(before_kept[0] + before_other[0])
    assert conversations == sorted(before_kept[1] + before_other[1])
    assert fields == {"citta": "Parma", "tessera": "F-77"}
    assert _state(other)[:2] == ([], [])
    assert Customer.objects.get(pk=other).merged_into_id == kept
    assert not Message.objects.filter(sender_customer_id=other).exists()
    assert Customer.objects.get(pk=kept).conversation_count == 2
    entry = AuditEntry.objects.get(action="customer.merged")
    assert entry.target_id == kept and entry.detail["merged_customer_id"] == other
    assert merge.reason == "stessa cliente, confermato"

    unmerge_customers(workspace.pk, kept, merge.pk)
    assert _state(kept) == before_kept
    assert _state(other) == before_other
    assert Customer.objects.get(pk=other).merged_into_id is None
    assert AuditEntry.objects.filter(action="customer.unmerged").count() == 1
    assert CustomerMerge.objects.get(pk=merge.pk).undone_at is not None


def test_what_arrived_after_the_merge_stays_with_the_kept_customer(workspace, api_channel, pair):
    kept, other = pair
    merge = merge_customers(workspace.pk, kept, other)
    # After the merge Sara writes from a new Telegram account, mentioning her email.
    after = _write(api_channel, "m4", "sono sara.galli@example.it", handles={"telegram": "700700"})
    assert after == kept
    unmerge_customers(workspace.pk, kept, merge.pk)
    assert Identity.objects.get(kind="telegram", value="700700").customer_id == kept
    assert Identity.objects.get(kind="whatsapp").customer_id == other


def test_a_message_after_a_merge_goes_to_the_kept_customer(workspace, api_channel, pair):
    kept, other = pair
    merge_customers(workspace.pk, kept, other)
    assert _write(api_channel, "m5", handles={"whatsapp": "+393401112233"}) == kept


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("itself", InvalidInput),
        ("other workspace", NotFound),
        ("missing", NotFound),
        ("already merged", Conflict),
        ("into a merged one", Conflict),
        ("erased", Conflict),
    ],
)
def test_bad_merges_are_refused_and_change_nothing(workspace, pair, case, error):
    kept, other = pair
    third = create_customer(workspace.pk, name="Terzo").pk
    if case in ("already merged", "into a merged one"):
        merge_customers(workspace.pk, third, other)
    if case == "erased":
        Customer.objects.filter(pk=other).update(erased_at="2026-01-01T00:00:00Z")
    elsewhere = Workspace.objects.create(name="Altro negozio", slug="altro")
    stranger = create_customer(elsewhere.pk, name="Estranea", identities=[("email", "e@x.it")])
    target, source = {
        "itself": (kept, kept),
        "other workspace": (kept, stranger.pk),
        "missing": (kept, 10**12),
        "already merged": (kept, other),
        "into a merged one": (other, kept),
        "erased": (kept, other),
    }[case]
    before = (_state(kept), CustomerMerge.objects.count(), AuditEntry.objects.count())
    with pytest.raises(error):
        merge_customers(workspace.pk, target, source)
    assert (_state(kept), CustomerMerge.objects.count(), AuditEntry.objects.count()) == before


def test_a_merge_undone_twice_or_by_another_customer_is_refused(workspace, pair):
    kept, other = pair
    merge = merge_customers(workspace.pk, kept, other)
    with pytest.raises(NotFound):
        unmerge_customers(workspace.pk, other, merge.pk)
    unmerge_customers(workspace.pk, kept, merge.pk)
    with pytest.raises(Conflict):
        unmerge_customers(workspace.pk, kept, merge.pk)


def test_a_failing_participant_leaves_no_partial_merge(workspace, pair, monkeypatch):
    from sportello.customers import merging

    kept, other = pair
    before = (_state(kept), _state(other))

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        merging._participants,
        "broken",
        merging.MergeParticipant("broken", broken, lambda *a: 0),
    )
    with pytest.raises(RuntimeError):
        merge_customers(workspace.pk, kept, other)
    assert (_state(kept), _state(other)) == before
    assert Customer.objects.get(pk=other).merged_into_id is None


def test_merge_and_unmerge_through_the_api(api, pair):
    kept, other = pair
    DuplicateSuggestion.objects.get_or_create(
        workspace_id=Customer.objects.get(pk=kept).workspace_id,
        customer_a_id=min(kept, other),
        customer_b_id=max(kept, other),
        defaults={"score": 0.8, "reasons": ["similar_name"]},
    )
    assert api.post(f"/api/v1/customers/{kept}/merge", {"other_id": kept}).status_code == 422
    assert api.post(f"/api/v1/customers/{kept}/merge", {"other_id": 10**12}).status_code == 404
    assert api.post(f"/api/v1/customers/{kept}/merge", {"other_id": "x"}).status_code == 422
    answer = api.post(f"/api/v1/customers/{kept}/merge", {"other_id": other, "reason": "ok"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["kept_id"], body["merged_id"], body["identities"]) == (kept, other, 1)
    assert body["conversations"] == 1 and body["by"] == "Giulia Bianchi"
    assert DuplicateSuggestion.objects.get().state == "merged"
    again = api.post(f"/api/v1/customers/{kept}/merge", {"other_id": other})
    assert again.status_code == 409 and "merged" in again.json()["detail"]
    assert api.get(f"/api/v1/customers/{other}").status_code == 200
    listed = [c["id"] for c in api.get("/api/v1/customers").json()["items"]]
    assert other not in listed
    undone = api.post(f"/api/v1/customers/{kept}/unmerge", {"merge_id": body["id"]})
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert (
        api.post(f"/api/v1/customers/{kept}/unmerge", {"merge_id": body["id"]}).status_code == 409
    )
    assert api.post(f"/api/v1/customers/{kept}/unmerge", {"merge_id": 10**9}).status_code == 404
    assert DuplicateSuggestion.objects.get().state == "dismissed"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_merges_of_one_pair_merge_once(api_channel):
    """Two agents merge the same pair at once, in both directions: one wins, the other
    gets a clear conflict, and no row is half-moved."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite runs one writer at a time)")
    workspace_id = api_channel.workspace_id
    a = _write(api_channel, "c1", name="Elisa Riva", email="elisa@example.it")
    b = _write(api_channel, "c2", name="Elisa R.", handles={"whatsapp": "+393409990000"})
    outcomes: list[str] = []

    def work(n: int) -> None:
        kept, other = (a, b) if n % 2 == 0 else (b, a)
        try:
            merge_customers(workspace_id, kept, other)
            outcomes.append("merged")
        except Conflict:
            outcomes.append("conflict")

    assert run_in_threads(work, 4) == []
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "merged"]
    merge = CustomerMerge.objects.get()
    assert Identity.objects.filter(customer_id=merge.merged_id).count() == 0
    assert Identity.objects.filter(customer_id=merge.kept_id).count() == 2
    assert Conversation.objects.filter(customer_id=merge.merged_id).count() == 0


def test_orders_consents_and_stage_move_with_the_merge_and_come_back(workspace, pair):
    """Sara bought on WhatsApp (an order with her number) and withdrew marketing there:
    after the merge the kept customer is a customer, with the order and the consent; the
    undo gives them back."""
    from datetime import UTC, datetime

    from sportello.customers.actions.lifecycle import (
        ConsentChange,
        OrderIn,
        record_order,
        set_consents,
    )
    from sportello.customers.models import Consent, Order

    kept, other = pair
    recorded = record_order(
        workspace.pk,
        OrderIn(
            number="W-1",
            total="10",
            currency="EUR",
            status="paid",
            placed_at=datetime(2026, 12, 1, tzinfo=UTC),
            phone="340 111 2233",
        ),
    )
    assert recorded.order.customer_id == other and not recorded.customer_created
    set_consents(
        Customer.objects.get(pk=other),
        [ConsentChange("marketing", "whatsapp", False)],
        source="agent",
        do_not_contact=True,
    )
    merge = merge_customers(workspace.pk, kept, other)
    customer = Customer.objects.get(pk=kept)
    assert customer.lifecycle_stage == "customer" and customer.do_not_contact
    assert Order.objects.get().customer_id == kept
    assert Consent.objects.get().customer_id == kept

    unmerge_customers(workspace.pk, kept, merge.pk)
    customer = Customer.objects.get(pk=kept)
    assert customer.lifecycle_stage == "lead" and not customer.do_not_contact
    assert Order.objects.get().customer_id == other
    assert Consent.objects.get().customer_id == other
