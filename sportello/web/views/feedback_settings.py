"""The surveys' settings page, for admins: CSAT after resolved conversations (on or off,
the delay, the days between two surveys to a customer, the question in Italian and
English) and the NPS survey (on or off, and a button to send it now).

Thin views: ``web.feedback_forms`` parses, ``feedback.actions`` checks again and writes."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sportello.core.errors import InvalidInput
from sportello.feedback import actions, queries
from sportello.web.feedback_forms import FeedbackSettingsForm
from sportello.web.pages import agent_of
from sportello.web.views.settings import _page, admin_required


@admin_required
@require_http_methods(["GET", "POST"])
def feedback_settings(request: HttpRequest) -> HttpResponse:
    workspace_id = agent_of(request).workspace_id
    current = queries.feedback_settings(workspace_id)
    status = 200
    if request.method == "POST":
        form = FeedbackSettingsForm(request.POST)
        if form.is_valid():
            try:
                actions.update_feedback_settings(workspace_id, **form.cleaned_data)
            except InvalidInput as refused:
                form.add_error(None, _("Not saved: %(reason)s") % {"reason": refused.message})
            else:
                messages.success(request, _("Surveys saved."))
                return redirect("web:settings_feedback")
        status = 422
    else:
        form = FeedbackSettingsForm(
            initial={name: getattr(current, name) for name in FeedbackSettingsForm.base_fields}
        )
    context = {"settings_tab": "feedback", "form": form, "current": current}
    return _page(request, "web/settings/feedback.html", context, status=status)


@admin_required
@require_POST
def send_nps_now(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    if not queries.feedback_settings(agent.workspace_id).nps_enabled:
        messages.error(request, _("Turn the NPS survey on first."))
        return redirect("web:settings_feedback")
    run = actions.send_nps_surveys(agent.workspace_id, by=agent.pk)
    messages.success(
        request,
        _("NPS survey sent to %(sent)s customers (%(skipped)s skipped).")
        % {"sent": run.sent, "skipped": run.skipped},
    )
    return redirect("web:settings_feedback")
