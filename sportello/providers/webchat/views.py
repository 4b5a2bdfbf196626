"""The widget's HTTP endpoints, under ``/hooks/webchat/<public key>/``.

Every request is cross-origin (the widget runs on the business's site), so each answer
carries CORS headers for the request's ``Origin`` when, and only when, the channel allows
that origin; a request from any other origin, or with none, is refused with 403 before
anything is read. The visitor's token travels in ``X-Visitor-Token``.

- ``GET config``: colours, position, greeting, and whether someone answers now (else when).
- ``POST session``: a new token, or the history of the one sent.
- ``GET messages?after=<id>``: what is new after the last message the widget saw (the
  polling fallback when websockets are blocked; a reconnecting socket asks the same). The
  agents' replies it hands over count as delivered.
- ``POST messages``: a visitor's message (JSON, or multipart with one image or PDF),
  stored through the ingest pipeline before it is answered.
- ``POST read``: the visitor saw the replies up to an id (read receipts).
- ``POST typing``: the visitor is typing (the HTTP twin of the socket's ``typing``).
- ``GET search?q=``: the public help center's answers to a question, when the channel
  has ``help_search`` (the launcher's search box); article paths on this server.

``avatars/<name>`` (no key, no origin: an ``<img>`` sends none) serves agents' pictures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sportello.accounts.queries import avatar_named
from sportello.channels.models import Channel
from sportello.channels.queries import channel_for_webhook_key
from sportello.core.errors import SportelloError
from sportello.providers.webchat import chat, limits
from sportello.providers.webchat.config import WEBHOOK_KEY, WebchatConfig, read_config
from sportello.providers.webchat.visitors import TOKEN

AVATAR_NAME = re.compile(r"^[A-Za-z0-9_-]{20,40}$")

TOKEN_HEADER = "HTTP_X_VISITOR_TOKEN"
# A visitor's message as JSON; a file goes as multipart, checked by the attachment limit.
MAX_JSON_BYTES = 16 * 1024


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Headers"] = "Content-Type, X-Visitor-Token"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


View = Callable[..., HttpResponse]


def widget_endpoint(methods: tuple[str, ...], *, visitor: bool = True) -> Callable[[View], View]:
    """The checks every widget endpoint makes, in order: the channel (404), the origin
    (403), the method (405), the per-IP rate (429) and, where ``visitor``, the token (401).
    The view gets the channel, its settings and the token's handle."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def endpoint(request: HttpRequest, key: str) -> HttpResponse:
            channel = channel_for_widget(key)
            if channel is None:
                return JsonResponse({"detail": "not found"}, status=404)
            try:
                config = read_config(channel.config)
            except SportelloError:
                return JsonResponse({"detail": "the chat is not configured"}, status=404)
            origin = str(request.headers.get("Origin") or "")
            if not config.allows(origin):
                refused = JsonResponse(
                    {"detail": "this site may not embed the chat (origin not allowed)"},
                    status=403,
                )
                # Readable by the refused page, so its widget can say why it stays hidden;
                # no preflight is ever allowed for it, so it can send nothing else.
                if origin:
                    refused["Access-Control-Allow-Origin"] = origin
                    refused["Vary"] = "Origin"
                return refused
            if request.method == "OPTIONS":
                return _cors(HttpResponse(status=204), origin)
            if request.method not in methods:
                return _cors(JsonResponse({"detail": "method not allowed"}, status=405), origin)
            if limits.spent(f"ip:{_client_ip(request)}", limits.REQUESTS_PER_IP):
                return _cors(JsonResponse({"detail": "too many requests"}, status=429), origin)
            token = str(request.META.get(TOKEN_HEADER) or "")
            if visitor and not TOKEN.match(token):
                return _cors(
                    JsonResponse({"detail": "X-Visitor-Token is missing or invalid"}, status=401),
                    origin,
                )
            with translation.override(_language(request)):
                try:
                    response = view(request, channel, config, token)
                except SportelloError as exc:
                    response = JsonResponse({"detail": exc.message}, status=exc.status_code)
            return _cors(response, origin)

        return endpoint

    return wrap


def channel_for_widget(key: str) -> Channel | None:
    if not WEBHOOK_KEY.match(key):
        return None
    return channel_for_webhook_key("webchat", key)


def _language(request: HttpRequest) -> str:
    lang = str(request.GET.get("lang") or "")[:2]
    return lang if lang in ("it", "en") else "it"


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BYTES:
        raise chat.TooLarge(f"at most {MAX_JSON_BYTES} bytes")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise chat.BadRequest("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise chat.BadRequest("the body must be a JSON object")
    return body


@widget_endpoint(("GET",), visitor=False)
def config_view(
    request: HttpRequest, channel: Channel, config: WebchatConfig, token: str
) -> HttpResponse:
    return JsonResponse(chat.widget_settings(channel, config, _language(request)))


@widget_endpoint(("POST",), visitor=False)
def session_view(
    request: HttpRequest, channel: Channel, config: WebchatConfig, token: str
) -> HttpResponse:
    return JsonResponse(chat.open_session(channel, token))


@widget_endpoint(("GET", "POST"))
def messages_view(
    request: HttpRequest, channel: Channel, config: WebchatConfig, token: str
) -> HttpResponse:
    if request.method == "GET":
        try:
            after = max(0, int(request.GET.get("after") or 0))
        except ValueError:
            after = -1
        if after < 0 or after > 2**62:
            return JsonResponse({"detail": "after: a message id"}, status=400)
        return JsonResponse(chat.catch_up(channel, token, after))
    ip = _client_ip(request)
    if limits.spent(f"msg-ip:{ip}", limits.MESSAGES_PER_IP) or limits.spent(
        f"msg-visitor:{token}", limits.MESSAGES_PER_VISITOR
    ):
        return JsonResponse({"detail": _("Too many messages: wait a minute.")}, status=429)
    if request.content_type == "multipart/form-data":
        fields: dict[str, Any] = {k: request.POST.get(k, "") for k in chat.MESSAGE_FIELDS}
        upload = request.FILES.get("file")
        files = [(upload.name or "", upload.read(chat.MAX_FILE_BYTES + 1))] if upload else []
    else:
        fields, files = _json_body(request), []
    line = chat.write(channel, config, token, fields, files)
    return JsonResponse(line, status=201)


@widget_endpoint(("POST",))
def read_view(
    request: HttpRequest, channel: Channel, config: WebchatConfig, token: str
) -> HttpResponse:
    body = _json_body(request)
    return JsonResponse(chat.mark_read(channel, token, body.get("until")))


@widget_endpoint(("POST",))
def typing_view(
    request: HttpRequest, channel: Channel, config: WebchatConfig, token: str
) -> HttpResponse:
    chat.visitor_typing(channel, token)
    return JsonResponse({"ok": True})


def avatar_view(request: HttpRequest, name: str) -> HttpResponse:
    """An agent's picture, by its random public name, for the widget on any site: only
    PNG, JPEG or WebP (checked from the bytes on upload), served as an inert image."""
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"detail": "method not allowed"}, status=405)
    found = avatar_named(name) if AVATAR_NAME.match(name) else None
    if found is None:
        raise Http404("no such picture")
    content_type, content = found
    response = HttpResponse(content, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Another site's page shows it in an <img>; a new upload gets a new name.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@widget_endpoint(("GET",), visitor=False)
def search_view(
    request: HttpRequest, channel: Channel, config: WebchatConfig, token: str
) -> HttpResponse:
    if not config.help_search:
        return JsonResponse({"detail": "the help center search is off for this chat"}, status=404)
    question = str(request.GET.get("q") or "")
    return JsonResponse({"results": chat.help_articles(channel, question, _language(request))})
