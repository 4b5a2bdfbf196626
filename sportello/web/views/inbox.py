"""The inbox: a view of the conversations, filtered, searched, sorted, a page at a time."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from sportello.conversations import actions
from sportello.conversations.actions.bulk import NOT_FOUND
from sportello.conversations.models import Conversation
from sportello.conversations.queries import (
    MAX_COUNTED,
    count_matches,
    list_conversations,
    recent_texts,
    unread_ids,
)
from sportello.core.errors import InvalidInput, SportelloError
from sportello.web.choices import workspace_choices
from sportello.web.forms import (
    DEFAULT_VIEW,
    SORT_LABELS,
    VIEW_LABELS,
    BulkForm,
    InboxFilterForm,
)
from sportello.web.pages import agent_of, agent_required, htmx_target, render_page, vary_on_htmx
from sportello.web.passages import passage, query_stems

PAGE_SIZE = 25


def _searched_text(matches: int) -> str:
    """What the results say they looked through: every conversation, and how many match."""
    if matches > MAX_COUNTED:
        return _("Searched all conversations: more than %(count)s results.") % {
            "count": MAX_COUNTED
        }
    return ngettext(
        "Searched all conversations: %(count)s result.",
        "Searched all conversations: %(count)s results.",
        matches,
    ) % {"count": matches}


@agent_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    workspace_id = agent.workspace_id
    choices = workspace_choices(workspace_id)
    form = InboxFilterForm(
        request.GET,
        agent=agent,
        agents=choices.agents,
        teams=choices.teams,
        channels=choices.channels,
    )
    inbox_filter = form.to_filter()
    try:
        page = list_conversations(
            workspace_id, agent, inbox_filter, cursor=form.value("cursor") or None, limit=PAGE_SIZE
        )
    except InvalidInput:
        # A cursor from an old link: start again from the first page.
        page = list_conversations(workspace_id, agent, inbox_filter, limit=PAGE_SIZE)
    unread = unread_ids(agent, page.items)
    for conversation in page.items:
        conversation.unread = conversation.pk in unread  # type: ignore[attr-defined]
    searching = bool(inbox_filter.q.strip())
    matches = None
    if searching:
        show_passages(page.items, inbox_filter.q)
        if htmx_target(request) != "load-more":
            matches = count_matches(workspace_id, agent, inbox_filter)
    context = {
        "form": form,
        "page": page,
        "view": form.value("view", DEFAULT_VIEW),
        "view_label": VIEW_LABELS[form.value("view", DEFAULT_VIEW)],
        "searching": searching,
        "matches_text": None if matches is None else _searched_text(matches),
        "q": inbox_filter.q.strip(),
        "sort_labels": SORT_LABELS,
        "nav_current": form.value("view", DEFAULT_VIEW),
    }
    target = htmx_target(request)
    if target == "load-more":
        return vary_on_htmx(render(request, "web/inbox/_rows.html", context))
    if target == "inbox-results":
        return vary_on_htmx(render(request, "web/inbox/_results.html", context))
    context["tags"] = choices.tags
    context["bulk_form"] = BulkForm(agents=choices.agents, teams=choices.teams)
    context["bulk_next"] = request.get_full_path()
    return render_page(request, "web/inbox/page.html", context)


@agent_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """The inbox's bulk bar: the same change to every selected row, through the actions (a
    timeline entry and a live event each), then back to the inbox as it was."""
    agent = agent_of(request)
    choices = workspace_choices(agent.workspace_id)
    form = BulkForm(request.POST, agents=choices.agents, teams=choices.teams)
    back = request.POST.get("next", "")
    inbox_url = reverse("web:inbox")
    if not (
        back.startswith(inbox_url)
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = inbox_url
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    try:
        result = actions.bulk_update(
            agent.workspace_id, agent, form.cleaned_data["ids"], **form.changes()
        )
    except SportelloError as exc:
        messages.error(request, _("The change was not saved: %(reason)s") % {"reason": exc.message})
        return redirect(back)
    if result.updated:
        count = len(result.updated)
        messages.success(
            request,
            ngettext("%(count)s conversation updated.", "%(count)s conversations updated.", count)
            % {"count": count},
        )
    for refused in result.refused:
        reason = _("not found") if refused.reason == NOT_FOUND else refused.reason
        messages.error(
            request,
            _("Conversation %(id)s was not changed: %(reason)s")
            % {"id": refused.id, "reason": reason},
        )
    return redirect(back)


def show_passages(conversations: list[Conversation], q: str) -> None:
    """Set ``passage`` on each search result: the newest of its messages the search
    matched, the matched words marked (a result found by its subject keeps its preview)."""
    stems = query_stems(q)
    texts = recent_texts([c.pk for c in conversations])
    for conversation in conversations:
        for text in texts.get(conversation.pk, []):
            found = passage(text, stems)
            if found is not None:
                conversation.passage = found  # type: ignore[attr-defined]
                break
