"""The API's interactive documentation, for signed-in agents only.

django-ninja's Swagger UI page is served from the project's static files (``ninja`` is an
installed app, so no CDN is asked for anything) and behind the agent UI's sign-in: it lists
every operation an installation offers and lets whoever opens it call them with the
session. The schema itself (``/api/v1/openapi.json``) stays public: it is the committed
``openapi.json`` of an open-source project, and integrations' client generators fetch it
without a session.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from ninja.openapi.docs import Swagger

from sportello.accounts.queries import agent_for_user
from sportello.api.api import api

_swagger = Swagger()


def api_docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI for an agent; anyone else is sent to sign in (or refused, when signed in
    without being an agent, as the operator is)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if agent_for_user(request.user) is None:  # type: ignore[arg-type]
        return HttpResponseForbidden()
    return _swagger.render_page(request, api)
