# ruff: noqa: F811  (the knowledge base fixtures, imported, are used as arguments)
"""The knowledge base's categories in the agent UI: add, rename, reorder, delete."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.knowledge.models import Category
from tests.factories import AgentFactory
from tests.knowledge.conftest import editor, write_article  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(workspace) -> Client:
    agent = AgentFactory(workspace=workspace, role=Role.SUPERVISOR, display_name="Sara Verdi")
    client = Client()
    client.force_login(agent.user)
    return client


def _names(workspace) -> list[str]:
    return list(Category.objects.filter(workspace=workspace).values_list("name", flat=True))


def test_supervisor_adds_renames_and_reorders_categories(supervisor_client, workspace):
    for name, name_en in (("Spedizioni", "Shipping"), ("Resi", "Returns"), ("Pagamenti", "")):
        response = supervisor_client.post(
            "/kb/categories/", {"do": "create", "name": name, "name_en": name_en}
        )
        assert response.status_code == 302
    assert _names(workspace) == ["Spedizioni", "Resi", "Pagamenti"]
    resi = Category.objects.get(workspace=workspace, name="Resi")
    assert resi.name_en == "Returns"
    supervisor_client.post("/kb/categories/", {"do": "up", "category": resi.pk, "name": "Resi"})
    assert _names(workspace) == ["Resi", "Spedizioni", "Pagamenti"]
    supervisor_client.post("/kb/categories/", {"do": "down", "category": resi.pk, "name": "Resi"})
    supervisor_client.post("/kb/categories/", {"do": "down", "category": resi.pk, "name": "Resi"})
    assert _names(workspace) == ["Spedizioni", "Pagamenti", "Resi"]
    supervisor_client.post(
        "/kb/categories/",
        {"do": "rename", "category": resi.pk, "name": "Resi e rimborsi", "name_en": "Refunds"},
    )
    resi.refresh_from_db()
    assert (resi.name, resi.name_en) == ("Resi e rimborsi", "Refunds")
    page = supervisor_client.get("/kb/categories/").content.decode()
    assert "Resi e rimborsi" in page and "Refunds" in page


def test_a_category_with_articles_is_not_deleted(supervisor_client, workspace, editor):
    full = editor.post("/api/v1/kb/categories", {"name": "Ordini"}).json()
    empty = editor.post("/api/v1/kb/categories", {"name": "Vuota"}).json()
    response = editor.post(
        "/api/v1/kb/articles",
        {"title": "T", "body": "B", "language": "it", "category": full["id"]},
    )
    assert response.status_code == 201
    refused = supervisor_client.post(
        "/kb/categories/", {"do": "delete", "category": full["id"], "name": "Ordini"}, follow=True
    )
    assert "Ordini" in _names(workspace)
    text = refused.content.decode()
    assert "1 article" in text or "1 articolo" in text
    supervisor_client.post(
        "/kb/categories/", {"do": "delete", "category": empty["id"], "name": "Vuota"}
    )
    assert _names(workspace) == ["Ordini"]
    # The API refuses alike, with a clear message.
    answer = editor.delete(f"/api/v1/kb/categories/{full['id']}")
    assert answer.status_code == 409 and "Ordini" in answer.json()["detail"]


def test_bad_input_on_the_categories_page(supervisor_client, agent_client, workspace):
    assert agent_client.get("/kb/categories/").status_code == 403
    assert (
        supervisor_client.post("/kb/categories/", {"do": "create", "name": " "}).status_code == 422
    )
    assert (
        supervisor_client.post("/kb/categories/", {"do": "up", "category": "x"}).status_code == 422
    )
    missing = supervisor_client.post("/kb/categories/", {"do": "delete", "category": 999999})
    assert missing.status_code == 404
    assert supervisor_client.post("/kb/categories/", {"do": "nonsense"}).status_code == 422
    long_name = "x" * 201
    assert (
        supervisor_client.post("/kb/categories/", {"do": "create", "name": long_name}).status_code
        == 422
    )
    assert _names(workspace) == []
