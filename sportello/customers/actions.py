"""The only writers of customers and their identities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from sportello.core import clock, sql
from sportello.core.errors import InvalidInput
from sportello.core.events import publish
from sportello.customers.events import CustomerCreated, CustomerUpdated
from sportello.customers.models import Customer, Identity, Organization

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
    """Create a customer with the given (already normalised) identities.

    Runs for every first contact, so it is two plain SQL statements (docs/adr/0005)."""
    now = clock.now()
    customer = Customer(
        workspace_id=workspace_id,
        name=name[:200],
        language=language,
        custom_fields={},
        conversation_count=0,
        created_at=now,
        updated_at=now,
    )
    customer.pk = sql.insert(
        "customers_customer",
        {
            "workspace_id": workspace_id,
            "name": customer.name,
            "organization_id": None,
            "language": language,
            "custom_fields": {},
            "conversation_count": 0,
            "last_contact_at": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    sql.insert_many(
        "customers_identity",
        [
            {
                "workspace_id": workspace_id,
                "customer_id": customer.pk,
                "kind": kind,
                "value": value,
                "created_at": now,
            }
            for kind, value in dict.fromkeys(identities)
        ],
    )
    customer._state.adding = False
    publish(CustomerCreated(workspace_id=workspace_id, customer_id=customer.pk))
    return customer


def add_identities(customer: Customer, identities: Iterable[IdentityKey]) -> list[Identity]:
    """Attach identities that belong to nobody yet; ones owned by another customer are left
    alone (merging people is a decision, never a side effect)."""
    added = []
    for kind, value in identities:
        try:
            with transaction.atomic():
                added.append(
                    Identity.objects.create(
                        workspace_id=customer.workspace_id,
                        customer=customer,
                        kind=kind,
                        value=value,
                    )
                )
        except IntegrityError:
            continue
    return added


@transaction.atomic
def update_customer(
    customer: Customer,
    *,
    name: str | None = None,
    organization_name: str | None = None,
    custom_fields: dict[str, Any] | None = None,
    language: str | None = None,
) -> Customer:
    """Change what an agent may edit on a customer; custom fields are merged, ``None`` values
    remove a field."""
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
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
        publish(
            CustomerUpdated(
                workspace_id=customer.workspace_id, customer_id=customer.pk, fields=tuple(changed)
            )
        )
    return customer


def record_contact(customer_id: int, at: datetime, new_conversation: bool) -> sql.Statement:
    """Keep the denormalised counters the customer list and page read: the statement, for
    the caller to run with its own (``sql.execute_all``, one round trip on PostgreSQL)."""
    return (
        "UPDATE customers_customer SET last_contact_at = %s,"
        " conversation_count = conversation_count + %s WHERE id = %s",
        [at, 1 if new_conversation else 0, customer_id],
    )
