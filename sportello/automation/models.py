"""The acknowledgement: its settings per workspace, and the record of each one sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.conversations.models import Priority, Status
from sportello.core.models import Timestamped, WorkspaceScoped

DEFAULT_TEMPLATES = {
    "it": (
        "Grazie per averci scritto: abbiamo ricevuto il tuo messaggio (pratica n. {number}). "
        "Ti risponderemo entro le {time} di {date}."
    ),
    "en": (
        "Thank you for writing to us: we have received your message (case no. {number}). "
        "We will reply by {time} on {date}."
    ),
}
DEFAULT_MIN_HOURS_BETWEEN = 24


class AcknowledgementSettings(WorkspaceScoped, Timestamped):
    """Whether and how a new conversation is acknowledged, one row per workspace.

    Off until an admin turns it on: an installation that upgrades does not start writing
    to its customers in words nobody in the business has read. ``min_hours_between``
    keeps a customer who opens several conversations from getting an acknowledgement for
    each. The templates are checked (``wording.check_template``) before they are saved."""

    is_enabled = models.BooleanField(_("send acknowledgements"), default=False)
    template_it = models.TextField(_("Italian text"), default=DEFAULT_TEMPLATES["it"])
    template_en = models.TextField(_("English text"), default=DEFAULT_TEMPLATES["en"])
    min_hours_between = models.PositiveIntegerField(
        _("hours between two acknowledgements to a customer"), default=DEFAULT_MIN_HOURS_BETWEEN
    )

    class Meta:
        verbose_name = _("acknowledgement settings")
        verbose_name_plural = _("acknowledgement settings")
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="ack_settings_one_per_workspace")
        ]

    def template(self, language: str) -> str:
        return self.template_en if language == "en" else self.template_it


class Acknowledgement(WorkspaceScoped):
    """An acknowledgement sent: one per conversation at most (the constraint makes a
    replayed event harmless), and the customer's latest tells when the next may go.

    Plain ids rather than foreign keys: conversations and customers are deleted and
    merged by their own apps' statements, which need not know this table."""

    customer_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField()
    message_id = models.BigIntegerField()
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["conversation_id"], name="ack_once_per_conversation")
        ]
        indexes = [
            models.Index(
                fields=["workspace", "customer_id", "-sent_at"], name="ack_customer_latest"
            )
        ]


# --- canned replies and macros (issue 14 point 4, issue 17 point 6) ---------------------------


class ReplyLanguage(models.TextChoices):
    ANY = "", _("Any language")
    ITALIAN = "it", _("Italian")
    ENGLISH = "en", _("English")


class CannedReply(WorkspaceScoped, Timestamped):
    """A reply written once and inserted many times, from the reply box (``/shortcut``)
    or by a macro. Shared (``owner`` empty: the whole workspace's, admins keep them) or
    personal (one agent's, only that agent sees and changes it).

    The body is plain text with a few variables (``replies.VARIABLES``) filled by a
    whitelist substitution, never by a template engine: a body is data, not code."""

    owner = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    title = models.CharField(_("title"), max_length=120)
    shortcut = models.CharField(_("shortcut"), max_length=40)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=ReplyLanguage.choices
    )
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "shortcut"],
                condition=models.Q(owner__isnull=True),
                name="canned_shared_shortcut_unique",
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut"],
                condition=models.Q(owner__isnull=False),
                name="canned_personal_shortcut_unique",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "shortcut"], name="canned_ws_shortcut")]

    def __str__(self) -> str:
        return f"/{self.shortcut}"

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


class SnoozePreset(models.TextChoices):
    HOUR = "1h", _("In 1 hour")
    TOMORROW = "tomorrow", _("Tomorrow morning")
    MONDAY = "monday", _("Next Monday")


class Macro(WorkspaceScoped, Timestamped):
    """A named set of steps an agent applies to a conversation with one click (or a rule
    applies by itself): a reply (a shared canned reply, or its own text with the same
    variables), a note, tags added and removed, a priority, an assignee or team, and a
    status (snooze by a preset). ``replies.apply_macro`` runs them through the
    conversations' and outbound's actions, all or none.

    ``reply_text`` is the reply for every customer (written in Italian, usually) unless
    ``reply_text_en`` is given too: then a customer who writes in English gets that one."""

    name = models.CharField(_("name"), max_length=120)
    canned_reply = models.ForeignKey(
        CannedReply,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("canned reply"),
    )
    reply_text = models.TextField(_("reply text"), blank=True)
    reply_text_en = models.TextField(_("reply text in English"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    add_tags = models.JSONField(_("tags to add"), default=list, blank=True)
    remove_tags = models.JSONField(_("tags to remove"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    assignee = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assign to"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    status = models.CharField(_("status"), max_length=16, blank=True)
    snooze = models.CharField(_("snooze"), max_length=16, blank=True, choices=SnoozePreset.choices)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="macro_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def steps(self) -> list[str]:
        """What it does, in short, in the reader's language: "reply · +shipped · Resolved"."""
        steps = []
        if self.canned_reply_id or self.reply_text or self.reply_text_en:
            steps.append(str(_("reply")))
        if self.note:
            steps.append(str(_("note")))
        steps += [f"+{tag}" for tag in self.add_tags] + [f"−{tag}" for tag in self.remove_tags]
        if self.priority is not None and self.priority in Priority.values:
            steps.append(str(Priority(self.priority).label))
        if self.assignee_id:
            steps.append(f"→ {self.assignee}")
        if self.team_id:
            steps.append(f"→ {self.team}")
        if self.status == Status.SNOOZED:
            steps.append(str(self.get_snooze_display()))
        elif self.status in Status.values:
            steps.append(str(Status(self.status).label))
        return steps


# --- rules (issue 17, point 5): event + conditions + actions -------------------------------


class RuleEvent(models.TextChoices):
    """What a rule waits for. The last two are seen by the periodic job (``jobs.py``),
    the others by the event handlers, after the triggering write committed."""

    CONVERSATION_CREATED = "conversation_created", _("Conversation created")
    MESSAGE_RECEIVED = "message_received", _("Message received")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNMENT_CHANGED = "assignment_changed", _("Assignment changed")
    SLA_WARNING = "sla_warning", _("SLA target about to be missed")
    SLA_BREACHED = "sla_breached", _("SLA target missed")
    PENDING_FOR = "pending_for", _("Pending for a while")
    UNASSIGNED_FOR = "unassigned_for", _("Open and unassigned for a while")
    REPEAT_CONTACT = "repeat_contact", _("Repeat contact about an earlier conversation")


# Events the periodic job looks for: they need ``wait_minutes``.
TIMED_EVENTS = (RuleEvent.PENDING_FOR, RuleEvent.UNASSIGNED_FOR)


class Rule(WorkspaceScoped, Timestamped):
    """A rule of the business: when ``event`` happens to a conversation and its
    ``conditions`` hold, do ``actions``, in order.

    ``conditions`` is ``{"all": [...], "any": [...]}``: every condition of ``all`` must
    hold, and one of ``any`` when it has some; each is ``{"field", "operator", "value"}``.
    ``actions`` is a list of ``{"type", ...}``. Both are checked by ``rules.schema``
    before they are saved, so a saved rule always runs. Rules of a workspace run in
    ``position`` order; ``stop_processing`` ends the run after this one applied.
    ``default_key`` names the rules Sportello gives every workspace (the SLA escalation):
    a business may change or disable them, not delete them."""

    name = models.CharField(_("name"), max_length=120)
    event = models.CharField(_("event"), max_length=24, choices=RuleEvent.choices)
    wait_minutes = models.PositiveIntegerField(_("after minutes"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    stop_processing = models.BooleanField(_("stop processing further rules"), default=False)
    default_key = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        indexes = [models.Index(fields=["workspace", "event", "position"], name="rule_event")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "default_key"],
                condition=~models.Q(default_key=""),
                name="rule_default_once",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RuleRun(WorkspaceScoped):
    """One rule applied (or stopped) on one conversation: the loop guard counts these,
    and the periodic job reads them so a time-based rule fires once per wait."""

    rule_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField()
    event = models.CharField(max_length=24)
    at = models.DateTimeField()
    stopped = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        indexes = [
            models.Index(fields=["rule_id", "conversation_id", "-at"], name="rulerun_latest")
        ]


class AssignmentTurn(WorkspaceScoped):
    """Whose turn it is in a team's round-robin: the agent a rule gave the last
    conversation to (locked while choosing the next)."""

    team_id = models.BigIntegerField()
    last_agent_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("assignment turn")
        verbose_name_plural = _("assignment turns")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "team_id"], name="turn_once_per_team")
        ]


class Notification(WorkspaceScoped):
    """Something an agent should know (a rule's ``notify``: an SLA warning, a breach),
    shown in the app until read, and mailed when the rule asks."""

    agent = models.ForeignKey("accounts.Agent", on_delete=models.CASCADE, related_name="+")
    conversation_id = models.BigIntegerField(null=True)
    rule_id = models.BigIntegerField(null=True)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["agent", "-created_at"], name="notification_agent")]


class WebhookStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookCall(WorkspaceScoped):
    """A rule's webhook: the JSON posted, signed (HMAC-SHA256 of the body with the rule
    action's secret), tried by a job with retries; every attempt's outcome is kept."""

    rule_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField()
    url = models.URLField(max_length=500)
    payload = models.JSONField(default=dict)
    secret = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=8, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook call")
        verbose_name_plural = _("webhook calls")


class RuleCursor(models.Model):
    """How far the rules' job has read a stream of timeline events (the SLA scanner's
    warnings and breaches): the scanner warns hundreds of conversations in one scan, and
    the rules that escalate them run in the job, not on the scanner's commit."""

    name = models.CharField(max_length=32, unique=True)
    last_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("rule cursor")
        verbose_name_plural = _("rule cursors")

    def __str__(self) -> str:
        return f"{self.name} after {self.last_id}"
