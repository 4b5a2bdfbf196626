"""What a fresh installation needs before anyone signs in."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from sportello.channels.actions import ensure_channel
from sportello.channels.models import ChannelKind
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
    ensure_channel(workspace.pk, kind=ChannelKind.API, name="API", slug="api")
    return workspace
