"""The REST API v1: one NinjaAPI, thin routers per domain, errors as clear JSON messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

import sportello.core.ids  # noqa: F401  (registers the {rowid:...} path type)
from sportello.api import auth as api_auth
from sportello.api.body import BodyRefused, JsonBody
from sportello.api.routers import (
    acknowledgement,
    audit,
    auth,
    bot,
    calls,
    canned,
    channels,
    conversations,
    customers,
    feedback,
    inbound,
    kb,
    notifications,
    orders,
    privacy,
    reports,
    reviews,
    rules,
    sla,
    tokens,
    webhooks,
    whatsapp,
)
from sportello.core.errors import SportelloError
from sportello.ingest.pipeline import IngestFailed
from sportello.ingest.rejections import record_refusal


class SportelloAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The document, with what every operation taking a body may answer besides its
        own responses: 413 when the body is over the request limit (``on_too_big``)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        too_big = {
            "description": "Request Entity Too Large",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "requestBody" in operation:
                    operation["responses"].setdefault(413, too_big)
        return schema


api = SportelloAPI(
    title="Sportello API",
    version="1",
    description=(
        "Customer care for small businesses: conversations across channels, customers with "
        "their identities, and a generic inbound channel for integrations. Authenticate with "
        "`Authorization: Bearer <token>` (get one from `POST /api/v1/auth/token`)."
    ),
    auth=[api_auth.TokenAuth(), api_auth.SessionAuth()],
    urls_namespace="api-v1",
    # The docs page is sportello.api.docs, behind the agent UI's sign-in.
    docs_url=None,
    parser=JsonBody(),
)
api.add_router("/auth", auth.router)
api.add_router("/tokens", tokens.router)
api.add_router("/inbound", inbound.router)
api.add_router("/conversations", conversations.router)
api.add_router("/conversations", calls.router)
api.add_router("/customers", customers.router)
api.add_router("/channels", channels.router)
api.add_router("/channels", whatsapp.channels)
api.add_router("/conversations", whatsapp.conversations)
api.add_router("/channels", reviews.router)
api.add_router("/privacy", privacy.router)
api.add_router("/audit", audit.router)
api.add_router("/kb", kb.router)
api.add_router("/bot", bot.router)
api.add_router("/calendars", sla.calendars)
api.add_router("/sla-policies", sla.policies)
api.add_router("/repeat-contacts", sla.repeat_contacts)
api.add_router("/acknowledgement", acknowledgement.router)
api.add_router("/canned-replies", canned.router)
api.add_router("/macros", canned.macro_router)
api.add_router("/conversations", canned.apply_router)
api.add_router("/rules", rules.router)
api.add_router("/notifications", notifications.router)
api.add_router("/reports", reports.router)
api.add_router("/reports", feedback.reports)
api.add_router("/feedback", feedback.router)
api.add_router("/orders", orders.router)
api.add_router("/webhooks", webhooks.router)


def _readable(errors: list[dict]) -> str:
    parts = []
    for error in errors[:10]:
        location = ".".join(str(p) for p in error.get("loc", ()) if p not in {"body", "payload"})
        parts.append(
            f"{location}: {error.get('msg', 'invalid')}" if location else error.get("msg", "")
        )
    return "; ".join(parts) or "invalid request"


def _refuse_inbound(request: HttpRequest, detail: str) -> None:
    """Bad input on the inbound endpoint is kept as evidence of what was refused."""
    if request.resolver_match and request.resolver_match.url_name == "inbound":
        agent = getattr(request, "auth", None)
        try:
            raw = request.body[:2000]
        except RequestDataTooBig:  # refused for another reason first; not read, not kept
            raw = b""
            detail = (
                f"{detail} (and the body, {request.META.get('CONTENT_LENGTH')} bytes, too large)"
            )
        record_refusal(
            source="api",
            reason=detail,
            workspace_id=getattr(agent, "workspace_id", None),
            raw=raw,
        )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = _readable(exc.errors)
    _refuse_inbound(request, detail)
    return api.create_response(request, {"detail": detail, "errors": exc.errors}, status=422)


@api.exception_handler(SportelloError)
def on_sportello_error(request: HttpRequest, exc: SportelloError) -> HttpResponse:
    if not isinstance(exc, IngestFailed):  # already kept, with its payload, by the pipeline
        _refuse_inbound(request, exc.message)
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = getattr(exc, "detail", None)
    return api.create_response(
        request,
        {"detail": detail or "missing or invalid token: send Authorization: Bearer <token>"},
        status=401,
    )


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "the request body is too large"}, status=413)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BodyRefused):  # ninja answers 400 for any parser error
        return on_body_refused(request, exc.__cause__)
    _refuse_inbound(request, str(exc))
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def on_body_refused(request: HttpRequest, exc: BodyRefused) -> HttpResponse:
    """A body no schema could read is a validation error like any other: 422."""
    _refuse_inbound(request, exc.message)
    errors = [{"type": "value_error", "loc": ["body"], "msg": exc.message}]
    return api.create_response(request, {"detail": exc.message, "errors": errors}, status=422)
