from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from sportello.accounts.models import Agent
from sportello.api import present
from sportello.api.auth import current_agent
from sportello.api.schemas import (
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    ErasureOut,
    Error,
    ValidationErrorOut,
)
from sportello.audit.actions import record as audit_record
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.core.ids import parse_id
from sportello.customers.actions import update_customer
from sportello.customers.actions.duplicates import dismiss_suggestion
from sportello.customers.actions.lifecycle import (
    ConsentChange,
    add_identity,
    consent_kinds,
    remove_identity,
    set_consents,
    set_lifecycle_stage,
)
from sportello.customers.actions.merge import merge_customers, unmerge_customers
from sportello.customers.models import CustomerMerge
from sportello.customers.queries import (
    consent_history,
    current_consents,
    duplicate_queue,
    duplicates_of,
    get_customer,
    lookup_customer,
    orders_of,
    search_customers,
)
from sportello.privacy.actions import erase_customer_data, export_customer

router = Router(tags=["customers"])


class CustomerQuery(Schema):
    q: str | None = None
    segment: Literal["new", "occasional", "loyal", "at_risk"] | None = Field(
        None, description="Only the customers of this segment"
    )
    cursor: str | None = None
    limit: int = 25


@router.get("", response={200: CustomerPage, 401: Error, 422: ValidationErrorOut})
def list_(request: HttpRequest, filters: Query[CustomerQuery]):  # type: ignore[no-untyped-def]
    """Customers matching `q` (name, email, phone or handle) and `segment`, most recent
    first."""
    agent = current_agent(request)
    customers = search_customers(agent.workspace_id, filters.q or "").order_by("-pk")
    if filters.segment:
        customers = customers.filter(segment=filters.segment)
    if filters.cursor:
        if (before := parse_id(filters.cursor)) is None:
            raise InvalidInput("the cursor is not valid; start again from the first page")
        customers = customers.filter(pk__lt=before)
    limit = max(1, min(filters.limit, 100))
    rows = list(customers[: limit + 1])
    next_cursor = str(rows[limit - 1].pk) if len(rows) > limit else None
    return present.answer(
        {"items": [present.customer(c) for c in rows[:limit]], "next_cursor": next_cursor}
    )


class DuplicateOut(Schema):
    customer_id: int
    name: str
    score: float = Field(description="How likely the two are one person, 0 to 1")
    reasons: list[str] = Field(
        description="Why: `same_name`, `similar_name`, `same_phone`, `same_email`, "
        "`same_order_number`, `same_company_domain`, `same_city`, `same_birth_date`, "
        "`mentioned_identifier`; `common_name` notes that many customers bear the name, "
        "and `common_city` that many live in the town, so they weigh less"
    )


class DuplicatePairOut(Schema):
    customer_id: int
    customer_name: str
    other_id: int
    other_name: str
    score: float
    reasons: list[str]


class DuplicateQueueOut(Schema):
    items: list[DuplicatePairOut]
    next_page: int | None


class QueueQuery(Schema):
    page: int = Field(1, ge=1, le=10_000)


class OtherIn(Schema):
    other_id: StrictInt = Field(ge=1, le=2**63 - 1)


class MergeIn(OtherIn):
    reason: str = Field("", max_length=500)


class UnmergeIn(Schema):
    merge_id: StrictInt = Field(ge=1, le=2**63 - 1)


class MergeOut(Schema):
    id: int
    kept_id: int
    merged_id: int
    by: str
    reason: str
    created_at: datetime
    undone_at: datetime | None
    identities: int = Field(description="Identities that moved")
    conversations: int = Field(description="Conversations that moved")


def _merge_out(merge: CustomerMerge) -> dict[str, object]:
    moved = merge.snapshot.get("moved", {}).get("conversations", {})
    return {
        "id": merge.pk,
        "kept_id": merge.kept_id,
        "merged_id": merge.merged_id,
        "by": merge.by_name,
        "reason": merge.reason,
        "created_at": merge.created_at,
        "undone_at": merge.undone_at,
        "identities": len(merge.snapshot.get("identities", [])),
        "conversations": len(moved.get("conversations", [])),
    }


@router.get("/duplicates", response={200: DuplicateQueueOut, 401: Error, 422: ValidationErrorOut})
def duplicate_review_queue(request: HttpRequest, query: Query[QueueQuery]):  # type: ignore[no-untyped-def]
    """The review queue: pairs of customers that may be one person, best score first,
    25 a page. A suggestion never merges by itself."""
    agent = current_agent(request)
    rows, more = duplicate_queue(agent.workspace_id, page=query.page)
    return {
        "items": [
            {
                "customer_id": s.customer_a_id,
                "customer_name": s.customer_a.name,
                "other_id": s.customer_b_id,
                "other_name": s.customer_b.name,
                "score": s.score,
                "reasons": s.reasons,
            }
            for s in rows
        ],
        "next_page": query.page + 1 if more else None,
    }


class LookupQuery(Schema):
    email: str = Field("", max_length=320)
    phone: str = Field("", max_length=40)


class MayContactOut(Schema):
    service: bool = Field(description="Service messages (about her orders and cases)")
    marketing: bool = Field(description="Marketing: only with consent given")


class LookupOut(Schema):
    found: bool
    customer_id: int | None
    name: str | None
    lifecycle_stage: str | None = Field(description="`lead`, `customer` or `former`")
    may_contact: MayContactOut = Field(
        description="On at least one channel (see `channels` for each kind with a record)"
    )
    channels: dict[str, MayContactOut]
    do_not_contact: bool


@router.get("/lookup", response={200: LookupOut, 401: Error, 422: ValidationErrorOut})
def lookup(request: HttpRequest, query: Query[LookupQuery]):  # type: ignore[no-untyped-def]
    """Is this person already a customer, and may she be contacted? For a company's other
    systems before a sales call or a campaign. The email and phone are read as ingest
    reads them ('347 123 4567', '0039 347 1234567' and '+39 347 123 4567' are one number);
    only this workspace's customers are found. 422 when both are empty or one is not an
    address or number. Every look-up is in the audit log (who asked, whether found)."""
    agent = current_agent(request)
    found = lookup_customer(agent.workspace_id, email=query.email, phone=query.phone)
    customer = found.customer
    audit_record(
        agent.workspace_id,
        "customer.lookup",
        target_type="customer",
        target_id=customer.pk if customer else None,
        detail={
            "found": customer is not None,
            "by": [k for k in ("email", "phone") if getattr(query, k).strip()],
        },
    )
    return {
        "found": customer is not None,
        "customer_id": customer.pk if customer else None,
        "name": customer.name if customer else None,
        "lifecycle_stage": customer.lifecycle_stage if customer else None,
        "may_contact": found.may_contact,
        "channels": found.channels,
        "do_not_contact": customer.do_not_contact if customer else False,
    }


@router.get("/{rowid:customer_id}", response={200: CustomerOut, 401: Error, 404: Error})
def detail(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    """One customer with identities and the number of their conversations."""
    return present.answer(
        present.customer(get_customer(current_agent(request).workspace_id, customer_id))
    )


@router.patch(
    "/{rowid:customer_id}",
    response={200: CustomerOut, 401: Error, 404: Error, 422: ValidationErrorOut},
)
def patch(request: HttpRequest, customer_id: int, payload: CustomerPatch):  # type: ignore[no-untyped-def]
    """Change name, organization, language, custom fields (merged; `null` removes one),
    the customer's wish to receive no automatic replies, or the lifecycle stage (with
    `lifecycle_reason`; kept in the stage's history and the audit log)."""
    agent = current_agent(request)
    customer = get_customer(agent.workspace_id, customer_id)
    update_customer(
        customer,
        name=payload.name,
        organization_name=payload.organization,
        custom_fields=payload.custom_fields,
        language=payload.language,
        no_automatic_replies=payload.no_automatic_replies,
    )
    if payload.lifecycle_stage is not None:
        set_lifecycle_stage(customer, payload.lifecycle_stage, reason=payload.lifecycle_reason)
    return present.customer(get_customer(agent.workspace_id, customer_id))


def _supervisor(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_supervise:
        raise PermissionDenied("only admins and supervisors export a customer's data")
    return agent


@router.get(
    "/{rowid:customer_id}/export",
    response={401: Error, 403: Error, 404: Error},
    openapi_extra={
        "responses": {
            200: {
                "description": "A ZIP archive: customer.json (the customer, identities, "
                "conversations with messages, notes and deliveries) and attachments/",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    """Everything kept about one customer, as a ZIP streamed as it is written (admins and
    supervisors; GDPR access and portability). Recorded in the audit log."""
    agent = _supervisor(request)
    filename, chunks = export_customer(agent.workspace_id, customer_id)
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/{rowid:customer_id}/erase",
    response={200: ErasureOut, 401: Error, 403: Error, 404: Error},
)
def erase(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    """Erase the customer's personal data, irreversibly (admins; GDPR erasure). The
    customer stays as a tombstone and their conversations keep counts, times, channel and
    status; names, addresses, bodies, subjects, attachments and raw messages go. Erasing
    again is harmless (`already_erased`). Recorded in the audit log."""
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins erase a customer's data")
    return erase_customer_data(agent.workspace_id, customer_id).__dict__


@router.get(
    "/{rowid:customer_id}/duplicates", response={200: list[DuplicateOut], 401: Error, 404: Error}
)
def duplicates(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    """Customers that may be the same person as this one, best first: computed within
    seconds of a customer's creation or change, never merged by themselves."""
    agent = current_agent(request)
    return [
        {
            "customer_id": d.customer.pk,
            "name": d.customer.name,
            "score": d.score,
            "reasons": d.reasons,
        }
        for d in duplicates_of(agent.workspace_id, customer_id)
    ]


@router.post(
    "/{rowid:customer_id}/duplicates/dismiss",
    response={204: None, 401: Error, 404: Error, 409: Error, 422: ValidationErrorOut},
)
def dismiss_duplicate(request: HttpRequest, customer_id: int, payload: OtherIn):  # type: ignore[no-untyped-def]
    """The two are different people: the pair is not suggested again."""
    agent = current_agent(request)
    dismiss_suggestion(agent.workspace_id, customer_id, payload.other_id, agent_id=agent.pk)
    return Status(204, None)


@router.post(
    "/{rowid:customer_id}/merge",
    response={200: MergeOut, 401: Error, 404: Error, 409: Error, 422: ValidationErrorOut},
)
def merge(request: HttpRequest, customer_id: int, payload: MergeIn):  # type: ignore[no-untyped-def]
    """Merge customer `other_id` into this one, in one transaction: her identities,
    conversations and custom fields (those this one lacks) move here. Recorded with who,
    when and why (audit log too) and undone by `unmerge`. 422 for a customer into itself,
    404 for one of another workspace, 409 for one merged away or erased already."""
    agent = current_agent(request)
    merged = merge_customers(
        agent.workspace_id, customer_id, payload.other_id, reason=payload.reason, agent_id=agent.pk
    )
    return _merge_out(merged)


@router.post(
    "/{rowid:customer_id}/unmerge",
    response={200: MergeOut, 401: Error, 404: Error, 409: Error, 422: ValidationErrorOut},
)
def unmerge(request: HttpRequest, customer_id: int, payload: UnmergeIn):  # type: ignore[no-untyped-def]
    """Undo merge `merge_id` into this customer: the identities and conversations that
    moved go back to the restored customer; those added after the merge stay here.
    409 for a merge undone already."""
    agent = current_agent(request)
    return _merge_out(unmerge_customers(agent.workspace_id, customer_id, payload.merge_id))


class OrderOut(Schema):
    id: int
    customer_id: int
    number: str
    total: str = Field(description="Decimal amount as text, such as `49.90`")
    currency: str
    status: str
    placed_at: datetime
    created_at: datetime
    updated_at: datetime


@router.get("/{rowid:customer_id}/orders", response={200: list[OrderOut], 401: Error, 404: Error})
def orders(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    """The customer's orders (posted by integrations to `POST /api/v1/orders`), latest
    placed first, at most 100."""
    agent = current_agent(request)
    return [present.order(o) for o in orders_of(agent.workspace_id, customer_id)]


ConsentKind = Field(description="A channel kind: email, whatsapp, sms, phone, telegram...")


class ConsentOut(Schema):
    purpose: Literal["service", "marketing"]
    channel_kind: str = ConsentKind
    granted: bool
    source: str = Field(description="`web_form`, `agent`, `api`, `unsubscribe_link`, `import`")
    by: str
    at: datetime


class ConsentsOut(Schema):
    do_not_contact: bool
    do_not_contact_since: datetime | None
    current: list[ConsentOut] = Field(description="What holds: the latest per purpose and kind")
    history: list[ConsentOut] = Field(description="Every change, latest first")


class ConsentIn(Schema):
    purpose: Literal["service", "marketing"]
    channel_kind: str = Field(max_length=16, description="email, whatsapp, sms, phone...")
    granted: StrictBool


class ConsentsIn(Schema):
    consents: list[ConsentIn] = Field(default_factory=list, max_length=50)
    do_not_contact: StrictBool | None = None
    source: Literal["web_form", "agent", "api", "unsubscribe_link", "import"] = "api"


def _consents_out(workspace_id: int, customer_id: int) -> dict[str, object]:
    customer = get_customer(workspace_id, customer_id)
    return {
        "do_not_contact": customer.do_not_contact,
        "do_not_contact_since": customer.do_not_contact_since,
        "current": [present.consent(c) for c in current_consents(customer.pk)],
        "history": [present.consent(c) for c in consent_history(customer.pk)],
    }


@router.get("/{rowid:customer_id}/consents", response={200: ConsentsOut, 401: Error, 404: Error})
def consents(request: HttpRequest, customer_id: int):  # type: ignore[no-untyped-def]
    """The customer's consents per purpose (service messages, marketing) and channel kind,
    with source and time, their history, and the do-not-contact flag. Without a record,
    service messages may go and marketing may not."""
    return _consents_out(current_agent(request).workspace_id, customer_id)


@router.put(
    "/{rowid:customer_id}/consents",
    response={200: ConsentsOut, 401: Error, 404: Error, 409: Error, 422: ValidationErrorOut},
)
def put_consents(request: HttpRequest, customer_id: int, payload: ConsentsIn):  # type: ignore[no-untyped-def]
    """Record consents given or withdrawn (and set or clear do-not-contact), with their
    source; what already holds is not recorded twice. Kinds: see `GET .../consents`'
    `channel_kind`. Audited."""
    agent = current_agent(request)
    customer = get_customer(agent.workspace_id, customer_id)
    kinds = consent_kinds()
    for item in payload.consents:
        if item.channel_kind not in kinds:
            raise InvalidInput(f"channel_kind must be one of {', '.join(kinds)}")
    set_consents(
        customer,
        [ConsentChange(c.purpose, c.channel_kind, c.granted) for c in payload.consents],
        source=payload.source,
        do_not_contact=payload.do_not_contact,
    )
    return _consents_out(agent.workspace_id, customer_id)


class IdentityIn(Schema):
    kind: str = Field(max_length=16, description="email, phone, whatsapp, telegram...")
    value: str = Field(max_length=320)


class IdentityAddedOut(Schema):
    id: int
    kind: str
    value: str


@router.post(
    "/{rowid:customer_id}/identities",
    response={201: IdentityAddedOut, 401: Error, 404: Error, 409: Error, 422: ValidationErrorOut},
)
def post_identity(request: HttpRequest, customer_id: int, payload: IdentityIn):  # type: ignore[no-untyped-def]
    """Add an address to the customer, normalised (a phone to E.164). 422 for a garbage
    phone or an email without a domain; 409 when another customer owns it (merge the two
    instead: `POST /customers/{id}/merge`)."""
    agent = current_agent(request)
    customer = get_customer(agent.workspace_id, customer_id)
    identity = add_identity(customer, payload.kind, payload.value)
    return Status(201, {"id": identity.pk, "kind": identity.kind, "value": identity.value})


@router.delete(
    "/{rowid:customer_id}/identities/{rowid:identity_id}",
    response={204: None, 401: Error, 404: Error},
)
def delete_identity(request: HttpRequest, customer_id: int, identity_id: int):  # type: ignore[no-untyped-def]
    """Remove an address from the customer (a wrong or old one)."""
    agent = current_agent(request)
    remove_identity(get_customer(agent.workspace_id, customer_id), identity_id)
    return Status(204, None)
