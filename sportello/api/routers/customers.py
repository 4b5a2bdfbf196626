from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router, Schema

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
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.core.ids import parse_id
from sportello.customers.actions import update_customer
from sportello.customers.queries import get_customer, search_customers
from sportello.privacy.actions import erase_customer_data, export_customer

router = Router(tags=["customers"])


class CustomerQuery(Schema):
    q: str | None = None
    cursor: str | None = None
    limit: int = 25


@router.get("", response={200: CustomerPage, 401: Error, 422: ValidationErrorOut})
def list_(request: HttpRequest, filters: Query[CustomerQuery]):  # type: ignore[no-untyped-def]
    """Customers matching `q` (name, email, phone or handle), most recent first."""
    agent = current_agent(request)
    customers = search_customers(agent.workspace_id, filters.q or "").order_by("-pk")
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
    """Change name, organization, language, custom fields (merged; `null` removes one) or
    the customer's wish to receive no automatic replies."""
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
