"""Canned replies in the agent UI: the page that keeps them, the reply box's picker (a
search and the text rendered for the conversation, as JSON for ``canned.js``), and the
conversation's macro menu. Each write is one action of ``automation.replies``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sportello.accounts.models import Agent
from sportello.automation import replies
from sportello.automation.models import CannedReply, ReplyLanguage
from sportello.automation.reply_queries import canned_replies, get_canned_reply, get_macro
from sportello.automation.variables import VARIABLES, unknown_variables
from sportello.automation.variables import render as render_reply
from sportello.conversations.queries import get_conversation_by_number
from sportello.core.errors import SportelloError
from sportello.web.pages import agent_of, agent_required, htmx_target, render_page, vary_on_htmx
from sportello.web.views.conversation import _panel_context, _thread_context

PICKER_LIMIT = 50


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    shortcut = forms.CharField(
        label=gettext_lazy("Shortcut"),
        max_length=41,
        help_text=gettext_lazy("Type it after / in the reply box, e.g. /shipping"),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=ReplyLanguage.choices, required=False
    )
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    shared = forms.BooleanField(label=gettext_lazy("Shared with the whole team"), required=False)

    def clean_shortcut(self) -> str:
        shortcut: str = self.cleaned_data["shortcut"].strip().lstrip("/").lower()
        if not replies.SHORTCUT.fullmatch(shortcut):
            raise forms.ValidationError(
                _("Use letters, digits, “-” or “_”, without spaces, e.g. /shipping.")
            )
        return shortcut


def _error_field(exc: SportelloError) -> str | None:
    name = exc.message.split(":", 1)[0]
    return name if name in CannedReplyForm.base_fields else None


def _page(
    request: HttpRequest,
    *,
    form: CannedReplyForm | None = None,
    editing: CannedReply | None = None,
    status: int = 200,
) -> HttpResponse:
    agent = agent_of(request)
    found = list(canned_replies(agent, q=request.GET.get("q", "")))
    for reply in found:
        reply.can_edit = replies.may_change_reply(agent, reply)  # type: ignore[attr-defined]
        reply.unknown = unknown_variables(reply.body)  # type: ignore[attr-defined]
    context = {
        "nav_current": "canned",
        "personal": [r for r in found if not r.is_shared],
        "shared": [r for r in found if r.is_shared],
        "form": form or CannedReplyForm(auto_id="canned_%s"),
        "editing": editing,
        "q": request.GET.get("q", ""),
        "variables": VARIABLES,
    }
    return render_page(request, "web/canned/page.html", context, status=status)


def _save(request: HttpRequest, agent: Agent, reply: CannedReply | None) -> HttpResponse:
    form = CannedReplyForm(request.POST, auto_id="canned_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if reply is None:
                replies.create_canned_reply(agent, **data)
                messages.success(request, _("Canned reply added."))
            else:
                data.pop("shared")
                replies.update_canned_reply(agent, reply, **data)
                messages.success(request, _("Canned reply saved."))
            return redirect("web:canned")
        except replies.ShortcutTaken:
            form.add_error("shortcut", _("Another reply already has this shortcut."))
        except SportelloError as exc:
            form.add_error(_error_field(exc), exc.message)
    return _page(request, form=form, editing=reply, status=422)


@agent_required
def canned_page(request: HttpRequest) -> HttpResponse:
    """The agent's own replies and the shared ones; a form to add one."""
    if request.method == "POST":
        return _save(request, agent_of(request), None)
    return _page(request)


@agent_required
def edit_canned(request: HttpRequest, reply_id: int) -> HttpResponse:
    """One reply in the form: the agent's own, or (admins) a shared one."""
    agent = agent_of(request)
    reply = get_canned_reply(agent, reply_id)
    if not replies.may_change_reply(agent, reply):
        return render(request, "web/403.html", status=403)
    if request.method == "POST":
        return _save(request, agent, reply)
    initial = {
        "title": reply.title,
        "shortcut": reply.shortcut,
        "language": reply.language,
        "body": reply.body,
        "shared": reply.is_shared,
    }
    return _page(request, form=CannedReplyForm(initial=initial, auto_id="canned_%s"), editing=reply)


@agent_required
@require_POST
def delete_canned(request: HttpRequest, reply_id: int) -> HttpResponse:
    agent = agent_of(request)
    try:
        replies.delete_canned_reply(agent, get_canned_reply(agent, reply_id))
    except SportelloError as exc:
        if exc.status_code == 403:
            return render(request, "web/403.html", status=403)
        raise
    messages.success(request, _("Canned reply deleted."))
    return redirect("web:canned")


# --- the reply box's picker ------------------------------------------------------------------


def _preview(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= 90 else text[:89] + "…"


@agent_required
@require_GET
def picker_search(request: HttpRequest, number: int) -> HttpResponse:
    """The replies matching ``q``, in the conversation's language or any, for the picker."""
    agent = agent_of(request)
    conversation = get_conversation_by_number(agent.workspace_id, number)
    language = conversation.language if conversation.language in ("it", "en") else ""
    found = canned_replies(agent, q=request.GET.get("q", "")[:200], language=language)
    items = [
        {
            "id": reply.pk,
            "shortcut": reply.shortcut,
            "title": reply.title,
            "preview": _preview(reply.body),
            "shared": reply.is_shared,
            "language": reply.language,
        }
        for reply in found[:PICKER_LIMIT]
    ]
    return JsonResponse({"items": items})


@agent_required
@require_GET
def picker_render(request: HttpRequest, number: int, reply_id: int) -> HttpResponse:
    """The reply's text for this conversation, its variables filled; nothing is sent."""
    agent = agent_of(request)
    conversation = get_conversation_by_number(agent.workspace_id, number)
    reply = get_canned_reply(agent, reply_id)
    rendered = render_reply(reply.body, conversation, agent, language=reply.language)
    return JsonResponse(
        {"text": rendered.text, "unknown": rendered.unknown, "missing": rendered.missing}
    )


# --- the macro menu --------------------------------------------------------------------------


@agent_required
@require_POST
def apply_macro(request: HttpRequest, number: int, macro_id: int) -> HttpResponse:
    """Apply a macro; with htmx the panel, the header and the thread come back changed."""
    agent = agent_of(request)
    conversation = get_conversation_by_number(agent.workspace_id, number)
    macro = get_macro(agent.workspace_id, macro_id)
    error = None
    try:
        replies.apply_macro(conversation, macro, agent)
    except SportelloError as exc:
        error = _("The macro was not applied: %(reason)s") % {"reason": exc.message}
    if htmx_target(request) is None:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Macro “%(name)s” applied.") % {"name": macro.name})
        return redirect(reverse("web:conversation", args=[number]))
    conversation = get_conversation_by_number(agent.workspace_id, number)
    context: dict[str, Any] = {
        **_panel_context(agent, conversation),
        **_thread_context(conversation),
        "macro_error": error,
    }
    return vary_on_htmx(
        render(request, "web/conversation/_triaged.html", context, status=422 if error else 200)
    )
