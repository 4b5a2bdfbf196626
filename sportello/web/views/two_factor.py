"""Two-factor authentication in the agent UI: the second step of signing in, and enrolment,
confirmation and removal on the profile page (``accounts.totp``, ``accounts.actions``).

After a right password, a login with two-factor on is not signed in yet: the session holds
who passed the first step (``PENDING``) for ``PENDING_SECONDS``, and the code page finishes
the sign-in. Wrong codes count as failed sign-ins of the account and the client address
(``accounts.logins``), so the same lockout stops guessing. A workspace that requires
two-factor sends an agent without it to the profile page after signing in
(``pages.ENROL``) until they turn it on.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sportello.accounts import actions, logins
from sportello.accounts.models import User
from sportello.accounts.queries import (
    agent_for_user,
    requires_two_factor,
    two_factor_enabled,
)
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.web.enrolment import two_factor_context
from sportello.web.forms import refusal_message
from sportello.web.pages import ENROL, agent_of, agent_required
from sportello.web.settings_forms import CodeForm, DisableTwoFactorForm, SignInCodeForm
from sportello.web.views.profile import profile_response

PENDING = "two_factor_pending"
PENDING_SECONDS = 300
ISSUER = "Sportello"


def after_password(request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
    """Called once the password was right: a redirect to the code page when ``user`` has a
    second factor (nobody is signed in yet), else None and the sign-in goes on."""
    if not two_factor_enabled(user):
        return None
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "at": clock.now().timestamp(),
        "next": next_url,
    }
    return redirect("web:login_code")


def mark_enrolment(request: HttpRequest, user: User) -> None:
    """After signing in: a workspace that requires two-factor of an agent without it sends
    them to enrolment (``pages.agent_required`` reads the mark)."""
    agent = agent_for_user(user)
    required = agent is not None and requires_two_factor(agent.workspace_id)
    if required and not two_factor_enabled(user):
        request.session[ENROL] = True


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None:
        return None
    return cast(User, user), pending


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the authenticator app's code or a recovery code."""
    found = _pending_user(request)
    if found is None:
        if request.method == "POST":
            messages.error(request, _("The sign-in took too long. Start again."))
        return redirect("web:login")
    user, pending = found
    if request.method != "POST":
        return render(request, "web/login_code.html", {"form": SignInCodeForm()})
    form = SignInCodeForm(request.POST)
    address = logins.client_address(request)
    refused = logins.refusal(user.email, address)
    if refused is not None:
        form.is_valid()
        form.errors.clear()
        form.add_error(None, refusal_message(refused))
        response = render(request, "web/login_code.html", {"form": form}, status=429)
        response["Retry-After"] = str(refused.retry_after)
        return response
    if not form.is_valid() or not actions.verify_second_factor(user, form.cleaned_data["code"]):
        logins.record_failure(user.email, address)
        if form.is_valid():
            form.add_error("code", _("That code is not right. Check the time on your phone."))
        return render(request, "web/login_code.html", {"form": form}, status=422)
    logins.record_success(user.email)
    del request.session[PENDING]
    auth_login(request, user, backend=pending["backend"])
    next_url = str(pending.get("next") or "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = settings.LOGIN_REDIRECT_URL
    return redirect(next_url)


def _profile(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    return profile_response(request, status=status, two_factor=two_factor_context(request, **extra))


@agent_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    with suppress(InvalidInput):  # already on: the page shows it so
        actions.begin_two_factor(cast(User, request.user))
    return redirect("/profile/#two-factor")


@agent_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """The first code proves the app holds the secret; the answer shows the recovery codes,
    once (never through a redirect or a flash message, which would keep them in the
    session)."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _profile(request, status=422, code_form=form)
    try:
        codes = actions.confirm_two_factor(cast(User, request.user), form.cleaned_data["code"])
    except InvalidInput:
        form.add_error("code", _("That code is not right. Check the time on your phone."))
        return _profile(request, status=422, code_form=form)
    request.session.pop(ENROL, None)
    return _profile(request, recovery_codes=codes)


def _limited(
    request: HttpRequest, user: User, address: str, form: forms.Form, name: str
) -> HttpResponse | None:
    """The profile with the sign-in limits' refusal on ``form`` (429), or None when the
    user may try again."""
    refused = logins.refusal(user.email, address)
    if refused is None:
        return None
    form.is_valid()
    form.errors.clear()
    form.add_error(None, refusal_message(refused))
    response = _profile(request, status=429, **{name: form})
    response["Retry-After"] = str(refused.retry_after)
    return response


@agent_required
@require_POST
def regenerate_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes for a code from the app, within the sign-in limits; shown once in
    the answer, as on enrolment."""
    user = cast(User, request.user)
    form = CodeForm(request.POST)
    address = logins.client_address(request)
    if (limited := _limited(request, user, address, form, "regenerate_form")) is not None:
        return limited
    if not form.is_valid():
        return _profile(request, status=422, regenerate_form=form)
    try:
        codes = actions.regenerate_recovery_codes(user, form.cleaned_data["code"])
    except InvalidInput:
        logins.record_failure(user.email, address)
        form.add_error("code", _("That code is not right. Check the time on your phone."))
        return _profile(request, status=422, regenerate_form=form)
    return _profile(request, recovery_codes=codes, regenerated=True)


@agent_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    """Password and a code both; the password is checked within the sign-in limits."""
    user = cast(User, request.user)
    form = DisableTwoFactorForm(request.POST)
    address = logins.client_address(request)
    if (limited := _limited(request, user, address, form, "disable_form")) is not None:
        return limited
    if not form.is_valid():
        return _profile(request, status=422, disable_form=form)
    if requires_two_factor(agent_of(request).workspace_id):
        form.add_error(None, _("Your workspace requires two-factor authentication."))
        return _profile(request, status=422, disable_form=form)
    try:
        actions.disable_two_factor(
            user, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
        )
    except InvalidInput:
        logins.record_failure(user.email, address)
        form.add_error(None, _("The password or the code is not right."))
        return _profile(request, status=422, disable_form=form)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("web:profile")
