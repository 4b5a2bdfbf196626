"""The acknowledgement's settings: admins read and change them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import AcknowledgementIn, AcknowledgementOut, Error, ValidationErrorOut
from sportello.automation.actions import update_acknowledgement_settings
from sportello.automation.models import AcknowledgementSettings
from sportello.automation.queries import acknowledgement_settings, preview
from sportello.core import clock
from sportello.core.errors import PermissionDenied
from sportello.sla.actions import ensure_defaults

router = Router(tags=["automation"])


def _admin(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins change the acknowledgement")
    ensure_defaults(agent.workspace_id)
    return agent


def _out(settings: AcknowledgementSettings) -> dict[str, Any]:
    now = clock.now()
    return {
        "is_enabled": settings.is_enabled,
        "template_it": settings.template_it,
        "template_en": settings.template_en,
        "min_hours_between": settings.min_hours_between,
        "preview_it": preview(settings, "it", now),
        "preview_en": preview(settings, "en", now),
    }


@router.get("", response={200: AcknowledgementOut, 401: Error, 403: Error})
def get_acknowledgement(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Whether new conversations get an automatic reply, its texts and how often a
    customer may get one (admins); off until an admin turns it on."""
    return _out(acknowledgement_settings(_admin(request).workspace_id))


@router.put("", response={200: AcknowledgementOut, 401: Error, 403: Error, 422: ValidationErrorOut})
def put_acknowledgement(request: HttpRequest, payload: AcknowledgementIn):  # type: ignore[no-untyped-def]
    """Set the acknowledgement (admins): on or off, the Italian and English texts (with
    `{time}` and `{date}` of the first reply's due time, `{name}`, `{number}`), and the
    hours before the same customer gets another one. Audited."""
    agent = _admin(request)
    settings = update_acknowledgement_settings(agent.workspace_id, **payload.model_dump())
    return _out(settings)
