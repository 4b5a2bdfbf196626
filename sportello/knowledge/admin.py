from django.contrib import admin

from sportello.accounts.scoped_admin import WorkspaceScopedAdmin
from sportello.knowledge.models import Article, Category


@admin.register(Category)
class CategoryAdmin(WorkspaceScopedAdmin):
    list_display = ("name", "slug", "position", "workspace")
    list_filter = ("workspace",)
    search_fields = ("name",)


@admin.register(Article)
class ArticleAdmin(WorkspaceScopedAdmin):
    """Read-mostly: articles are written through the API and the agent UI, whose actions
    keep versions and vectors; the admin is for looking."""

    list_display = ("title", "language", "status", "internal", "category", "version", "workspace")
    list_filter = ("workspace", "status", "language", "internal")
    search_fields = ("title",)
    fields = ("title", "language", "status", "internal", "category", "version", "body")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
