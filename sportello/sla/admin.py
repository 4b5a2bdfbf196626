from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.core.errors import SportelloError
from sportello.sla.hours import OpeningHours
from sportello.sla.models import Calendar, SlaPolicy
from sportello.sla.queries import forget


class CalendarForm(forms.ModelForm):
    """The admin checks a calendar as the API does: one that cannot compute is refused."""

    class Meta:
        model = Calendar
        fields = (
            "workspace",
            "name",
            "time_zone",
            "hours",
            "holiday_country",
            "holiday_subdivision",
            "closed_days",
            "open_days",
            "is_default",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            OpeningHours.build(
                time_zone=data.get("time_zone", ""),
                weekly=data.get("hours") or {},
                country=data.get("holiday_country", ""),
                subdivision=data.get("holiday_subdivision", ""),
                closed_days=data.get("closed_days") or [],
                open_days=data.get("open_days") or {},
            )
        except SportelloError as error:
            raise forms.ValidationError(error.message) from None
        return data


@admin.register(Calendar)
class CalendarAdmin(WorkspaceScopedAdmin):
    form = CalendarForm
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision", "is_default")

    def save_model(self, request: Any, obj: Any, form: Any, change: Any) -> None:
        super().save_model(request, obj, form, change)
        forget(obj.workspace_id)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "position", "calendar", "first_reply_minutes", "is_default")

    def save_model(self, request: Any, obj: Any, form: Any, change: Any) -> None:
        super().save_model(request, obj, form, change)
        forget(obj.workspace_id)
