"""Customers: a searchable list, and one customer with every conversation they had."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.conversations.queries import customer_conversations
from sportello.customers.actions import update_customer
from sportello.customers.models import Customer
from sportello.customers.queries import (
    duplicates_of,
    get_customer,
    merges_of,
    search_customers,
)
from sportello.privacy.actions import erase_customer_data
from sportello.web.duplicate_reasons import REASON_LABELS
from sportello.web.forms import CustomerForm
from sportello.web.pages import agent_of, agent_required, render_page

CUSTOMERS_PER_PAGE = 50
MAX_PAGE = 2_000  # 100,000 customers deep: further, search


@dataclass(frozen=True)
class CustomerPage:
    """One page of the customer list: its customers, and whether there are more either
    side. No total: counting every customer, or all those a frequent search finds, costs
    as much as reading the page (docs/performance.md)."""

    customers: list[Customer]
    number: int
    has_previous: bool
    has_next: bool


@agent_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    q = request.GET.get("q", "").strip()[:200]
    number = _page_number(request.GET.get("page", ""))
    start = (number - 1) * CUSTOMERS_PER_PAGE
    found = list(search_customers(agent.workspace_id, q)[start : start + CUSTOMERS_PER_PAGE + 1])
    page = CustomerPage(
        customers=found[:CUSTOMERS_PER_PAGE],
        number=number,
        has_previous=number > 1,
        has_next=len(found) > CUSTOMERS_PER_PAGE,
    )
    return render_page(
        request, "web/customers/list.html", {"page": page, "q": q, "nav_current": "customers"}
    )


def _page_number(value: str) -> int:
    """``?page=``: 1 unless a whole number from 1 to ``MAX_PAGE`` in ASCII digits (``int``
    refuses '¹', which ``str.isdigit`` takes, and more than 4,300 digits)."""
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_PAGE)):
        return 1
    return int(value) if 1 <= int(value) <= MAX_PAGE else 1


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
        "duplicates": duplicates_of(agent.workspace_id, customer.pk),
        "merges": merges_of(agent.workspace_id, customer.pk),
        "reason_labels": REASON_LABELS,
        "nav_current": "customers",
    }
    return render_page(request, "web/customers/page.html", context, status=status)


@agent_required
@require_POST
def erase_customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    """An admin erases the customer's personal data (``privacy.erase_customer_data``),
    once they ticked that they understand it cannot be undone."""
    agent = agent_of(request)
    if not agent.can_configure:
        return HttpResponseForbidden(_("Only admins erase a customer's data."))
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the erasure."))
    else:
        erase_customer_data(agent.workspace_id, customer_id)
        messages.success(request, _("Personal data erased."))
    return redirect("web:customer", customer_id=customer_id)
