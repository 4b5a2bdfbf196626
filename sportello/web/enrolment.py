"""The profile page's two-factor section in each of its states: not set up, being set up
(the QR code and the key), on (recovery codes left)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import segno
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from sportello.accounts import totp
from sportello.accounts.models import User
from sportello.accounts.queries import recovery_codes_left, two_factor_of
from sportello.web.pages import ENROL
from sportello.web.settings_forms import CodeForm, DisableTwoFactorForm

ISSUER = "Sportello"


def qr_svg(uri: str) -> SafeString:
    """The ``otpauth://`` URI as an inline SVG QR code, drawn on the server (segno)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111", light="#fff")
    return mark_safe(svg)  # segno's own markup; the URI inside it is escaped by segno


def two_factor_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """What the profile page's two-factor section shows, in each of its states."""
    user = cast(User, request.user)
    factor = two_factor_of(user)
    context: dict[str, Any] = {
        "two_factor": factor,
        "two_factor_required": bool(request.session.get(ENROL)),
        "code_form": extra.pop("code_form", None) or CodeForm(),
        "disable_form": extra.pop("disable_form", None) or DisableTwoFactorForm(),
        "regenerate_form": extra.pop("regenerate_form", None) or CodeForm(auto_id="regenerate_%s"),
        **extra,
    }
    if factor is not None and not factor.is_enabled:
        uri = totp.provisioning_uri(factor.secret, user.email, ISSUER)
        context["qr_svg"] = qr_svg(uri)
        context["secret_groups"] = " ".join(
            factor.secret[i : i + 4] for i in range(0, len(factor.secret), 4)
        )
    if factor is not None and factor.is_enabled:
        context["codes_left"] = recovery_codes_left(user)
        context["enabled_at"] = cast(datetime, factor.confirmed_at)
    return context
