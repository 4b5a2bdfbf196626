"""Read-side functions for customers, shared by the API and the agent UI."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sportello.core.errors import NotFound
from sportello.customers.models import Customer, Identity


def find_by_identities(workspace_id: int, identities: list[tuple[str, str]]) -> list[Customer]:
    """Customers owning any of the given normalised identities, oldest first."""
    if not identities:
        return []
    condition = Q()
    for kind, value in identities:
        condition |= Q(kind=kind, value=value)
    ids = (
        Identity.objects.filter(condition, workspace_id=workspace_id)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    return list(Customer.objects.filter(pk__in=list(ids)).order_by("pk"))


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
