"""An admin reads the audit log in a real browser: from the menu, filtered by action.

Screenshots on a desktop and a 360 px phone, in Italian and English, are written to /tmp
(``sportello-audit-*.png``) for a person to look at.
"""

from __future__ import annotations

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.audit.actors import acting_as, operator
from sportello.channels.actions import create_channel, update_channel
from sportello.privacy.actions import erase_customer_data, set_retention_policy
from tests.e2e.test_agent_flow import SCREENSHOTS, customer_writes, sign_in
from tests.factories import AgentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["it", "en"])
def test_an_admin_finds_who_erased_a_customer(
    chromium, live_server, workspace, api_channel, settings, tmp_path, language
):
    settings.MEDIA_ROOT = tmp_path
    admin = AgentFactory(
        workspace=workspace, role=Role.ADMIN, display_name="Chiara Esposito", language=language
    )
    issue_token(admin, name="gestionale")
    channel = create_channel(
        workspace.pk, kind="api", name="Negozio online", slug="negozio", config={}
    )
    update_channel(channel, name="Negozio online (nuovo)")
    set_retention_policy(workspace.pk, months=24, action="anonymise")
    number = customer_writes(
        api_channel, "Cancellate i miei dati", "Privacy", "anna@example.it", "Anna Gallo"
    )
    from sportello.conversations.models import Conversation

    customer_id = Conversation.objects.get(number=number).customer_id
    with acting_as(operator("operatore@hosting.it")):
        erase_customer_data(workspace.pk, customer_id)

    for width, height, device in ((1366, 800, "desktop"), (360, 740, "phone")):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, admin.user.email)
        if device == "phone":
            page.locator("[data-menu-toggle]").click()
        label = "Registro attività" if language == "it" else "Audit log"
        page.get_by_role("link", name=label).click()
        page.wait_for_url("**/audit/")
        erased = "Dati del cliente cancellati" if language == "it" else "Customer data erased"
        assert page.locator(".audit-action", has_text=erased).count() == 1
        assert "operatore@hosting.it" not in page.content()  # the operator's kind, not name
        page.screenshot(path=SCREENSHOTS.format(name=f"audit-{language}-{device}"), full_page=True)
        page.select_option("#audit-action", "customer.erased")
        page.get_by_role("button", name="Filtra" if language == "it" else "Filter").click()
        page.wait_for_url("**action=customer.erased**")
        assert page.locator(".audit-entry").count() == 1
        page.goto(f"{live_server.url}/c/{number}/")
        assert "Anna Gallo" not in page.content() and "Cancellate" not in page.content()
        page.screenshot(path=SCREENSHOTS.format(name=f"erased-{language}-{device}"), full_page=True)
        context.close()


@pytest.mark.parametrize("language", ["it", "en"])
def test_an_admin_erases_a_customer_from_their_page(
    chromium, live_server, workspace, api_channel, settings, tmp_path, language
):
    settings.MEDIA_ROOT = tmp_path
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN, language=language)
    from sportello.conversations.models import Conversation

    for n, (width, height, device) in enumerate(((1366, 800, "desktop"), (360, 740, "phone"))):
        number = customer_writes(
            api_channel, "Vorrei un reso", f"Reso {n}", f"sara{n}@example.it", "Sara Conti"
        )
        customer_id = Conversation.objects.get(number=number).customer_id
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, admin.user.email, to=f"/customers/{customer_id}/")
        page.screenshot(
            path=SCREENSHOTS.format(name=f"customer-privacy-{language}-{device}"), full_page=True
        )
        page.locator("input[name=confirm]").check()
        erase = "Cancella i dati personali" if language == "it" else "Erase personal data"
        page.get_by_role("button", name=erase).click()
        done = "Dati personali cancellati." if language == "it" else "Personal data erased."
        page.get_by_text(done).wait_for()
        assert "Sara Conti" not in page.content()
        context.close()
