"""Customers: a searchable list, and one customer with every conversation they had."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.channels import registry
from sportello.conversations.actions.merge import merge_conversations
from sportello.conversations.queries import customer_conversations
from sportello.core import clock
from sportello.core.errors import Conflict, SportelloError
from sportello.customers.actions import update_customer
from sportello.customers.actions.lifecycle import (
    ConsentChange,
    IdentityTaken,
    add_identity,
    remove_identity,
    set_consents,
    set_lifecycle_stage,
)
from sportello.customers.actions.segments import history_of
from sportello.customers.identities import shown_value
from sportello.customers.models import ConsentSource, Customer
from sportello.customers.queries import (
    consent_history,
    contacts,
    current_consents,
    duplicates_of,
    get_customer,
    lifecycle_changes_of,
    merges_of,
    orders_of,
    search_customers,
)
from sportello.customers.segments import TROUBLE_WINDOW, classify
from sportello.feedback.queries import customer_answers
from sportello.privacy.actions import erase_customer_data
from sportello.web.duplicate_reasons import REASON_LABELS
from sportello.web.forms import ConsentForm, CustomerForm, IdentityForm, LifecycleForm
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
        return _page(request, customer, status=422, form=form)
    return _page(request, customer)


def _page(
    request: HttpRequest,
    customer: Customer,
    *,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    """The customer page, with the edit forms given bound (and their errors shown)."""
    agent = agent_of(request)
    held = current_consents(customer.pk)
    context = {
        "customer": customer,
        "form": forms.get("form")
        or CustomerForm(
            initial={
                "name": customer.name,
                "organization": customer.organization.name if customer.organization else "",
            }
        ),
        "lifecycle_form": forms.get("lifecycle_form")
        or LifecycleForm(initial={"stage": customer.lifecycle_stage}),
        "identity_form": forms.get("identity_form") or IdentityForm(),
        "consent_form": forms.get("consent_form")
        or ConsentForm(initial={"do_not_contact": customer.do_not_contact}),
        "taken_by": forms.get("taken_by"),
        "orders": orders_of(agent.workspace_id, customer.pk, limit=20),
        "consents": held,
        "consent_history": consent_history(customer.pk, limit=10),
        "lifecycle_changes": lifecycle_changes_of(customer.pk, limit=5),
        "segment_why": segment_why(customer),
        "conversations": customer_conversations(agent.workspace_id, customer.pk),
        "duplicates": duplicates_of(agent.workspace_id, customer.pk),
        "merges": merges_of(agent.workspace_id, customer.pk),
        "answers": customer_answers(agent.workspace_id, customer.pk),
        "reason_labels": REASON_LABELS,
        "shown_value": shown_value,
        "consent_kind_label": _kind_label,
        "nav_current": "customers",
    }
    return render_page(request, "web/customers/page.html", context, status=status)


def segment_why(customer: Customer) -> str:
    """Why the customer is in her segment, in the agent's words (empty when the stored
    segment is waiting for tonight's review: the reasons of another segment would
    mislead)."""
    now = clock.now()
    history = history_of(customer.pk, now)
    found = classify(history, now)
    if found.segment != customer.segment:
        return ""
    days = found.usual_interval.days if found.usual_interval is not None else 0
    if found.reason == "troubles":
        count = len(history.troubles)
        return ngettext(
            "%(count)d conversation went badly in the last %(window)d days (reply time "
            "missed, or contacted again about the same issue).",
            "%(count)d conversations went badly in the last %(window)d days (reply time "
            "missed, or contacted again about the same issue).",
            count,
        ) % {"count": count, "window": TROUBLE_WINDOW.days}
    ago = (now - max(history.orders)).days if history.orders else 0
    if found.reason == "overdue":
        return _(
            "Used to order about every %(days)d days; the last order was %(ago)d days ago."
        ) % {"days": max(days, 1), "ago": ago}
    if found.reason == "regular":
        return _("Orders about every %(days)d days; the last order was %(ago)d days ago.") % {
            "days": max(days, 1),
            "ago": ago,
        }
    if found.reason == "lapsed":
        return _("Used to order regularly, but not in the last year.")
    if found.reason == "few_orders":
        return _("One or two orders so far.")
    return _("No orders yet.")


def _kind_label(kind: str) -> str:
    labels = dict(registry.kind_choices()) | dict(registry.identity_kind_choices())
    return str(labels.get(kind, kind))


@agent_required
@require_POST
def set_lifecycle(request: HttpRequest, customer_id: int) -> HttpResponse:
    agent = agent_of(request)
    customer = get_customer(agent.workspace_id, customer_id)
    form = LifecycleForm(request.POST)
    if not form.is_valid():
        return _page(request, customer, status=422, lifecycle_form=form)
    if set_lifecycle_stage(
        customer, form.cleaned_data["stage"], reason=form.cleaned_data["reason"]
    ):
        messages.success(request, _("Lifecycle stage changed."))
    return redirect("web:customer", customer_id=customer.pk)


@agent_required
@require_POST
def add_contact(request: HttpRequest, customer_id: int) -> HttpResponse:
    """An agent adds an email, phone or handle; one another customer owns is refused, with
    the offer to merge the two."""
    agent = agent_of(request)
    customer = get_customer(agent.workspace_id, customer_id)
    form = IdentityForm(request.POST)
    if not form.is_valid():
        return _page(request, customer, status=422, identity_form=form)
    try:
        add_identity(customer, form.cleaned_data["kind"], form.cleaned_data["value"])
    except IdentityTaken as taken:
        form.add_error(
            "value",
            _("This address belongs to another customer (%(name)s): merge the two instead.")
            % {"name": taken.owner_name or f"#{taken.owner_id}"},
        )
        return _page(request, customer, status=409, identity_form=form, taken_by=taken.owner_id)
    except Conflict:
        form.add_error("value", _("The customer has this address already."))
        return _page(request, customer, status=409, identity_form=form)
    messages.success(request, _("Contact added."))
    return redirect("web:customer", customer_id=customer.pk)


@agent_required
@require_POST
def remove_contact(request: HttpRequest, customer_id: int, identity_id: int) -> HttpResponse:
    """Remove a contact line: the identity, and those of the customer with the same value
    shown on the same line (a number that is a phone and a WhatsApp id)."""
    agent = agent_of(request)
    customer = get_customer(agent.workspace_id, customer_id)
    line = [c for c in contacts(customer) if identity_id in c.identity_ids]
    for pk in line[0].identity_ids if line else (identity_id,):
        remove_identity(customer, pk)
    messages.success(request, _("Contact removed."))
    return redirect("web:customer", customer_id=customer.pk)


@agent_required
@require_POST
def set_consent(request: HttpRequest, customer_id: int) -> HttpResponse:
    """An agent records consent given or withdrawn (what the customer said on the phone,
    at the counter) and the do-not-contact wish."""
    agent = agent_of(request)
    customer = get_customer(agent.workspace_id, customer_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _page(request, customer, status=422, consent_form=form)
    data = form.cleaned_data
    changes = []
    if data["purpose"]:
        changes.append(
            ConsentChange(data["purpose"], data["channel_kind"], data["granted"] == "yes")
        )
    try:
        set_consents(
            customer, changes, source=ConsentSource.AGENT, do_not_contact=data["do_not_contact"]
        )
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("web:customer", customer_id=customer.pk)
    messages.success(request, _("Consent saved."))
    return redirect("web:customer", customer_id=customer.pk)


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


@agent_required
@require_POST
def merge_conversations_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Two of the customer's conversations about one issue (an email and a WhatsApp chat)
    become one: ``kept`` gets the other's messages."""
    agent = agent_of(request)
    customer = get_customer(agent.workspace_id, customer_id)
    kept, other = request.POST.get("kept", ""), request.POST.get("other", "")
    ids = {c.pk: c for c in customer_conversations(agent.workspace_id, customer.pk, limit=100)}
    if (
        not (kept.isdigit() and other.isdigit())
        or int(kept) == int(other)
        or not ({int(kept), int(other)} <= set(ids))
    ):
        messages.error(request, _("Choose two different conversations of this customer."))
        return redirect("web:customer", customer_id=customer.pk)
    try:
        merge_conversations(agent.workspace_id, int(kept), int(other), by=agent)
    except SportelloError as error:
        messages.error(request, error.message)
        return redirect("web:customer", customer_id=customer.pk)
    messages.success(request, _("Conversations merged."))
    return redirect("web:conversation", number=ids[int(kept)].number)
