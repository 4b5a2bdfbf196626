"""New 2FA recovery codes from the profile page: a current code proves the phone is at
hand; the new ten are shown once, and the old ones stop working."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sportello.accounts import actions
from sportello.accounts.models import RecoveryCode
from sportello.audit.models import AuditEntry
from sportello.core import clock
from tests.web.test_two_factor import current_code, enrol

pytestmark = pytest.mark.django_db
CODES = re.compile(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>")


def test_a_code_from_the_app_makes_ten_new_codes_and_the_old_ones_stop_working(
    agent, agent_client, monkeypatch
):
    old = enrol(agent_client, agent.user)
    later = clock.now() + timedelta(seconds=60)  # the enrolment's code is spent
    monkeypatch.setattr(clock, "now", lambda: later)
    assert "Nuovi codici di recupero" in agent_client.get("/profile/").content.decode()

    response = agent_client.post(
        "/profile/two-factor/recovery-codes/", {"code": current_code(agent.user)}
    )

    assert response.status_code == 200
    new = CODES.findall(response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert "i vecchi non valgono più" in response.content.decode()
    assert RecoveryCode.objects.filter(user=agent.user).count() == 10
    assert not actions.verify_second_factor(agent.user, old[0])
    assert actions.verify_second_factor(agent.user, new[0])
    assert AuditEntry.objects.filter(action="two_factor.recovery_codes_regenerated").count() == 1
    assert new[1] not in agent_client.get("/profile/").content.decode()  # shown once


def test_a_recovery_code_also_proves_it(agent, agent_client):
    old = enrol(agent_client, agent.user)
    response = agent_client.post("/profile/two-factor/recovery-codes/", {"code": old[3]})
    assert response.status_code == 200
    assert len(CODES.findall(response.content.decode())) == 10


@pytest.mark.parametrize("code", ["", "000000x", "12345"])
def test_a_wrong_code_keeps_the_old_codes(agent, agent_client, code):
    old = enrol(agent_client, agent.user)
    response = agent_client.post("/profile/two-factor/recovery-codes/", {"code": code})
    assert response.status_code == 422
    assert not CODES.findall(response.content.decode())
    assert actions.verify_second_factor(agent.user, old[0])


def test_without_two_factor_there_is_nothing_to_regenerate(agent, agent_client):
    response = agent_client.post("/profile/two-factor/recovery-codes/", {"code": "123456"})
    assert response.status_code == 422
    assert not RecoveryCode.objects.filter(user=agent.user).exists()
