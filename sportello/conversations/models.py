"""Conversations and the messages, notes and events that make up their timeline."""

from __future__ import annotations

from django.db import models
from django.db.models import DateTimeField, F, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# A conversation still to be dealt with: a customer's new message threads into it.
ACTIVE_STATUSES = (Status.OPEN, Status.PENDING, Status.SNOOZED)
# What the inbox's "open" views show (someone has to act now), and the finished ones.
ACTIVE_VIEW_STATUSES = (Status.OPEN, Status.PENDING)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

# The inbox's "longest waiting" and "nearest due" orders: one expression each, indexed as
# written here (SQLite uses an index on an expression only for the same expression, with
# its literals, not bound parameters). A conversation without a value sorts last: its key
# is a far date rather than NULL, so a cursor page never has to cross from values to NULLs.
# Two far dates: one for the conversations an active view shows (open, pending, and for
# "waiting" snoozed too), a later one for the others. So in the "open" view, sorted by due
# time, the open conversations without a clock come before every resolved one in the index:
# with one far date for both, SQLite walked the resolved ones (most of a workspace) to find
# them, 100 ms for a page of 20k conversations (docs/performance.md). The dates are written
# without a zone: PostgreSQL reads them in the connection's UTC, SQLite compares them as the
# text Django stores.
SORT_NONE = "9999-12-30 00:00:00"
SORT_LAST = "9999-12-31 00:00:00"
WAITING_SORT_SQL = (
    "CASE WHEN \"status\" IN ('open', 'pending', 'snoozed')"
    f" THEN COALESCE(\"waiting_since\", '{SORT_NONE}') ELSE '{SORT_LAST}' END"
)
# The due time of the reply the customer waits for: the first reply until there is one,
# then the next reply while a message is unanswered; none when the conversation is paused
# (pending), snoozed or done.
DUE_SORT_SQL = (
    "CASE WHEN \"status\" = 'open' THEN COALESCE(CASE"
    ' WHEN "first_reply_at" IS NULL THEN "first_reply_due_at"'
    ' WHEN "waiting_since" IS NOT NULL THEN "next_reply_due_at" END,'
    f" '{SORT_NONE}')"
    f" WHEN \"status\" = 'pending' THEN '{SORT_NONE}' ELSE '{SORT_LAST}' END"
)


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class SlaState(models.TextChoices):
    """Where a conversation stands against one SLA target (``sla`` decides, through the
    actions): the clock running, warned of a breach near, met, breached; NULL is no
    target (nullable so that adding the columns does not rebuild the table on SQLite)."""

    RUNNING = "running", _("Running")
    WARNED = "warned", _("Warned")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


# Targets whose clock still runs (the scanner's business).
RUNNING_SLA_STATES = (SlaState.RUNNING, SlaState.WARNED)


class Tag(WorkspaceScoped):
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="tag_unique")]

    def __str__(self) -> str:
        return self.name


class Conversation(WorkspaceScoped, Timestamped):
    """Everything said about one matter with one customer, across the messages of a channel.

    ``number`` is the business's reference (``#1042``), unique per workspace. Only
    ``conversations.actions`` writes conversations, so every change leaves a timeline event.
    """

    # Set by ``queries.with_tag_names`` on the conversations a read loads for display.
    tag_names: list[str]

    # Foreign keys whose lookups the composite indexes below already serve carry no index
    # of their own: every index is one more write per inbound message.
    workspace = models.ForeignKey(
        "core.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("workspace"),
    )
    number = models.PositiveBigIntegerField(_("number"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="conversations",
        db_index=False,
        verbose_name=_("customer"),
    )
    # No index of their own on channel and team: every inbound message moves the row in
    # the views' indexes (a new last_message_at), and each index costs on that update;
    # lists go through the views' indexes (conv_customer_active covers the channel when
    # ingest threads a message), and deleting a channel or a team is a rare scan.
    channel = models.ForeignKey(
        "sportello_channels.Channel",
        on_delete=models.PROTECT,
        related_name="conversations",
        db_index=False,
        verbose_name=_("channel"),
    )
    assignee = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        db_index=False,
        verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("team"),
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="conversations", verbose_name=_("tags")
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message at"))
    last_inbound_at = models.DateTimeField(_("last customer message at"), null=True, blank=True)
    waiting_since = models.DateTimeField(
        _("waiting since"),
        null=True,
        blank=True,
        help_text=_("When the customer's oldest unanswered message came."),
    )
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    message_count = models.PositiveIntegerField(_("messages"), default=0)
    preview = models.CharField(_("preview"), max_length=200, blank=True)
    # Set when its personal content was removed (an erasure, a retention policy): counts,
    # times, channel and status stay for statistics; subject and bodies are gone.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # SLA timers, set by the sla app through ``actions.update_sla`` and ingest's ``sla``
    # step. ``sla_policy_id`` is the policy applied (a plain id: conversations sit below
    # sla and know none of its models). ``sla_check_at`` is the next instant the breach
    # scanner must look at the conversation (a warning or a breach due), NULL when no
    # clock runs: the scanner reads one ordered range of its index.
    sla_policy_id = models.PositiveIntegerField(_("SLA policy id"), null=True, blank=True)
    first_reply_due_at = models.DateTimeField(_("first reply due"), null=True, blank=True)
    first_reply_sla = models.CharField(
        _("first reply SLA"), max_length=8, choices=SlaState.choices, null=True, blank=True
    )
    next_reply_due_at = models.DateTimeField(_("next reply due"), null=True, blank=True)
    next_reply_sla = models.CharField(
        _("next reply SLA"), max_length=8, choices=SlaState.choices, null=True, blank=True
    )
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_sla = models.CharField(
        _("resolution SLA"), max_length=8, choices=SlaState.choices, null=True, blank=True
    )
    sla_paused_at = models.DateTimeField(_("SLA paused at"), null=True, blank=True)
    sla_check_at = models.DateTimeField(_("SLA check at"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "number"], name="conversation_number_unique"
            )
        ]
        # The inbox's views, each an ordered walk of one index (keyset pagination): the
        # partial ones hold only the conversations a view can show. Each status set is one
        # that ``queries`` writes as literals (``literal_status_in`` says why). Changing a
        # set makes a migration; migrations keep their sets as plain strings: history must
        # not follow the code.
        indexes = [
            models.Index(fields=["workspace", "-last_message_at", "-id"], name="conv_recent"),
            models.Index(
                fields=["workspace", "status", "-last_message_at", "-id"], name="conv_status_recent"
            ),
            models.Index(
                fields=["workspace", "-last_message_at", "-id"],
                condition=Q(status__in=ACTIVE_VIEW_STATUSES),
                name="conv_active_recent",
            ),
            models.Index(
                fields=["workspace", "-last_message_at", "-id"],
                condition=Q(status__in=ACTIVE_VIEW_STATUSES, assignee__isnull=True),
                name="conv_unassigned_recent",
            ),
            models.Index(
                fields=["assignee", "-last_message_at", "-id"],
                condition=Q(status__in=ACTIVE_VIEW_STATUSES),
                name="conv_assignee_active",
            ),
            models.Index(
                fields=["team", "-last_message_at", "-id"],
                condition=Q(status__in=ACTIVE_VIEW_STATUSES),
                name="conv_team_active",
            ),
            models.Index(
                fields=["workspace", "-last_message_at", "-id"],
                condition=Q(status__in=DONE_STATUSES),
                name="conv_done_recent",
            ),
            models.Index(
                fields=["assignee", "-last_message_at", "-id"], name="conv_assignee_recent"
            ),
            models.Index(
                fields=["customer", "-last_message_at", "-id"], name="conv_customer_recent"
            ),
            models.Index(
                fields=["customer", "channel"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="conv_customer_active",
            ),
            # The inbox sorted by longest waiting and by nearest due reply.
            models.Index(
                F("workspace"),
                RawSQL(WAITING_SORT_SQL, (), DateTimeField()),
                F("id"),
                name="conv_waiting_order",
            ),
            models.Index(
                F("workspace"),
                RawSQL(DUE_SORT_SQL, (), DateTimeField()),
                F("id"),
                name="conv_due_order",
            ),
            # The clocks to recompute when a calendar or a policy changes: the active
            # conversations of a policy, in id order (``queries.clocks_to_follow``).
            models.Index(
                fields=["sla_policy_id", "id"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="conv_sla_policy_active",
            ),
            # The breach scanner: the conversations whose warning or breach is due.
            models.Index(
                fields=["sla_check_at"],
                condition=Q(sla_check_at__isnull=False),
                name="conv_sla_check",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class Kind(models.TextChoices):
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Internal note")
    EVENT = "event", _("Event")


class Message(WorkspaceScoped):
    """One entry of a conversation's timeline: a message in or out, an internal note, or an
    event (created, assigned, status changed...) so the history is complete by design.

    ``search_text`` is the stemmed text the full-text index reads (SQLite FTS5 or PostgreSQL).
    """

    # As on Conversation: only the indexes its queries use (``message_thread`` serves the
    # conversation; the others are lookups of rare deletions).
    workspace = models.ForeignKey(
        "core.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("workspace"),
    )
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        verbose_name=_("conversation"),
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.MESSAGE)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True, help_text=_("Sanitised HTML, safe to display."))
    sender_agent = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("agent who sent it"),
    )
    sender_customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer who sent it"),
    )
    sender_name = models.CharField(_("sender"), max_length=200, blank=True)
    channel = models.ForeignKey(
        "sportello_channels.Channel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("channel"),
    )
    external_id = models.CharField(_("external id"), max_length=500, null=True, blank=True)
    # The key a client sent with a reply (API ``Idempotency-Key``, the web form's hidden
    # key): a retried request finds the reply it stored instead of storing a second one.
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, null=True, blank=True)
    event = models.CharField(_("event"), max_length=32, blank=True)
    data = models.JSONField(_("event data"), default=dict, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    search_text = models.TextField(_("search text"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="message_thread"),
            models.Index(
                fields=["workspace", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_external_id",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="message_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} in {self.conversation_id}"


class ConversationRead(WorkspaceScoped):
    """When an agent last opened a conversation: the inbox shows a conversation as unread
    to that agent until they open it after its last customer message. One row per agent and
    conversation, moved forward by ``actions.mark_read``."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    agent = models.ForeignKey("accounts.Agent", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        verbose_name = _("conversation read")
        verbose_name_plural = _("conversation reads")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "agent"], name="conversation_read_once")
        ]


class LinkKind(models.TextChoices):
    REPEAT = "repeat", _("Repeat contact")


class LinkReason(models.TextChoices):
    SAME_REFERENCE = "same_reference", _("same order or ticket number")
    SIMILAR_TEXT = "similar_text", _("similar words")


class ConversationLink(WorkspaceScoped):
    """A conversation that is about the same matter as an earlier one of the same
    customer: a repeat contact ("3rd contact about this issue").

    ``earlier`` is the conversation it matched; ``first`` the one where the matter began
    (the earlier one's own ``first`` when that was a repeat too), so every contact about
    one matter points to the same conversation and ``contact_number`` (2 for the first
    repeat) is fixed when the link is made. ``reason`` and ``score`` say why: a shared
    order or ticket number (``reference``, score 1) or the texts' similarity. Written by
    ``actions.link_repeat_contact`` only."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="repeat_link"
    )
    earlier = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=LinkKind.choices, default=LinkKind.REPEAT)
    reason = models.CharField(max_length=16, choices=LinkReason.choices)
    reference = models.CharField(max_length=40, blank=True)
    score = models.FloatField()
    contact_number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("repeat contact link")
        verbose_name_plural = _("repeat contact links")
        indexes = [
            models.Index(fields=["first", "contact_number"], name="convlink_first"),
            models.Index(fields=["workspace", "created_at"], name="convlink_recent"),
        ]


class RepeatContactSettings(WorkspaceScoped):
    """How a workspace finds repeat contacts: a new conversation is compared with the
    customer's open ones and those resolved within ``window_days``. One row per workspace;
    without one, the defaults apply."""

    is_enabled = models.BooleanField(_("link repeat contacts"), default=True)
    window_days = models.PositiveSmallIntegerField(
        _("days after resolution a new contact is a repeat"), default=7
    )

    class Meta:
        verbose_name = _("repeat contact settings")
        verbose_name_plural = _("repeat contact settings")
        constraints = [models.UniqueConstraint(fields=["workspace"], name="repeat_settings_once")]
