"""The repeat-contact settings through the API: every agent reads them, admins change
them, bad values are refused with a message and change nothing, changes are audited."""

from __future__ import annotations

import pytest

from sportello.audit.models import AuditEntry
from sportello.conversations.repeats import window_days

pytestmark = pytest.mark.django_db


def test_the_defaults_are_on_with_seven_days(api):
    response = api.get("/api/v1/repeat-contacts")
    assert response.status_code == 200
    assert response.json() == {"is_enabled": True, "window_days": 7}


def test_an_admin_changes_the_window_and_the_change_is_audited(admin_api, api, workspace):
    response = admin_api.put("/api/v1/repeat-contacts", {"is_enabled": True, "window_days": 14})
    assert response.status_code == 200, response.content
    assert response.json() == {"is_enabled": True, "window_days": 14}
    assert api.get("/api/v1/repeat-contacts").json()["window_days"] == 14
    assert window_days(workspace.pk) == 14

    (entry,) = AuditEntry.objects.filter(action="repeat_contacts.settings_changed")
    assert entry.workspace_id == workspace.pk and entry.actor_kind == "agent"
    assert entry.detail["changed"] == ["window_days"]
    assert entry.detail["before"]["window_days"] == 7
    assert entry.detail["after"]["window_days"] == 14

    # The same values again: nothing to record.
    admin_api.put("/api/v1/repeat-contacts", {"is_enabled": True, "window_days": 14})
    assert AuditEntry.objects.filter(action="repeat_contacts.settings_changed").count() == 1

    response = admin_api.put("/api/v1/repeat-contacts", {"is_enabled": False, "window_days": 14})
    assert response.json()["is_enabled"] is False
    assert window_days(workspace.pk) is None


@pytest.mark.parametrize(
    "body",
    [
        {"is_enabled": True, "window_days": 0},
        {"is_enabled": True, "window_days": 91},
        {"is_enabled": True, "window_days": "una settimana"},
        {"is_enabled": True},
        {"window_days": 7},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(admin_api, body):
    response = admin_api.put("/api/v1/repeat-contacts", body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert admin_api.get("/api/v1/repeat-contacts").json() == {
        "is_enabled": True,
        "window_days": 7,
    }
    assert not AuditEntry.objects.filter(action="repeat_contacts.settings_changed").exists()


def test_an_agent_reads_but_does_not_change_them(api):
    response = api.put("/api/v1/repeat-contacts", {"is_enabled": False, "window_days": 3})
    assert response.status_code == 403
    assert api.get("/api/v1/repeat-contacts").json()["is_enabled"] is True
