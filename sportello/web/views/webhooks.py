"""The webhooks settings pages, for admins: the workspace's webhooks, a form to add or
change one, its secret (shown in the answer that makes or rotates it only), a test event,
its recent deliveries with their outcome and a redelivery button.

Thin views: ``web.webhook_forms`` parses, ``webhooks.actions`` writes."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sportello.core.errors import InvalidInput, NotFound
from sportello.web.pages import agent_of
from sportello.web.views.settings import _page, admin_required
from sportello.web.webhook_forms import WebhookForm
from sportello.webhooks import actions, queries
from sportello.webhooks.models import PING, DeliveryStatus, EventType, WebhookSubscription
from sportello.webhooks.sending import MAX_ATTEMPTS
from sportello.webhooks.signing import hint

RECENT_DELIVERIES = 20


def _subscription(request: HttpRequest, webhook_id: int) -> WebhookSubscription:
    try:
        return queries.get_subscription(agent_of(request).workspace_id, webhook_id)
    except NotFound:
        raise Http404("no such webhook") from None


def _labels() -> dict[str, str]:
    labels = {str(value): str(label) for value, label in EventType.choices}
    return {**labels, PING: _("Test event (ping)")}


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


@admin_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    subscriptions = list(queries.subscriptions_with_last_delivery(agent_of(request).workspace_id))
    context = {
        "subscriptions": subscriptions,
        "labels": _labels(),
        "statuses": dict(DeliveryStatus.choices),
        "settings_tab": "webhooks",
    }
    return _page(request, "web/settings/webhooks.html", context)


def _detail(
    request: HttpRequest,
    subscription: WebhookSubscription | None,
    form: WebhookForm,
    *,
    new_secret: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "subscription": subscription,
        "form": form,
        "new_secret": new_secret,
        "labels": _labels(),
        "settings_tab": "webhooks",
        "max_attempts": MAX_ATTEMPTS,
    }
    if subscription is not None:
        context["secret_hint"] = hint(subscription.secret)
        context["deliveries"] = [
            (delivery, _pretty(delivery.body))
            for delivery in queries.deliveries_of(subscription, limit=RECENT_DELIVERIES)
        ]
    return _page(request, "web/settings/webhook.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_new(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None, initial={"is_enabled": True})
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.create_subscription(
                agent_of(request).workspace_id, **form.fields_for_action()
            )
        except InvalidInput as exc:
            form.add_error(None, _("Not saved: %(reason)s") % {"reason": exc.message})
        else:
            # The secret is in this answer only: no redirect to a page that cannot show it.
            saved = WebhookForm(initial=WebhookForm.initial_of(created.subscription))
            return _detail(request, created.subscription, saved, new_secret=created.secret)
    return _detail(request, None, form, status=422 if request.method == "POST" else 200)


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = _subscription(request, webhook_id)
    form = WebhookForm(request.POST or None, initial=WebhookForm.initial_of(subscription))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_subscription(subscription, **form.fields_for_action())
        except InvalidInput as exc:
            form.add_error(None, _("Not saved: %(reason)s") % {"reason": exc.message})
            subscription.refresh_from_db()
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("web:settings_webhook", webhook_id=subscription.pk)
    return _detail(request, subscription, form, status=422 if request.method == "POST" else 200)


@admin_required
@require_POST
def webhook_enable(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = _subscription(request, webhook_id)
    actions.update_subscription(subscription, is_enabled=True)
    messages.success(request, _("Webhook switched on again."))
    return redirect("web:settings_webhook", webhook_id=subscription.pk)


@admin_required
@require_POST
def webhook_rotate(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = _subscription(request, webhook_id)
    secret = actions.rotate_secret(subscription)
    form = WebhookForm(initial=WebhookForm.initial_of(subscription))
    return _detail(request, subscription, form, new_secret=secret)


@admin_required
@require_POST
def webhook_ping(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = _subscription(request, webhook_id)
    actions.ping(subscription)
    messages.success(request, _("Test event sent: its outcome appears below in a few seconds."))
    return redirect("web:settings_webhook", webhook_id=subscription.pk)


@admin_required
@require_POST
def webhook_redeliver(request: HttpRequest, webhook_id: int, delivery_id: int) -> HttpResponse:
    subscription = _subscription(request, webhook_id)
    try:
        delivery = queries.get_delivery(subscription, delivery_id)
    except NotFound:
        raise Http404("no such delivery") from None
    actions.redeliver(delivery)
    messages.success(request, _("Event sent again."))
    return redirect("web:settings_webhook", webhook_id=subscription.pk)


@admin_required
@require_POST
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = _subscription(request, webhook_id)
    name = subscription.description or subscription.url
    actions.delete_subscription(subscription)
    messages.success(request, _("Webhook “%(name)s” deleted.") % {"name": name})
    return redirect("web:settings_webhooks")
