"""Business calendars and the SLA policies that measure conversations against them.

The due times themselves are columns of ``conversations.Conversation`` (the inbox sorts
and the scanner searches on them); this app decides their values, through the
conversations' actions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped

# The default calendar of a new workspace: the house's promise of a reply within one
# business hour is measured on it.
DEFAULT_HOURS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
DEFAULT_TIME_ZONE = "Europe/Rome"
DEFAULT_COUNTRY = "IT"
DEFAULT_FIRST_REPLY_MINUTES = 60
DEFAULT_WARN_MINUTES = 15


class Calendar(WorkspaceScoped, Timestamped):
    """When the business is open: weekly hours (several intervals a day for split shifts),
    a time zone, the public holidays of a country and subdivision (``holidays``), and the
    business's own closed and extra open days.

    ``hours`` is ``{"mon": [["09:00", "13:00"], ["14:00", "18:00"]], ...}``; ``open_days``
    maps a date to its intervals. ``sla.actions`` checks them (``OpeningHours.build``)
    before saving, so a stored calendar always computes."""

    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIME_ZONE)
    hours = models.JSONField(_("opening hours"), default=dict)
    holiday_country = models.CharField(
        _("holidays of country"), max_length=3, blank=True, default=DEFAULT_COUNTRY
    )
    holiday_subdivision = models.CharField(_("holidays of subdivision"), max_length=10, blank=True)
    closed_days = models.JSONField(_("closed days"), default=list, blank=True)
    open_days = models.JSONField(_("extra open days"), default=dict, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="calendar_name_unique"),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(is_default=True), name="calendar_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(WorkspaceScoped, Timestamped):
    """Reply and resolution targets for the conversations its conditions select.

    Policies are tried in ``position`` order; the first whose conditions all hold applies,
    and the default policy (no conditions, never deleted) catches the rest. Each target is
    in minutes of business time on ``calendar`` or of calendar time (24/7); ``None`` sets
    no target. ``conditions``: ``{"channels": [ids], "priorities": [0-3], "teams": [ids],
    "tags": [names], "segments": [customers' segments]}``, each a list of values any of
    which matches."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="policies", verbose_name=_("calendar")
    )
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    first_reply_minutes = models.PositiveIntegerField(_("first reply within"), null=True)
    first_reply_business = models.BooleanField(_("first reply in business time"), default=True)
    next_reply_minutes = models.PositiveIntegerField(_("next reply within"), null=True)
    next_reply_business = models.BooleanField(_("next reply in business time"), default=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution within"), null=True)
    resolution_business = models.BooleanField(_("resolution in business time"), default=True)
    warn_minutes = models.PositiveIntegerField(
        _("warn before breach"), default=DEFAULT_WARN_MINUTES
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="sla_policy_name_unique"),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(is_default=True), name="sla_policy_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarAssignment(WorkspaceScoped):
    """A calendar attached to one channel or one team: the due times of their
    conversations are counted on it (the channel's first, else the team's, else the
    policy's). A channel or a team has one calendar at most. A policy that names its own
    calendar (not the workspace's default one) keeps it: it was chosen on purpose."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="assignments")
    channel = models.ForeignKey(
        "sportello_channels.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("calendar assignment")
        verbose_name_plural = _("calendar assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["channel"], condition=Q(channel__isnull=False), name="calendar_per_channel"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=Q(team__isnull=False), name="calendar_per_team"
            ),
            models.CheckConstraint(
                condition=Q(channel__isnull=True, team__isnull=False)
                | Q(channel__isnull=False, team__isnull=True),
                name="calendar_channel_or_team",
            ),
        ]
