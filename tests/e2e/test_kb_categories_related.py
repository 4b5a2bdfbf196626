"""A supervisor orders the help center's categories and relates articles, in a browser;
a customer reads an article with its related ones on the help center.

Screenshots on a desktop and a 360 px phone, in Italian and English, are written to
/tmp/shots/kb/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.accounts.models import Role
from sportello.knowledge.actions import create_article, create_category
from tests.e2e.test_agent_flow import sign_in
from tests.factories import AgentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/kb")


def _shop(workspace_id: int) -> tuple[int, int, int]:
    shipping = create_category(workspace_id, name="Spedizioni", name_en="Shipping")
    create_category(workspace_id, name="Resi e rimborsi", name_en="Returns and refunds")
    create_category(workspace_id, name="Pagamenti")
    times = create_article(
        workspace_id,
        title="Tempi di spedizione",
        body="<p>Spediamo in tutta Italia con il corriere in 24-48 ore dalla conferma "
        "dell'ordine. La spedizione costa 5 euro, gratis sopra i 50 euro.</p>",
        language="it",
        status="published",
        category_id=shipping.pk,
    )
    english = create_article(
        workspace_id,
        title="Shipping times",
        body="<p>We ship across Italy by courier within 24-48 hours of your order.</p>",
        language="en",
        status="published",
        translation_of=times.pk,
        category_id=shipping.pk,
    )
    islands = create_article(
        workspace_id,
        title="Spedizioni nelle isole e in Calabria",
        body="<p>Per Sicilia, Sardegna e isole minori la spedizione con il corriere richiede "
        "3-4 giorni lavorativi, allo stesso prezzo.</p>",
        language="it",
        status="published",
        category_id=shipping.pk,
    )
    create_article(
        workspace_id,
        title="Tracciare la spedizione",
        body="<p>Quando il pacco parte ti mandiamo un'email con il link del corriere per "
        "seguire la spedizione.</p>",
        language="it",
        status="published",
        category_id=shipping.pk,
    )
    return times.pk, english.pk, islands.pk


def _press(page, button) -> None:
    """Click a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


@pytest.mark.parametrize("language", ["it", "en"])
def test_categories_and_related_articles_in_the_browser(chromium, live_server, workspace, language):
    SHOTS.mkdir(parents=True, exist_ok=True)
    supervisor = AgentFactory(
        workspace=workspace, role=Role.SUPERVISOR, display_name="Sara Verdi", language=language
    )
    times, english, islands = _shop(workspace.pk)
    read = english if language == "en" else times
    for width, height, device in ((1366, 800, "desktop"), (360, 740, "phone")):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, supervisor.user.email, to="/kb/categories/")
        rows = page.locator(".kb-category")
        assert rows.count() == 3
        # Pagamenti goes first; Spedizioni (with articles) cannot be deleted.
        _press(page, rows.nth(2).locator("button[value='up']"))
        _press(page, page.locator(".kb-category").nth(1).locator("button[value='up']"))
        assert (
            "Pagamenti"
            in page.locator(".kb-category").first.locator("input[name='name']").input_value()
        )
        _press(page, page.locator(".kb-category").nth(1).locator("button[value='delete']"))
        assert page.locator(".kb-category").count() == 3
        assert "4" in page.locator("li.flash-error").first.inner_text()
        page.screenshot(path=str(SHOTS / f"categories-{language}-{device}.png"), full_page=True)
        # Put them back for the other size.
        _press(page, page.locator(".kb-category").first.locator("button[value='down']"))
        _press(page, page.locator(".kb-category").nth(1).locator("button[value='down']"))

        page.goto(f"{live_server.url}/kb/{times}/")
        related = page.locator("#kb-related").locator("xpath=..")
        assert "Spedizioni nelle isole" in related.inner_text()  # suggested by meaning
        page.locator("#kb-related").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"editor-related-{language}-{device}.png"), full_page=True)

        reader = chromium.new_context(viewport={"width": width, "height": height})
        public = reader.new_page()
        public.goto(f"{live_server.url}/help/{workspace.slug}/{language}/a/{read}/x/")
        assert "Spedizioni nelle isole" in public.locator("section.related").inner_text()
        public.screenshot(
            path=str(SHOTS / f"portal-related-{language}-{device}.png"), full_page=True
        )
        public.goto(f"{live_server.url}/help/{workspace.slug}/{language}/")
        shelf = "Shipping" if language == "en" else "Spedizioni"
        assert shelf in public.locator("main").inner_text()
        reader.close()
        context.close()
    assert islands
