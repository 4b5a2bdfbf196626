"""Merging two customers into one, and undoing it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sportello.audit import actions as audit
from sportello.audit.actors import actor_in
from sportello.core import clock
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.core.events import publish
from sportello.customers.events import CustomerUpdated
from sportello.customers.merging import participants
from sportello.customers.models import (
    Consent,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    Identity,
    LifecycleStage,
    Order,
    SuggestionState,
)


def _lock_pair(workspace_id: int, first_id: int, second_id: int) -> tuple[Customer, Customer]:
    """Both customers, locked in id order (two merges of one pair wait for each other and
    never deadlock). ``NotFound`` for one outside the workspace."""
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(workspace_id=workspace_id, pk__in=[first_id, second_id])
        .order_by("pk")
    }
    if first_id not in locked or second_id not in locked:
        raise NotFound("customer not found")
    return locked[first_id], locked[second_id]


def _fields(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "organization_id": customer.organization_id,
        "language": customer.language,
        "custom_fields": customer.custom_fields,
        "conversation_count": customer.conversation_count,
        "last_contact_at": customer.last_contact_at.isoformat()
        if customer.last_contact_at
        else None,
        "lifecycle_stage": customer.lifecycle_stage,
        "do_not_contact": customer.do_not_contact,
    }


# A merged customer is a customer if either was; a former customer rather than a lead.
_STAGE_RANK: dict[str, int] = {
    LifecycleStage.LEAD: 0,
    LifecycleStage.FORMER: 1,
    LifecycleStage.CUSTOMER: 2,
}


@transaction.atomic
def merge_customers(
    workspace_id: int,
    kept_id: int,
    other_id: int,
    *,
    reason: str = "",
    agent_id: int | None = None,
) -> CustomerMerge:
    """Make ``other_id`` part of ``kept_id``: her identities, conversations (and whatever
    else a ``merging`` participant keeps per customer) move, her custom fields fill the
    ones ``kept`` lacks, her name and organisation fill empty ones. ``other`` stays as a row
    pointing to ``kept`` (``merged_into``), so the merge can be undone
    (``unmerge_customers``). One transaction: all of it or nothing.

    ``InvalidInput`` for a customer merged into herself; ``NotFound`` for one of another
    workspace; ``Conflict`` when either was merged away or erased already, which is also
    what the second of two concurrent merges of the same pair gets."""
    if kept_id == other_id:
        raise InvalidInput("a customer cannot be merged into herself")
    kept, other = _lock_pair(workspace_id, kept_id, other_id)
    for customer in (kept, other):
        if customer.merged_into_id is not None:
            raise Conflict(f"customer {customer.pk} was merged into another already")
        if customer.erased_at is not None:
            raise Conflict(f"customer {customer.pk} was erased")
    before = _fields(kept)
    identity_ids = list(Identity.objects.filter(customer=other).values_list("pk", flat=True))
    Identity.objects.filter(pk__in=identity_ids).update(customer=kept)
    order_ids = list(Order.objects.filter(customer=other).values_list("pk", flat=True))
    Order.objects.filter(pk__in=order_ids).update(customer=kept)
    consent_ids = list(Consent.objects.filter(customer=other).values_list("pk", flat=True))
    Consent.objects.filter(pk__in=consent_ids).update(customer=kept)
    moved = {p.name: p.move(workspace_id, other.pk, kept.pk) for p in participants()}
    if _STAGE_RANK.get(other.lifecycle_stage, 0) > _STAGE_RANK.get(kept.lifecycle_stage, 0):
        kept.lifecycle_stage = other.lifecycle_stage
        kept.lifecycle_reason = other.lifecycle_reason
        kept.lifecycle_changed_at = other.lifecycle_changed_at
    if other.do_not_contact and not kept.do_not_contact:  # her wish holds for both
        kept.do_not_contact, kept.do_not_contact_since = True, other.do_not_contact_since

    added_fields = {k: v for k, v in other.custom_fields.items() if k not in kept.custom_fields}
    kept.custom_fields = {**kept.custom_fields, **added_fields}
    if not kept.name and other.name:
        kept.name = other.name
    if kept.organization_id is None:
        kept.organization_id = other.organization_id
    if not kept.language:
        kept.language = other.language
    kept.conversation_count += other.conversation_count
    if other.last_contact_at and (
        kept.last_contact_at is None or other.last_contact_at > kept.last_contact_at
    ):
        kept.last_contact_at = other.last_contact_at
    kept.save()
    other_before = _fields(other)
    other.merged_into = kept
    other.conversation_count = 0
    other.save(update_fields=["merged_into", "conversation_count", "updated_at"])

    actor = actor_in(workspace_id)
    merge = CustomerMerge.objects.create(
        workspace_id=workspace_id,
        kept=kept,
        merged=other,
        by_id=agent_id if agent_id is not None else actor.agent_id,
        by_name=actor.name[:200],
        reason=reason.strip()[:500],
        created_at=clock.now(),
        snapshot={
            "identities": identity_ids,
            "orders": order_ids,
            "consents": consent_ids,
            "kept_before": before,
            "merged_before": other_before,
            "added_fields": sorted(added_fields),
            "moved": moved,
        },
    )
    DuplicateSuggestion.objects.filter(
        workspace_id=workspace_id,
        customer_a_id=min(kept.pk, other.pk),
        customer_b_id=max(kept.pk, other.pk),
    ).update(state=SuggestionState.MERGED, decided_by_id=merge.by_id)
    audit.record(
        workspace_id,
        "customer.merged",
        target_type="customer",
        target_id=kept.pk,
        detail={
            "merge_id": merge.pk,
            "merged_customer_id": other.pk,
            "identities": len(identity_ids),
            "conversations": len(moved.get("conversations", {}).get("conversations", [])),
            "reason": merge.reason,
        },
    )
    for customer_id in (kept.pk, other.pk):
        publish(
            CustomerUpdated(workspace_id=workspace_id, customer_id=customer_id, fields=("merged",))
        )
    return merge


@transaction.atomic
def unmerge_customers(workspace_id: int, kept_id: int, merge_id: int) -> CustomerMerge:
    """Undo a merge: the identities and conversations that moved go back to the merged
    customer, and ``kept`` gets back the name, organisation, language and custom fields it
    had (where nobody changed them since). What arrived after the merge stays with ``kept``
    (a new identity, a new conversation): nobody can tell whose it is.

    ``NotFound`` for a merge of another customer; ``Conflict`` for one undone already, or
    when ``kept`` was itself merged into someone since (undo that first)."""
    merge = (
        CustomerMerge.objects.select_for_update()
        .filter(workspace_id=workspace_id, pk=merge_id, kept_id=kept_id)
        .first()
    )
    if merge is None:
        raise NotFound("merge not found")
    if merge.undone_at is not None:
        raise Conflict("this merge was undone already")
    kept, merged = _lock_pair(workspace_id, merge.kept_id, merge.merged_id)
    if kept.merged_into_id is not None:
        raise Conflict("the customer was merged into another since: undo that merge first")
    snapshot = merge.snapshot
    Identity.objects.filter(customer=kept, pk__in=snapshot.get("identities", [])).update(
        customer=merged
    )
    Order.objects.filter(customer=kept, pk__in=snapshot.get("orders", [])).update(customer=merged)
    Consent.objects.filter(customer=kept, pk__in=snapshot.get("consents", [])).update(
        customer=merged
    )
    returned = 0
    for participant in participants():
        moved = snapshot.get("moved", {}).get(participant.name)
        if moved is not None:
            returned += participant.restore(workspace_id, moved, kept.pk, merged.pk)

    before, merged_before = snapshot.get("kept_before", {}), snapshot.get("merged_before", {})
    if "lifecycle_stage" in before and kept.lifecycle_stage == merged.lifecycle_stage:
        kept.lifecycle_stage = before["lifecycle_stage"]
    if before.get("do_not_contact") is False and merged.do_not_contact:
        kept.do_not_contact, kept.do_not_contact_since = False, None
    fields = dict(kept.custom_fields)
    for key in snapshot.get("added_fields", []):
        if key in fields and fields[key] == merged_before.get("custom_fields", {}).get(key):
            del fields[key]
    kept.custom_fields = fields
    if not before.get("name") and kept.name == merged_before.get("name"):
        kept.name = ""
    if before.get("organization_id") is None and kept.organization_id == merged_before.get(
        "organization_id"
    ):
        kept.organization_id = None
    if not before.get("language") and kept.language == merged_before.get("language"):
        kept.language = ""
    kept.conversation_count = max(0, kept.conversation_count - returned)
    kept.save()
    merged.merged_into = None
    merged.conversation_count = returned
    merged.save(update_fields=["merged_into", "conversation_count", "updated_at"])

    actor = actor_in(workspace_id)
    merge.undone_at = clock.now()
    merge.undone_by_name = actor.name[:200]
    merge.save(update_fields=["undone_at", "undone_by_name"])
    # Undoing says the two are different people: the pair is not suggested again.
    DuplicateSuggestion.objects.filter(
        workspace_id=workspace_id,
        customer_a_id=min(kept.pk, merged.pk),
        customer_b_id=max(kept.pk, merged.pk),
    ).update(state=SuggestionState.DISMISSED)
    audit.record(
        workspace_id,
        "customer.unmerged",
        target_type="customer",
        target_id=kept.pk,
        detail={"merge_id": merge.pk, "restored_customer_id": merged.pk},
    )
    for customer_id in (kept.pk, merged.pk):
        publish(
            CustomerUpdated(
                workspace_id=workspace_id, customer_id=customer_id, fields=("unmerged",)
            )
        )
    return merge
