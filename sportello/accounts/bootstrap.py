"""What a fresh installation needs before anyone signs in: the default workspace, with the
generic API channel integrations post to, and a first admin agent.

It lives with accounts, not in core: it creates a channel and an agent, and core imports no
app above it. Channels sits on the same floor as accounts and imports nothing from it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from sportello.accounts.actions import ensure_admin
from sportello.accounts.models import Agent
from sportello.channels.actions import ensure_channel
from sportello.core.models import Workspace


@transaction.atomic
def ensure_default_workspace() -> Workspace:
    """The first workspace, with the generic API channel integrations post to."""
    workspace = Workspace.objects.order_by("pk").first()
    if workspace is None:
        workspace = Workspace.objects.create(
            name=settings.DEFAULT_WORKSPACE_NAME,
            slug=slugify(settings.DEFAULT_WORKSPACE_NAME) or "default",
            language=settings.LANGUAGE_CODE,
            time_zone=settings.TIME_ZONE,
        )
    ensure_channel(workspace.pk, kind="api", name="API", slug="api")
    return workspace


def ensure_first_admin(workspace: Workspace) -> tuple[Agent, str | None] | None:
    """On first run, an admin agent: ``SPORTELLO_ADMIN_EMAIL`` or ``admin@localhost``.

    Returns the agent and the password generated for it (to be shown once, ``None`` when
    ``SPORTELLO_ADMIN_PASSWORD`` gave one or the login already existed), or ``None`` when the
    workspace already has agents and no admin email is configured.
    """
    if Agent.objects.filter(workspace=workspace).exists() and not settings.ADMIN_EMAIL:
        return None
    email = settings.ADMIN_EMAIL or "admin@localhost"
    return ensure_admin(workspace, email, settings.ADMIN_PASSWORD)
