from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.outbound.actions import retry_delivery
from sportello.outbound.models import Delivery, DeliveryStatus


@admin.register(Delivery)
class DeliveryAdmin(WorkspaceScopedAdmin):
    list_display = ("message", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel", "workspace")
    search_fields = ("provider_message_id", "last_error")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        failed = list(queryset.filter(status=DeliveryStatus.FAILED))
        for delivery in failed:
            retry_delivery(delivery)
        self.message_user(
            request, gettext("Deliveries queued again: %(count)d.") % {"count": len(failed)}
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
