"""The content quality report: duplicates and contradictions, diverging translations,
articles never read, unhelpful ones, the bot's gaps by topic, readability."""

from __future__ import annotations

import pytest

from sportello.knowledge import readership
from sportello.knowledge.models import Article, UnansweredQuestion
from sportello.knowledge.report import flesch, gulpease, syllables

pytestmark = pytest.mark.django_db

RETURNS = (
    "<p>Puoi restituire qualsiasi capo entro 30 giorni dalla consegna. Il reso è gratuito: "
    "stampa l'etichetta dal tuo account e consegna il pacco in un punto di ritiro.</p>"
)


def test_gulpease_and_flesch_rank_hard_text_below_easy_text():
    easy_it = "Il reso è gratis. Hai trenta giorni. Scrivici."
    hard_it = (
        "L'amministrazione provvederà all'eventuale rimborso successivamente alla verifica "
        "dell'integrità complessiva della documentazione trasmessa dall'acquirente interessato"
    )
    assert gulpease(easy_it) > 80 > 40 > gulpease(hard_it)
    easy_en = "The return is free. You have a month. Write to us."
    hard_en = (
        "Reimbursement eligibility determination necessitates comprehensive verification of "
        "documentation authenticity, notwithstanding extraordinary circumstances."
    )
    assert flesch(easy_en) > 70 > 30 > flesch(hard_en)
    assert [syllables(w) for w in ("cat", "table", "reimbursement")] == [1, 2, 4]


def test_report_finds_duplicates_translations_and_readability(editor, write_article):
    first = write_article("Resi gratuiti", RETURNS)
    second = write_article(
        "Come fare un reso",
        RETURNS.replace("30 giorni", "14 giorni"),  # the same text, another figure
    )
    write_article("Lavaggio", "<p>Lava i capi a 30 gradi, al rovescio, con colori simili.</p>")
    english = write_article(
        "Free returns",
        "<p>Our opening hours are Monday to Friday, nine to six.</p>",  # not a translation
        language="en",
        translation_of=first["id"],
    )
    response = editor.get("/api/v1/kb/report")
    assert response.status_code == 200, response.content
    report = response.json()
    pairs = {(p["first"]["id"], p["second"]["id"]): p for p in report["duplicates"]}
    assert (first["id"], second["id"]) in pairs
    assert pairs[(first["id"], second["id"])]["numbers_differ"] is True
    assert len(pairs) == 1  # washing is another topic
    diverging = report["diverging_translations"]
    assert [(d["first"]["id"], d["second"]["id"]) for d in diverging] == [
        (first["id"], english["id"])
    ]
    scores = [r["score"] for r in report["readability"]]
    assert scores == sorted(scores)
    assert {r["index"] for r in report["readability"]} == {"gulpease", "flesch"}
    assert {a["id"] for a in report["never_viewed"]} == {
        first["id"],
        second["id"],
        english["id"],
        *[a["article"]["id"] for a in report["readability"] if a["article"]["title"] == "Lavaggio"],
    }


def test_views_are_counted_in_batches_and_leave_never_viewed(
    editor, write_article, client, workspace
):
    readership.flush()  # views other tests left, before ids are given out again
    article = write_article("Resi gratuiti", RETURNS)
    slug = Article.objects.get(pk=article["id"]).slug
    page = f"/help/{workspace.slug}/it/a/{article['id']}/{slug}/"
    for _ in range(3):
        assert client.get(page).status_code == 200
    assert Article.objects.get(pk=article["id"]).view_count == 0  # not yet written
    assert readership.pending() == 3
    readership.flush()
    stored = Article.objects.get(pk=article["id"])
    assert stored.view_count == 3 and stored.last_viewed_at is not None
    report = editor.get("/api/v1/kb/report").json()
    assert article["id"] not in {a["id"] for a in report["never_viewed"]}


def test_unanswered_bot_questions_are_grouped_by_topic(editor, write_article, reader):
    write_article("Lavaggio", "<p>Lava i capi a 30 gradi, al rovescio.</p>")
    asked = [
        "Vendete passeggini?",
        "Avete passeggini e carrozzine in vendita?",
        "Vendete anche i passeggini per neonati?",
        "Che tempo fa domani a Roma?",
    ]
    for question in asked:
        reply = reader.post("/api/v1/bot/answer", {"question": question}).json()
        assert reply["handoff"] is True
    reader.post("/api/v1/bot/answer", {"question": "Voglio parlare con una persona"})
    assert UnansweredQuestion.objects.count() == len(asked)  # asking for a person is no gap
    gaps = editor.get("/api/v1/kb/report").json()["gaps"]
    assert gaps[0]["count"] == 3
    assert all("passeggin" in q for q in gaps[0]["examples"])
    assert sum(g["count"] for g in gaps) == len(asked)


def test_agents_may_not_read_the_report(reader):
    assert reader.get("/api/v1/kb/report").status_code == 403
