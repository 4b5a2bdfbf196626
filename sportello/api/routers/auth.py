from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Status

from sportello.accounts.actions import issue_token
from sportello.accounts.queries import agent_for_user
from sportello.api.schemas import Error, TokenIn, TokenOut, ValidationErrorOut

router = Router(tags=["auth"])


@router.post("/token", auth=None, response={200: TokenOut, 401: Error, 422: ValidationErrorOut})
def create_token(request: HttpRequest, payload: TokenIn):  # type: ignore[no-untyped-def]
    """Exchange an agent's email and password for a bearer token."""
    user = authenticate(request, email=payload.email.strip().lower(), password=payload.password)
    agent = agent_for_user(user) if user is not None else None
    if agent is None:
        return Status(401, {"detail": "wrong email or password"})
    return Status(
        200,
        {
            "token": issue_token(agent, name="api login"),
            "agent_id": agent.pk,
            "workspace_id": agent.workspace_id,
        },
    )
