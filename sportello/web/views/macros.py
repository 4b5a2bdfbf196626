"""The macro builder: the workspace's macros listed for every agent (what each does, in
short), and for admins the form that creates, edits, duplicates and deletes them with a
live preview of the reply. Each write is one action of ``automation.replies``, the API's
own, so both refuse alike and leave the same audit entries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from sportello.automation import replies
from sportello.automation.models import Macro
from sportello.automation.reply_queries import get_macro, macros
from sportello.automation.variables import VARIABLES
from sportello.core.errors import SportelloError
from sportello.core.ids import parse_id
from sportello.web.macro_forms import MacroForm, previews
from sportello.web.pages import agent_of, agent_required, render_page

# What each variable says, shown beside the reply's text.
VARIABLE_HELP = {
    "customer.name": gettext_lazy("the customer's full name"),
    "customer.first_name": gettext_lazy("the customer's first name"),
    "agent.name": gettext_lazy("the agent's name (the assignee's when a rule applies it)"),
    "conversation.number": gettext_lazy("the conversation's number"),
    "order.number": gettext_lazy("the order number the customer wrote"),
    "conversation.due": gettext_lazy("when the reply is due, in the customer's words"),
}


def _variables() -> list[tuple[str, str]]:
    return [("{{ " + name + " }}", str(VARIABLE_HELP[name])) for name in VARIABLES]


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    if agent_of(request).can_configure:
        return None
    return render(request, "web/403.html", status=403)


@agent_required
def macro_list(request: HttpRequest) -> HttpResponse:
    """Every macro with its steps; admins also get the buttons that change them."""
    agent = agent_of(request)
    rows = list(macros(agent.workspace_id))
    return render_page(
        request,
        "web/macros/list.html",
        {"nav_current": "macros", "macros": rows, "can_edit": agent.can_configure},
    )


def _editor(
    request: HttpRequest,
    form: MacroForm,
    macro: Macro | None,
    *,
    copy_of: Macro | None = None,
    status: int = 200,
) -> HttpResponse:
    agent = agent_of(request)
    context: dict[str, Any] = {
        "nav_current": "macros",
        "form": form,
        "macro": macro,
        "copy_of": copy_of,
        "variables": _variables(),
        "previews": previews(agent.workspace_id, agent, _values(form)),
    }
    return render_page(request, "web/macros/edit.html", context, status=status)


def _values(form: MacroForm) -> dict[str, Any]:
    """What the form holds so far (its initial values when not posted), for the preview;
    a choice that is not valid is left out."""
    if not form.is_bound:
        form = MacroForm(form.workspace_id, data=form.initial)
    form.is_valid()
    return form.values()


def _save(request: HttpRequest, macro: Macro | None) -> HttpResponse:
    agent = agent_of(request)
    form = MacroForm(agent.workspace_id, request.POST)
    if form.is_valid():
        try:
            if macro is None:
                saved = replies.create_macro(agent, **form.values())
                messages.success(request, _("Macro “%(name)s” added.") % {"name": saved.name})
            else:
                saved = replies.update_macro(agent, macro, **form.values())
                messages.success(request, _("Macro “%(name)s” saved.") % {"name": saved.name})
            return redirect("web:macros")
        except SportelloError as exc:
            form.refuse(exc)
    return _editor(request, form, macro, status=422)


@agent_required
@require_http_methods(["GET", "POST"])
def macro_new(request: HttpRequest) -> HttpResponse:
    """A new macro (admins); ``?from=<id>`` starts from a copy of that one."""
    refused = _forbidden(request)
    if refused is not None:
        return refused
    if request.method == "POST":
        return _save(request, None)
    agent = agent_of(request)
    copy_of = None
    initial: dict[str, Any] = {}
    source = parse_id(request.GET.get("from", ""))
    if source is not None:
        copy_of = get_macro(agent.workspace_id, source)
        name = _("%(name)s (copy)") % {"name": copy_of.name}
        initial = MacroForm.initial_of(copy_of, name=name[:120])
    form = MacroForm(agent.workspace_id, initial=initial)
    return _editor(request, form, None, copy_of=copy_of)


@agent_required
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, macro_id: int) -> HttpResponse:
    refused = _forbidden(request)
    if refused is not None:
        return refused
    agent = agent_of(request)
    macro = get_macro(agent.workspace_id, macro_id)
    if request.method == "POST":
        return _save(request, macro)
    form = MacroForm(agent.workspace_id, initial=MacroForm.initial_of(macro))
    return _editor(request, form, macro)


@agent_required
@require_POST
def macro_delete(request: HttpRequest, macro_id: int) -> HttpResponse:
    """Delete it; a rule that applies it records a failure and runs its other actions."""
    refused = _forbidden(request)
    if refused is not None:
        return refused
    agent = agent_of(request)
    macro = get_macro(agent.workspace_id, macro_id)
    replies.delete_macro(agent, macro)
    messages.success(request, _("Macro “%(name)s” deleted.") % {"name": macro.name})
    return redirect("web:macros")


@agent_required
@require_POST
def macro_preview(request: HttpRequest) -> HttpResponse:
    """The preview (htmx): the form as typed so far, its reply filled for the samples.
    Nothing is saved or checked here; the save does that."""
    refused = _forbidden(request)
    if refused is not None:
        return refused
    agent = agent_of(request)
    form = MacroForm(agent.workspace_id, request.POST)
    context = {"previews": previews(agent.workspace_id, agent, _values(form))}
    return render(request, "web/macros/_preview.html", context)
