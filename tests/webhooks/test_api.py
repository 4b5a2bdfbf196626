"""``/api/v1/webhooks``: admins only, one workspace's rows, bad input a 422 naming the field."""

from __future__ import annotations

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.audit.models import AuditEntry
from sportello.webhooks.models import WebhookDelivery
from tests.conftest import ApiClient
from tests.factories import AgentFactory, WorkspaceFactory
from tests.providers.fake_http import Reply
from tests.webhooks.conftest import HOOK

URL = "https://hooks.negozio.example/sportello"


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN, user__email="capo@negozio.it")
    return ApiClient(issue_token(admin))


def _create(client: ApiClient, **fields):
    body = {"url": URL, "events": ["message.received", "reply.sent"], **fields}
    return client.post("/api/v1/webhooks", body)


def test_an_admin_creates_reads_changes_and_deletes_a_webhook(admin_api):
    created = _create(admin_api, description="Shopify")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["secret_hint"].endswith(body["secret"][-4:])
    assert body["events"] == ["message.received", "reply.sent"] and body["is_enabled"]
    wid = body["id"]

    listed = admin_api.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed] == [wid] and "secret" not in listed[0]
    assert "secret" not in admin_api.get(f"/api/v1/webhooks/{wid}").json()

    changed = admin_api.patch(f"/api/v1/webhooks/{wid}", {"events": ["customer.created"]})
    assert changed.status_code == 200 and changed.json()["events"] == ["customer.created"]
    assert changed.json()["url"] == URL

    rotated = admin_api.post(f"/api/v1/webhooks/{wid}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json()["secret"] != body["secret"]

    assert admin_api.delete(f"/api/v1/webhooks/{wid}").status_code == 204
    assert admin_api.get(f"/api/v1/webhooks/{wid}").status_code == 404
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-4:] == [
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.deleted",
    ]
    assert not any("secret" in str(e.detail) for e in AuditEntry.objects.all())
    created_entry = AuditEntry.objects.get(action="webhook.created")
    assert created_entry.detail == {
        "host": "hooks.negozio.example",
        "events": ["message.received", "reply.sent"],
    }


def test_agents_and_supervisors_are_refused(api, workspace):
    supervisor = AgentFactory(workspace=workspace, role=Role.SUPERVISOR)
    for client in (api, ApiClient(issue_token(supervisor))):
        assert client.get("/api/v1/webhooks").status_code == 403
        assert _create(client).status_code == 403
    assert ApiClient(None).get("/api/v1/webhooks").status_code == 401


def test_another_workspaces_webhook_is_not_found(admin_api):
    wid = _create(admin_api).json()["id"]
    other = AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    stranger = ApiClient(issue_token(other))
    assert stranger.get("/api/v1/webhooks").json() == []
    for method, path in [
        ("get", f"/api/v1/webhooks/{wid}"),
        ("patch", f"/api/v1/webhooks/{wid}"),
        ("delete", f"/api/v1/webhooks/{wid}"),
        ("post", f"/api/v1/webhooks/{wid}/rotate-secret"),
        ("post", f"/api/v1/webhooks/{wid}/ping"),
        ("get", f"/api/v1/webhooks/{wid}/deliveries"),
    ]:
        kwargs = {"body": {"is_enabled": False}} if method == "patch" else {}
        assert getattr(stranger, method)(path, **kwargs).status_code == 404, path
    assert admin_api.get(f"/api/v1/webhooks/{wid}").json()["is_enabled"]


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ({"url": "http://hooks.negozio.example/x"}, "https is required"),
        ({"url": "ftp://hooks.negozio.example/x"}, "url: give an https URL"),
        ({"url": "https://127.0.0.1/x"}, "private addresses are refused"),
        ({"url": "https://169.254.169.254/latest/meta-data"}, "private addresses are refused"),
        ({"url": "https://[::1]:8443/x"}, "private addresses are refused"),
        ({"url": "https://localhost/x"}, "private addresses are refused"),
        ({"url": "https://user:pw@hooks.negozio.example/x"}, "no user name or password"),
        ({"url": "https://hooks.negozio.example:99999/x"}, "url: not a valid URL"),
        ({"url": "https://hooks.negozio.example/a b"}, "no spaces"),
        ({"url": "https://x.example/" + "a" * 500}, "at most 500 characters"),
        ({"url": ""}, "url: give an https URL"),
        ({"events": []}, "events: choose at least one"),
        ({"events": ["message.deleted"]}, "events: unknown 'message.deleted'"),
        ({"events": "message.received"}, "events"),
        ({"description": "d" * 201}, "description: at most 200"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(admin_api, fields, names):
    answer = _create(admin_api, **fields)
    assert answer.status_code == 422, answer.content
    assert names in answer.json()["detail"]


def test_a_private_target_is_allowed_where_the_installation_says_so(admin_api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert _create(admin_api, url="http://127.0.0.1:5678/webhook/n8n").status_code == 201
    assert _create(admin_api, url="http://192.168.1.20/hook").status_code == 201
    refused = _create(admin_api, url="http://8.8.8.8/hook")
    assert refused.status_code == 422 and "use https" in refused.json()["detail"]


def test_ping_lists_and_redelivers_through_the_api(
    admin_api, receiver, django_capture_on_commit_callbacks
):
    receiver.then("POST", HOOK, Reply(500, body=b"oops"))
    wid = _create(admin_api, url=receiver.url + HOOK).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        pinged = admin_api.post(f"/api/v1/webhooks/{wid}/ping")
    assert pinged.status_code == 202 and pinged.json()["event_type"] == "ping"

    page = admin_api.get(f"/api/v1/webhooks/{wid}/deliveries").json()
    (delivery,) = page["items"]
    assert delivery["status"] == "pending" and delivery["response_status"] == 500
    assert delivery["response_excerpt"] == "oops" and delivery["attempts"] == 1
    assert delivery["payload"]["type"] == "ping" and page["next_cursor"] is None

    with django_capture_on_commit_callbacks(execute=True):
        again = admin_api.post(f"/api/v1/webhooks/{wid}/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 202
    assert again.json()["event_id"] == delivery["event_id"]
    assert again.json()["redelivery_of"] == delivery["id"]
    newest = admin_api.get(f"/api/v1/webhooks/{wid}/deliveries?status=succeeded").json()
    assert [d["id"] for d in newest["items"]] == [again.json()["id"]]
    assert len(receiver.sent("POST", HOOK)) == 2

    first = admin_api.get(f"/api/v1/webhooks/{wid}/deliveries?limit=1").json()
    assert len(first["items"]) == 1 and first["next_cursor"] is not None
    rest = admin_api.get(f"/api/v1/webhooks/{wid}/deliveries?cursor={first['next_cursor']}")
    assert [d["id"] for d in rest.json()["items"]] == [delivery["id"]]
    assert admin_api.get(f"/api/v1/webhooks/{wid}/deliveries?cursor=abc").status_code == 422
    missing = admin_api.post(f"/api/v1/webhooks/{wid}/deliveries/999999/redeliver")
    assert missing.status_code == 404
    assert WebhookDelivery.objects.count() == 2


def test_switching_on_again_clears_the_failures(admin_api):
    wid = _create(admin_api).json()["id"]
    from sportello.webhooks.models import WebhookSubscription

    WebhookSubscription.objects.filter(pk=wid).update(
        is_enabled=False, consecutive_failures=15, disabled_reason="switched off after 15"
    )
    shown = admin_api.get(f"/api/v1/webhooks/{wid}").json()
    assert not shown["is_enabled"] and shown["disabled_reason"] == "switched off after 15"
    still = admin_api.patch(f"/api/v1/webhooks/{wid}", {"description": "n8n"}).json()
    assert still["consecutive_failures"] == 15 and not still["is_enabled"]
    on = admin_api.patch(f"/api/v1/webhooks/{wid}", {"is_enabled": True}).json()
    assert on["is_enabled"] and on["consecutive_failures"] == 0 and on["disabled_reason"] == ""
    WebhookSubscription.objects.filter(pk=wid).update(consecutive_failures=3)
    again = admin_api.patch(f"/api/v1/webhooks/{wid}", {"is_enabled": True}).json()
    assert again["consecutive_failures"] == 3  # already on: saving is not a fresh start
    assert admin_api.patch(f"/api/v1/webhooks/{wid}", {"url": None}).status_code == 422
