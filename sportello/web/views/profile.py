"""The agent's own profile: how they are named, their language, time zone and signature,
their password, and their API tokens."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from sportello.accounts import actions, logins
from sportello.accounts.models import User
from sportello.accounts.queries import avatar_names, token_for, tokens_of
from sportello.core.errors import InvalidInput
from sportello.web.enrolment import two_factor_context
from sportello.web.forms import ChangePasswordForm, ProfileForm, TokenForm, refusal_message
from sportello.web.pages import agent_of, agent_required, htmx_target, render_page, vary_on_htmx

TOKENS = "tokens"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # agent_required: signed in


def initials(name: str) -> str:
    """What stands for an agent without a picture: "Marco Rossi" -> "MR" (as the widget)."""
    return "".join(word[0] for word in name.split()[:2]).upper()


def _page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    agent = agent_of(request)
    context = {
        "profile_form": forms.get("profile_form")
        or ProfileForm(
            initial={
                "display_name": agent.display_name,
                "language": agent.language,
                "time_zone": agent.time_zone,
                "signature": agent.signature,
            }
        ),
        "password_form": forms.get("password_form") or ChangePasswordForm(_user(request)),
        "nav_current": "profile",
        "avatar_name": avatar_names({agent.pk}).get(agent.pk),
        "avatar_error": forms.get("avatar_error"),
        "avatar_initials": initials(agent.display_name),
        **_tokens_context(request, forms.get("token_form"), forms.get("new_key")),
        **(forms.get("two_factor") or two_factor_context(request)),
    }
    return render_page(request, "web/profile/page.html", context, status=status)


profile_response = _page


def _tokens_context(
    request: HttpRequest, form: TokenForm | None = None, new_key: str | None = None
) -> dict[str, Any]:
    return {
        "tokens": tokens_of(agent_of(request)),
        "token_form": form or TokenForm(),
        "new_key": new_key,
    }


def _tokens(
    request: HttpRequest,
    status: int = 200,
    form: TokenForm | None = None,
    new_key: str | None = None,
) -> HttpResponse:
    """The tokens section alone, for htmx; the whole page otherwise."""
    if htmx_target(request) == TOKENS:
        context = _tokens_context(request, form, new_key)
        return vary_on_htmx(render(request, "web/profile/_tokens.html", context, status=status))
    return _page(request, status=status, token_form=form, new_key=new_key)


@agent_required
@require_http_methods(["GET", "POST"])
def profile_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _page(request, status=422, profile_form=form)
    data = form.cleaned_data
    actions.update_profile(
        agent_of(request),
        display_name=data["display_name"],
        language=data["language"],
        time_zone=data["time_zone"],
        signature=data["signature"],
    )
    # Said in the language just chosen: the next page speaks it.
    with translation.override(data["language"]):
        messages.success(request, _("Profile saved."))
    return redirect("web:profile")


@agent_required
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    """The current password, then the new one twice. The current password is a password
    check like a sign-in's, so it is limited the same way (``accounts.logins``)."""
    user = _user(request)
    form = ChangePasswordForm(user, request.POST)
    address = logins.client_address(request)
    refused = logins.refusal(user.email, address)
    if refused is not None:
        form.is_valid()
        form.errors.clear()
        form.add_error(None, refusal_message(refused))
        response = _page(request, status=429, password_form=form)
        response["Retry-After"] = str(refused.retry_after)
        return response
    if not form.is_valid():
        if "old_password" in form.errors:
            logins.record_failure(user.email, address)
        return _page(request, status=422, password_form=form)
    revoked = actions.change_password(user, form.cleaned_data["new_password1"])
    update_session_auth_hash(request, user)
    messages.success(
        request,
        _("Password changed. You were signed out everywhere else.")
        + (
            " "
            + ngettext(
                "%(count)s API token was revoked.", "%(count)s API tokens were revoked.", revoked
            )
            % {"count": revoked}
            if revoked
            else ""
        ),
    )
    return redirect("web:profile")


@agent_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    """A named token; its key is in this answer only (never in a redirect or a flash
    message, which would keep it in the session)."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _tokens(request, status=422, form=form)
    issued = actions.create_token(
        agent_of(request), form.cleaned_data["name"], form.cleaned_data["lifetime_days"]
    )
    return _tokens(request, status=201, new_key=issued.key)


@agent_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    agent = agent_of(request)
    token = token_for(agent, token_id)
    # Only one's own tokens here, admins included: the workspace's are revoked in the admin
    # and the API. Another's token is not found, as an unknown id is.
    if token is None or token.agent_id != agent.pk:
        raise Http404("no such token")
    actions.revoke_token(token)
    if htmx_target(request) != TOKENS:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    if htmx_target(request) == TOKENS:
        return _tokens(request)
    return redirect("web:profile")


@agent_required
@require_POST
def change_avatar(request: HttpRequest) -> HttpResponse:
    """The picture the chat widget shows beside the agent's replies: upload a new one, or
    ``remove`` it (the widget shows the display name's initials instead)."""
    agent = agent_of(request)
    if request.POST.get("remove"):
        actions.remove_avatar(agent)
        messages.success(request, _("Picture removed."))
        return redirect("web:profile")
    upload = request.FILES.get("avatar")
    if upload is None:
        return _page(request, status=422, avatar_error=_("Choose a picture to upload."))
    try:
        actions.set_avatar(agent, upload.read(actions.MAX_AVATAR_BYTES + 1))
    except InvalidInput as refused:
        return _page(request, status=422, avatar_error=refused.message)
    messages.success(request, _("Picture saved."))
    return redirect("web:profile")
