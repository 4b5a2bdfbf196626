"""The nightly retention run."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.audit.actors import SYSTEM, acting_as
from sportello.privacy.actions import apply_retention, workspaces_with_retention

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="47", hour="2"))
def apply_retention_policies() -> None:
    """Nightly: each workspace's retention policy, applied by the system. A workspace that
    fails is logged and the others still run."""
    with acting_as(SYSTEM):
        for workspace_id in workspaces_with_retention():
            try:
                apply_retention(workspace_id)
            except Exception:
                log.exception("retention failed for workspace %s", workspace_id)
