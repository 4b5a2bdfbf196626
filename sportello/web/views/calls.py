"""The conversation page's call box: an agent logs a call back and how it went.

One action (``providers.phone.actions.log_call``). With htmx the box comes back (emptied,
or with its error) and the thread is swapped out of band, with the call on it; without
JavaScript the post redirects back to the page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sportello.conversations.queries import get_conversation_by_number
from sportello.core.errors import SportelloError
from sportello.providers.phone.actions import MAX_NOTE, log_call
from sportello.providers.phone.models import Outcome
from sportello.web.pages import agent_of, agent_required, htmx_target, vary_on_htmx
from sportello.web.views.conversation import _thread_context


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE)


@agent_required
@require_POST
def log_call_view(request: HttpRequest, number: int) -> HttpResponse:
    agent = agent_of(request)
    conversation = get_conversation_by_number(agent.workspace_id, number)
    form = CallForm(request.POST, auto_id="call_%s")
    logged = False
    if form.is_valid():
        try:
            log_call(conversation, agent, form.cleaned_data["outcome"], form.cleaned_data["note"])
            logged = True
        except SportelloError as exc:
            form.add_error(None, exc.message)
    if htmx_target(request) is None:
        if not logged:
            messages.error(request, " ".join(str(e) for es in form.errors.values() for e in es))
        return redirect(reverse("web:conversation", args=[conversation.number]))
    conversation = get_conversation_by_number(agent.workspace_id, number)
    context = {
        **_thread_context(conversation),
        "call_form": CallForm(auto_id="call_%s") if logged else form,
        "oob": True,
    }
    return vary_on_htmx(
        render(request, "web/conversation/_callback.html", context, status=200 if logged else 422)
    )
