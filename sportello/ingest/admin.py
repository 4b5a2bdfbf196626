from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.ingest import pipeline
from sportello.ingest.models import InboundRecord, RejectedInbound


@admin.register(RejectedInbound)
class RejectedInboundAdmin(WorkspaceScopedAdmin):
    list_display = ("created_at", "source", "stage", "short_reason", "attempts", "resolved_at")
    list_filter = ("stage", "source", "retryable", ("resolved_at", admin.EmptyFieldListFilter))
    readonly_fields = [f.name for f in RejectedInbound._meta.fields]
    actions = ["retry_selected"]

    @admin.display(description=_("reason"))
    def short_reason(self, obj: RejectedInbound) -> str:
        return obj.reason[:100]

    @admin.action(description=_("Retry the selected messages"))
    def retry_selected(self, request, queryset):  # type: ignore[no-untyped-def]
        done = failed = 0
        for rejected in queryset.filter(retryable=True, resolved_at__isnull=True):
            pipeline.retry(rejected)
            if rejected.resolved_at:
                done += 1
            else:
                failed += 1
        self.message_user(
            request,
            gettext("Ingested: %(done)d; still failing: %(failed)d.")
            % {"done": done, "failed": failed},
            messages.INFO,
        )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(InboundRecord)
class InboundRecordAdmin(WorkspaceScopedAdmin):
    list_display = ("received_at", "channel", "external_id", "conversation_id", "message")
    list_filter = ("channel",)
    search_fields = ("external_id",)
    readonly_fields = [f.name for f in InboundRecord._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
