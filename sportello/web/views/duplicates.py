"""One customer across channels, in the agent UI: duplicate suggestions on the customer
page and in a review queue, a merge with its confirmation, and its undo (issue 18)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.core.errors import SportelloError
from sportello.customers.actions.duplicates import dismiss_suggestion
from sportello.customers.actions.merge import merge_customers, unmerge_customers
from sportello.customers.queries import duplicate_queue, get_customer, merge_preview
from sportello.web.duplicate_reasons import REASON_LABELS
from sportello.web.pages import agent_of, agent_required, render_page
from sportello.web.views.customers import _page_number


@agent_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Pairs that may be one person, best first, for an agent to merge or dismiss."""
    agent = agent_of(request)
    number = _page_number(request.GET.get("page", ""))
    rows, more = duplicate_queue(agent.workspace_id, page=number)
    context = {
        "suggestions": rows,
        "number": number,
        "has_next": more,
        "reason_labels": REASON_LABELS,
        "nav_current": "customers",
    }
    return render_page(request, "web/customers/duplicates.html", context)


@agent_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, customer_id: int, other_id: int) -> HttpResponse:
    """GET: what a merge of ``other`` into this customer moves; POST: merge."""
    agent = agent_of(request)
    preview = merge_preview(agent.workspace_id, customer_id, other_id)
    if request.method == "POST":
        try:
            merge_customers(
                agent.workspace_id,
                customer_id,
                other_id,
                reason=request.POST.get("reason", "")[:500],
                agent_id=agent.pk,
            )
        except SportelloError as error:
            messages.error(request, error.message)
            return redirect("web:customer", customer_id=customer_id)
        messages.success(request, _("Customers merged. You can undo it below."))
        return redirect("web:customer", customer_id=customer_id)
    return render_page(
        request,
        "web/customers/merge.html",
        {"preview": preview, "nav_current": "customers"},
    )


@agent_required
@require_POST
def unmerge(request: HttpRequest, customer_id: int, merge_id: int) -> HttpResponse:
    agent = agent_of(request)
    get_customer(agent.workspace_id, customer_id)  # another workspace's: 404
    try:
        unmerge_customers(agent.workspace_id, customer_id, merge_id)
    except SportelloError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Merge undone: the two customers are separate again."))
    return redirect("web:customer", customer_id=customer_id)


@agent_required
@require_POST
def dismiss(request: HttpRequest, customer_id: int, other_id: int) -> HttpResponse:
    agent = agent_of(request)
    get_customer(agent.workspace_id, customer_id)  # another workspace's: 404
    try:
        dismiss_suggestion(agent.workspace_id, customer_id, other_id, agent_id=agent.pk)
    except SportelloError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Suggestion dismissed: they are different people."))
    back = request.POST.get("next", "")
    if back == "queue":
        return redirect("web:duplicates")
    return redirect("web:customer", customer_id=customer_id)
