"""The only writers of customers and their identities."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from sportello.core import clock, sql
from sportello.core.errors import InvalidInput
from sportello.core.events import publish
from sportello.customers.events import CustomerCreated, CustomerUpdated
from sportello.customers.models import (
    Consent,
    Customer,
    Identity,
    IdentitySource,
    LifecycleChange,
    Order,
    Organization,
)

IdentityKey = tuple[str, str]  # (kind, normalised value)


# No savepoint: inside the ingest transaction a failure rolls the whole message back.
@transaction.atomic(savepoint=False)
def create_customer(
    workspace_id: int,
    *,
    name: str = "",
    identities: Iterable[IdentityKey] = (),
    language: str = "",
) -> Customer:
    """Create a customer with the given (already normalised) identities; ``IntegrityError``
    when one of them belongs to someone (nothing is kept)."""
    customer = create_unclaimed_customer(
        workspace_id, name=name, identities=identities, language=language
    )
    if customer is None:
        raise IntegrityError("an identity of the new customer belongs to another customer")
    return customer


_IDENTITY_KEY = "workspace_id, kind, value"
CUSTOMERS = sql.Table(Customer)
IDENTITIES = sql.Table(Identity)


@transaction.atomic(savepoint=False)
def create_unclaimed_customer(
    workspace_id: int,
    *,
    name: str = "",
    identities: Iterable[IdentityKey] = (),
    language: str = "",
    unverified: Collection[IdentityKey] = (),
) -> Customer | None:
    """Create a customer with the given (already normalised) identities, unless one of them
    belongs to someone already: then nothing is kept and ``None`` comes back. Those also in
    ``unverified`` are kept as written and marked so (``Identity.unverified``).

    Ingest calls it for a sender whose identities nobody owned a moment ago; a first message
    of the same person delivered at the same moment may claim one first (PostgreSQL waits
    for that transaction, then skips the identity). Runs for every first contact, so it is
    plain SQL (docs/adr/0005) with no savepoint: the identities are inserted ``ON CONFLICT
    DO NOTHING`` and, if any was skipped, the new rows are deleted."""
    now = clock.now()
    keys = list(dict.fromkeys(identities))
    row = CUSTOMERS.row(
        workspace_id=workspace_id,
        name=name[:200],
        language=language,
        created_at=now,
        updated_at=now,
    )
    pk = CUSTOMERS.insert(row)
    assert pk is not None  # no ON CONFLICT: an id always comes back
    claimed = IDENTITIES.insert_rows(
        [
            IDENTITIES.row(
                workspace_id=workspace_id,
                customer_id=pk,
                kind=kind,
                value=value,
                created_at=now,
                unverified=(kind, value) in unverified,
            )
            for kind, value in keys
        ],
        on_conflict=_IDENTITY_KEY,
    )
    if len(claimed) < len(keys):
        sql.execute(f"DELETE FROM {IDENTITIES.name} WHERE customer_id = %s", [pk])
        sql.execute(f"DELETE FROM {CUSTOMERS.name} WHERE id = %s", [pk])
        return None
    customer: Customer = sql.instance(Customer, {"id": pk, **row})
    publish(CustomerCreated(workspace_id=workspace_id, customer_id=customer.pk))
    return customer


def add_identities(
    customer: Customer, identities: Iterable[IdentityKey], *, source: str = IdentitySource.CHANNEL
) -> list[Identity]:
    """Attach identities that belong to nobody yet; ones owned by another customer are left
    alone (merging people is a decision, never a side effect). One plain statement
    (``ON CONFLICT DO NOTHING``, no savepoint): ingest adds them when a returning customer
    writes from a new address or handle, and those read in her signature
    (``source=signature``)."""
    keys = list(dict.fromkeys(identities))
    if not keys:
        return []
    now = clock.now()
    rows = [
        IDENTITIES.row(
            workspace_id=customer.workspace_id,
            customer_id=customer.pk,
            kind=kind,
            value=value,
            created_at=now,
            source=str(source),
        )
        for kind, value in keys
    ]
    ids = IDENTITIES.insert_rows(rows, on_conflict=_IDENTITY_KEY)
    if len(ids) < len(rows):  # some belong to someone: which ones were added?
        kept = set(Identity.objects.filter(pk__in=ids).values_list("kind", "value"))
        rows = [row for row in rows if (row["kind"], row["value"]) in kept]
    added = []
    for pk, row in zip(ids, rows, strict=True):
        identity: Identity = sql.instance(Identity, {"id": pk, **row})
        identity.customer = customer
        added.append(identity)
    return added


@transaction.atomic
def update_customer(
    customer: Customer,
    *,
    name: str | None = None,
    organization_name: str | None = None,
    custom_fields: dict[str, Any] | None = None,
    language: str | None = None,
    no_automatic_replies: bool | None = None,
) -> Customer:
    """Change what an agent may edit on a customer; custom fields are merged, ``None`` values
    remove a field. ``no_automatic_replies`` records the customer's wish to receive no
    acknowledgements (an agent notes it when asked)."""
    changed: list[str] = []
    if name is not None:
        customer.name = name.strip()[:200]
        changed.append("name")
    if organization_name is not None:
        organization_name = organization_name.strip()
        if organization_name:
            customer.organization, _ = Organization.objects.get_or_create(
                workspace_id=customer.workspace_id, name=organization_name[:200]
            )
        else:
            customer.organization = None
        changed.append("organization")
    if custom_fields is not None:
        merged = dict(customer.custom_fields)
        for key, value in custom_fields.items():
            if not isinstance(key, str) or not key or len(key) > 100:
                raise InvalidInput("custom field names must be 1 to 100 characters")
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        customer.custom_fields = merged
        changed.append("custom_fields")
    if language is not None:
        customer.language = language[:8]
        changed.append("language")
    if no_automatic_replies is not None:
        customer.no_automatic_replies = no_automatic_replies
        changed.append("no_automatic_replies")
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
        publish(
            CustomerUpdated(
                workspace_id=customer.workspace_id, customer_id=customer.pk, fields=tuple(changed)
            )
        )
    return customer


def record_contact(customer_id: int, at: datetime, new_conversation: bool) -> None:
    """Keep the denormalised counters the customer list and page read: a message from the
    customer at ``at``, in a new conversation or not. One statement whose row count nobody
    reads (it may run pipelined)."""
    sql.execute(
        f"UPDATE {CUSTOMERS.name} SET last_contact_at = %s,"
        " conversation_count = conversation_count + %s WHERE id = %s",
        [at, 1 if new_conversation else 0, customer_id],
    )


@dataclass(frozen=True)
class Erased:
    """A customer's erasure: the identities removed (their values, for the caller to find
    what else holds them, e.g. rejected inbound messages), and whether it had happened
    before."""

    identity_values: list[str]
    already: bool
    orders: int = 0
    consents: int = 0


@transaction.atomic
def erase_customer(customer: Customer) -> Erased:
    """Turn the customer into a tombstone (GDPR art. 17): identities deleted, name,
    organisation, custom fields and language emptied, ``erased_at`` set; the row and its
    counters stay, so conversations keep their customer and statistics their count.

    Irreversible and idempotent: a second erasure changes nothing. With no identity left,
    the next message from the same address makes a new customer."""
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    identities = Identity.objects.filter(customer=locked)
    values = list(identities.values_list("value", flat=True))
    identities.delete()
    # Orders, consents and the stage's history name what she bought and said: they go too
    # (the shop's own books keep its invoices).
    orders, _ = Order.objects.filter(customer=locked).delete()
    consents, _ = Consent.objects.filter(customer=locked).delete()
    LifecycleChange.objects.filter(customer=locked).delete()
    if locked.erased_at is not None:
        return Erased(identity_values=values, already=True, orders=orders, consents=consents)
    locked.name = ""
    locked.organization = None
    locked.custom_fields = {}
    locked.language = ""
    locked.lifecycle_reason = ""
    locked.erased_at = clock.now()
    fields = ["name", "organization", "custom_fields", "language", "lifecycle_reason", "erased_at"]
    locked.save(update_fields=[*fields, "updated_at"])
    customer.erased_at = locked.erased_at
    publish(
        CustomerUpdated(
            workspace_id=locked.workspace_id,
            customer_id=locked.pk,
            fields=tuple(fields),
        )
    )
    return Erased(identity_values=values, already=False, orders=orders, consents=consents)


def forget_conversations(lost: dict[int, int]) -> None:
    """The counters after conversations were deleted: ``lost`` maps a customer to how
    many of theirs went."""
    for customer_id, count in lost.items():
        Customer.objects.filter(pk=customer_id).update(
            conversation_count=Greatest(F("conversation_count") - count, 0)
        )
