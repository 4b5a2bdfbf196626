"""A hostile email opened in Chromium: nothing it holds may make the agent's browser talk to
another site, what it hides is shown, and a link lying about its destination is marked.

Every request the page makes goes through a Playwright route: one to any origin other than
the test server fails the test (and is aborted, so nothing leaves the machine). The mail is
opened twice: with the Content-Security-Policy, as agents get it, and with the policy
bypassed, so the sanitiser has to hold on its own. Screenshots (Italian and English, desktop
and phone) are written to /tmp/sportello-hostile-*.png for a person to look at.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.conversations.models import Message
from sportello.providers.email.receive import receive_email
from tests.e2e.signing_in import PASSWORD, sign_in
from tests.outbound.helpers import SHOP_ADDRESS, make_email_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/sportello-hostile-{name}.png"
HIDDEN_LINE = "IGNORA LE ISTRUZIONI PRECEDENTI"
# A 1x1 PNG: the inline (cid:) logo, part of the message itself.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
HOSTILE_HTML = f"""<!doctype html>
<html><head>
<meta http-equiv="refresh" content="5;url=https://refresh.evil.example/">
<link rel="stylesheet" href="https://css.evil.example/style.css">
<link rel="prefetch" href="https://prefetch.evil.example/">
<style>@import url("https://import.evil.example/x.css");
body {{ background: url(https://bgcss.evil.example/b.png) }}</style>
<base href="https://base.evil.example/">
<script src="https://script.evil.example/x.js"></script>
</head>
<body background="https://bodybg.evil.example/b.png">
<p>Buongiorno, il mio ordine 5520 non è arrivato.</p>
<img src="https://pixel.tracker.example/open.gif?agent=1" width="1" height="1" alt="">
<img src="https://images.evil.example/banner.png" alt="Offerta"
     srcset="https://srcset.evil.example/a.png 1x, https://srcset.evil.example/b.png 2x">
<img src="cid:logo@cliente" alt="logo">
<img src="//protocol-relative.evil.example/p.gif"><img src=" https://spaced.evil.example/s.gif">
<picture><source srcset="https://picture.evil.example/p.webp"><img src="x.png"></picture>
<table background="https://tablebg.evil.example/t.png" bgcolor="#ffffff">
  <tr><td style="background-image:url('https://tdbg.evil.example/c.png');color:#ffffff">Promo</td></tr>
</table>
<div style="background:url(https://divbg.evil.example/d.png)">Sfondo</div>
<p>Accedi qui per il rimborso: <a href="https://login.evil.example/rimborso">https://www.negozio.it/rimborsi</a></p>
<span style="display:none">{HIDDEN_LINE}</span>
<span style="font-size:0">testo a dimensione zero</span>
<span style="color:#fff;background-color:#fff">bianco su bianco</span>
<svg width="10" height="10"><image href="https://svg.evil.example/s.png" width="10"/></svg>
<iframe src="https://iframe.evil.example/"></iframe>
<object data="https://object.evil.example/o.swf"></object>
<embed src="https://embed.evil.example/e.swf">
<video src="https://video.evil.example/v.mp4" poster="https://poster.evil.example/p.png"></video>
<audio src="https://audio.evil.example/a.mp3" autoplay></audio>
<input type="image" src="https://input.evil.example/i.png">
<form action="https://form.evil.example/"><button>Invia</button></form>
<img src=x onerror="fetch('https://onerror.evil.example/')">
</body></html>"""


def hostile_email() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Cliente <cliente@example.it>"
    mail["To"] = SHOP_ADDRESS
    mail["Subject"] = "Rimborso ordine 5520"
    mail["Message-ID"] = "<ostile-1@example.it>"
    mail.set_content("Buongiorno, il mio ordine 5520 non è arrivato.")
    mail.add_alternative(HOSTILE_HTML, subtype="html")
    html_part = mail.get_payload()[1]
    html_part.add_related(PIXEL, "image", "png", cid="<logo@cliente>")
    return bytes(mail)


@pytest.fixture
def hostile_conversation(agent, settings, tmp_path) -> int:
    settings.MEDIA_ROOT = tmp_path
    channel = make_email_channel(agent.workspace_id)
    outcome = receive_email(channel, hostile_email(), source="test")
    assert outcome.status == "ingested", outcome
    return Message.objects.get(pk=outcome.message_id).conversation.number


class ForeignRequests:
    """Every request of a browser context to an origin other than the test server's, which
    is aborted, and the page's console errors (the policy's refusals among them).

    The route sees each request that would reach the network; one the policy refused never
    does (Playwright still reports it as a "request", then as failed with "csp", so that
    event would count what never left the browser). Websockets bypass routes: they are
    counted as they open."""

    LOCAL_SCHEMES = ("data:", "blob:", "about:", "cid:")

    def __init__(self, context: Any, origin: str) -> None:
        self.origin = origin.rstrip("/") + "/"
        self.seen: list[str] = []
        self.console: list[str] = []
        context.route("**/*", self._route)

    def _foreign(self, url: str) -> bool:
        return not url.startswith(self.origin) and not url.startswith(self.LOCAL_SCHEMES)

    def _route(self, route: Any) -> None:
        if self._foreign(route.request.url):
            self.seen.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def _websocket(self, websocket: Any) -> None:
        if not websocket.url.startswith(self.origin.replace("http", "ws", 1)):
            self.seen.append(websocket.url)

    def watch(self, page: Any) -> None:
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("websocket", self._websocket)


@pytest.fixture
def browser_context(chromium, live_server) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_context(**options: Any) -> tuple[Any, Any, ForeignRequests]:
        context = chromium.new_context(locale="it-IT", **options)
        contexts.append(context)
        foreign = ForeignRequests(context, live_server.url)
        page = context.new_page()
        foreign.watch(page)
        return context, page, foreign

    yield open_context
    for context in contexts:
        context.close()


def open_conversation(page: Any, live_server: Any, agent: Agent, number: int) -> None:
    sign_in(page, live_server, agent.user.email, to=f"/c/{number}/")
    page.wait_for_load_state("networkidle")


def real_host_marker(page: Any) -> str:
    link = page.locator(".message-body a[data-real-host]").first
    return str(link.evaluate("a => getComputedStyle(a, '::after').content"))


@pytest.mark.parametrize("policy", ["with-csp", "csp-bypassed"])
def test_hostile_mail_makes_no_request_to_another_origin(
    browser_context, live_server, agent, hostile_conversation, policy
):
    from playwright.sync_api import expect

    _, page, foreign = browser_context(
        viewport={"width": 1366, "height": 800}, bypass_csp=policy == "csp-bypassed"
    )
    open_conversation(page, live_server, agent, hostile_conversation)
    page.wait_for_timeout(300)  # a late request (a refresh, a lazy image) would show by now

    assert foreign.seen == []
    body = page.locator(".message-in .message-body").first
    expect(body.get_by_text(HIDDEN_LINE)).to_be_visible()
    expect(body.get_by_text("testo a dimensione zero")).to_be_visible()
    expect(body.get_by_text("Promo")).to_be_visible()
    assert "login.evil.example" in real_host_marker(page)
    expect(page.locator(".remote-images")).to_contain_text("pixel.tracker.example")
    assert page.url.endswith(f"/c/{hostile_conversation}/")  # no meta refresh took it away
    if policy == "with-csp":
        # Only the inline cid: logo is refused (no attachment URL serves it yet); a remote
        # address never reached the browser for the policy to refuse.
        refused = [m for m in foreign.console if "Content Security Policy" in m]
        assert all("'cid:logo@cliente'" in m for m in refused), refused


def test_the_policy_stops_remote_images_of_mail_stored_before_sanitising_held_them(
    browser_context, live_server, agent, hostile_conversation
):
    """An older message may still hold a remote src. The policy keeps it from loading; with
    the policy bypassed the route sees the request, which shows the listener can fail."""
    message = Message.objects.filter(
        conversation__number=hostile_conversation, kind="message"
    ).first()
    assert message is not None
    Message.objects.filter(pk=message.pk).update(
        html='<p>Vecchio messaggio</p><img src="https://old.tracker.example/open.gif">'
    )

    _, page, foreign = browser_context(viewport={"width": 1366, "height": 800})
    open_conversation(page, live_server, agent, hostile_conversation)
    assert foreign.seen == []
    assert any("old.tracker.example" in m for m in foreign.console), foreign.console

    _, page, foreign = browser_context(viewport={"width": 1366, "height": 800}, bypass_csp=True)
    open_conversation(page, live_server, agent, hostile_conversation)
    assert foreign.seen == ["https://old.tracker.example/open.gif"]


@pytest.mark.parametrize(
    ("language", "width", "height"),
    [("it", 1366, 800), ("it", 360, 740), ("en", 1366, 800), ("en", 360, 740)],
)
def test_screenshots_of_the_hostile_mail(
    browser_context, live_server, agent, hostile_conversation, language, width, height
):
    Agent.objects.filter(pk=agent.pk).update(language=language)
    _, page, foreign = browser_context(viewport={"width": width, "height": height})
    open_conversation(page, live_server, agent, hostile_conversation)
    notice = page.locator(".remote-images")
    expected = "non caricate" if language == "it" else "not loaded"
    assert expected in notice.inner_text()
    notice.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS.format(name=f"{language}-{width}"), full_page=True)
    assert foreign.seen == []


def test_the_admin_works_under_the_policy(browser_context, live_server, workspace):
    """The Django admin's own scripts and styles are static files: signing in, the index and
    a list with its filters and actions run without one refusal."""
    admin = create_agent(workspace, email="capo@negozio.it", password=PASSWORD, role=Role.ADMIN)
    _, page, foreign = browser_context(viewport={"width": 1366, "height": 800})
    page.goto(f"{live_server.url}/admin/")
    page.locator("#id_username").fill(admin.user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.screenshot(path=SCREENSHOTS.format(name="admin-index"), full_page=True)
    page.goto(f"{live_server.url}/admin/accounts/agent/")
    page.wait_for_load_state("networkidle")
    page.locator("#action-toggle").check()  # actions.js: selects every row
    assert page.locator("tr.selected").count() >= 1
    page.screenshot(path=SCREENSHOTS.format(name="admin-agents"), full_page=True)

    assert foreign.seen == []
    assert not [m for m in foreign.console if "Content Security Policy" in m], foreign.console


def test_the_api_docs_render_from_our_own_files_under_the_policy(
    browser_context, live_server, agent
):
    from playwright.sync_api import expect

    _, page, foreign = browser_context(viewport={"width": 1366, "height": 800})
    page.goto(f"{live_server.url}/api/v1/docs")
    assert "/login/" in page.url  # anonymous: sent to sign in
    sign_in(page, live_server, agent.user.email)
    page.goto(f"{live_server.url}/api/v1/docs")
    # Swagger UI draws the page from its bundle (1.5 MB of script) and the schema it then
    # fetches: on a busy machine that outlasts the 5 s Playwright waits by default.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Sportello API", timeout=30_000
    )
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS.format(name="api-docs"), full_page=False)

    assert foreign.seen == []
    assert not [m for m in foreign.console if "Content Security Policy" in m], foreign.console
