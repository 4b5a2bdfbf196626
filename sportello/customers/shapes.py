"""A customer as integrations read it: ``GET /api/v1/customers/{id}`` answers with this
(``api.present``) and the webhooks send it (``webhooks.payloads``)."""

from __future__ import annotations

from typing import Any

from sportello.customers import lifecycle_reasons
from sportello.customers.models import Customer


def customer(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "organization": c.organization.name if c.organization is not None else None,
        "language": c.language,
        "custom_fields": c.custom_fields,
        "identities": [
            {"kind": i.kind, "value": i.value, "unverified": i.unverified, "source": i.source}
            for i in c.identities.all()
        ],
        "conversation_count": c.conversation_count,
        "last_contact_at": c.last_contact_at,
        "created_at": c.created_at,
        "no_automatic_replies": c.no_automatic_replies,
        "erased_at": c.erased_at,
        "lifecycle_stage": c.lifecycle_stage,
        "lifecycle_changed_at": c.lifecycle_changed_at,
        "lifecycle_reason": lifecycle_reasons.english(c.lifecycle_reason),
        "do_not_contact": c.do_not_contact,
        "segment": c.segment,
        "segment_changed_at": c.segment_changed_at,
    }
