"""WhatsApp's templates in the agent UI: the reply box's "send template" (one action,
``providers.whatsapp.actions.send_template``) and the channel settings' "sync templates"
(``sync_templates``). Plain posts that redirect back to their page with a message: the
picker and the list are redrawn from the database."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.conversations.attachments import Upload
from sportello.conversations.queries import get_conversation_by_number
from sportello.core.errors import InvalidInput, SportelloError
from sportello.providers.whatsapp.actions import send_template, sync_templates
from sportello.web.pages import agent_of, agent_required
from sportello.web.views.settings import _channel, admin_required

MAX_PARAMETERS = 100


def _buttons(request: HttpRequest) -> list[dict[str, object]]:
    """The picker's ``url_suffix_<index>`` and ``payload_<index>`` fields as the action
    takes them (a field left empty is not a value)."""
    given: dict[int, dict[str, object]] = {}
    for key, value in request.POST.items():
        kind, _sep, index = key.rpartition("_")
        if kind in ("url_suffix", "payload") and index.isdigit() and len(index) == 1 and value:
            given.setdefault(int(index), {"index": int(index)})[kind] = value[:1000]
    return [given[i] for i in sorted(given)]


def _header_file(request: HttpRequest) -> Upload | None:
    file = request.FILES.get("header_file")
    if file is None:
        return None
    if file.size is not None and file.size > settings.ATTACHMENT_MAX_FILE_BYTES:
        raise InvalidInput(
            _("header: the file is larger than %(limit)d bytes")
            % {"limit": settings.ATTACHMENT_MAX_FILE_BYTES}
        )
    return Upload(file.name or "allegato", file.read())


@agent_required
@require_POST
def send_template_view(request: HttpRequest, number: int) -> HttpResponse:
    agent = agent_of(request)
    conversation = get_conversation_by_number(agent.workspace_id, number)
    parameters = request.POST.getlist("parameters")[:MAX_PARAMETERS]
    try:
        send_template(
            conversation,
            agent,
            request.POST.get("name", "")[:512],
            request.POST.get("language", "")[:16],
            parameters,
            header_text=request.POST.get("header_text", "")[:1000],
            header_link=request.POST.get("header_link", "")[:2000],
            header_file=_header_file(request),
            buttons=_buttons(request),
        )
    except SportelloError as exc:
        messages.error(
            request, _("The template was not sent: %(reason)s") % {"reason": exc.message}
        )
    else:
        messages.success(request, _("Template sent."))
    return redirect("web:conversation", number=conversation.number)


@admin_required
@require_POST
def sync_templates_view(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id)
    if channel.kind != "whatsapp":
        raise Http404("not a WhatsApp channel")
    try:
        synced = sync_templates(channel)
    except SportelloError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Templates synced: %(total)d, of which %(approved)d approved.")
            % {"total": synced.total, "approved": synced.approved},
        )
    return redirect("web:settings_channel", channel_id=channel.pk)
