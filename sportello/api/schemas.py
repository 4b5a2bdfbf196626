"""Request and response shapes of the REST API v1."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

from sportello.channels import registry
from sportello.conversations.models import Status
from sportello.core import clock
from sportello.ingest.inbound import sent_at_refusal

MAX_TEXT = 1_000_000


class Error(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[dict[str, Any]] = []


class TokenIn(Schema):
    email: str = Field(max_length=320)
    password: str = Field(max_length=500)


class TokenOut(Schema):
    token: str
    agent_id: int
    workspace_id: int


class SenderIn(Schema):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    handle: str | None = Field(None, max_length=320, description="The sender's id on the channel")


class InboundIn(Schema):
    channel: str = Field(max_length=60, description="The slug of an active channel, e.g. 'api'")
    external_id: str | None = Field(
        None, max_length=500, description="Your id for this message; the same id again is a replay"
    )
    sender: SenderIn
    subject: str | None = Field(None, max_length=998)
    text: str = Field(max_length=MAX_TEXT)
    html: str | None = Field(None, max_length=2 * MAX_TEXT)
    sent_at: datetime | None = None
    in_reply_to: str | None = Field(
        None, max_length=500, description="external_id of an earlier message this one answers"
    )

    @field_validator("text")
    @classmethod
    def text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value

    @field_validator("sent_at")
    @classmethod
    def sent_at_plausible(cls, value: datetime | None) -> datetime | None:
        """Refused here, at the edge, rather than stored and failing in the pipeline:
        a retry cannot make year 1 convertible to UTC."""
        if value is not None and (why := sent_at_refusal(value, clock.now())) is not None:
            raise ValueError(why)
        return value

    @field_validator("external_id", "in_reply_to")
    @classmethod
    def id_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value else value


class InboundOut(Schema):
    message_id: int
    conversation_id: int
    customer_id: int
    duplicate: bool


class IdentityOut(Schema):
    kind: str
    value: str


class AgentRef(Schema):
    id: int
    display_name: str


class TeamRef(Schema):
    id: int
    name: str


class ChannelRef(Schema):
    id: int
    slug: str
    kind: str
    name: str


class CustomerRef(Schema):
    id: int
    name: str


class CustomerOut(Schema):
    id: int
    name: str
    organization: str | None
    language: str
    custom_fields: dict[str, Any]
    identities: list[IdentityOut]
    conversation_count: int
    last_contact_at: datetime | None
    created_at: datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=200)
    organization: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=8)
    custom_fields: dict[str, Any] | None = None


class ConversationSummary(Schema):
    id: int
    number: int
    subject: str
    status: str
    priority: int
    customer: CustomerRef
    channel: ChannelRef
    assignee: AgentRef | None
    team: TeamRef | None
    tags: list[str]
    language: str
    preview: str
    message_count: int
    first_reply_at: datetime | None
    waiting_since: datetime | None
    last_message_at: datetime
    created_at: datetime


class ConversationPage(Schema):
    items: list[ConversationSummary]
    next_cursor: str | None


class DeliveryOut(Schema):
    status: Literal["queued", "sending", "sent", "failed"]
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None = Field(
        None, description="When the provider reported the reply on the customer's device"
    )
    read_at: datetime | None = Field(None, description="When the provider reported it read")
    latest: Literal["queued", "sending", "sent", "delivered", "read", "failed"] = Field(
        description="What the agent is shown: the provider's latest receipt, else the status"
    )


class MessageOut(Schema):
    id: int
    kind: Literal["message", "note", "event"]
    direction: Literal["in", "out"]
    text: str
    html: str
    sender_name: str
    sender_agent_id: int | None
    sender_customer_id: int | None
    external_id: str | None
    event: str
    data: dict[str, Any]
    attachments: list[dict[str, Any]]
    language: str
    sent_at: datetime | None
    received_at: datetime | None
    created_at: datetime
    delivery: DeliveryOut | None = Field(
        None, description="For replies on channels that send (email...): did it leave"
    )


class ConversationDetail(ConversationSummary):
    customer_detail: CustomerOut
    snoozed_until: datetime | None
    resolved_at: datetime | None
    messages: list[MessageOut]


class ConversationPatch(Schema):
    status: Status | None = None
    snoozed_until: AwareDatetime | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    priority: int | None = Field(None, ge=0, le=3)
    tags: list[str] | None = Field(None, max_length=30)


class TextIn(Schema):
    text: str = Field(max_length=MAX_TEXT)

    @field_validator("text")
    @classmethod
    def text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    slug: str
    is_active: bool
    config: dict[str, Any] = Field(description="Provider settings; secrets are shown as ***")
    webhook_url: str | None = Field(
        description="Where the provider must post its webhooks (paste it in its dashboard); "
        "null for kinds that take none"
    )


def _kinds_enum(schema: dict[str, Any]) -> None:
    # Read when the OpenAPI document is made, after every provider has registered.
    schema["enum"] = registry.kinds()


class ChannelIn(Schema):
    kind: str = Field(json_schema_extra=_kinds_enum)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=60)
    config: dict[str, Any] = {}

    @field_validator("kind")
    @classmethod
    def kind_is_registered(cls, value: str) -> str:
        if value not in registry.kinds():
            raise ValueError(f"unknown kind {value!r}; use one of {', '.join(registry.kinds())}")
        return value


class ChannelPatch(Schema):
    name: str | None = Field(None, max_length=120)
    is_active: bool | None = None
    config: dict[str, Any] | None = Field(
        None, description="The whole config; a secret left out or sent as *** is kept"
    )
