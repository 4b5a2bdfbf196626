"""Who may try a password now: failed sign-ins counted per account and per client address,
with a lockout that doubles while the failures go on.

Both doors that take a password (the web's login form and ``POST /api/v1/auth/token``) ask
:func:`refusal` before checking it and report the outcome with :func:`record_failure` or
:func:`record_success`. A refused attempt is answered at once: no password is hashed and
nothing sleeps in the request's thread, so a flood of bad sign-ins cannot hold the threads
that serve everyone else. :func:`password_check` adds the same guarantee for the attempts
that are still allowed: at most ``LOGIN_CONCURRENCY`` password hashes run at a time in a
process, and an attempt beyond that is refused for a second rather than queued.

Failures and lockouts are logged under ``sportello.security`` (with the account's address
and the client's), so an operator sees an attack in the log.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest

from sportello.accounts.models import LoginThrottle
from sportello.core import clock

log = logging.getLogger("sportello.security")

Scope = LoginThrottle.Scope


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is not even tried, and for how many seconds that holds."""

    retry_after: int
    busy: bool = False  # too many password checks at once, rather than too many failures


def client_address(request: HttpRequest) -> str:
    """The client's address as the server saw it. Behind a proxy, uvicorn's proxy headers
    (``--forwarded-allow-ips``) put the real client here; the header itself is never
    trusted, or anybody could pick a fresh address for every guess."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:320]


def _subjects(email: str, address: str) -> list[tuple[str, str]]:
    return [(Scope.ACCOUNT, email.strip().lower()[:320]), (Scope.ADDRESS, address)]


def refusal(email: str, address: str) -> Refusal | None:
    """A refusal if the account or the address is locked out now: one indexed read."""
    return _refusal(_subjects(email, address))


def _refusal(subjects: list[tuple[str, str]]) -> Refusal | None:
    now = clock.now()
    locked = LoginThrottle.objects.filter(locked_until__gt=now).filter(_any_of(subjects))
    until = max((row.locked_until for row in locked if row.locked_until), default=None)
    if until is None:
        return None
    return Refusal(retry_after=max(1, math.ceil((until - now).total_seconds())))


def _any_of(subjects: list[tuple[str, str]]) -> Q:
    query = Q()
    for scope, subject in subjects:
        query |= Q(scope=scope, subject=subject)
    return query


def _limit(scope: str) -> int:
    if scope == Scope.ACCOUNT:
        return int(settings.LOGIN_FAILURES_PER_ACCOUNT)
    if scope == Scope.RESET:
        return int(settings.PASSWORD_RESETS_PER_ADDRESS)
    return int(settings.LOGIN_FAILURES_PER_ADDRESS)


def lockout_seconds(failures: int, limit: int) -> int:
    """How long a lockout lasts after ``failures`` failures, the ``limit``-th being the
    first that locks: ``LOGIN_LOCKOUT_SECONDS``, doubled for each failure after it, up to
    ``LOGIN_MAX_LOCKOUT_SECONDS``."""
    if failures < limit:
        return 0
    base = int(settings.LOGIN_LOCKOUT_SECONDS)
    ceiling = int(settings.LOGIN_MAX_LOCKOUT_SECONDS)
    doublings = min(failures - limit, 32)
    return int(min(base * 2**doublings, ceiling))


def record_failure(email: str, address: str) -> None:
    """Count a wrong password (or an unknown account) against both the account and the
    address; lock either out once it reaches its limit. Failures are forgotten after
    ``LOGIN_FAILURE_WINDOW_SECONDS`` without one."""
    now = clock.now()
    log.warning("failed sign-in for %r from %s", email[:320], address)
    for scope, subject in _subjects(email, address):
        with transaction.atomic():
            _count_failure(_row_for_update(scope, subject, now), now)


def _count_failure(row: LoginThrottle, now: datetime) -> None:
    window = timedelta(seconds=int(settings.LOGIN_FAILURE_WINDOW_SECONDS))
    still_locked = row.locked_until is not None and row.locked_until > now
    if row.last_failure_at < now - window and not still_locked:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    seconds = lockout_seconds(row.failures, _limit(row.scope))
    if seconds:
        row.locked_until = now + timedelta(seconds=seconds)
        log.warning(
            "%s %r locked out for %d s after %d attempts",
            row.scope,
            row.subject,
            seconds,
            row.failures,
        )
    row.save(update_fields=["failures", "last_failure_at", "locked_until"])


def _row_for_update(scope: str, subject: str, now: datetime) -> LoginThrottle:
    """The counter's row, locked until the transaction ends (made on the first failure):
    two processes counting failures of the same account wait for each other rather than
    both writing the same count."""
    rows = LoginThrottle.objects.select_for_update().filter(scope=scope, subject=subject)
    found = rows.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return LoginThrottle.objects.create(scope=scope, subject=subject, last_failure_at=now)
    except IntegrityError:  # another process made it meanwhile
        return rows.get()


def _reset_subjects(email: str, address: str) -> list[tuple[str, str]]:
    # An email address has an @, a client address none: one scope holds both.
    return [(Scope.RESET, email.strip().lower()[:320]), (Scope.RESET, address)]


def reset_refusal(email: str, address: str) -> Refusal | None:
    """A refusal if too many password-reset emails were asked for lately, to ``email`` or
    from ``address``: a reset form must not become a way to flood someone's mailbox."""
    return _refusal(_reset_subjects(email, address))


def record_reset_request(email: str, address: str) -> None:
    """Count a password-reset request, whether or not the address is an account's (the
    answer must not tell which), against the address written to and the client's."""
    now = clock.now()
    log.info("password reset asked for %r from %s", email[:320], address)
    for scope, subject in _reset_subjects(email, address):
        with transaction.atomic():
            _count_failure(_row_for_update(scope, subject, now), now)


def record_success(email: str) -> None:
    """A correct password clears the account's failures (not the address's: an attacker
    who owns one account must not reset the count of their guesses at others)."""
    LoginThrottle.objects.filter(scope=Scope.ACCOUNT, subject=email.strip().lower()).delete()


def forget_old_failures() -> int:
    """Delete the counters that no longer count: past their window and not locked out. A
    counter is otherwise kept until its account signs in, and an attacker's addresses never
    do. Returns how many went."""
    now = clock.now()
    quiet_since = now - timedelta(seconds=int(settings.LOGIN_FAILURE_WINDOW_SECONDS))
    stale = LoginThrottle.objects.filter(last_failure_at__lt=quiet_since).exclude(
        locked_until__gt=now
    )
    deleted, _ = stale.delete()
    return deleted


_checks = threading.BoundedSemaphore(1)
_checks_size = 1
_checks_lock = threading.Lock()


def _semaphore() -> threading.BoundedSemaphore:
    global _checks, _checks_size
    size = max(1, int(settings.LOGIN_CONCURRENCY))
    if size != _checks_size:
        with _checks_lock:
            if size != _checks_size:
                _checks, _checks_size = threading.BoundedSemaphore(size), size
    return _checks


@contextmanager
def password_check() -> Iterator[Refusal | None]:
    """Hold one of the process's ``LOGIN_CONCURRENCY`` slots for a password check, or yield
    a refusal if they are all taken. A hash costs a few hundred milliseconds of CPU by
    design; with the slots taken by a burst of sign-ins, the rest of the threads keep
    serving pages and API calls."""
    slots = _semaphore()
    if not slots.acquire(blocking=False):
        log.warning("sign-in refused: %d password checks already running", _checks_size)
        yield Refusal(retry_after=1, busy=True)
        return
    try:
        yield None
    finally:
        slots.release()
