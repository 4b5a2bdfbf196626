"""The widget's launcher with the help-center search first, and agents' pictures beside
their replies, in a real browser on a shop's page (another origin).

The visitor opens the launcher, searches the help center, sees the article (a link that
opens in a new tab), chooses "Chat with us", writes; the agent's reply arrives with the
agent's picture. Screenshots at 390x844 and 1366x800, Italian and English, go to
/tmp/shots/chatscale/ for a person to look at."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sportello.accounts.actions import set_avatar
from sportello.conversations.models import Conversation
from sportello.knowledge.actions import create_article
from sportello.outbound.actions import send_reply
from tests.e2e.test_webchat_widget import SHOTS as SITES
from tests.e2e.test_webchat_widget import SIZES, business_hours, page_html, shop_site
from tests.providers.webchat.helpers import make_webchat_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/chatscale")
# A 2x2 PNG (a brown square): a real image the browser decodes.
PICTURE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001049444154"
    "789c63e8b2160222060805001972035d7ac8f9eb0000000049454e44ae426082"
)
WORDS = {
    "it": {
        "open": "Apri la chat",
        "search": "Cerca nelle nostre guide",
        "find": "Cerca",
        "chat": "Chatta con noi",
        "question": "resi gratuiti",
        "title": "Resi e rimborsi",
        "write": "Scrivi un messaggio…",
        "message": "Posso rendere un paio già indossato?",
        "reply": "Sì, entro 30 giorni: le mando l'etichetta.",
    },
    "en": {
        "open": "Open the chat",
        "search": "Search our help center",
        "find": "Search",
        "chat": "Chat with us",
        "question": "free returns",
        "title": "Returns and refunds",
        "write": "Write a message…",
        "message": "Can I return a pair I wore once?",
        "reply": "Yes, within 30 days: I will send you the label.",
    },
}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_search_first_then_chat_with_the_agents_picture(
    chromium, live_server, workspace, agent, lang
):
    from playwright.sync_api import expect

    words = WORDS[lang]
    SHOTS.mkdir(parents=True, exist_ok=True)
    business_hours(workspace.pk, open_now=True)
    set_avatar(agent, PICTURE)
    italian = create_article(
        workspace.pk,
        title="Resi e rimborsi",
        body="<p>I resi sono gratuiti entro 30 giorni dalla consegna.</p>",
        language="it",
        status="published",
    )
    create_article(
        workspace.pk,
        title="Returns and refunds",
        body="<p>Returns are free within 30 days of delivery.</p>",
        language="en",
        status="published",
        translation_of=italian.pk,
    )
    with shop_site({"placeholder.html": ""}) as origin:
        channel = make_webchat_channel(
            workspace.pk, allowed_origins=[origin], color="#8a3b12", help_search=True
        )
        folder = SITES.parent / f"site-{threading.get_ident()}"
        (folder / "index.html").write_text(
            page_html(live_server, channel.config["webhook_key"], lang), encoding="utf-8"
        )
        for size, viewport in SIZES.items():
            context = chromium.new_context(viewport=viewport)
            page = context.new_page()
            page.goto(f"{origin}/index.html")
            page.get_by_role("button", name=words["open"]).click()
            search = page.get_by_label(words["search"], exact=True)
            expect(search).to_be_focused()
            search.fill(words["question"])
            search.press("Enter")
            article = page.locator("#sportello-chat .help li a")
            # The first search of a process loads the search model: seconds on a busy machine.
            expect(article).to_contain_text(words["title"], timeout=60000)
            assert article.get_attribute("target") == "_blank"
            assert f"/help/{workspace.slug}/{lang}/" in (article.get_attribute("href") or "")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.screenshot(path=str(SHOTS / f"widget-search-{lang}-{size}.png"))

            page.get_by_role("button", name=words["chat"]).click()
            box = page.get_by_label(words["write"], exact=True)
            expect(box).to_be_focused()
            box.fill(words["message"])
            box.press("Enter")
            expect(page.locator("#sportello-chat .m.visitor[data-id]")).to_have_count(
                1, timeout=60000
            )

            conversation = Conversation.objects.filter(channel=channel).order_by("-pk").first()
            assert conversation is not None
            send_reply(conversation, agent, words["reply"])
            line = page.locator("#sportello-chat .m.agent").last
            expect(line).to_contain_text(words["reply"], timeout=60000)
            expect(line).to_contain_text("Giulia Bianchi")
            picture = line.locator("img.av")
            avatar = f"{live_server.url}/hooks/webchat/avatars/{agent.avatar.name}"
            expect(picture).to_have_attribute("src", avatar)
            assert picture.evaluate("img => img.complete && img.naturalWidth") == 2
            page.screenshot(path=str(SHOTS / f"widget-chat-{lang}-{size}.png"))
            context.close()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_an_agent_uploads_a_picture_on_the_profile_page(
    chromium, live_server, agent, lang, tmp_path
):
    """The profile page's picture section: initials, then the uploaded picture; a file that
    is no picture is refused with the reason (screenshots at 1366x800 and 360x740)."""
    from playwright.sync_api import expect

    from tests.e2e.test_agent_flow import sign_in

    agent.language = lang
    agent.save()
    SHOTS.mkdir(parents=True, exist_ok=True)
    picture = tmp_path / "me.png"
    picture.write_bytes(PICTURE)
    fake = tmp_path / "me.svg"
    fake.write_text("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    upload, refused = {"it": ("Carica", "PNG, JPEG o WebP"), "en": ("Upload", "PNG, JPEG or WebP")}[
        lang
    ]
    for size, viewport in {
        "desktop": {"width": 1366, "height": 800},
        "phone": {"width": 360, "height": 740},
    }.items():
        # The sign-in page speaks the browser's language; the profile, the agent's.
        context = chromium.new_context(viewport=viewport, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, agent.user.email, to="/profile/")
        expect(page.locator(".avatar-initials")).to_have_text("GB")
        section = page.locator("section[aria-labelledby=avatar-title]")
        section.locator("input[type=file]").set_input_files(str(fake))
        section.get_by_role("button", name=upload).click()
        expect(page.locator("section[aria-labelledby=avatar-title] [role=alert]")).to_contain_text(
            refused
        )
        section = page.locator("section[aria-labelledby=avatar-title]")
        section.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"profile-refused-{lang}-{size}.png"))
        section.locator("input[type=file]").set_input_files(str(picture))
        section.get_by_role("button", name=upload).click()
        expect(page.locator("img.avatar-preview")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.locator("section[aria-labelledby=avatar-title]").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"profile-picture-{lang}-{size}.png"))
        page.locator("section[aria-labelledby=avatar-title] form").last.get_by_role(
            "button"
        ).click()
        expect(page.locator(".avatar-initials")).to_have_text("GB")
        context.close()
