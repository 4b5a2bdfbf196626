"""The macro builder, through Django's test client: an admin lists, creates, edits,
duplicates and deletes macros; the form refuses what the API refuses, on the field, in
the admin's language; the preview fills the variables for the sample customers; agents
see the list and nothing else; every change leaves an audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.audit.models import AuditEntry
from sportello.automation.models import Macro
from sportello.automation.replies import MACRO_FIELDS, create_canned_reply, create_macro
from sportello.conversations.models import Priority, Status
from sportello.web.macro_forms import MacroForm
from tests.factories import AgentFactory, TeamFactory
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(workspace):
    return AgentFactory(workspace=workspace, role=Role.ADMIN, display_name="Anna Capo")


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin.user)
    return client


def test_the_form_gives_the_action_every_field_the_api_has(workspace):
    form = MacroForm(workspace.pk, data=_form())
    form.is_valid()
    assert set(form.values()) == set(MACRO_FIELDS)


def _form(**fields: Any) -> dict[str, Any]:
    """A posted builder form: every field as the browser sends it, empty unless given."""
    empty = {
        "name": "",
        "canned_reply": "",
        "reply_text": "",
        "reply_text_en": "",
        "note": "",
        "add_tags": "",
        "remove_tags": "",
        "priority": "",
        "assignee": "",
        "team": "",
        "status": "",
    }
    return empty | fields


def test_an_admin_builds_a_macro_with_every_kind_of_step(admin_client, admin, agent, workspace):
    team = TeamFactory(workspace=workspace, name="Logistica")
    page = admin_client.get("/macros/new/")
    assert page.status_code == 200
    html = page.content.decode()
    for variable in ("customer.first_name", "agent.name", "order.number", "conversation.due"):
        assert "{{ " + variable + " }}" in html
    assert "Giulia Bianchi" in html and "Logistica" in html

    response = admin_client.post(
        "/macros/new/",
        _form(
            name="  Spedito   e in attesa ",
            reply_text="Ciao {{ customer.first_name }}, l'ordine {{ order.number }} è partito.",
            reply_text_en="Hi {{ customer.first_name }}, order {{ order.number }} has shipped.",
            note="Tracking inviato",
            add_tags="Spedizione, corriere",
            remove_tags="da verificare",
            priority=str(Priority.HIGH),
            assignee=str(agent.pk),
            team=str(team.pk),
            status="snoozed:tomorrow",
        ),
    )

    assert response.status_code == 302 and response["Location"] == "/macros/"
    macro = Macro.objects.get()
    assert macro.name == "Spedito e in attesa"
    assert macro.reply_text_en.startswith("Hi {{ customer.first_name }}")
    assert (macro.add_tags, macro.remove_tags) == (["spedizione", "corriere"], ["da verificare"])
    assert (macro.priority, macro.assignee_id, macro.team_id) == (Priority.HIGH, agent.pk, team.pk)
    assert (macro.status, macro.snooze) == (Status.SNOOZED, "tomorrow")
    listed = admin_client.get("/macros/").content.decode()
    assert "Spedito e in attesa" in listed and "+spedizione" in listed
    entry = AuditEntry.objects.get(action="macro.created")
    assert entry.target_id == macro.pk and entry.actor_agent_id == admin.pk
    assert "Macro aggiunta" in admin_client.get("/audit/").content.decode()


def test_an_admin_edits_a_macro_and_the_form_shows_what_it_holds(admin_client, admin):
    macro = create_macro(admin, name="Chiudi", status="snoozed", snooze="monday", add_tags=["a"])
    form = admin_client.get(f"/macros/{macro.pk}/").content.decode()
    assert 'value="snoozed:monday" selected' in form and 'value="a"' in form

    response = admin_client.post(
        f"/macros/{macro.pk}/", _form(name="Chiudi subito", status="resolved")
    )

    assert response.status_code == 302
    macro.refresh_from_db()
    assert (macro.name, macro.status, macro.snooze, macro.add_tags) == (
        "Chiudi subito",
        "resolved",
        "",
        [],
    )
    assert AuditEntry.objects.filter(action="macro.updated", target_id=macro.pk).exists()


def test_duplicating_starts_a_new_macro_from_a_copy(admin_client, admin):
    shipped = create_canned_reply(
        admin, title="Spedito", shortcut="spedito", body="Partito!", shared=True
    )
    macro = create_macro(admin, name="Spedito", canned_reply_id=shipped.pk, status="pending")

    form = admin_client.get(f"/macros/new/?from={macro.pk}").content.decode()
    assert 'value="Spedito (copia)"' in form
    assert f'value="{shipped.pk}" selected' in form

    copy = admin_client.post(
        "/macros/new/",
        _form(name="Spedito (copia)", canned_reply=str(shipped.pk), status="pending"),
    )
    assert copy.status_code == 302
    assert sorted(Macro.objects.values_list("name", flat=True)) == ["Spedito", "Spedito (copia)"]
    assert admin_client.get("/macros/new/?from=999999").status_code == 404


def test_an_admin_deletes_a_macro(admin_client, admin):
    macro = create_macro(admin, name="Vecchia", status="closed")
    assert "Elimina “Vecchia”" in admin_client.get(f"/macros/{macro.pk}/").content.decode()

    response = admin_client.post(f"/macros/{macro.pk}/delete/")

    assert response.status_code == 302
    assert not Macro.objects.exists()
    assert AuditEntry.objects.filter(action="macro.deleted", target_id=macro.pk).exists()
    assert admin_client.post(f"/macros/{macro.pk}/delete/").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"status": "open"}, "macro_name", "Scrivi da 1 a 120 caratteri"),
        ({"name": "x" * 121, "status": "open"}, "macro_name", "Scrivi da 1 a 120 caratteri"),
        ({"name": "Vuota"}, None, "Una macro deve fare almeno una cosa"),
        (
            {"name": "Rotta", "reply_text": "Ciao {{ cliente.nome }}"},
            "macro_reply_text",
            "Variabile sconosciuta {{ cliente.nome }}",
        ),
        (
            {"name": "Rotta", "add_tags": "vip", "remove_tags": "VIP"},
            "macro_remove_tags",
            "L'etichetta vip viene sia aggiunta sia tolta",
        ),
        ({"name": "Rotta", "add_tags": "a, " + "b" * 61}, "macro_add_tags", "vuota o troppo lunga"),
        ({"name": "Rotta", "status": "finito"}, "macro_status", "Scegli un'opzione valida"),
        ({"name": "Rotta", "status": "snoozed:domani"}, "macro_status", "Scegli un'opzione valida"),
    ],
)
def test_a_bad_macro_is_shown_again_with_its_error_in_italian(admin_client, fields, field, says):
    response = admin_client.post("/macros/new/", _form(**fields))

    assert response.status_code == 422
    page = response.content.decode().replace("&#x27;", "'")
    assert says in page, page[page.find("field-error") - 400 : page.find("field-error") + 400]
    if field:
        assert f'id="{field}_error"' in page
    assert not Macro.objects.exists()


def test_a_name_already_taken_is_refused_on_the_name_and_the_text_is_kept(admin_client, admin):
    create_macro(admin, name="Spedito", status="pending")

    response = admin_client.post(
        "/macros/new/", _form(name="Spedito", reply_text="Il testo scritto", status="resolved")
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Esiste già una macro chiamata “Spedito”" in page
    assert 'id="macro_name_error"' in page and "Il testo scritto" in page
    assert Macro.objects.count() == 1


def test_an_error_is_said_in_english_to_an_english_speaking_admin(admin_client, admin):
    admin.language = "en"
    admin.save(update_fields=["language"])

    response = admin_client.post("/macros/new/", _form(name="Vuota"))

    assert response.status_code == 422
    assert "A macro needs at least one step" in response.content.decode()


def test_the_preview_fills_the_variables_for_the_two_sample_customers(admin_client, admin):
    response = admin_client.post(
        "/macros/preview/",
        _form(
            reply_text="Ciao {{ customer.first_name }}, ordine {{ order.number }}, "
            "pratica {{ conversation.number }}. {{ agent.name }} {{ cliente }}",
            reply_text_en="Hi {{ customer.first_name }}, we reply {{ conversation.due }}.",
        ),
        **htmx("macro-preview"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ciao Chiara, ordine 4521, pratica 1042. Anna Capo {{ cliente }}" in html
    assert "Variabili sconosciute: cliente" in html
    assert "Hi Emma, we reply " in html and "{{ conversation.due }}" not in html


def test_the_preview_of_a_canned_reply_and_of_no_reply(admin_client, admin):
    shipped = create_canned_reply(
        admin, title="Spedito", shortcut="spedito", body="Ciao {{ customer.name }}", shared=True
    )
    with_canned = admin_client.post(
        "/macros/preview/", _form(canned_reply=str(shipped.pk)), **htmx("macro-preview")
    ).content.decode()
    assert "Ciao Chiara Fontana" in with_canned and "Ciao Emma Clarke" in with_canned

    without = admin_client.post(
        "/macros/preview/", _form(status="resolved"), **htmx("macro-preview")
    ).content.decode()
    assert without.count("Nessuna risposta") == 2


def test_an_agent_sees_the_macros_but_cannot_change_them(agent_client, admin):
    macro = create_macro(admin, name="Chiudi", status="resolved")

    page = agent_client.get("/macros/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Chiudi" in html and "Risolta" in html
    assert f"/macros/{macro.pk}/" not in html and "/macros/new/" not in html
    assert agent_client.get("/macros/new/").status_code == 403
    assert agent_client.get(f"/macros/{macro.pk}/").status_code == 403
    assert agent_client.post("/macros/new/", _form(name="Mia", status="open")).status_code == 403
    assert agent_client.post(f"/macros/{macro.pk}/delete/").status_code == 403
    assert agent_client.post("/macros/preview/", _form()).status_code == 403
    assert Macro.objects.get().name == "Chiudi"


def test_the_navigation_links_the_macros_next_to_the_canned_replies(agent_client):
    html = agent_client.get("/canned/").content.decode()
    canned, macros = html.index('href="/canned/"'), html.index('href="/macros/"')
    assert canned < macros


def test_the_rule_builder_offers_the_macros_built_here(admin_client, admin):
    create_macro(admin, name="Presa in carico", status="pending")

    row = admin_client.get(
        "/rules/row/", {"group": "action", "index": "0", "action-0-type": "apply_macro"}
    ).content.decode()

    assert "Presa in carico" in row and 'href="/macros/"' in row
