from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from sportello.api.auth import SessionAuth, TokenAuth, current_agent
from sportello.api.schemas import Error, InboundIn, InboundOut, ValidationErrorOut
from sportello.channels.queries import active_channel
from sportello.ingest.pipeline import ingest
from sportello.providers.api.adapter import to_inbound

router = Router(tags=["inbound"])


@router.post(
    "",
    url_name="inbound",
    response={200: InboundOut, 201: InboundOut, 401: Error, 413: Error, 422: ValidationErrorOut},
    auth=[TokenAuth(), SessionAuth()],
)
def post_inbound(request: HttpRequest, payload: InboundIn):  # type: ignore[no-untyped-def]
    """Deliver a customer's message from an integration (the generic channel).

    201 when stored; 200 with the original ids and `duplicate: true` when this
    `external_id` was already delivered on this channel.
    """
    agent = current_agent(request)
    channel = active_channel(agent.workspace_id, payload.channel)
    result = ingest(to_inbound(channel, payload), source="api", channel=channel)
    return Status(200 if result.duplicate else 201, result)
