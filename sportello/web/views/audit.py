"""The audit log, for the workspace's admins: who changed what, exported or erased whom."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sportello.accounts.queries import workspace_agents
from sportello.audit.models import ActorKind, AuditEntry
from sportello.audit.queries import AuditFilter, audit_actions, audit_entries
from sportello.core.ids import parse_id
from sportello.privacy.models import RetentionAction
from sportello.web.pages import agent_of, agent_required, render_page

ENTRIES_PER_PAGE = 50

# What each recorded verb says to a person; a verb without a label shows as recorded.
ACTION_LABELS = {
    "channel.created": gettext_lazy("Channel added"),
    "channel.updated": gettext_lazy("Channel changed"),
    "channel.deleted": gettext_lazy("Channel deleted"),
    "agent.created": gettext_lazy("Agent added"),
    "agent.updated": gettext_lazy("Agent changed"),
    "agent.deleted": gettext_lazy("Agent removed"),
    "team.created": gettext_lazy("Team added"),
    "team.updated": gettext_lazy("Team changed"),
    "team.deleted": gettext_lazy("Team deleted"),
    "token.issued": gettext_lazy("API token issued"),
    "token.revoked": gettext_lazy("API token revoked"),
    "apitoken.created": gettext_lazy("API token added"),
    "apitoken.updated": gettext_lazy("API token changed"),
    "apitoken.deleted": gettext_lazy("API token revoked"),
    "workspace.updated": gettext_lazy("Workspace settings changed"),
    "customer.exported": gettext_lazy("Customer data exported"),
    "customer.erased": gettext_lazy("Customer data erased"),
    "customer.merged": gettext_lazy("Customers merged"),
    "retention.policy_changed": gettext_lazy("Retention policy changed"),
    "retention.applied": gettext_lazy("Retention policy applied"),
    "agent.invited": gettext_lazy("Agent invited"),
    "two_factor.enabled": gettext_lazy("Two-factor authentication turned on"),
    "two_factor.disabled": gettext_lazy("Two-factor authentication turned off"),
    "two_factor.recovery_code_used": gettext_lazy("Recovery code used to sign in"),
    "sign_in_policy.updated": gettext_lazy("Sign-in policy changed"),
    "macro.created": gettext_lazy("Macro added"),
    "macro.updated": gettext_lazy("Macro changed"),
    "macro.deleted": gettext_lazy("Macro deleted"),
}
DETAIL_LABELS = {
    "name": gettext_lazy("name"),
    "fields": gettext_lazy("fields"),
    "kind": gettext_lazy("kind"),
    "slug": gettext_lazy("slug"),
    "prefix": gettext_lazy("prefix"),
    "identities": gettext_lazy("identities"),
    "conversations": gettext_lazy("conversations"),
    "messages": gettext_lazy("messages"),
    "attachments": gettext_lazy("attachments"),
    "raw_records": gettext_lazy("raw messages"),
    "rejected": gettext_lazy("refused messages"),
    "months": gettext_lazy("months"),
    "action": gettext_lazy("action"),
    "cutoff": gettext_lazy("last activity before"),
    "before": gettext_lazy("previously"),
    "after": gettext_lazy("now"),
    "already_erased": gettext_lazy("already erased"),
    "consents": gettext_lazy("consents"),
    "shortcut": gettext_lazy("shortcut"),
    "source": gettext_lazy("source"),
    "reason": gettext_lazy("reason"),
    "role": gettext_lazy("role"),
    "email": gettext_lazy("email"),
    "order": gettext_lazy("order"),
    "total": gettext_lazy("total"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "changed": gettext_lazy("changed"),
    "removed": gettext_lazy("removed"),
    "approved": gettext_lazy("approved"),
    "found": gettext_lazy("found"),
    "is_active": gettext_lazy("active"),
    "is_enabled": gettext_lazy("enabled"),
    "require_two_factor": gettext_lazy("require two-factor authentication"),
    "min_hours_between": gettext_lazy("hours between two acknowledgements to a customer"),
}
ACTOR_LABELS: dict[str, Any] = {
    ActorKind.SYSTEM: gettext_lazy("System"),
    ActorKind.OPERATOR: gettext_lazy("Operator"),
}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` where the admin is (their time zone, active for the request)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _models_by_name() -> dict[str, type[Model]]:
    return {m._meta.model_name or "": m for m in apps.get_models()}


def _field_label(model: type[Model] | None, name: str) -> str:
    """A changed field as the admin's form names it, in the reader's language."""
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value in RetentionAction.values:
        return str(RetentionAction(value).label)
    return str(value)


def _detail(entry: AuditEntry, models: dict[str, type[Model]]) -> list[tuple[str, str]]:
    shown = []
    for key, value in (entry.detail or {}).items():
        if key in ("via", "agent_id") or value in (None, "", [], {}):
            continue
        if key == "fields" and isinstance(value, list):
            model = models.get(entry.target_type)
            text = ", ".join(_field_label(model, str(v)) for v in value)
        elif isinstance(value, list):
            text = ", ".join(_value(v) for v in value)
        elif isinstance(value, dict):
            text = ", ".join(f"{DETAIL_LABELS.get(k, k)} {_value(v)}" for k, v in value.items())
        else:
            text = _value(value)
        shown.append((str(DETAIL_LABELS.get(key, key)), text))
    return shown


@agent_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    if not agent.can_configure:
        return render_page(
            request, "web/audit/page.html", {"forbidden": True, "nav_current": "audit"}, status=403
        )
    action = request.GET.get("action", "").strip()[:64]
    actor = request.GET.get("actor", "").strip()
    since, until = _day(request.GET.get("since", "")), _day(request.GET.get("until", ""))
    where = AuditFilter(
        action=action,
        actor_agent_id=parse_id(actor) if actor not in ActorKind.values else None,
        actor_kind=actor if actor in (ActorKind.SYSTEM, ActorKind.OPERATOR) else "",
        since=_start_of(since) if since else None,
        until=_start_of(until + timedelta(days=1)) if until else None,
    )
    cursor = parse_id(request.GET.get("cursor", ""))
    found = list(audit_entries(agent.workspace_id, where, before_id=cursor)[: ENTRIES_PER_PAGE + 1])
    entries = found[:ENTRIES_PER_PAGE]
    models = _models_by_name()
    context: dict[str, Any] = {
        "nav_current": "audit",
        "rows": [
            {
                "entry": e,
                "label": ACTION_LABELS.get(e.action),
                "who": e.actor_name
                if e.actor_kind == ActorKind.AGENT
                else ACTOR_LABELS[e.actor_kind],
                "detail": _detail(e, models),
            }
            for e in entries
        ],
        "next_cursor": entries[-1].pk if len(found) > ENTRIES_PER_PAGE else None,
        "actions": [(a, ACTION_LABELS.get(a, a)) for a in audit_actions(agent.workspace_id)],
        "agents": workspace_agents(agent.workspace_id),
        "actor_kinds": list(ACTOR_LABELS.items()),
        "chosen": {
            "action": action,
            "actor": actor,
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
        },
        "paged": cursor is not None,
    }
    return render_page(request, "web/audit/page.html", context)
