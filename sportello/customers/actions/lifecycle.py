"""The only writers of a customer's lifecycle stage, orders, consents, do-not-contact flag,
and of the addresses an agent adds or removes by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from sportello.audit import actions as audit
from sportello.audit.actors import actor_in
from sportello.channels import registry
from sportello.core import clock
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.core.events import publish
from sportello.customers import lifecycle_reasons
from sportello.customers.actions import IdentityKey, add_identities, create_unclaimed_customer
from sportello.customers.actions.segments import refresh_segment
from sportello.customers.events import CustomerUpdated
from sportello.customers.identities import normalize, normalize_email, normalize_phone
from sportello.customers.models import (
    BOUGHT,
    Consent,
    ConsentPurpose,
    ConsentSource,
    Customer,
    Identity,
    LifecycleChange,
    LifecycleStage,
    Order,
    OrderStatus,
)
from sportello.customers.queries import identity_owners

MAX_ORDER_TOTAL = Decimal("9999999999.99")


def _changed(customer: Customer, *fields: str) -> None:
    publish(
        CustomerUpdated(workspace_id=customer.workspace_id, customer_id=customer.pk, fields=fields)
    )


@transaction.atomic
def set_lifecycle_stage(
    customer: Customer, stage: str, *, reason: str = "", audit_it: bool = True
) -> bool:
    """Move the customer to ``stage`` (lead, customer, former) with the reason; a change
    is kept in ``LifecycleChange`` and the audit log. False when she was there already."""
    if stage not in LifecycleStage.values:
        raise InvalidInput(f"{stage!r} is not a lifecycle stage (lead, customer, former)")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.lifecycle_stage == stage:
        return False
    now = clock.now()
    actor = actor_in(customer.workspace_id)
    reason = reason.strip()[:200]
    LifecycleChange.objects.create(
        workspace_id=customer.workspace_id,
        customer_id=customer.pk,
        previous=locked.lifecycle_stage,
        stage=stage,
        reason=reason,
        by_name=actor.name[:200],
        at=now,
    )
    if audit_it:
        audit.record(
            customer.workspace_id,
            "customer.lifecycle_changed",
            target_type="customer",
            target_id=customer.pk,
            detail={"from": locked.lifecycle_stage, "to": stage, "reason": reason},
        )
    Customer.objects.filter(pk=customer.pk).update(
        lifecycle_stage=stage, lifecycle_changed_at=now, lifecycle_reason=reason, updated_at=now
    )
    customer.lifecycle_stage, customer.lifecycle_changed_at = stage, now
    customer.lifecycle_reason = reason
    _changed(customer, "lifecycle_stage")
    return True


# Orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderIn:
    """An order as an integration posts it, not yet read."""

    number: str
    total: str | Decimal | float | int
    currency: str
    status: str
    placed_at: datetime
    email: str | None = None
    phone: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class RecordedOrder:
    order: Order
    created: bool
    customer_created: bool


def _order_identities(email: str | None, phone: str | None) -> list[IdentityKey]:
    """The normalised identities an order names; ``InvalidInput`` for a garbage one, or
    for none at all."""
    keys: list[IdentityKey] = []
    if email and email.strip():
        keys.append(("email", normalize_email(email)))
    if phone and phone.strip():
        keys.append(("phone", normalize_phone(phone)))
    if not keys:
        raise InvalidInput("an order needs the customer's email or phone")
    return keys


def _resolve(workspace_id: int, keys: list[IdentityKey], name: str) -> tuple[Customer, bool]:
    """The customer owning one of ``keys`` (as ingest resolves a sender: the same number
    under another kind, a WhatsApp id, counts too), the oldest first; else a new one."""
    from sportello.customers.identities import same_number_keys

    lookup = list(dict.fromkeys([*keys, *same_number_keys(keys)]))
    owners = identity_owners(workspace_id, lookup)
    if owners:
        customer = Customer.objects.get(pk=owners[0].customer_id)
        while customer.merged_into_id is not None:  # pragma: no cover (identities move)
            customer = Customer.objects.get(pk=customer.merged_into_id)
        add_identities(customer, keys)
        return customer, False
    created = create_unclaimed_customer(workspace_id, name=name, identities=keys)
    if created is None:  # claimed a moment ago by a concurrent request
        raise Conflict("the customer was created by another request: post the order again")
    return created, True


def _total(value: str | Decimal | float | int) -> Decimal:
    try:
        total = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{value!r} is not an amount") from None
    if not total.is_finite() or abs(total) > MAX_ORDER_TOTAL:
        raise InvalidInput(f"{value!r} is not an amount")
    return total


@transaction.atomic
def record_order(workspace_id: int, data: OrderIn) -> RecordedOrder:
    """Record an order (``POST /api/v1/orders``): its customer found by the normalised
    email or phone, or created; idempotent on (workspace, number), so a shop posting the
    same order again updates its status and total. A paid or fulfilled order makes the
    person a customer (``lifecycle_stage``); her segment follows at once."""
    number = data.number.strip().lstrip("#").strip()
    if not number or len(number) > 64:
        raise InvalidInput("an order number must be 1 to 64 characters")
    if data.status not in OrderStatus.values:
        raise InvalidInput(f"status must be one of {', '.join(OrderStatus.values)}")
    currency = data.currency.strip().upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise InvalidInput("currency must be a three-letter ISO 4217 code, such as EUR")
    total = _total(data.total)
    keys = _order_identities(data.email, data.phone)
    now = clock.now()
    existing = (
        Order.objects.select_for_update().filter(workspace_id=workspace_id, number=number).first()
    )
    customer_created = False
    if existing is not None:
        order, created = existing, False
        customer = Customer.objects.get(pk=order.customer_id)
        order.status, order.total, order.currency = data.status, total, currency
        order.placed_at = data.placed_at
        order.save(update_fields=["status", "total", "currency", "placed_at", "updated_at"])
    else:
        customer, customer_created = _resolve(workspace_id, keys, (data.name or "").strip())
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    workspace_id=workspace_id,
                    customer=customer,
                    number=number,
                    total=total,
                    currency=currency,
                    status=data.status,
                    placed_at=data.placed_at,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise Conflict(f"order {number} was posted by another request: post it again") from None
        created = True
    if data.status in BOUGHT and customer.lifecycle_stage != LifecycleStage.CUSTOMER:
        set_lifecycle_stage(
            customer,
            LifecycleStage.CUSTOMER,
            reason=lifecycle_reasons.stored("order", number=number),
            audit_it=False,
        )
    _changed(customer, "orders")
    refresh_segment(customer.pk)
    return RecordedOrder(order=order, created=created, customer_created=customer_created)


# Consent and do-not-contact ---------------------------------------------------------------


def consent_kinds() -> list[str]:
    """The channel kinds a consent may name: every channel kind and identity kind."""
    kinds = registry.kinds() + [k for k, _ in registry.identity_kind_choices()]
    return [k for k in dict.fromkeys(kinds) if k not in ("other", "api", "reviews")]


@dataclass(frozen=True)
class ConsentChange:
    purpose: str
    channel_kind: str
    granted: bool


@transaction.atomic
def set_consents(
    customer: Customer,
    changes: Iterable[ConsentChange],
    *,
    source: str,
    do_not_contact: bool | None = None,
) -> list[Consent]:
    """Record consents given or withdrawn (and the do-not-contact flag), with their source
    and time; a change equal to what holds already is not recorded again. One audit
    entry. ``InvalidInput`` for an unknown purpose, channel kind or source: nothing is
    kept."""
    if source not in ConsentSource.values:
        raise InvalidInput(f"source must be one of {', '.join(ConsentSource.values)}")
    wanted = list(changes)
    kinds = consent_kinds()
    for change in wanted:
        if change.purpose not in ConsentPurpose.values:
            raise InvalidInput(f"purpose must be one of {', '.join(ConsentPurpose.values)}")
        if change.channel_kind not in kinds:
            raise InvalidInput(f"channel kind must be one of {', '.join(kinds)}")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.erased_at is not None:
        raise Conflict("the customer's data was erased")
    from sportello.customers.queries import current_consents

    holding = {(c.purpose, c.channel_kind): c.granted for c in current_consents(customer.pk)}
    now = clock.now()
    by_name = actor_in(customer.workspace_id).name[:200]
    new = [
        Consent(
            workspace_id=customer.workspace_id,
            customer_id=customer.pk,
            purpose=change.purpose,
            channel_kind=change.channel_kind,
            granted=change.granted,
            source=source,
            by_name=by_name,
            at=now,
        )
        for change in {(c.purpose, c.channel_kind): c for c in wanted}.values()
        if holding.get((change.purpose, change.channel_kind)) != change.granted
    ]
    Consent.objects.bulk_create(new)
    flag_changed = do_not_contact is not None and do_not_contact != locked.do_not_contact
    if flag_changed:
        Customer.objects.filter(pk=customer.pk).update(
            do_not_contact=do_not_contact,
            do_not_contact_since=now if do_not_contact else None,
            updated_at=now,
        )
        customer.do_not_contact = bool(do_not_contact)
        customer.do_not_contact_since = now if do_not_contact else None
    if new or flag_changed:
        detail: dict[str, object] = {
            "source": source,
            "consents": [
                f"{c.purpose}:{c.channel_kind}:{'granted' if c.granted else 'withdrawn'}"
                for c in new
            ],
        }
        if flag_changed:
            detail["do_not_contact"] = do_not_contact
        audit.record(
            customer.workspace_id,
            "customer.consent_changed",
            target_type="customer",
            target_id=customer.pk,
            detail=detail,
        )
        _changed(customer, "consents")
    return new


# Addresses an agent adds or removes -------------------------------------------------------


class IdentityTaken(Conflict):
    """The address belongs to another customer: merging the two is the way."""

    def __init__(self, owner_id: int, owner_name: str) -> None:
        super().__init__(f"this address belongs to customer {owner_id}: merge the two instead")
        self.owner_id = owner_id
        self.owner_name = owner_name


@transaction.atomic
def add_identity(customer: Customer, kind: str, value: str) -> Identity:
    """An agent adds an address to the customer: normalised (``InvalidInput`` for a garbage
    phone or an email without a domain), refused with ``IdentityTaken`` when another
    customer owns it. Audited."""
    kinds = [k for k, _ in registry.identity_kind_choices() if k != "other"]
    if kind not in kinds:
        raise InvalidInput(f"kind must be one of {', '.join(kinds)}")
    normalised = normalize(kind, value)
    owners = identity_owners(customer.workspace_id, [(kind, normalised)])
    if owners:
        if owners[0].customer_id == customer.pk:
            raise Conflict("the customer has this address already")
        raise IdentityTaken(owners[0].customer_id, owners[0].customer_name)
    added = add_identities(customer, [(kind, normalised)])
    if not added:  # claimed between the look-up and the insert
        raise Conflict("this address was just taken by another customer")
    audit.record(
        customer.workspace_id,
        "customer.identity_added",
        target_type="customer",
        target_id=customer.pk,
        detail={"kind": kind},
    )
    _changed(customer, "identities")
    return added[0]


@transaction.atomic
def remove_identity(customer: Customer, identity_id: int) -> None:
    """An agent removes an address from the customer (a wrong one, an old one)."""
    deleted, _ = Identity.objects.filter(
        workspace_id=customer.workspace_id, customer_id=customer.pk, pk=identity_id
    ).delete()
    if not deleted:
        raise NotFound("address not found")
    audit.record(
        customer.workspace_id,
        "customer.identity_removed",
        target_type="customer",
        target_id=customer.pk,
        detail={"identity_id": identity_id},
    )
    _changed(customer, "identities")
