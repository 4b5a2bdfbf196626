"""An agent's API tokens: list, create (named, expiring), revoke. An admin lists and
revokes every token of the workspace."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from sportello.accounts import actions
from sportello.accounts.models import ApiToken
from sportello.accounts.queries import token_for, tokens_of, workspace_tokens
from sportello.api.auth import current_agent
from sportello.api.schemas import (
    ApiTokenCreatedOut,
    ApiTokenIn,
    ApiTokenOut,
    Error,
    ValidationErrorOut,
)
from sportello.core.errors import NotFound, PermissionDenied

router = Router(tags=["tokens"])


def _out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "agent_id": token.agent_id,
        "agent_name": token.agent.display_name,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
    }


@router.get("", response={200: list[ApiTokenOut], 401: Error, 403: Error, 422: ValidationErrorOut})
def list_(request: HttpRequest, all: bool = False):  # type: ignore[no-untyped-def]
    """Your tokens, newest first; ``all=true`` (admins) every token of the workspace."""
    agent = current_agent(request)
    if all and not agent.can_configure:
        raise PermissionDenied("only admins list the workspace's tokens")
    tokens = workspace_tokens(agent.workspace_id) if all else tokens_of(agent)
    return [_out(token) for token in tokens]


@router.post("", response={201: ApiTokenCreatedOut, 401: Error, 422: ValidationErrorOut})
def create(request: HttpRequest, payload: ApiTokenIn):  # type: ignore[no-untyped-def]
    """A new token acting as you, named for the integration that will hold it. Its key is
    in this answer only."""
    issued = actions.create_token(current_agent(request), payload.name, payload.lifetime_days)
    return Status(201, {**_out(issued.token), "token": issued.key})


@router.delete("/{rowid:token_id}", response={204: None, 401: Error, 404: Error})
def revoke(request: HttpRequest, token_id: int):  # type: ignore[no-untyped-def]
    """Revoke one of your tokens (an admin: any of the workspace's). It stops working at
    once."""
    token = token_for(current_agent(request), token_id)
    if token is None:
        raise NotFound("no such token")
    actions.revoke_token(token)
    return Status(204, None)
