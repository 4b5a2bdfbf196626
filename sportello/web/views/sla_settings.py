"""The settings pages of business hours and SLA policies, for admins: calendars (time
zone, weekly hours with split shifts, public holidays, exceptions, the channels and teams
timed on them) and the policies (targets in business or calendar time, conditions).

Thin views: ``web.sla_forms`` parses and says the refusals in the admin's language,
``sla.actions`` checks again as the API does and writes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sportello.accounts.models import Team
from sportello.channels.queries import workspace_channels
from sportello.conversations.actions.repeat import set_repeat_settings
from sportello.conversations.repeats import repeat_settings
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.sla import actions, queries
from sportello.sla.hours import CalendarInvalid
from sportello.sla.models import Calendar, SlaPolicy
from sportello.web.pages import agent_of
from sportello.web.sla_forms import TARGET_LABELS, CalendarForm, PolicyForm, RepeatContactsForm
from sportello.web.views.settings import _page, admin_required


def _workspace(request: HttpRequest) -> int:
    return agent_of(request).workspace_id


def _choices(request: HttpRequest) -> dict[str, Any]:
    workspace_id = _workspace(request)
    return {
        "channels": list(workspace_channels(workspace_id)),
        "teams": list(Team.objects.filter(workspace_id=workspace_id).order_by("name")),
    }


def _refusal(exc: InvalidInput | Conflict) -> str:
    """An action's refusal the form did not foresee, in the admin's language."""
    if isinstance(exc, Conflict):
        return _("Another one has this name.")
    if isinstance(exc, CalendarInvalid):
        if "subdivision" in exc.message:
            return _("Unknown province or region for this country: %(reason)s") % {
                "reason": exc.message
            }
        if "holidays" in exc.message:
            return _("No public holidays are known for this country.")
        if "time zone" in exc.message:
            return _("Unknown time zone: choose one from the list.")
    return _("Not saved: %(reason)s") % {"reason": exc.message}


@admin_required
def sla_home(request: HttpRequest, repeat_form: RepeatContactsForm | None = None) -> HttpResponse:
    workspace_id = _workspace(request)
    actions.ensure_defaults(workspace_id)
    calendars = list(queries.workspace_calendars(workspace_id))
    channels = {c.pk: c.name for c in workspace_channels(workspace_id)}
    teams = dict(Team.objects.filter(workspace_id=workspace_id).values_list("pk", "name"))
    calendar_rows = []
    for calendar in calendars:
        channel_ids, team_ids = queries.assignments_of(calendar)
        attached = [channels[i] for i in channel_ids if i in channels]
        attached += [teams[i] for i in team_ids if i in teams]
        calendar_rows.append((calendar, attached))
    names = {c.pk: c.name for c in calendars}
    policies = [
        (policy, names.get(policy.calendar_id, ""))
        for policy in queries.workspace_policies(workspace_id)
    ]
    enabled, days = repeat_settings(workspace_id)
    context = {
        "calendar_rows": calendar_rows,
        "policies": policies,
        "settings_tab": "sla",
        "repeat_form": repeat_form
        or RepeatContactsForm(initial={"is_enabled": enabled, "window_days": days}),
    }
    status = 422 if repeat_form is not None else 200
    return _page(request, "web/settings/sla.html", context, status=status)


@admin_required
@require_POST
def repeat_contacts(request: HttpRequest) -> HttpResponse:
    form = RepeatContactsForm(request.POST)
    if not form.is_valid():
        return sla_home(request, repeat_form=form)
    set_repeat_settings(
        _workspace(request),
        is_enabled=form.cleaned_data["is_enabled"],
        window_days=form.cleaned_data["window_days"],
    )
    messages.success(request, _("Repeat contacts saved."))
    return redirect("web:settings_sla")


def _calendar(request: HttpRequest, calendar_id: int) -> Calendar:
    try:
        return queries.get_calendar(_workspace(request), calendar_id)
    except NotFound:
        raise Http404("no such calendar") from None


@admin_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = _calendar(request, calendar_id) if calendar_id is not None else None
    if calendar is not None and request.method == "POST" and request.POST.get("delete"):
        try:
            actions.delete_calendar(calendar)
        except Conflict:
            messages.error(
                request,
                _("This calendar cannot be deleted: it is the default one, or policies use it."),
            )
            return redirect("web:settings_calendar", calendar_id=calendar.pk)
        messages.success(request, _("Calendar “%(name)s” deleted.") % {"name": calendar.name})
        return redirect("web:settings_sla")
    attached = queries.assignments_of(calendar) if calendar is not None else ([], [])
    new: dict[str, Any] = (
        {} if calendar else {"initial": {"time_zone": "Europe/Rome", "holiday_country": "IT"}}
    )
    form = CalendarForm(
        request.POST or None, calendar=calendar, attached=attached, **new, **_choices(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            if calendar is None:
                calendar = actions.create_calendar(_workspace(request), **form.fields_for_action())
            else:
                actions.update_calendar(calendar, **form.fields_for_action())
        except (InvalidInput, Conflict) as exc:
            form.add_error(None, _refusal(exc))
            if calendar is not None and calendar.pk:
                calendar.refresh_from_db()
        else:
            messages.success(request, _("Calendar “%(name)s” saved.") % {"name": calendar.name})
            return redirect("web:settings_sla")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "calendar": calendar, "settings_tab": "sla"}
    return _page(request, "web/settings/calendar.html", context, status=status)


def _policy(request: HttpRequest, policy_id: int) -> SlaPolicy:
    try:
        return queries.get_policy(_workspace(request), policy_id)
    except NotFound:
        raise Http404("no such policy") from None


@admin_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    workspace_id = _workspace(request)
    actions.ensure_defaults(workspace_id)
    policy = _policy(request, policy_id) if policy_id is not None else None
    if policy is not None and request.method == "POST" and request.POST.get("delete"):
        try:
            actions.delete_policy(policy)
        except Conflict:
            messages.error(request, _("The default policy cannot be deleted."))
            return redirect("web:settings_policy", policy_id=policy.pk)
        messages.success(request, _("Policy “%(name)s” deleted.") % {"name": policy.name})
        return redirect("web:settings_sla")
    calendars = list(queries.workspace_calendars(workspace_id))
    initial = (
        PolicyForm.initial_of(policy)
        if policy is not None
        else {
            "calendar": str(calendars[0].pk) if calendars else "",
            "first_reply_amount": 1,
        }
    )
    form = PolicyForm(
        request.POST or None,
        initial=initial,
        calendars=calendars,
        is_default=bool(policy and policy.is_default),
        **_choices(request),
    )
    if request.method == "POST" and form.is_valid():
        fields = form.fields_for_action()
        chosen = next(c for c in calendars if str(c.pk) == form.cleaned_data["calendar"])
        try:
            if policy is None:
                policy = actions.create_policy(workspace_id, chosen, **fields)
            else:
                actions.update_policy(policy, calendar=chosen, **fields)
        except (InvalidInput, Conflict) as exc:
            form.add_error(None, _refusal(exc))
        else:
            messages.success(request, _("Policy “%(name)s” saved.") % {"name": policy.name})
            return redirect("web:settings_sla")
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "policy": policy,
        "settings_tab": "sla",
        "target_labels": TARGET_LABELS,
    }
    return _page(request, "web/settings/policy.html", context, status=status)
