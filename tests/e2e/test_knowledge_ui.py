"""A supervisor uses the knowledge base in a real browser: the articles suggested on a
conversation (one inserted into the reply), the content report and the editor.

Screenshots on a desktop and a 360 px phone, in Italian and English, are written to
/tmp/shots/knowledge/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.accounts.models import Role
from sportello.bot.actions import ask
from sportello.knowledge.actions import create_article
from tests.e2e.test_agent_flow import customer_writes, sign_in
from tests.factories import AgentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/knowledge")


def _knowledge_base(workspace_id: int) -> int:
    returns = create_article(
        workspace_id,
        title="Resi e rimborsi",
        body="<p>Hai 30 giorni dalla consegna per restituire un capo non usato.</p>"
        "<p>Il reso è gratuito: stampa l'etichetta dal tuo account e porta il pacco in un "
        "punto di ritiro. Il rimborso arriva entro 5 giorni lavorativi.</p>",
        language="it",
        status="published",
    )
    create_article(
        workspace_id,
        title="Returns and refunds",
        body="<p>You have 14 days from delivery to return an unworn item.</p>",
        language="en",
        status="published",
        translation_of=returns.pk,
    )
    create_article(
        workspace_id,
        title="Procedura interna: rimborsi manuali",
        body="<p>Per rimborsare un reso a mano apri il gestionale, sezione Ordini, e usa la "
        "causale RIMB.</p>",
        language="it",
        status="published",
        internal=True,
    )
    create_article(
        workspace_id,
        title="Lavaggio dei capi",
        body="<p>Lava il cotone biologico a 30 gradi, al rovescio, con colori simili. Non "
        "usare candeggina e asciuga all'aria.</p>",
        language="it",
        status="published",
    )
    for question in ("Vendete passeggini?", "Avete anche i passeggini?", "Che ore sono?"):
        ask(workspace_id, "x", question)
    return returns.pk


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_supervisor_inserts_an_article_and_reads_the_report(
    chromium, live_server, workspace, api_channel, settings, tmp_path, language
):
    settings.MEDIA_ROOT = tmp_path
    SHOTS.mkdir(parents=True, exist_ok=True)
    supervisor = AgentFactory(
        workspace=workspace, role=Role.SUPERVISOR, display_name="Sara Verdi", language=language
    )
    article_id = _knowledge_base(workspace.pk)
    number = customer_writes(
        api_channel, "Buongiorno, come faccio un reso?", "Reso", "anna@example.it", "Anna Gallo"
    )
    for width, height, device in ((1366, 800, "desktop"), (360, 740, "phone")):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, supervisor.user.email, to=f"/c/{number}/")
        first = page.locator(".assist-item").first
        first.wait_for()
        assert "Resi e rimborsi" in first.inner_text()
        first.locator("[data-kb-insert]").click()
        reply = page.locator("#reply-form textarea[name='text']")
        assert "Hai 30 giorni" in reply.input_value()
        assert f"/a/{article_id}/" in reply.input_value()
        page.locator("#assist-title").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"assist-{language}-{device}.png"), full_page=True)

        page.goto(f"{live_server.url}/kb/report/")
        assert page.locator("#r-gaps").count() == 1
        assert "passeggini" in page.content()
        page.screenshot(path=str(SHOTS / f"report-{language}-{device}.png"), full_page=True)

        page.goto(f"{live_server.url}/kb/")
        page.screenshot(path=str(SHOTS / f"list-{language}-{device}.png"), full_page=True)

        page.goto(f"{live_server.url}/kb/{article_id}/")
        body = page.locator("textarea[data-kb-body]")
        body.evaluate("box => box.setSelectionRange(0, 0)")
        page.locator("[data-kb-wrap='h2']").click()
        assert body.input_value().startswith("<h2></h2>")
        page.screenshot(path=str(SHOTS / f"editor-{language}-{device}.png"), full_page=True)
        context.close()
