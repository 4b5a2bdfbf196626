"""The conversation page's video call button (web chats): one click posts a meeting link.

One action (``providers.webchat.actions.offer_video_call``): the link goes out as the
agent's reply, so it is in the history and reaches the visitor live. With htmx the thread
comes back with the link on it; without JavaScript the post redirects back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.conversations.queries import get_conversation_by_number
from sportello.core.errors import SportelloError
from sportello.providers.webchat.actions import offer_video_call
from sportello.web.pages import agent_of, agent_required, htmx_target, vary_on_htmx
from sportello.web.views.conversation import _thread_context


@agent_required
@require_POST
def offer_video_call_view(request: HttpRequest, number: int) -> HttpResponse:
    agent = agent_of(request)
    conversation = get_conversation_by_number(agent.workspace_id, number)
    error = ""
    if conversation.channel.kind != "webchat":
        error = _("A video call can be offered in a web chat only.")
    else:
        try:
            offer_video_call(conversation, agent)
        except SportelloError as exc:
            error = exc.message
    if htmx_target(request) is None:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The video call link was sent to the visitor."))
        return redirect(reverse("web:conversation", args=[conversation.number]))
    if error:
        return vary_on_htmx(HttpResponse(error, status=422, content_type="text/plain"))
    conversation = get_conversation_by_number(agent.workspace_id, number)
    context = {**_thread_context(conversation), "agent": agent}
    thread = context["thread"]
    context["seen_id"] = thread[-1].pk if thread else 0
    return vary_on_htmx(render(request, "web/conversation/_live_thread.html", context))
