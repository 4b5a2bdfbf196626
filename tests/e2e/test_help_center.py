"""What a customer does in the public help center, in a real browser: reads the shelves,
searches in their own words, opens the answer; on a desktop and on a 360 px phone, in
Italian and English. Screenshots go to /tmp (``sportello-help-*.png``) for a person to
look at."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.knowledge import actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/sportello-help-{name}.png"
SIZES = {"desktop": (1366, 800), "phone": (360, 740)}


@pytest.fixture
def help_center(workspace) -> dict[str, Any]:
    """A small shop's knowledge base, partly translated (the vectors' job runs at once)."""
    shipping = actions.create_category(workspace.pk, name="Spedizioni e consegne", position=1)
    returns = actions.create_category(workspace.pk, name="Resi e rimborsi", position=2)
    times = actions.create_article(
        workspace.pk,
        title="Tempi e costi di spedizione",
        body="<p>Spediamo in tutta Italia con corriere espresso in <b>24-48 ore</b> "
        "lavorative. La spedizione costa 4,90 euro ed è gratuita sopra i 49 euro.</p>"
        "<ul><li>Isole: un giorno in più</li><li>Ritiro in negozio: gratuito</li></ul>",
        language="it",
        category_id=shipping.pk,
        status="published",
    )
    actions.create_article(
        workspace.pk,
        title="Delivery times and costs",
        body="<p>We ship across Italy by express courier within <b>24-48 working hours</b>. "
        "Shipping costs 4.90 euros and is free over 49 euros.</p>",
        language="en",
        category_id=shipping.pk,
        status="published",
        translation_of=times.pk,
    )
    actions.create_article(
        workspace.pk,
        title="Come seguo il mio pacco?",
        body="<p>Quando l'ordine parte ricevi un'email con il link di tracciamento.</p>",
        language="it",
        category_id=shipping.pk,
        status="published",
    )
    refund = actions.create_article(
        workspace.pk,
        title="Resi e cambi entro 30 giorni",
        body="<p>Hai 30 giorni dalla consegna per restituire un capo o cambiarlo con un'altra "
        "taglia. Il reso è gratuito: stampa l'etichetta dalla tua area clienti.</p>",
        language="it",
        category_id=returns.pk,
        status="published",
        related_ids=[times.pk],
    )
    return {"slug": workspace.slug, "refund": refund}


def test_a_customer_finds_an_answer_in_their_own_words(chromium, live_server, help_center):
    from playwright.sync_api import expect

    for lang, question, expected in [
        ("it", "quanto ci mette il corriere?", "Tempi e costi di spedizione"),
        ("en", "How many days do I have to return an item?", "Resi e cambi entro 30 giorni"),
    ]:
        for size, (width, height) in SIZES.items():
            context = chromium.new_context(
                viewport={"width": width, "height": height}, locale=f"{lang}-IT"
            )
            page = context.new_page()
            try:
                page.goto(f"{live_server.url}/help/{help_center['slug']}/{lang}/")
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=SCREENSHOTS.format(name=f"home-{lang}-{size}"), full_page=True)

                label = "Cerca nel centro assistenza" if lang == "it" else "Search the help center"
                page.get_by_label(label).fill(question)
                page.get_by_label(label).press("Enter")
                first = page.locator(".results li").first
                expect(first).to_contain_text(expected)
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(
                    path=SCREENSHOTS.format(name=f"search-{lang}-{size}"), full_page=True
                )

                first.locator("a").click()
                expect(page.get_by_role("heading", level=1)).to_have_text(expected)
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(
                    path=SCREENSHOTS.format(name=f"article-{lang}-{size}"), full_page=True
                )
            finally:
                context.close()


def test_the_help_center_is_usable_from_the_keyboard(chromium, live_server, help_center):
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/help/{help_center['slug']}/it/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Vai al contenuto")
        expect(skip).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("link", name="Delivery times and costs")).to_be_visible()
    finally:
        context.close()
