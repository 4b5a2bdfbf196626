"""Signing in to the API: an email and a password for a token, within the sign-in limits."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from sportello.accounts import logins
from sportello.accounts.actions import create_token
from sportello.accounts.queries import agent_for_user
from sportello.api.present import answer
from sportello.api.schemas import Error, TokenIn, TokenOut, ValidationErrorOut

router = Router(tags=["auth"])


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: Error, 422: ValidationErrorOut, 429: Error},
)
def create_token_for_login(request: HttpRequest, payload: TokenIn):  # type: ignore[no-untyped-def]
    """Exchange an agent's email and password for a bearer token, named ``name``.

    After repeated failures the account, or the client's address, is locked out for a
    while that doubles as the failures go on: 429 with ``Retry-After`` (seconds), before
    the password is even checked."""
    email = payload.email.strip().lower()
    address = logins.client_address(request)
    refused = logins.refusal(email, address)
    if refused is not None:
        return _too_many(refused)
    with logins.password_check() as busy:
        if busy is not None:
            return _too_many(busy)
        user = authenticate(request, email=email, password=payload.password)
    agent = agent_for_user(user) if user is not None else None
    if agent is None:
        logins.record_failure(email, address)
        return Status(401, {"detail": "wrong email or password"})
    logins.record_success(email)
    issued = create_token(agent, payload.name or "api login")
    return Status(
        200,
        {
            "token": issued.key,
            "agent_id": agent.pk,
            "workspace_id": agent.workspace_id,
            "id": issued.token.pk,
            "name": issued.token.name,
            "expires_at": issued.token.expires_at,
        },
    )


def _too_many(refused: logins.Refusal) -> HttpResponse:
    if refused.busy:
        detail = "too many sign-ins at this moment: try again in a second"
    else:
        detail = f"too many failed sign-ins: try again in {refused.retry_after} seconds"
    response = answer({"detail": detail}, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response
