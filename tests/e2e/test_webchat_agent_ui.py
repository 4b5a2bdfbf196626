"""The agent's side of a web chat in the browser: the conversation page's "Offer a video
call" button posts a meeting link, and the channel's settings page shows the code to
paste with its copy button. Screenshots at 1366x800 and 390x844 in Italian."""

from __future__ import annotations

from pathlib import Path

import pytest

from sportello.accounts.models import Role
from sportello.conversations.models import Conversation
from tests.e2e.test_agent_flow import sign_in
from tests.factories import AgentFactory
from tests.providers.webchat.helpers import Widget, make_webchat_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/webchat2")
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}


def test_video_call_button_and_embed_code(chromium, live_server, workspace, settings, tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = AgentFactory(
        workspace=workspace,
        role=Role.ADMIN,
        display_name="Giulia Bianchi",
        user__email="giulia@negozio.it",
    )
    channel = make_webchat_channel(workspace.pk)
    widget = Widget(channel)
    widget.open()
    assert widget.say("Posso vedere il divano in videochiamata?", name="Lucia").status_code == 201
    conversation = Conversation.objects.get(channel=channel)

    for size, viewport in SIZES.items():
        context = chromium.new_context(viewport=viewport, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, admin.user.email, to=f"/c/{conversation.number}/")
        button = page.get_by_role("button", name="Proponi una videochiamata")
        expect(button).to_be_visible()
        button.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"conversation-it-{size}.png"))
        if size == "desktop":
            button.click()
            expect(page.locator("#thread")).to_contain_text("meet.jit.si/sportello-")
            page.screenshot(path=str(SHOTS / f"video-offered-it-{size}.png"))
        page.goto(f"{live_server.url}/settings/channels/{channel.pk}/")
        snippet = page.locator("#embed-snippet")
        expect(snippet).to_contain_text(channel.config["webhook_key"])
        expect(page.locator("[data-copy='embed-snippet']")).to_have_text("Copia")
        snippet.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"settings-it-{size}.png"), full_page=True)
        context.close()


# The page's socket, stood in for in the browser (pytest-django's live server has no
# websockets; tests/web/test_live_webchat.py covers the server side): it says hello, then
# relays what the visitor's widget makes the server send, a visitor typing.
FAKE_SOCKET = """
window.WebSocket = function (url) {
  var socket = this;
  socket.readyState = 0;
  socket.send = function () {};
  socket.close = function () {};
  setTimeout(function () {
    socket.readyState = 1;
    if (socket.onopen) socket.onopen();
    socket.onmessage({ data: JSON.stringify({ type: "hello", last_id: 1, agent: 1 }) });
    socket.onmessage({ data: JSON.stringify({ type: "typing", visitor: true, name: "" }) });
  }, 50);
};
window.WebSocket.OPEN = 1;
"""


def test_visitor_typing_shows_on_the_agents_page(
    chromium, live_server, workspace, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(parents=True, exist_ok=True)
    agent = AgentFactory(workspace=workspace, user__email="giulia@negozio.it")
    channel = make_webchat_channel(workspace.pk)
    widget = Widget(channel)
    widget.open()
    assert widget.say("C'è il divano in pelle?").status_code == 201
    conversation = Conversation.objects.get(channel=channel)
    context = chromium.new_context(viewport=SIZES["phone"], locale="it-IT")
    context.add_init_script(FAKE_SOCKET)
    page = context.new_page()
    sign_in(page, live_server, agent.user.email, to=f"/c/{conversation.number}/")
    presence = page.locator("#presence")
    expect(presence).to_have_text("Il visitatore sta scrivendo…")
    presence.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "visitor-typing-it-phone.png"))
    # The notice lapses by itself after 6 s without news.
    expect(presence).to_be_hidden(timeout=9000)
    context.close()
