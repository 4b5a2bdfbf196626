"""The surveys' jobs: the CSAT surveys due (every minute) and the NPS run (daily)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.core import clock
from sportello.feedback import actions
from sportello.feedback.models import FeedbackSettings, Survey, SurveyStatus

log = logging.getLogger(__name__)

BATCH = 200


def send_due(limit: int = BATCH) -> int:
    """Send (or skip) the surveys whose delay is over, oldest first; how many were due.
    One transaction per survey: one that fails is logged and the others go."""
    due = list(
        Survey.objects.filter(status=SurveyStatus.SCHEDULED, due_at__lte=clock.now())
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for survey_id in due:
        try:
            actions.send_survey(survey_id)
        except Exception:
            log.exception("survey %s could not be sent", survey_id)
    return len(due)


@db_periodic_task(crontab(minute="*"))
def send_due_surveys() -> None:
    send_due()


@db_periodic_task(crontab(minute="23", hour="9"))
def send_nps_surveys() -> None:
    """Daily, at 09:23 UTC (working hours in Europe): each workspace with NPS on asks its
    customers who became eligible since yesterday."""
    for workspace_id in FeedbackSettings.objects.filter(nps_enabled=True).values_list(
        "workspace_id", flat=True
    ):
        try:
            actions.send_nps_surveys(workspace_id)
        except Exception:
            log.exception("NPS run of workspace %s failed", workspace_id)


@db_periodic_task(crontab(minute="37", hour="3"))
def forget_old_comments() -> None:
    """Nightly, after the retention run (02:47): the comments on conversations it
    anonymised or deleted go too."""
    actions.forget_answers_of_forgotten_conversations()
