"""Sign-in limits on POST /api/v1/auth/token: per account and per client address, with a
lockout that doubles, answered 429 with Retry-After before any password is checked."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.test import Client

from sportello.accounts import logins
from sportello.core import clock

pytestmark = pytest.mark.django_db

RIGHT = "password-123"


@pytest.fixture
def moving_clock(monkeypatch):
    state = {"now": clock.now()}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def advance(delta: timedelta) -> None:
        state["now"] += delta

    return advance


def sign_in(password: str, email: str = "giulia@negozio.it", address: str = "192.0.2.1"):
    return Client(REMOTE_ADDR=address).post(
        "/api/v1/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
    )


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(agent, moving_clock):
    for _ in range(4):
        assert sign_in("sbagliata").status_code == 401
    fifth = sign_in("sbagliata")
    assert fifth.status_code == 401
    locked = sign_in(RIGHT, address="198.51.100.7")  # another address: the account is locked
    assert locked.status_code == 429
    assert locked["Retry-After"] == "60"
    assert locked.json()["detail"] == "too many failed sign-ins: try again in 60 seconds"

    moving_clock(timedelta(seconds=61))
    assert sign_in(RIGHT).status_code == 200


def test_the_lockout_doubles_while_failures_go_on(agent, moving_clock):
    for _ in range(5):
        sign_in("sbagliata")
    assert sign_in("sbagliata").status_code == 429  # refused, not counted
    moving_clock(timedelta(seconds=61))
    assert sign_in("sbagliata").status_code == 401  # the sixth failure
    assert sign_in(RIGHT)["Retry-After"] == "120"
    moving_clock(timedelta(seconds=121))
    sign_in("sbagliata")
    assert sign_in(RIGHT)["Retry-After"] == "240"


def test_failures_are_forgotten_after_a_quiet_window_and_cleared_by_success(agent, moving_clock):
    for _ in range(4):
        sign_in("sbagliata")
    moving_clock(timedelta(minutes=16))
    for _ in range(4):
        assert sign_in("sbagliata").status_code == 401
    assert sign_in(RIGHT).status_code == 200
    for _ in range(4):
        assert sign_in("sbagliata").status_code == 401
    assert sign_in(RIGHT).status_code == 200


def test_one_address_guessing_many_accounts_is_locked_out(agent, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    for n in range(20):
        assert sign_in("sbagliata", email=f"nessuno{n}@example.it").status_code == 401
    refused = sign_in(RIGHT)
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    # The account itself is not locked: from elsewhere its owner signs in.
    assert sign_in(RIGHT, address="198.51.100.7").status_code == 200


def test_unknown_accounts_are_limited_as_known_ones(db):
    for _ in range(5):
        assert sign_in("sbagliata", email="chi@example.it").status_code == 401
    assert sign_in("sbagliata", email="chi@example.it").status_code == 429


def test_failures_and_lockouts_are_logged_for_the_operator(agent, caplog):
    with caplog.at_level(logging.WARNING, logger="sportello.security"):
        for _ in range(5):
            sign_in("sbagliata")
    messages = [r.getMessage() for r in caplog.records if r.name == "sportello.security"]
    assert messages.count("failed sign-in for 'giulia@negozio.it' from 192.0.2.1") == 5
    assert "account 'giulia@negozio.it' locked out for 60 s after 5 attempts" in messages


def test_a_sign_in_beyond_the_concurrent_password_checks_is_refused_at_once(agent, settings):
    """GIVEN every password-check slot of the process taken (a burst of sign-ins)
    THEN the next sign-in is answered 429 at once, with no password hashed, rather than
    holding a thread that other requests need."""
    settings.LOGIN_CONCURRENCY = 1
    holding, release = threading.Event(), threading.Event()

    def hold_the_slot() -> None:
        with logins.password_check() as refused:
            assert refused is None
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_slot)
    holder.start()
    try:
        assert holding.wait(10)
        busy = sign_in(RIGHT)
        assert busy.status_code == 429 and busy["Retry-After"] == "1"
        assert "try again in a second" in busy.json()["detail"]
    finally:
        release.set()
        holder.join()
    assert sign_in(RIGHT).status_code == 200


def test_counters_of_quiet_accounts_and_addresses_are_forgotten(agent, moving_clock):
    from sportello.accounts.jobs import forget_sign_in_failures
    from sportello.accounts.models import LoginThrottle

    for _ in range(5):
        sign_in("sbagliata")  # locked for 60 s
    sign_in("sbagliata", email="altro@example.it", address="198.51.100.7")
    moving_clock(timedelta(minutes=10))
    forget_sign_in_failures.call_local()
    assert LoginThrottle.objects.count() == 4  # within the window: kept
    moving_clock(timedelta(minutes=6))
    forget_sign_in_failures.call_local()
    assert LoginThrottle.objects.count() == 0
