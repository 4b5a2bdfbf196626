"""The read side of the acknowledgement: its settings and texts as the API shows them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sportello.automation import wording
from sportello.automation.models import AcknowledgementSettings
from sportello.core import sql
from sportello.core.models import Workspace
from sportello.sla.hours import add_business_time
from sportello.sla.models import SlaPolicy
from sportello.sla.queries import opening_hours


def acknowledgement_settings(workspace_id: int) -> AcknowledgementSettings:
    """The workspace's settings; the defaults (off, the default texts) as an unsaved row
    until an admin changes them, so reading never writes."""
    found = AcknowledgementSettings.objects.filter(workspace_id=workspace_id).first()
    return found or AcknowledgementSettings(workspace_id=workspace_id)


_ACKNOWLEDGES_SQL = (
    f"SELECT 1 FROM {AcknowledgementSettings._meta.db_table}"
    " WHERE workspace_id = %s AND is_enabled LIMIT 1"
)


def acknowledgements_on(workspace_id: int) -> bool:
    """Whether the workspace acknowledges new conversations: one indexed read for every
    new conversation, in plain SQL (docs/adr/0005; the ORM's ``exists()`` spent 0.5 ms
    building it)."""
    return sql.fetchone(_ACKNOWLEDGES_SQL, [workspace_id]) is not None


def due_for_a_message_now(workspace_id: int, now: datetime) -> datetime:
    """When the default policy would want a first reply to a message arriving ``now``:
    what the preview of the texts says (a real acknowledgement uses the conversation's
    own due time)."""
    policy = (
        SlaPolicy.objects.filter(workspace_id=workspace_id, is_default=True)
        .select_related("calendar")
        .first()
    )
    if policy is None:
        return now
    minutes = timedelta(minutes=policy.first_reply_minutes or 0)
    if not policy.first_reply_business:
        return now + minutes
    return add_business_time(opening_hours(policy.calendar), now, minutes)


def preview(settings: AcknowledgementSettings, language: str, now: datetime) -> str:
    """The text in ``language`` as a customer writing now would read it."""
    workspace = Workspace.objects.only("time_zone").get(pk=settings.workspace_id)
    return wording.fill(
        settings.template(language),
        language=language,
        due=due_for_a_message_now(settings.workspace_id, now),
        zone=ZoneInfo(workspace.time_zone),
        now=now,
        name="Mario Rossi" if language == "it" else "Jane Smith",
        number=1234,
    )
