"""Request and response shapes of the REST API v1."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator, StrictBool, StrictInt, field_validator

from sportello.channels import registry
from sportello.conversations.models import Status
from sportello.core import clock
from sportello.ingest.inbound import sent_at_refusal

MAX_TEXT = 1_000_000

_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("a date and time with its time zone (2026-12-01T00:00:00Z), not a number")
    return value


# A moment a client names, in a query or a body: ISO 8601 with its offset, as the document
# says (format: date-time). Pydantic alone would read a number, or a string of digits, as
# seconds since 1970 in UTC: `?until=0.5` would be a moment of 1970, answered 200, rather
# than the mistake it is.
Moment = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]


class Error(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[dict[str, Any]] = []


class TokenIn(Schema):
    email: str = Field(max_length=320)
    password: str = Field(max_length=500)
    name: str | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="Which integration the token is for (default 'api login')",
    )


class TokenOut(Schema):
    token: str
    agent_id: int
    workspace_id: int
    id: int
    name: str
    expires_at: datetime


class ApiTokenIn(Schema):
    name: str = Field(
        min_length=1, max_length=120, description="Which integration the token is for"
    )
    lifetime_days: StrictInt | None = Field(
        None,
        ge=1,
        description="Days until it expires: the installation's default when absent, "
        "at most its maximum (SPORTELLO_TOKEN_MAX_LIFETIME_DAYS)",
    )


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters after 'spt_', to recognise it")
    agent_id: int
    agent_name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(description="The key: shown this once, never stored")


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
    unverified: bool = Field(
        description="An address that is not a valid one, kept as the customer's mail program "
        "wrote it so that the message was not lost; it matches only the very same text."
    )
    source: str = Field(
        "channel",
        description="Where the address was learnt: `channel` (the customer wrote from it) or "
        "`signature` (read in the signature of one of their messages: lower trust, never "
        "enough alone to merge two customers).",
    )


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
    no_automatic_replies: bool = Field(
        False, description="The customer asked to receive no automatic replies"
    )
    erased_at: datetime | None = Field(
        None, description="Set when the customer's personal data was erased (a tombstone)"
    )
    lifecycle_stage: Literal["lead", "customer", "former"] = Field(
        "lead", description="`lead`, `customer` (bought: a paid or fulfilled order) or `former`"
    )
    lifecycle_changed_at: datetime | None = None
    lifecycle_reason: str = ""
    do_not_contact: bool = Field(
        False,
        description="The person asked not to be contacted: no acknowledgement, automatic or "
        "new outgoing message (agents' replies to what she writes still go)",
    )
    segment: Literal["new", "occasional", "loyal", "at_risk"] = Field(
        "new",
        description="`new` (no purchase yet), `occasional`, `loyal` (regular orders, the "
        "last within a year) or `at_risk` (a regular buyer long overdue, or repeated "
        "breached or repeat contacts): docs/adr/0025-customer-segments.md",
    )
    segment_changed_at: datetime | None = None


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=200)
    organization: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=8)
    custom_fields: dict[str, Any] | None = None
    no_automatic_replies: StrictBool | None = None
    lifecycle_stage: Literal["lead", "customer", "former"] | None = None
    lifecycle_reason: str = Field("", max_length=200, description="Why the stage changed")


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


SlaStateOut = Literal["running", "warned", "met", "breached"] | None


class ConversationDetail(ConversationSummary):
    customer_detail: CustomerOut
    snoozed_until: datetime | None
    resolved_at: datetime | None
    first_reply_due_at: datetime | None = Field(description="When the first reply is due (UTC)")
    first_reply_sla: SlaStateOut = Field(
        description="The first-reply target: running, warned (breach near), met or breached"
    )
    next_reply_due_at: datetime | None = Field(
        description="When the reply to the customer's latest message is due (UTC)"
    )
    next_reply_sla: SlaStateOut
    resolution_due_at: datetime | None = Field(description="When resolution is due (UTC)")
    reply_channel_ids: list[int] = Field(
        description=(
            "The channels a reply can go out on: the conversation's own, then those of "
            "messages merged into it"
        )
    )
    reply_channel_id: int = Field(
        description="The channel a reply goes out on by default: that of the latest inbound message"
    )
    resolution_sla: SlaStateOut
    messages: list[MessageOut]


class ConversationPatch(Schema):
    status: Status | None = None
    snoozed_until: Moment | None = None
    assignee_id: StrictInt | None = None
    team_id: StrictInt | None = None
    priority: StrictInt | None = Field(None, ge=0, le=3)
    tags: list[str] | None = Field(None, max_length=30)


class ConversationBulkIn(Schema):
    """The same change to several conversations: any of assignee, team, status and tags
    to add (at least one). ``assignee_id: null`` unassigns, ``team_id: null`` clears the
    team."""

    # Strict: a JSON false or "3" is not a conversation's, an agent's or a team's id.
    ids: list[StrictInt] = Field(min_length=1, max_length=100)
    assignee_id: StrictInt | None = None
    team_id: StrictInt | None = None
    status: Literal["open", "pending", "resolved"] | None = None
    add_tags: list[str] = Field(default_factory=list, max_length=30)


class BulkRefusedOut(Schema):
    id: int
    reason: str


class ConversationBulkOut(Schema):
    updated: list[int] = Field(description="The ids changed (or already as asked)")
    refused: list[BulkRefusedOut] = Field(
        description="The ids not changed, each with why (another workspace's: not found)"
    )


class TextIn(Schema):
    text: str = Field(max_length=MAX_TEXT)

    @field_validator("text")
    @classmethod
    def text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class AttachmentIn(Schema):
    """A file attached to a reply or a note, base64 in the JSON body (the whole body is
    bounded by ``SPORTELLO_MAX_REQUEST_BYTES``, 5 MB by default: a larger file is refused
    with 413). Its type is read from its bytes; none is taken from the client."""

    filename: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(description="The file's bytes, standard base64")


class WriteIn(TextIn):
    attachments: list[AttachmentIn] = Field(
        default_factory=list,
        description=(
            "Files to attach (at most SPORTELLO_ATTACHMENT_MAX_FILES, each at most "
            "SPORTELLO_ATTACHMENT_MAX_FILE_BYTES, together at most "
            "SPORTELLO_ATTACHMENT_MAX_REPLY_BYTES; over a limit: 422). A reply by email "
            "carries them as MIME parts."
        ),
    )


class ReplyIn(WriteIn):
    channel_id: StrictInt | None = Field(
        None,
        description=(
            "The channel the reply goes out on: one of the conversation's (its own, or one "
            "that messages merged into it came on; see `reply_channel_ids`), by default the "
            "channel of the customer's latest message. Any other is refused (422)."
        ),
    )


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
    embed_snippet: str | None = Field(
        default=None,
        description="The HTML to paste in the website's pages (a web chat's script tag); "
        "null for kinds that are not embedded",
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
    is_active: StrictBool | None = None
    config: dict[str, Any] | None = Field(
        None, description="The whole config; a secret left out or sent as *** is kept"
    )


class ErasureOut(Schema):
    customer_id: int
    erased_at: datetime
    already_erased: bool = Field(description="The customer had been erased before")
    identities: int
    conversations: int = Field(description="Conversations anonymised by this erasure")
    messages: int
    attachments: int
    raw_records: int = Field(description="Stored raw inbound messages deleted")
    orders: int = Field(0, description="Order records deleted")
    consents: int = Field(0, description="Consent records deleted")


class AcknowledgementIn(Schema):
    is_enabled: StrictBool = Field(description="Send an automatic reply to every new conversation")
    template_it: str = Field(
        max_length=2000,
        description="The Italian text; placeholders {time}, {date}, {name}, {number}",
    )
    template_en: str = Field(max_length=2000, description="The English text, same placeholders")
    min_hours_between: StrictInt = Field(
        24, ge=0, le=24 * 365, description="Hours before the same customer gets another one"
    )


class AcknowledgementOut(Schema):
    is_enabled: bool
    template_it: str
    template_en: str
    min_hours_between: int
    preview_it: str = Field(description="The Italian text as a customer writing now reads it")
    preview_en: str = Field(description="The English text as a customer writing now reads it")


class RetentionPolicyIn(Schema):
    months: StrictInt | None = Field(
        description="Keep finished conversations this many months; null keeps them for ever",
        ge=1,
        le=1200,
    )
    action: Literal["anonymise", "delete"] = "anonymise"


class RetentionPolicyOut(Schema):
    months: int | None
    action: str
    last_run_at: datetime | None


class AuditActorOut(Schema):
    kind: str = Field(description="agent, operator or system")
    agent_id: int | None
    name: str


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: AuditActorOut
    action: str
    target_type: str
    target_id: int | None
    detail: dict[str, Any]
    ip: str | None


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_cursor: str | None


# A pair as a two-item list, not a tuple: OpenAPI tools read ``prefixItems`` unevenly.
Intervals = list[Annotated[list[str], Field(min_length=2, max_length=2)]]
_HOURS_HELP = (
    'Opening intervals by weekday (mon..sun) as "HH:MM" pairs, several a day for split '
    'shifts: {"mon": [["09:00", "13:00"], ["14:00", "18:00"]]}. Overlapping intervals, a '
    "week with no open hours and unknown time zones are refused."
)


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    hours: dict[str, Intervals]
    holiday_country: str
    holiday_subdivision: str
    closed_days: list[str]
    open_days: dict[str, Intervals]
    is_default: bool
    channel_ids: list[int] = Field(
        description="Channels whose conversations are timed on this calendar"
    )
    team_ids: list[int] = Field(
        description="Teams whose conversations are timed on it (a channel's calendar wins)"
    )


class CalendarIn(Schema):
    name: str = Field(max_length=100)
    time_zone: str = Field("Europe/Rome", max_length=64, description="An IANA time zone")
    hours: dict[str, Intervals] = Field(description=_HOURS_HELP)
    holiday_country: str = Field(
        "IT", max_length=3, description="Public holidays of this country ('' for none)"
    )
    holiday_subdivision: str = Field(
        "", max_length=10, description="A province or region adding its own (MI: 7 December)"
    )
    closed_days: list[str] = Field([], max_length=500, description="Extra closed days, YYYY-MM-DD")
    open_days: dict[str, Intervals] = Field(
        {}, description="Extra open days (YYYY-MM-DD) with their intervals, holidays included"
    )
    channel_ids: list[StrictInt] = Field(
        [],
        max_length=200,
        description=(
            "Channels timed on this calendar rather than the default one (a channel attached "
            "to another calendar moves here); a policy naming its own calendar keeps it"
        ),
    )
    team_ids: list[StrictInt] = Field(
        [], max_length=200, description="Teams timed on it, when their channel has none"
    )


class CalendarPatch(Schema):
    name: str | None = Field(None, max_length=100)
    time_zone: str | None = Field(None, max_length=64)
    hours: dict[str, Intervals] | None = None
    holiday_country: str | None = Field(None, max_length=3)
    holiday_subdivision: str | None = Field(None, max_length=10)
    closed_days: list[str] | None = Field(None, max_length=500)
    open_days: dict[str, Intervals] | None = None
    channel_ids: list[StrictInt] | None = Field(None, max_length=200)
    team_ids: list[StrictInt] | None = Field(None, max_length=200)


class PolicyConditions(Schema):
    """Which conversations a policy applies to: every list given must match (any of its
    values); an empty list matches all."""

    channels: list[StrictInt] = Field([], max_length=100, description="Channel ids")
    priorities: list[Literal[0, 1, 2, 3]] = Field([], max_length=4)
    teams: list[StrictInt] = Field([], max_length=100, description="Team ids")
    tags: list[str] = Field([], max_length=100)
    segments: list[Literal["new", "occasional", "loyal", "at_risk"]] = Field(
        [], max_length=4, description="Customers' segments (docs/adr/0025-customer-segments.md)"
    )


_TARGET = "Minutes; null for no target"
_BUSINESS = "Counted in the calendar's open hours (true) or around the clock (false)"


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    is_default: bool
    is_active: bool
    calendar_id: int
    conditions: PolicyConditions
    first_reply_minutes: int | None
    first_reply_business: bool
    next_reply_minutes: int | None
    next_reply_business: bool
    resolution_minutes: int | None
    resolution_business: bool
    warn_minutes: int


class PolicyIn(Schema):
    name: str = Field(max_length=100)
    position: StrictInt = Field(0, ge=0, le=10_000, description="Policies are tried in this order")
    is_active: StrictBool = True
    calendar_id: StrictInt | None = Field(None, description="Default: the workspace's calendar")
    conditions: PolicyConditions = Field(
        default_factory=lambda: PolicyConditions(
            channels=[], priorities=[], teams=[], tags=[], segments=[]
        )
    )
    first_reply_minutes: StrictInt | None = Field(60, ge=1, description=_TARGET)
    first_reply_business: StrictBool = Field(True, description=_BUSINESS)
    next_reply_minutes: StrictInt | None = Field(None, ge=1, description=_TARGET)
    next_reply_business: StrictBool = True
    resolution_minutes: StrictInt | None = Field(None, ge=1, description=_TARGET)
    resolution_business: StrictBool = True
    warn_minutes: StrictInt = Field(15, ge=0, description="Warn this long before a breach")


class PolicyPatch(Schema):
    name: str | None = Field(None, max_length=100)
    position: StrictInt | None = Field(None, ge=0, le=10_000)
    is_active: StrictBool | None = None
    calendar_id: StrictInt | None = None
    conditions: PolicyConditions | None = None
    first_reply_minutes: StrictInt | None = Field(None, ge=1)
    first_reply_business: StrictBool | None = None
    next_reply_minutes: StrictInt | None = Field(None, ge=1)
    next_reply_business: StrictBool | None = None
    resolution_minutes: StrictInt | None = Field(None, ge=1)
    resolution_business: StrictBool | None = None
    warn_minutes: StrictInt | None = Field(None, ge=0)


class RepeatSettingsIn(Schema):
    is_enabled: StrictBool = Field(
        description="Link a new conversation to the customer's open or recently resolved "
        "one about the same matter"
    )
    window_days: StrictInt = Field(
        ge=1,
        le=90,
        description="Days after a conversation is resolved during which a new contact about "
        "the same matter is a repeat (default 7)",
    )


class RepeatSettingsOut(RepeatSettingsIn):
    pass
