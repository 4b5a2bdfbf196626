"""The web chat widget in a real browser: a static shop page on its own origin embeds the
script tag; the visitor writes, the agent (a second browser context) sees the message and
replies, the visitor sees the reply. A page on an origin the channel does not allow gets
no chat. The live server speaks HTTP only, so the widget runs on its polling fallback
here (the socket is tested in tests/providers/webchat/test_consumer.py).

Screenshots of the widget (closed, open, offline form) at 390x844 and 1366x800, Italian
and English, go to /tmp/shots/webchat/ for a person to look at."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from sportello.conversations.models import Message
from sportello.core.realtime import mark_online
from sportello.sla.actions import ensure_defaults, update_calendar
from sportello.sla.queries import default_calendar
from tests.e2e.test_agent_flow import sign_in
from tests.providers.webchat.helpers import make_webchat_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/webchat")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHOP_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Negozio Rossi</title>
<style>body{{font-family:Georgia,serif;margin:0;background:#fbf7f0}} button{{all:unset}}
header{{background:#3b2a1a;color:#fff;padding:24px}} main{{padding:24px;max-width:720px}}</style>
</head><body><header><h1>Negozio Rossi</h1></header><main><h2>{title}</h2><p>{text}</p></main>
{snippet}</body></html>"""


@contextmanager
def shop_site(pages: dict[str, str]) -> Iterator[str]:
    """A static site on 127.0.0.1 (another origin than the live server's localhost)."""
    folder = SHOTS.parent / f"site-{threading.get_ident()}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, html in pages.items():
        (folder / name).write_text(html, encoding="utf-8")
    handler = partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def page_html(live_server: Any, key: str, lang: str) -> str:
    script = (
        f'<script src="{live_server.url}/static/webchat/widget.js" data-channel="{key}" async>'
        "</script>"
    )
    title, text = (
        ("Scarpe fatte a mano", "Spedizione gratuita sopra i 50 euro.")
        if lang == "it"
        else ("Handmade shoes", "Free shipping over 50 euros.")
    )
    return SHOP_PAGE.format(lang=lang, title=title, text=text, snippet=script)


def business_hours(workspace_id: int, *, open_now: bool) -> None:
    ensure_defaults(workspace_id)
    calendar = default_calendar(workspace_id)
    assert calendar is not None
    hours = (
        {day: [["00:00", "24:00"]] for day in DAYS} if open_now else {"mon": [["09:00", "09:30"]]}
    )
    update_calendar(calendar, hours=hours, holiday_country="")
    # Online also needs an agent's live page (its socket's presence record).
    if open_now:
        mark_online(workspace_id)
    else:
        cache.delete(f"realtime:online:{workspace_id}")


def test_visitor_and_agent_chat_through_the_widget(chromium, live_server, agent, workspace):
    from playwright.sync_api import expect

    business_hours(workspace.pk, open_now=True)
    holder: dict[str, Any] = {}
    with shop_site({"placeholder.html": ""}) as origin:
        holder["origin"] = origin
        channel = make_webchat_channel(workspace.pk, allowed_origins=[origin])
        key = channel.config["webhook_key"]
        folder = SHOTS.parent / f"site-{threading.get_ident()}"
        (folder / "index.html").write_text(page_html(live_server, key, "it"), encoding="utf-8")

        visitor = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
        shop = visitor.new_page()
        shop.goto(f"{origin}/index.html")
        launcher = shop.get_by_role("button", name="Apri la chat")
        launcher.click()
        box = shop.get_by_label("Scrivi un messaggio…", exact=True)
        expect(box).to_be_focused()
        box.fill("Buongiorno, avete le Oxford marroni nel 43?")
        box.press("Enter")
        expect(shop.locator("#sportello-chat .m.visitor[data-id]")).to_have_count(1)
        expect(shop.locator("#sportello-chat .m.visitor")).to_contain_text("Oxford marroni")
        # The panel keeps the focus in it (a modal dialog): Tab from the last control wraps.
        send = shop.get_by_role("button", name="Invia")
        send.focus()
        shop.keyboard.press("Tab")
        expect(shop.locator("#sportello-chat .x")).to_be_focused()

        message = Message.objects.get(direction="in", kind="message")
        number = message.conversation.number
        desk = chromium.new_context(viewport=SIZES["desktop"], locale="it-IT")
        inbox = desk.new_page()
        sign_in(inbox, live_server, agent.user.email)
        inbox.goto(f"{live_server.url}/c/{number}/")
        expect(inbox.locator("body")).to_contain_text("Oxford marroni nel 43")
        inbox.locator("#reply-form textarea").fill("Sì, le abbiamo: gliele teniamo da parte?")
        inbox.locator("#reply-form button.button-primary[type=submit]").click()

        agent_line = shop.locator("#sportello-chat .m.agent")
        expect(agent_line).to_contain_text("gliele teniamo da parte", timeout=15000)
        expect(agent_line).to_contain_text("Giulia Bianchi")
        SHOTS.mkdir(parents=True, exist_ok=True)
        shop.screenshot(path=str(SHOTS / "conversation-it-desktop.png"))
        desk.close()
        visitor.close()


def test_a_site_not_allowed_gets_no_chat(chromium, live_server, workspace):
    with shop_site({"placeholder.html": ""}) as origin:
        channel = make_webchat_channel(workspace.pk, allowed_origins=["https://www.negozio.it"])
        folder = SHOTS.parent / f"site-{threading.get_ident()}"
        html = page_html(live_server, channel.config["webhook_key"], "it")
        (folder / "index.html").write_text(html, encoding="utf-8")
        context = chromium.new_context(viewport=SIZES["desktop"])
        page = context.new_page()
        page.goto(f"{origin}/index.html")
        page.wait_for_selector("#sportello-chat[data-refused]", state="attached")
        assert page.locator("#sportello-chat").get_attribute("data-refused") == "403"
        assert page.get_by_role("button", name="Apri la chat").count() == 0
        context.close()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_widget_screenshots(chromium, live_server, workspace, lang):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    labels = {"it": ("Apri la chat", "Email"), "en": ("Open the chat", "Email")}[lang]
    with shop_site({"placeholder.html": ""}) as origin:
        channel = make_webchat_channel(
            workspace.pk,
            allowed_origins=[origin],
            color="#8a3b12",
            greeting={"it": "Ciao! Siamo in negozio, scrivici.", "en": "Hi! We are in the shop."},
        )
        folder = SHOTS.parent / f"site-{threading.get_ident()}"
        (folder / "index.html").write_text(
            page_html(live_server, channel.config["webhook_key"], lang), encoding="utf-8"
        )
        for online in (True, False):
            business_hours(workspace.pk, open_now=online)
            for size, viewport in SIZES.items():
                context = chromium.new_context(viewport=viewport)
                page = context.new_page()
                page.goto(f"{origin}/index.html")
                launcher = page.get_by_role("button", name=labels[0])
                expect(launcher).to_be_visible()
                state = "online" if online else "offline"
                if online:
                    page.screenshot(path=str(SHOTS / f"closed-{lang}-{size}.png"))
                launcher.click()
                if not online:
                    expect(page.get_by_label(labels[1], exact=True)).to_be_visible()
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"]
                page.screenshot(path=str(SHOTS / f"open-{state}-{lang}-{size}.png"))
                context.close()
