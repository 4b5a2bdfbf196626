"""Orders from e-commerce integrations: a minimal record that tells who bought."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from sportello.api import present
from sportello.api.auth import current_agent
from sportello.api.routers.customers import OrderOut
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.customers.actions.lifecycle import OrderIn, record_order

router = Router(tags=["orders"])


class OrderCustomerIn(Schema):
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=200)


class OrderPost(Schema):
    customer: OrderCustomerIn
    number: str = Field(min_length=1, max_length=64, description="The shop's order number")
    total: Decimal = Field(max_digits=12, decimal_places=2)
    currency: str = Field("EUR", min_length=3, max_length=3)
    status: Literal["pending", "paid", "fulfilled", "cancelled", "refunded"]
    placed_at: datetime


class OrderPosted(OrderOut):
    created: bool = Field(description="False when the order existed and was updated")
    customer_created: bool


@router.post(
    "",
    response={
        200: OrderPosted,
        201: OrderPosted,
        401: Error,
        409: Error,
        422: ValidationErrorOut,
    },
)
def post_order(request: HttpRequest, payload: OrderPost):  # type: ignore[no-untyped-def]
    """Record an order: its customer is found by the email or phone (normalised as
    ingest does: '347 123 4567' is '+393471234567'), or created. Idempotent on the order
    number: posting it again updates status, total and date (200). A `paid` or
    `fulfilled` order makes the person a customer (`lifecycle_stage`). 422 for a garbage
    phone, an email without a domain, or neither."""
    agent = current_agent(request)
    recorded = record_order(
        agent.workspace_id,
        OrderIn(
            number=payload.number,
            total=payload.total,
            currency=payload.currency,
            status=payload.status,
            placed_at=payload.placed_at,
            email=payload.customer.email,
            phone=payload.customer.phone,
            name=payload.customer.name,
        ),
    )
    body = {
        **present.order(recorded.order),
        "created": recorded.created,
        "customer_created": recorded.customer_created,
    }
    return Status(201 if recorded.created else 200, body)
