"""Customers: a searchable list, and one customer with every conversation they had."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sportello.conversations.queries import customer_conversations
from sportello.customers.actions import update_customer
from sportello.customers.queries import get_customer, search_customers
from sportello.web.forms import CustomerForm
from sportello.web.pages import agent_of, agent_required, render_page

CUSTOMERS_PER_PAGE = 50


@agent_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    q = request.GET.get("q", "").strip()[:200]
    paginator = Paginator(search_customers(agent.workspace_id, q), CUSTOMERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render_page(
        request, "web/customers/list.html", {"page": page, "q": q, "nav_current": "customers"}
    )


@agent_required
@require_http_methods(["GET", "POST"])
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    agent = agent_of(request)
    customer = get_customer(agent.workspace_id, customer_id)
    if request.method == "POST":
        form = CustomerForm(request.POST)
        if form.is_valid():
            update_customer(
                customer,
                name=form.cleaned_data["name"],
                organization_name=form.cleaned_data["organization"],
            )
            messages.success(request, _("Customer saved."))
            return redirect("web:customer", customer_id=customer.pk)
        status = 422
    else:
        form = CustomerForm(
            initial={
                "name": customer.name,
                "organization": customer.organization.name if customer.organization else "",
            }
        )
        status = 200
    context = {
        "customer": customer,
        "form": form,
        "conversations": customer_conversations(agent.workspace_id, customer.pk),
        "nav_current": "customers",
    }
    return render_page(request, "web/customers/page.html", context, status=status)
