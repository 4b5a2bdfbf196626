"""Read-side functions for customers, shared by the API and the agent UI."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from sportello.core import sql
from sportello.core.errors import NotFound
from sportello.customers.models import Customer, Identity, Organization


@dataclass(frozen=True)
class IdentityOwner:
    kind: str
    value: str
    customer_id: int
    customer_name: str


def identity_owners(workspace_id: int, identities: list[tuple[str, str]]) -> list[IdentityOwner]:
    """Who owns each of the given normalised identities, oldest customer first: one indexed
    plain query, on the ingest hot path (docs/adr/0005)."""
    if not identities:
        return []
    condition = " OR ".join(["(i.kind = %s AND i.value = %s)"] * len(identities))
    rows = sql.fetchall(
        "SELECT i.kind, i.value, i.customer_id, c.name FROM customers_identity i"
        " JOIN customers_customer c ON c.id = i.customer_id"
        f" WHERE i.workspace_id = %s AND ({condition}) ORDER BY i.customer_id, i.id",
        [workspace_id, *(part for identity in identities for part in identity)],
    )
    return [IdentityOwner(*row) for row in rows]


def search_customers(workspace_id: int, q: str = "") -> QuerySet[Customer]:
    """The workspace's customers, latest contact first; with ``q``, those whose name or any
    address holds it, whatever the case ("santoro", "@studio", "3331234"). Erased
    customers (tombstones) are not listed."""
    customers = Customer.objects.filter(
        workspace_id=workspace_id, erased_at__isnull=True
    ).select_related("organization")
    q = q.strip()
    if q:
        customers = customers.filter(pk__in=_holding(workspace_id, q))
    return customers.prefetch_related("identities").order_by("-last_contact_at", "-pk")


def _holding(workspace_id: int, q: str) -> RawSQL:
    """The ids of the customers whose name or an address holds ``q``, found through the
    trigram indexes of migration 0003 (docs/adr/0011): on SQLite FTS5 finds a quoted
    phrase of three characters or more as a substring; on PostgreSQL ``pg_trgm`` serves
    ``LIKE`` on the expressions indexed. Shorter text has no trigram: a scan."""
    if connection.vendor == "sqlite" and len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'
        return RawSQL(
            "SELECT rowid FROM customers_customer_trigrams"
            " WHERE customers_customer_trigrams MATCH %s"
            " UNION SELECT customer_id FROM customers_identity WHERE id IN"
            " (SELECT rowid FROM customers_identity_trigrams"
            " WHERE customers_identity_trigrams MATCH %s)",
            [phrase, phrase],
        )
    pattern = f"%{connection.ops.prep_for_like_query(q)}%"
    holds = HOLDS[connection.vendor]
    return RawSQL(
        "SELECT id FROM customers_customer"
        f" WHERE workspace_id = %s AND {holds.format(column='name')}"
        " UNION SELECT customer_id FROM customers_identity"
        f" WHERE workspace_id = %s AND {holds.format(column='value')}",
        [workspace_id, pattern, workspace_id, pattern],
    )


# A column holds a LIKE pattern, whatever the case: what Django's icontains writes, and on
# PostgreSQL the expression migration 0003 indexes.
HOLDS = {
    "sqlite": "UPPER({column}) LIKE UPPER(%s) ESCAPE '\\'",
    "postgresql": "UPPER({column}::text) LIKE UPPER(%s)",
}


_CUSTOMER = sql.RowReader(Customer, "customer")
_ORGANIZATION = sql.RowReader(Organization, "org")
_IDENTITY = sql.RowReader(Identity, "identity")
_CUSTOMER_SQL = (
    f"SELECT {_CUSTOMER.select}, {_ORGANIZATION.select} FROM customers_customer customer"
    " LEFT JOIN customers_organization org ON org.id = customer.organization_id"
    " WHERE customer.workspace_id = %s AND customer.id = %s"
)
_IDENTITIES_SQL = _IDENTITY.where("identity.customer_id = %s", "identity.id")


def get_customer(workspace_id: int, customer_id: int) -> Customer:
    """The customer with their organization and identities (``customer.identities.all()``
    reads no more): shown beside every conversation, so two plain queries."""
    row = sql.fetchone(_CUSTOMER_SQL, [workspace_id, customer_id])
    if row is None:
        raise NotFound(f"customer {customer_id} not found")
    customer, organization = sql.RowReader.build_all(row, _CUSTOMER, _ORGANIZATION)
    customer.organization = organization
    identities = _IDENTITY.build_rows(sql.fetchall(_IDENTITIES_SQL, [customer_id]))
    for identity in identities:
        identity.customer = customer
    sql.prefetched(customer, "identities", identities)
    return customer  # type: ignore[no-any-return]


def first_identity_value(customer_id: int, kind: str) -> str | None:
    """The customer's earliest identity of ``kind`` (their first email address, say)."""
    value: str | None = (
        Identity.objects.filter(customer_id=customer_id, kind=kind)
        .order_by("pk")
        .values_list("value", flat=True)
        .first()
    )
    return value


def customer_workspace_id(customer_id: int) -> int | None:
    """The workspace a customer belongs to: the operator's command line names a customer
    by id alone."""
    found: int | None = (
        Customer.objects.filter(pk=customer_id).values_list("workspace_id", flat=True).first()
    )
    return found
