"""What the reviews channel keeps besides the conversations: where each feed stands
(its validators for a conditional request, when it was read, what went wrong)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped
from sportello.providers.reviews.reasons import stored_text


class FeedState(WorkspaceScoped, Timestamped):
    """One feed of a reviews channel as last read: ``etag`` and ``last_modified`` make
    the next read a conditional one (a 304 costs the site nothing), ``polled_at`` decides
    when it is due again, ``last_error`` is what the settings page shows: a reason's code
    and parameters (``reasons.Reason.as_stored``), worded for the reader by
    ``last_error_text``."""

    channel = models.ForeignKey(
        "sportello_channels.Channel", on_delete=models.CASCADE, related_name="+"
    )
    url = models.CharField(max_length=500)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    imported = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("review feed")
        verbose_name_plural = _("review feeds")
        constraints = [
            models.UniqueConstraint(fields=["channel", "url"], name="review_feed_unique")
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def last_error_text(self) -> str:
        return stored_text(self.last_error) if self.last_error else ""


class GoogleLocationState(WorkspaceScoped, Timestamped):
    """Where a channel's Google Business Profile location stands: the access token in
    use (renewed with the refresh token when Google says it expired, and kept here rather
    than in the channel's config, which only an admin writes), when it expires, when the
    reviews were last read, the newest ``updateTime`` seen (a later read stops paging at
    it) and what went wrong last, for the settings page."""

    channel = models.OneToOneField(
        "sportello_channels.Channel", on_delete=models.CASCADE, related_name="+"
    )
    location = models.CharField(max_length=100)
    access_token = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    newest_update = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    imported = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Google location")
        verbose_name_plural = _("Google locations")

    def __str__(self) -> str:
        return self.location

    @property
    def last_error_text(self) -> str:
        return stored_text(self.last_error) if self.last_error else ""
