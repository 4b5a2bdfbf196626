"""The ingest pipeline's guarantees: once per external id, failures kept and retryable."""

from __future__ import annotations

import pytest
from django.db import connection

from sportello.conversations.models import Conversation, Message
from sportello.customers.models import Customer
from sportello.ingest import pipeline
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.models import InboundRecord, RejectedInbound
from tests.threads import run_in_threads


def _message(channel, external_id: str | None = "ext-1", **kw) -> InboundMessage:
    defaults = dict(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        sender=Sender(name="Lucia Verdi", email="lucia@example.it"),
        text="Salve, vorrei sapere quando arriva il mio ordine",
        external_id=external_id,
    )
    defaults.update(kw)
    return InboundMessage(**defaults)


@pytest.mark.django_db
def test_steps_are_the_documented_order():
    assert [s.name for s in pipeline.STEPS] == [
        "store_raw",
        "dedupe",
        "find_evidence",
        "identify_customer",
        "thread",
        "detect_language",
        "route",
        "sla",
        "receive",
        "note_result",
    ]


@pytest.mark.django_db
def test_failing_step_rolls_back_and_keeps_the_message_for_retry(api_channel, monkeypatch):
    class Boom(pipeline.Step):
        name = "boom"

        def run(self, ctx):
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "STEPS", [*pipeline.STEPS[:-1], Boom(), pipeline.STEPS[-1]])
    with pytest.raises(pipeline.IngestFailed) as failure:
        pipeline.ingest(_message(api_channel), source="test")
    assert "disk on fire" not in failure.value.message  # internal detail stays inside
    assert "kept" in failure.value.message
    assert Customer.objects.count() == 0 and InboundRecord.objects.count() == 0
    rejected = RejectedInbound.objects.get()
    assert rejected.retryable and rejected.stage == "pipeline"
    assert "disk on fire" in rejected.reason

    monkeypatch.undo()
    pipeline.retry(rejected)
    assert rejected.resolved_at is not None and rejected.attempts == 2
    assert Message.objects.get(pk=rejected.resolved_message_id).external_id == "ext-1"


@pytest.mark.django_db
def test_a_failure_does_not_block_the_next_message(api_channel, monkeypatch):
    original = pipeline.DetectLanguage.run

    def fail_on_poison(self, ctx):
        if "POISON" in ctx.inbound.text:
            raise ValueError("cannot read this one")
        original(self, ctx)

    monkeypatch.setattr(pipeline.DetectLanguage, "run", fail_on_poison)
    results = []
    for n, text in enumerate(["primo messaggio", "POISON", "terzo messaggio"]):
        try:
            results.append(pipeline.ingest(_message(api_channel, f"e{n}", text=text)))
        except pipeline.IngestFailed:
            results.append(None)
    assert results[0] is not None and results[1] is None and results[2] is not None
    assert Message.objects.filter(kind="message").count() == 2
    assert RejectedInbound.objects.count() == 1


@pytest.mark.django_db
def test_route_sends_new_conversations_to_the_channel_team(api_channel, workspace):
    from sportello.accounts.actions import create_team

    team = create_team(workspace, "Assistenza")
    api_channel.default_team = team
    api_channel.save()
    result = pipeline.ingest(_message(api_channel))
    assert Conversation.objects.get(pk=result.conversation_id).team == team


@pytest.mark.django_db
def test_number_reference_of_another_customer_does_not_leak(api_channel):
    first = pipeline.ingest(_message(api_channel, "a"))
    number = Conversation.objects.get(pk=first.conversation_id).number
    stranger = pipeline.ingest(
        _message(
            api_channel, "b", sender=Sender(email="altro@example.it"), conversation_number=number
        )
    )
    assert stranger.conversation_id != first.conversation_id


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_message_store_it_once(api_channel):
    """GIVEN eight workers delivering the same external id at the same moment
    WHEN they all run the pipeline
    THEN one message exists and every worker got its ids."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite cannot be shared between threads")
    results = []

    def deliver(_n: int) -> None:
        results.append(pipeline.ingest(_message(api_channel, "same-id")))

    assert run_in_threads(deliver, 8) == []
    assert Message.objects.filter(kind="message", external_id="same-id").count() == 1
    assert len({(r.message_id, r.conversation_id, r.customer_id) for r in results}) == 1
    assert sorted(r.duplicate for r in results) == [False] + [True] * 7


@pytest.mark.django_db
def test_a_redelivered_message_closes_its_earlier_failure(api_channel, monkeypatch):
    monkeypatch.setattr(pipeline.Route, "run", lambda self, ctx: 1 / 0)
    with pytest.raises(pipeline.IngestFailed):
        pipeline.ingest(_message(api_channel, "lmtp-42"))
    monkeypatch.undo()
    result = pipeline.ingest(_message(api_channel, "lmtp-42"))
    rejected = RejectedInbound.objects.get()
    assert rejected.resolved_at is not None and rejected.resolved_message_id == result.message_id


@pytest.mark.django_db(transaction=True)
def test_first_messages_of_one_new_customer_at_the_same_moment_make_one_customer(api_channel):
    """GIVEN a new customer whose first three messages arrive at the same moment
    WHEN three workers ingest them concurrently
    THEN all three are stored, for one customer."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite cannot be shared between threads")
    results = []

    def deliver(n: int) -> None:
        results.append(pipeline.ingest(_message(api_channel, f"first-{n}")))

    assert run_in_threads(deliver, 3) == []
    assert len({r.customer_id for r in results}) == 1
    assert Customer.objects.count() == 1
    assert Message.objects.filter(kind="message").count() == 3


def test_payload_keeps_every_field_of_the_inbound_message():
    """The rejected-message retry rebuilds the message from this payload: nothing may be
    left out when a field is added to InboundMessage."""
    from dataclasses import fields
    from datetime import UTC, datetime

    inbound = InboundMessage(
        workspace_id=1,
        channel_id=2,
        sender=Sender(name="A", email="a@b.it", handles={"x": "y"}),
        text="t",
        external_id="e",
        subject="s",
        html="<p>h</p>",
        sent_at=datetime(2026, 1, 2, tzinfo=UTC),
        references=["r"],
        conversation_number=7,
        attachments=[{"filename": "f"}],
        data={"k": 1},
        raw=b"\x00raw",
    )
    payload = inbound.to_payload()
    assert set(payload) == {f.name for f in fields(InboundMessage)}
    assert InboundMessage.from_payload(payload) == inbound


@pytest.mark.django_db
def test_a_returning_customers_message_threads_within_its_statement_budget(
    api_channel, django_assert_max_num_queries
):
    """GIVEN a customer with an open conversation on the channel
    WHEN they write again
    THEN the message threads into it, the raw record notes where it went, and it costs a
    fixed number of statements: each step its own."""
    first = pipeline.ingest(_message(api_channel, "r-1"))
    with django_assert_max_num_queries(10):
        again = pipeline.ingest(_message(api_channel, "r-2"), channel=api_channel)
    assert again.conversation_id == first.conversation_id
    assert again.customer_id == first.customer_id
    record = InboundRecord.objects.get(external_id="r-2")
    assert (record.message_id, record.conversation_id, record.customer_id) == (
        again.message_id,
        again.conversation_id,
        again.customer_id,
    )
    assert Conversation.objects.get().message_count == 2


@pytest.mark.django_db
def test_a_returning_customer_on_another_channel_opens_a_conversation_there(api_channel, workspace):
    from sportello.channels.actions import ensure_channel

    other = ensure_channel(workspace.pk, kind="webchat", name="Chat", slug="chat")
    first = pipeline.ingest(_message(api_channel, "c-1"))
    there = pipeline.ingest(_message(other, "c-2"), channel=other)
    back = pipeline.ingest(_message(api_channel, "c-3"), channel=api_channel)
    assert there.customer_id == first.customer_id
    assert there.conversation_id != first.conversation_id
    assert back.conversation_id == first.conversation_id


@pytest.mark.django_db
def test_a_sender_whose_identity_cannot_be_read_is_refused_as_before(api_channel):
    # StoreRaw reads the sender's customer with the raw record; an identity it cannot
    # normalise is left to IdentifyCustomer, which refuses the message with the reason.
    bad = _message(api_channel, "bad-1", sender=Sender(name="X", phone="ciao"))
    with pytest.raises(pipeline.IngestFailed) as failure:
        pipeline.ingest(bad)
    assert "phone" in failure.value.message
    assert InboundRecord.objects.count() == 0 and Customer.objects.count() == 0
    assert RejectedInbound.objects.get().external_id == "bad-1"
    nobody = _message(api_channel, "bad-2", sender=Sender(name="Solo nome"))
    with pytest.raises(pipeline.IngestFailed) as failure:
        pipeline.ingest(nobody)
    assert "no email, phone or handle" in failure.value.message


@pytest.mark.django_db
def test_a_step_after_the_pipelined_ones_may_read_row_counts(api_channel, monkeypatch):
    """GIVEN a step added after ``note_result`` that saves with the ORM (which reads the
    row count of its UPDATE)
    WHEN a message is ingested
    THEN it runs outside PostgreSQL's pipeline mode and its write takes effect."""
    from sportello.customers.actions import update_customer
    from sportello.customers.models import Customer

    class RenameCustomer(pipeline.Step):
        name = "rename_customer"

        def run(self, ctx: pipeline.Context) -> None:
            assert ctx.customer is not None
            update_customer(Customer.objects.get(pk=ctx.customer.pk), name="Rinominata")

    monkeypatch.setattr(pipeline, "STEPS", [*pipeline.STEPS, RenameCustomer()])
    result = pipeline.ingest(_message(api_channel, "renamed-1"), channel=api_channel)
    assert Customer.objects.get(pk=result.customer_id).name == "Rinominata"


@pytest.mark.django_db
def test_an_unverified_address_is_never_attached_to_a_customer_found_by_another_identity(
    api_channel,
):
    """GIVEN a customer known by a phone number
    WHEN a message from that phone also carries an address kept as written (not valid)
    THEN it goes to that customer, but the unverified address is not added to them: it
    could be anyone's, and merging people is a decision, never a guess."""
    first = pipeline.ingest(_message(api_channel, "p-1", sender=Sender(phone="+393331234567")))
    odd = Sender(phone="+393331234567", email="redacted@redacted", email_as_written=True)
    second = pipeline.ingest(_message(api_channel, "p-2", sender=odd))
    assert second.customer_id == first.customer_id
    identities = Customer.objects.get(pk=first.customer_id).identities.all()
    assert [(i.kind, i.value, i.unverified) for i in identities] == [
        ("phone", "+393331234567", False)
    ]


@pytest.mark.django_db
def test_only_an_adapter_that_vouches_for_the_header_gets_an_address_kept_as_written(api_channel):
    """The generic API channel refuses an invalid address (its caller can fix it); only the
    email adapter, reading a From header, asks for it to be kept as written."""
    with pytest.raises(pipeline.IngestFailed) as refused:
        pipeline.ingest(_message(api_channel, "q-1", sender=Sender(email="redacted@redacted")))
    assert refused.value.permanent
    kept = pipeline.ingest(
        _message(
            api_channel, "q-2", sender=Sender(email="redacted@redacted", email_as_written=True)
        )
    )
    identity = Customer.objects.get(pk=kept.customer_id).identities.get()
    assert (identity.value, identity.unverified) == ("redacted@redacted", True)


@pytest.mark.django_db
def test_a_verified_identity_decides_the_customer_over_an_unverified_one(api_channel):
    """GIVEN an older customer known only by an address kept as written, and a newer one by
    a phone number WHEN a message carries both THEN it goes to the phone's customer."""
    odd = Sender(email="redacted@redacted", email_as_written=True)
    by_odd_address = pipeline.ingest(_message(api_channel, "r-1", sender=odd))
    by_phone = pipeline.ingest(_message(api_channel, "r-2", sender=Sender(phone="+393331234567")))
    both = Sender(phone="+393331234567", email="redacted@redacted", email_as_written=True)
    result = pipeline.ingest(_message(api_channel, "r-3", sender=both))
    assert by_odd_address.customer_id < by_phone.customer_id == result.customer_id
