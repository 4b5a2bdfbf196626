"""Read-side functions for customers, shared by the API and the agent UI."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from sportello.core import sql
from sportello.core.errors import NotFound
from sportello.customers.models import Customer, Identity


@dataclass(frozen=True)
class IdentityOwner:
    kind: str
    value: str
    customer_id: int
    customer_name: str


def identity_owners(workspace_id: int, identities: list[tuple[str, str]]) -> list[IdentityOwner]:
    """Who owns each of the given normalised identities, oldest customer first: one indexed
    query, on the ingest hot path (docs/adr/0005)."""
    if not identities:
        return []
    condition = " OR ".join(["(i.kind = %s AND i.value = %s)"] * len(identities))
    rows = sql.fetchall(
        "SELECT i.kind, i.value, i.customer_id, c.name FROM customers_identity i"
        " JOIN customers_customer c ON c.id = i.customer_id"
        f" WHERE i.workspace_id = %s AND ({condition}) ORDER BY i.customer_id",
        [workspace_id, *(part for identity in identities for part in identity)],
    )
    return [IdentityOwner(*row) for row in rows]


def search_customers(workspace_id: int, q: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.filter(workspace_id=workspace_id).select_related("organization")
    q = q.strip()
    if q:
        matching = Identity.objects.filter(workspace_id=workspace_id, value__icontains=q).values(
            "customer_id"
        )
        customers = customers.filter(Q(name__icontains=q) | Q(pk__in=matching))
    return customers.prefetch_related("identities").order_by("-last_contact_at", "-pk")


def get_customer(workspace_id: int, customer_id: int) -> Customer:
    customer = (
        Customer.objects.select_related("organization")
        .prefetch_related("identities")
        .filter(workspace_id=workspace_id, pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def first_identity_value(customer_id: int, kind: str) -> str | None:
    """The customer's earliest identity of ``kind`` (their first email address, say)."""
    value: str | None = (
        Identity.objects.filter(customer_id=customer_id, kind=kind)
        .order_by("pk")
        .values_list("value", flat=True)
        .first()
    )
    return value
