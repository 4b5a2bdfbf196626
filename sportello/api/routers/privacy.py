from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import Error, RetentionPolicyIn, RetentionPolicyOut, ValidationErrorOut
from sportello.core.errors import PermissionDenied
from sportello.privacy.actions import retention_policy, set_retention_policy
from sportello.privacy.models import RetentionPolicy

router = Router(tags=["privacy"])


def _admin(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins set the retention policy")
    return agent


def _out(policy: RetentionPolicy) -> dict[str, Any]:
    return {"months": policy.months, "action": policy.action, "last_run_at": policy.last_run_at}


@router.get("/retention", response={200: RetentionPolicyOut, 401: Error, 403: Error})
def get_retention(request: HttpRequest):  # type: ignore[no-untyped-def]
    """How long finished conversations are kept (admins); `months: null` keeps them for ever."""
    return _out(retention_policy(_admin(request).workspace_id))


@router.put(
    "/retention",
    response={200: RetentionPolicyOut, 401: Error, 403: Error, 422: ValidationErrorOut},
)
def put_retention(request: HttpRequest, payload: RetentionPolicyIn):  # type: ignore[no-untyped-def]
    """Set the retention policy (admins): resolved or closed conversations whose last
    activity is older than `months` are anonymised or deleted by a nightly job. Audited."""
    agent = _admin(request)
    policy = set_retention_policy(agent.workspace_id, months=payload.months, action=payload.action)
    return _out(policy)
