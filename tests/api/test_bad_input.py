"""Bad input answers a clear 4xx, never a 500 (issue 13, point 5)."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from pydantic import BaseModel

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from tests.conftest import ApiClient
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # one past the largest row id
HUGE = 10**20


@pytest.mark.parametrize("number", [TOO_BIG, HUGE])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/conversations/{}", None),
        ("patch", "/api/v1/conversations/{}", {"status": "open"}),
        ("post", "/api/v1/conversations/{}/notes", {"text": "ciao"}),
        ("post", "/api/v1/conversations/{}/reply", {"text": "ciao"}),
        ("get", "/api/v1/customers/{}", None),
        ("patch", "/api/v1/customers/{}", {"name": "Mario"}),
        ("patch", "/api/v1/channels/{}", {"name": "Posta"}),
    ],
)
def test_an_id_beyond_a_row_id_in_a_path_is_not_found(api, method, path, body, number):
    response = api._send(method, path.format(number), body)
    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


@pytest.mark.parametrize("number", ["-1", "%C2%B9", "1.5"])
def test_a_path_id_that_is_not_ascii_digits_is_not_found(api, number):
    response = api.get(f"/api/v1/customers/{number}")
    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


def test_the_largest_row_id_is_looked_up_and_not_found(api):
    response = api.get(f"/api/v1/customers/{TOO_BIG - 1}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"customer {TOO_BIG - 1} not found"}


@pytest.mark.parametrize("cursor", ["%C2%B9", "%D9%A3", str(TOO_BIG), "9" * 5000, "-1"])
@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/conversations"])
def test_a_cursor_that_is_not_one_is_refused(api, path, cursor):
    response = api.get(f"{path}?cursor={cursor}")
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


# Queries that were FTS5 or tsquery syntax, or became it once folded (NFKD makes '½'
# '1⁄2', a phrase to FTS5), and letters SQLite's tokenizer reads as marks.
NASTY_QUERIES = [
    "½",
    "1⁄2",
    "⑴ ⒜",
    "ﬁne ㎏",
    '"',
    'a "b',
    "'",
    "*",
    "ordine*",
    "NEAR(a b)",
    "a NEAR b",
    "-ordine",
    "a:b",
    "ordine:",
    "^a",
    "a AND OR NOT b",
    "(a",
    "a & b | !c <-> d",
    "\\",
    "a\\'b",
    "\u19b1\u19b2",
    "ᦀᦱ",
    "a\u19b1a ᦀᦱᦀ",
    "\u1cf2a",
    "Ⅻ",
    "a\u0301",
    "\U0001e900\U0001e901",
    "x" * 3000,
    " ".join(["parola"] * 40),
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_a_search_is_never_syntax(api, inbound, query):
    inbound("Il mio ordine da 1/2 chilo non è arrivato")
    response = api.get("/api/v1/conversations", QUERY_STRING=urlencode({"q": query}))
    assert response.status_code == 200
    assert isinstance(response.json()["items"], list)


def test_a_folded_fraction_finds_what_it_folds_to(api, inbound):
    conversation_id = inbound("Ne vorrei ½ chilo").json()["conversation_id"]
    found = api.get("/api/v1/conversations", QUERY_STRING=urlencode({"q": "1⁄2 chilo"}))
    assert [c["id"] for c in found.json()["items"]] == [conversation_id]


def _inbound_body(**fields):
    body = {"channel": "api", "sender": {"email": "mario@example.it"}, "text": "ciao"}
    body.update(fields)
    return body


@pytest.mark.parametrize(
    ("method", "path", "body", "complaint"),
    [
        ("post", "/api/v1/inbound", _inbound_body(channel="\ud800"), "surrogate"),
        ("post", "/api/v1/inbound", _inbound_body(text="ciao\udfff"), "surrogate"),
        ("post", "/api/v1/inbound", _inbound_body(text="ciao\x00"), "NUL"),
        ("post", "/api/v1/inbound", _inbound_body(sender={"name": "a\x00"}), "NUL"),
        ("post", "/api/v1/inbound", _inbound_body(metadata={"\ud800": 1}), "surrogate"),
        ("patch", "/api/v1/conversations/{conversation}", {"tags": ["\ud800"]}, "surrogate"),
        ("patch", "/api/v1/conversations/{conversation}", {"tags": ["a\x00"]}, "NUL"),
        ("post", "/api/v1/conversations/{conversation}/notes", {"text": "\ud800"}, "surrogate"),
        ("patch", "/api/v1/customers/{customer}", {"name": "Mario\x00"}, "NUL"),
        ("patch", "/api/v1/customers/{customer}", {"custom_fields": {"k": "\ud800"}}, "surrogate"),
        ("post", "/api/v1/auth/token", {"email": "\ud800", "password": "x"}, "surrogate"),
    ],
)
def test_text_that_is_not_storable_is_refused(api, inbound, method, path, body, complaint):
    created = inbound().json()
    url = path.format(conversation=created["conversation_id"], customer=created["customer_id"])
    response = api._send(method, url, body)
    assert response.status_code == 422
    assert complaint in response.json()["detail"]


@pytest.mark.parametrize("raw", ["[" * 100_000, '{"a":' * 100_000, "{", "\x00", "[1,]"])
@pytest.mark.parametrize(
    "path", ["/api/v1/inbound", "/api/v1/conversations/1/notes", "/api/v1/auth/token"]
)
def test_a_body_that_is_not_json_is_refused(api, path, raw):
    response = api.post(path, raw=raw.encode())
    assert response.status_code == 422
    assert response.json()["detail"] in {
        "the JSON body is nested too deeply",
        "the body is not valid JSON",
    }


@pytest.mark.parametrize("raw", ["[null, null]", "[]", '"x"', "3", "null"])
@pytest.mark.parametrize("path", ["/api/v1/notifications/read", "/api/v1/conversations/1/notes"])
def test_a_json_body_that_is_not_an_object_is_refused(api, path, raw):
    # A schema whose fields are all optional read a list as {} (and marked everything read).
    response = api.post(path, raw=raw.encode())
    assert response.status_code == 422
    assert response.json()["detail"] == "the JSON body must be an object"


def test_a_refused_inbound_body_with_nul_is_kept_as_evidence(api):
    from sportello.ingest.models import RejectedInbound

    response = api.post("/api/v1/inbound", raw=b'{"channel": "api\x00", "text": "\\u0000"}')
    assert response.status_code == 422
    kept = RejectedInbound.objects.get()
    assert "\x00" not in kept.raw_excerpt and not kept.retryable


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/conversations"])
@pytest.mark.parametrize("field", ["q", "tag", "channel", "assignee"])
def test_nul_in_a_query_string_is_dropped(api, inbound, path, field):
    inbound()
    response = api.get(path, QUERY_STRING=f"{field}=ros%00si")
    assert response.status_code in {200, 422}  # customers ignores the filters it lacks
    if field == "q" and path == "/api/v1/customers":
        assert len(response.json()["items"]) == 1


@pytest.mark.parametrize(
    "until",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T00:00:00-14:00",
        "2000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "2030-01-01T00:00:00",  # no time zone: whose 1 January?
        1_900_000_000,  # seconds since 1970 would be 2030: a number is not a date
        "1900000000",
    ],
)
def test_a_snooze_date_out_of_bounds_is_refused(api, inbound, until):
    conversation_id = inbound().json()["conversation_id"]
    response = api.patch(
        f"/api/v1/conversations/{conversation_id}", {"status": "snoozed", "snoozed_until": until}
    )
    assert response.status_code == 422
    assert "snoozed_until" in response.json()["detail"]


def test_a_snooze_within_five_years_is_taken(api, inbound):
    conversation_id = inbound().json()["conversation_id"]
    until = (timezone.now() + timedelta(days=4 * 365)).isoformat()
    response = api.patch(
        f"/api/v1/conversations/{conversation_id}", {"status": "snoozed", "snoozed_until": until}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "snoozed"


@pytest.mark.parametrize(
    ("sent_at", "complaint"),
    [
        ("0001-01-01T00:00:00+14:00", "out of range"),
        ("9999-12-31T23:59:59-14:00", "out of range"),
        ("9999-12-31T00:00:00Z", "in the future"),
        ("2999-01-01T00:00:00Z", "in the future"),
        ("1969-12-31T23:59:59Z", "before 1970"),
        ("2025-01-01T10:00:00", "time zone"),
    ],
)
def test_an_absurd_sent_at_is_refused_at_the_edge(api, sent_at, complaint):
    from sportello.ingest.models import RejectedInbound

    response = api.post("/api/v1/inbound", _inbound_body(sent_at=sent_at))
    assert response.status_code == 422
    assert complaint in response.json()["detail"]
    refused = RejectedInbound.objects.get()
    assert refused.stage == "edge" and not refused.retryable


def test_a_plausible_sent_at_is_kept(api):
    sent_at = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    response = api.post("/api/v1/inbound", _inbound_body(sent_at=sent_at.isoformat()))
    assert response.status_code == 201


@pytest.mark.parametrize("field", ["view", "status", "customer_id", "team", "sort", "limit"])
def test_an_empty_value_where_the_document_lists_values_is_refused(api, field):
    """Found by schemathesis: ``?sort=`` was answered as if no sort were given, though
    the document lists which values a sort may take, and an empty one is not among them."""
    response = api.get(f"/api/v1/conversations?{field}=")
    assert response.status_code == 422
    assert field in response.json()["detail"]


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    """Most bad input below reaches operations an agent is refused (403) before any is read."""
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


@pytest.mark.parametrize("moment", ["0.5", "1765000000", "-3", "1e9"])
@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit",
        "/api/v1/reports/repeat-contacts",
        "/api/v1/reports/overview",
        "/api/v1/reports/csat",
        "/api/v1/reports/nps",
    ],
)
def test_a_number_is_not_a_moment(admin_api, path, field, moment):
    """Pydantic reads a number as seconds since 1970: ``?until=0.5`` was a period ending in
    1970, answered 200, where the document asks for a date and time."""
    response = admin_api.get(f"{path}?{urlencode({field: moment})}")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"query.{field}: ")
    assert "not a number" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/reports/overview"])
def test_a_moment_without_its_time_zone_is_refused(admin_api, path):
    response = admin_api.get(f"{path}?until=2026-12-01T00:00:00")
    assert response.status_code == 422
    assert "query.until" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/reports/overview"])
def test_a_moment_with_its_time_zone_is_taken(admin_api, path):
    response = admin_api.get(f"{path}?{urlencode({'until': '2026-12-01T00:00:00+01:00'})}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/v1/kb/categories", {"name": "Resi", "position": False}, "position"),
        ("put", "/api/v1/repeat-contacts", {"is_enabled": 0, "window_days": 1}, "is_enabled"),
        ("put", "/api/v1/repeat-contacts", {"is_enabled": True, "window_days": "7"}, "window_days"),
        ("post", "/api/v1/sla-policies", {"name": "VIP", "is_active": 1}, "is_active"),
        ("post", "/api/v1/sla-policies", {"name": "VIP", "position": True}, "position"),
        (
            "put",
            "/api/v1/acknowledgement",
            {"is_enabled": "true", "min_hours_between": 1},
            "is_enabled",
        ),
        (
            "post",
            "/api/v1/webhooks",
            {"url": "https://example.it/h", "events": ["message.received"], "is_enabled": 1},
            "is_enabled",
        ),
    ],
)
def test_a_boolean_is_not_a_number_nor_a_number_a_boolean(admin_api, method, path, body, field):
    """Pydantic's lax mode reads false as 0, 1 as true and "7" as 7: a client's mistake
    would be stored as something it did not mean, and answered 2xx."""
    response = admin_api._send(method, path, body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}: ")


def _body_models() -> Iterator[tuple[str, type[BaseModel]]]:
    from sportello.api.api import api

    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.models:
                    if model.__ninja_param_source__ != "body":
                        continue
                    for field in model.model_fields.values():
                        name = f"{operation.methods[0]} {prefix}{path}"
                        yield from _models_within(name, field.annotation)


def _models_within(name: str, annotation: Any) -> Iterator[tuple[str, type[BaseModel]]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield name, annotation
        for field in annotation.model_fields.values():
            yield from _models_within(name, field.annotation)
    for argument in typing.get_args(annotation):
        yield from _models_within(name, argument)


def _lax_scalars(annotation: Any) -> set[type]:
    if typing.get_origin(annotation) is typing.Annotated:
        if any(getattr(m, "strict", False) for m in annotation.__metadata__):
            return set()
        return _lax_scalars(typing.get_args(annotation)[0])
    if arguments := typing.get_args(annotation):
        return set().union(*(_lax_scalars(a) for a in arguments))
    return {annotation} & {int, bool}


def test_every_number_and_flag_in_a_json_body_is_strict():
    """Every integer and boolean of every request body is StrictInt or StrictBool, so that
    the class of mistake above cannot come back with the next field."""
    lax = sorted(
        f"{operation}: {model.__name__}.{name}"
        for operation, model in _body_models()
        for name, field in model.model_fields.items()
        if not any(getattr(m, "strict", False) for m in field.metadata)
        and _lax_scalars(field.annotation)
    )
    assert lax == []
