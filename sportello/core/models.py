"""Workspace: the business a row belongs to, and the mixins every scoped model shares."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.core import sql


class Workspace(models.Model):
    """One business. Every other row belongs to exactly one workspace.

    An installation hosts one workspace by default; an agency may host hundreds. The
    conversation counter lives here so numbers are per business and never reused.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    language = models.CharField(_("language"), max_length=8, default="it")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome")
    last_conversation_number = models.PositiveBigIntegerField(
        _("last conversation number"), default=0
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self) -> str:
        return self.name

    def next_conversation_number(self) -> int:
        """Allocate the next conversation number; must run inside the caller's transaction.

        The UPDATE takes the row lock, so concurrent allocations serialise and never share a
        number; a rolled-back transaction returns its number.
        """
        assert transaction.get_connection().in_atomic_block
        row = sql.fetchone(
            "UPDATE core_workspace SET last_conversation_number = last_conversation_number + 1"
            " WHERE id = %s RETURNING last_conversation_number",
            [self.pk],
        )
        assert row is not None, f"workspace {self.pk} does not exist"
        self.last_conversation_number = int(row[0])
        return self.last_conversation_number


class WorkspaceScoped(models.Model):
    """A row that belongs to one workspace; queries always filter on it."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )

    class Meta:
        abstract = True


class Timestamped(models.Model):
    # A default rather than auto_now_add, so importers and actions can give the real time.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


Row = TypeVar("Row", bound=WorkspaceScoped)


def replace_workspace_row(
    model: type[Row], workspace_id: int, values: dict[str, Any]
) -> tuple[Row, list[str]]:
    """Give the workspace's one row of ``model`` (a settings row, created on first use)
    ``values``, locked for the caller's transaction; returns it and the names whose value
    changed, sorted, for the audit entry."""
    manager = model._default_manager
    row, _ = manager.select_for_update().get_or_create(workspace_id=workspace_id)
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row, changed
