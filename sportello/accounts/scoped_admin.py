"""The Django admin, scoped to the workspaces its user configures (docs/adr/0014).

Two kinds of people sign in to /admin/. The **operator** (a superuser created with
``sportello createadmin --operator``, with no agent) runs the installation and sees every
workspace. A **workspace admin** (an agent whose role is admin: staff, never a superuser)
sees and changes only the rows of the workspaces they are an admin of. Every ModelAdmin of
the project derives from :class:`WorkspaceScopedAdmin` (the user admin uses
:class:`ScopedToWorkspaces`), so the rule is written once: querysets, foreign-key choices,
list filters, permissions and the workspace of a new row all come from here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest

from sportello.accounts.models import Agent, User
from sportello.accounts.queries import configured_workspace_ids
from sportello.audit.actions import record
from sportello.core.models import Workspace

# The apps whose rows are configuration: their names may enter the audit log.
CONFIGURATION_APPS = frozenset({"core", "accounts", "sportello_channels"})


def is_operator(request: HttpRequest) -> bool:
    """The installation's operator: a superuser, who sees every workspace."""
    user = request.user
    return bool(user.is_active and user.is_superuser)


def workspace_ids(request: HttpRequest) -> list[int]:
    """The workspaces the signed-in user configures, read once per request."""
    ids: list[int] | None = getattr(request, "_configured_workspace_ids", None)
    if ids is None:
        ids = configured_workspace_ids(request.user)  # type: ignore[arg-type]
        request._configured_workspace_ids = ids  # type: ignore[attr-defined]
    return ids


def manageable_users(ids: list[int]) -> QuerySet[User]:
    """The logins a workspace admin may change: agents of ``ids`` and of nothing else.

    A login that is also an agent of another workspace (an agency's staff member) or an
    operator is left to the operator: changing its password would open that other workspace.
    """
    member = Agent.objects.filter(user=OuterRef("pk"), workspace_id__in=ids)
    elsewhere = Agent.objects.filter(user=OuterRef("pk")).exclude(workspace_id__in=ids)
    return User.objects.filter(Exists(member), is_superuser=False).exclude(Exists(elsewhere))


def scoped_choices(
    model: type[models.Model], ids: list[int], queryset: QuerySet[Any] | None = None
) -> QuerySet[Any]:
    """``model``'s rows that belong to the workspaces ``ids`` (for a form's choices)."""
    rows = queryset if queryset is not None else model._default_manager.all()
    if model is Workspace:
        return rows.filter(pk__in=ids)
    if model is User:
        return rows.filter(pk__in=manageable_users(ids).values("pk"))
    if any(f.name == "workspace" for f in model._meta.fields):
        return rows.filter(workspace_id__in=ids)
    return rows


class ScopedToWorkspaces:
    """What every admin class of the project does for a workspace admin."""

    # How a row names its workspace's id ("pk" for the Workspace itself).
    workspace_lookup = "workspace_id"

    def scope(self, queryset: QuerySet[Any], ids: list[int]) -> QuerySet[Any]:
        return queryset.filter(**{f"{self.workspace_lookup}__in": ids})

    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        return getattr(obj, self.workspace_lookup, None) in workspace_ids(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return queryset if is_operator(request) else self.scope(queryset, workspace_ids(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):  # type: ignore[no-untyped-def]
        # Another workspace's row is not found, as an unknown id is: a 404, naming nothing.
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None and not is_operator(request):
            raise Http404
        return obj

    # Django's model permissions stay for the operator (and any staff the operator grants
    # them to); an admin agent may do everything in their own workspaces.
    def _configures(self, request: HttpRequest, obj: Any = None) -> bool:
        if not workspace_ids(request) or not request.user.is_staff:
            return False
        return obj is None or self.in_scope(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or self._configures(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or self._configures(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) or self._configures(request)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) or self._configures(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) or self._configures(request, obj)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if not is_operator(request):
            kwargs["queryset"] = scoped_choices(
                db_field.related_model, workspace_ids(request), kwargs.get("queryset")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if not is_operator(request):
            kwargs["queryset"] = scoped_choices(
                db_field.related_model, workspace_ids(request), kwargs.get("queryset")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A related filter lists every row of the related table (other workspaces' names);
        # for a workspace admin it lists only those their rows point to.
        filters = super().get_list_filter(request)  # type: ignore[misc]
        if is_operator(request):
            return filters
        model = self.model  # type: ignore[attr-defined]
        related = {f.name for f in model._meta.fields if f.is_relation}
        return [
            (f, admin.RelatedOnlyFieldListFilter) if isinstance(f, str) and f in related else f
            for f in filters
        ]


class WorkspaceScopedAdmin(ScopedToWorkspaces, admin.ModelAdmin):  # type: ignore[type-arg]
    """The base of the project's admin classes; see the module's docstring."""

    def _one_workspace(self, request: HttpRequest) -> int | None:
        ids = workspace_ids(request)
        return ids[0] if len(ids) == 1 and not is_operator(request) else None

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # An admin of one workspace never chooses it: it is set on save.
        exclude = list(super().get_exclude(request, obj) or [])
        has_workspace = any(f.name == "workspace" for f in self.model._meta.fields)
        if has_workspace and self._one_workspace(request) is not None:
            exclude.append("workspace")
        return exclude

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)
        workspace_id = self._one_workspace(request)
        if workspace_id is None or "workspace" in form.base_fields:
            return form

        class InTheWorkspace(form):  # type: ignore[valid-type,misc]
            """The hidden workspace is set before validation, so that unique constraints
            naming it (a channel's slug, an agent's login) are checked as form errors."""

            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                if getattr(self.instance, "workspace_id", 0) is None:
                    self.instance.workspace_id = workspace_id

            def _get_validation_exclusions(self) -> set[str]:
                return set(super()._get_validation_exclusions()) - {"workspace"}

        InTheWorkspace.__name__ = form.__name__
        return InTheWorkspace

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if getattr(obj, "workspace_id", 0) is None:
            obj.workspace_id = self._one_workspace(request)
        super().save_model(request, obj, form, change)
        self._audit(obj, "updated" if change else "created", fields=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(obj, "deleted")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._audit(obj, "deleted")
        super().delete_queryset(request, queryset)

    def _audit(self, obj: Any, verb: str, fields: list[str] | None = None) -> None:
        """Every change made in the admin is in its workspace's audit log (in the admin's
        transaction): which fields changed, never their values (a channel's password).
        Configuration rows are named; a customer's name is personal data and is not."""
        workspace_id = getattr(obj, self.workspace_lookup, None)
        if workspace_id is None:
            return
        meta = obj._meta
        detail: dict[str, Any] = {"via": "admin"}
        if fields is not None:
            detail["fields"] = fields
        if meta.app_label in CONFIGURATION_APPS:
            detail["name"] = str(obj)[:200]
        record(
            workspace_id,
            f"{meta.model_name}.{verb}",
            target_type=meta.model_name,
            target_id=obj.pk,
            detail=detail,
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Inline rows (a customer's identities) belong to their parent's workspace.
        for inline in formset.forms:
            if getattr(inline.instance, "workspace_id", 0) is None:
                inline.instance.workspace_id = form.instance.workspace_id
        super().save_formset(request, form, formset, change)
