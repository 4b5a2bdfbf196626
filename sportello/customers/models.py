"""Customers, the identities they write from, and the organisations they belong to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.channels import registry
from sportello.core.models import Timestamped, WorkspaceScoped


class IdentitySource(models.TextChoices):
    CHANNEL = "channel", _("channel")
    SIGNATURE = "signature", _("signature")


class LifecycleStage(models.TextChoices):
    """Where a person stands with the business: someone who got in touch (lead), someone
    who bought (customer), someone who used to (former customer)."""

    LEAD = "lead", _("lead")
    CUSTOMER = "customer", _("customer")
    FORMER = "former", _("former customer")


class Segment(models.TextChoices):
    """Where a customer stands by her own buying and contact history (``segments`` holds
    the rules, ADR 0025): no purchase yet, buys now and then, buys regularly, or is
    slipping away (a regular buyer long overdue, or repeated bad experiences)."""

    NEW = "new", _("new")
    OCCASIONAL = "occasional", _("occasional")
    LOYAL = "loyal", _("loyal")
    AT_RISK = "at_risk", _("at risk")


class Organization(WorkspaceScoped, Timestamped):
    """A company a customer belongs to, when the customer is a business."""

    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("email domain"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="organization_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Customer(WorkspaceScoped, Timestamped):
    """One person, whatever channel they write from: one record, one history."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("organization"),
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    conversation_count = models.PositiveIntegerField(_("conversations"), default=0)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # The customer asked not to receive automatic replies (acknowledgements): agents' own
    # replies still reach them. A database default too, so ingest's plain-SQL insert needs
    # no change.
    no_automatic_replies = models.BooleanField(
        _("no automatic replies"), default=False, db_default=False
    )
    # Set when the customer's personal data was erased (GDPR art. 17): the row stays as a
    # tombstone, with its counters and no personal field, so statistics keep counting it.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    # Set when an agent merged this customer into another (``CustomerMerge``): the row stays,
    # empty of identities and conversations, so that the merge can be undone.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("merged into"),
    )
    # Lead, customer or former customer: set by agents and by orders (``actions.lifecycle``),
    # with when and why it last changed (``LifecycleChange`` keeps every change). Database
    # defaults, so ingest's plain-SQL insert needs no change.
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=10,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
        db_default=LifecycleStage.LEAD,
    )
    lifecycle_changed_at = models.DateTimeField(_("lifecycle changed at"), null=True, blank=True)
    lifecycle_reason = models.CharField(
        _("lifecycle reason"), max_length=200, blank=True, default="", db_default=""
    )
    # The person asked to be contacted no more (no acknowledgement, no automatic or new
    # outgoing message; agents' replies to what she writes still go): ``queries.consent``.
    do_not_contact = models.BooleanField(_("do not contact"), default=False, db_default=False)
    do_not_contact_since = models.DateTimeField(_("do not contact since"), null=True, blank=True)
    # The customer's segment (``segments.classify``), written by ``actions.segments`` on
    # an order, on a closed conversation, and by the nightly review at
    # ``segment_review_at``: the next instant the passing of time alone could change it
    # (NULL: time alone cannot). A database default, so ingest's plain-SQL insert needs
    # no change.
    segment = models.CharField(
        _("segment"),
        max_length=10,
        choices=Segment.choices,
        default=Segment.NEW,
        db_default=Segment.NEW,
    )
    segment_changed_at = models.DateTimeField(_("segment changed at"), null=True, blank=True)
    segment_review_at = models.DateTimeField(_("segment review at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # ``GET /api/v1/customers?segment=``, most recent first.
            models.Index(fields=["workspace", "segment", "-id"], name="customer_segment"),
            # The nightly review reads only the customers whose segment may have drifted.
            models.Index(
                fields=["segment_review_at"],
                condition=models.Q(segment_review_at__isnull=False),
                name="customer_segment_review",
            ),
            models.Index(fields=["workspace", "name"], name="customer_ws_name"),
            # The customer list, most recent contact first.
            models.Index(
                fields=["workspace", "-last_contact_at", "-id"], name="customer_recent_contact"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class Identity(WorkspaceScoped):
    """An address a customer is reached at. ``value`` is normalised, so one address in one
    workspace belongs to exactly one customer: that is what makes lookups certain.

    An ``unverified`` identity is an address that is not a valid one, kept as the sender
    wrote it (``"lottery spain"@example.com``, ``redacted@redacted``) so that the message is
    not lost: it is shown as unverified, matches only the very same text, and is never
    attached to a customer found through another identity."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="identities", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=registry.identity_kind_choices)
    value = models.CharField(_("address"), max_length=320)
    unverified = models.BooleanField(_("unverified"), default=False, db_default=False)
    # Where the address was learnt: the channel the customer wrote from (certain), or the
    # signature of one of their messages (``evidence.py``; lower trust: shown as such, never
    # enough alone to merge two customers).
    source = models.CharField(
        _("source"),
        max_length=12,
        choices=IdentitySource.choices,
        default=IdentitySource.CHANNEL,
        db_default=IdentitySource.CHANNEL,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "value"], name="identity_unique_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class CustomerMatchKey(WorkspaceScoped):
    """A blocking key of a customer (``matching.match_keys``: a name key, a phone, a company
    domain, a city with a surname...): customers that share one are compared for a
    duplicate suggestion, so a new customer is compared with a handful, not with everyone."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)

    class Meta:
        verbose_name = _("match key")
        verbose_name_plural = _("match keys")
        indexes = [models.Index(fields=["workspace", "key"], name="match_key_lookup")]


class SuggestionState(models.TextChoices):
    OPEN = "open", _("open")
    DISMISSED = "dismissed", _("dismissed")
    MERGED = "merged", _("merged")


class DuplicateSuggestion(WorkspaceScoped, Timestamped):
    """Two customers that may be one person, with a score in [0, 1] and the reasons
    (``matching.REASONS`` codes). A suggestion is never acted on by itself: an agent merges
    or dismisses it. ``customer_a`` is the one with the lower id, so a pair has one row."""

    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=SuggestionState.choices, default=SuggestionState.OPEN
    )
    decided_by = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("duplicate suggestion")
        verbose_name_plural = _("duplicate suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["customer_a", "customer_b"], name="duplicate_suggestion_pair"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "state", "-score"], name="duplicate_queue"),
            models.Index(fields=["customer_b"], name="duplicate_other"),
        ]


class CustomerMerge(WorkspaceScoped):
    """An agent merged ``merged`` into ``kept``: who, when, why, and a snapshot of what
    moved (identity ids, each participant's rows, the fields ``kept`` had before), enough
    to undo it (``actions.unmerge_customers``)."""

    kept = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges")
    merged = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by_name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        indexes = [models.Index(fields=["kept", "-created_at"], name="merge_kept_recent")]


class LifecycleChange(WorkspaceScoped):
    """One change of a customer's lifecycle stage: from what, to what, why, by whom."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    previous = models.CharField(max_length=10, choices=LifecycleStage.choices)
    stage = models.CharField(max_length=10, choices=LifecycleStage.choices)
    reason = models.CharField(max_length=200, blank=True)
    by_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("lifecycle change")
        verbose_name_plural = _("lifecycle changes")
        indexes = [models.Index(fields=["customer", "-at"], name="lifecycle_change_recent")]


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    PAID = "paid", _("paid")
    FULFILLED = "fulfilled", _("fulfilled")
    CANCELLED = "cancelled", _("cancelled")
    REFUNDED = "refunded", _("refunded")


# Statuses that make the person a customer.
BOUGHT = frozenset({OrderStatus.PAID, OrderStatus.FULFILLED})


class Order(WorkspaceScoped, Timestamped):
    """A minimal order record from an e-commerce integration (``POST /api/v1/orders``):
    enough to know that a person bought, what and when. One per (workspace, number): the
    shop posting it again updates status and total."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(_("order number"), max_length=64)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices)
    placed_at = models.DateTimeField(_("placed at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="order_number_unique")
        ]
        indexes = [models.Index(fields=["customer", "-placed_at"], name="order_customer_recent")]


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("service messages")
    MARKETING = "marketing", _("marketing")


class ConsentSource(models.TextChoices):
    WEB_FORM = "web_form", _("web form")
    AGENT = "agent", _("agent")
    API = "api", _("API")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("unsubscribe link")
    IMPORT = "import", _("import")


class Consent(WorkspaceScoped):
    """A customer gave or withdrew consent to messages of a ``purpose`` on a channel kind
    (email, whatsapp, sms, phone...). Rows are never changed: the latest per (purpose,
    channel kind) is what holds, the earlier ones are its history."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=10, choices=ConsentPurpose.choices)
    channel_kind = models.CharField(max_length=16)
    granted = models.BooleanField()
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    by_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["customer", "purpose", "-at"], name="consent_latest")]
