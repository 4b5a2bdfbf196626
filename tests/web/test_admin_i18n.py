"""The Django admin speaks Italian too: Django translates its own words ("Aggiungi",
"Salva"), and every name the admin takes from Sportello's models — the app's, the model's
singular and plural, each field's — comes from the catalogue, so an Italian admin never
reads "Aggiungi channel".

Two checks: every name is translated (its Italian differs from its English, but for the
few words Italian borrows as they are), and the index, each model's list and its add form
(or, for a model nobody adds by hand, a row's form) rendered for an Italian operator hold
neither an English catalogue text nor one of those English names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from sportello.accounts.actions import create_operator
from sportello.conversations.models import Tag
from sportello.customers.models import Organization
from sportello.knowledge.actions import create_article, create_category
from sportello.sla.actions import create_calendar, create_policy
from tests.accounts.test_admin_isolation import make_shop
from tests.web.test_untranslated import english_texts, leaks

pytestmark = pytest.mark.django_db

# Words Italian borrows from English as they are, and names: the same text is the right
# translation.
BORROWED = {
    "team",
    "slug",
    "email",
    "SLA",
    "HTML",
    "password",
    "macro",
    "Privacy (GDPR)",
    "Sportello",
}


def _is_sportellos(model: type[models.Model]) -> bool:
    return model.__module__.startswith("sportello.")


def sportello_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if _is_sportellos(m)]


def admin_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields the admin names for ``model``: those of its forms and its list."""
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return []
    shown = set(model_admin.list_display) | set(model_admin.list_filter)
    return [
        f
        for f in model._meta.get_fields()
        if isinstance(f, models.Field)
        and f.concrete
        and (f.editable or f.name in shown or f.name in (model_admin.readonly_fields or ()))
        and not f.primary_key
    ]


def names(model: type[models.Model]) -> list[tuple[str, Any]]:
    """(what, lazy text) for every name the admin may show of ``model``."""
    meta = model._meta
    found = [
        ("app", meta.app_config.verbose_name),
        ("model", meta.verbose_name),
        ("plural", meta.verbose_name_plural),
    ]
    for field in admin_fields(model):
        found.append((f"field {field.name}", field.verbose_name))
        if field.help_text:
            found.append((f"help of {field.name}", field.help_text))
    return found


def english_names() -> set[str]:
    """The English of every model, app and admin field name, untranslated ones included."""
    found = set()
    with translation.override("en"):
        for model in sportello_models():
            for _what, text in names(model):
                found.add(" ".join(str(text).split()))
    return found - BORROWED


def _capitalised(texts: set[str]) -> set[str]:
    # The admin capitalises a name's first letter in headings and labels.
    return texts | {t[:1].upper() + t[1:] for t in texts}


def test_every_model_and_admin_field_has_an_italian_name():
    untranslated = []
    for model in sportello_models():
        for what, text in names(model):
            with translation.override("en"):
                english = str(text)
            with translation.override("it"):
                italian = str(text)
            if italian == english and english not in BORROWED:
                untranslated.append(f"{model._meta.label} {what}: {english!r}")
    assert untranslated == []


def _labels_only(html: str) -> str:
    """A change form without the stored values its read-only fields show: an event's code
    ("created") or a rejected message's reason are data, as the channel's name is."""
    return _READONLY.sub("", html)


_READONLY = re.compile(r'<div class="readonly">.*?</div>', re.S)


def test_the_italian_admin_shows_no_english(db):
    """GIVEN a shop with a row of every kind the admin lists, and the operator reading in
    Italian WHEN they open the admin's index, each list, each add form and a row's form
    THEN no English text of the catalogue nor English model or field name is on them."""
    shop = make_shop("Alfa")
    hours = {"mon": [["09:00", "18:00"]]}
    calendar = create_calendar(
        shop.workspace.pk, name="Negozio", time_zone="Europe/Rome", hours=hours
    )
    create_policy(shop.workspace.pk, calendar, name="Standard", first_reply_minutes=60)
    Organization.objects.create(workspace=shop.workspace, name="Ferramenta Rossi")
    create_category(shop.workspace.pk, name="Spedizioni")
    create_article(shop.workspace.pk, title="Resi", body="<p>Entro 30 giorni.</p>", language="it")
    Tag.objects.create(workspace=shop.workspace, name="reso")
    operator = create_operator("gestore@hosting.it", "parola-lunga-123")
    client = Client(HTTP_ACCEPT_LANGUAGE="it")
    client.force_login(operator)
    whole, inside = english_texts()
    whole |= _capitalised(english_names())
    request = RequestFactory().get("/admin/")
    request.user = operator
    paths = ["/admin/"]
    registered = [(m, a) for m, a in admin.site._registry.items() if _is_sportellos(m)]
    assert len(registered) >= 18
    for model, model_admin in registered:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths.append(reverse(f"{info}_changelist"))
        if model_admin.has_add_permission(request):
            paths.append(reverse(f"{info}_add"))
        row = model._default_manager.order_by("pk").first()
        assert row is not None, model
        paths.append(reverse(f"{info}_change", args=[row.pk]))
    found = {}
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, path
        html = answer.content.decode()
        assert '<html lang="it"' in html, path
        found[path] = leaks(_labels_only(html), whole, inside)
    assert {path: texts for path, texts in found.items() if texts} == {}
    index = client.get("/admin/").content.decode()
    assert "Canali" in index and "Aggiungi canale" not in index  # the index links "Aggiungi"
    channel_form = client.get(reverse("admin:sportello_channels_channel_add")).content.decode()
    assert "Aggiungi canale" in channel_form and "Team predefinito" in channel_form
