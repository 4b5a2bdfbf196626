"""The public survey page (``/feedback/<workspace>/<token>/``): a customer rates the
support they got (CSAT, 1-5) or says how likely they are to recommend the business (NPS,
0-10), from the link in the survey's message.

A rating link from an email (``?score=4``) opens the page with that rating chosen; the
answer is kept when the customer sends the form. Mail scanners open every link of a
message to check it, so a link that answered by itself would answer for them. A wrong,
unknown or other workspace's link is a 404 page, an expired one a 410, a bad answer the
form again with a 400: never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sportello.core import clock
from sportello.core.errors import InvalidInput, NotFound
from sportello.core.models import Workspace
from sportello.feedback import actions, queries
from sportello.feedback.models import Survey, SurveyKind
from sportello.feedback.wording import csat_labels

LANGUAGES = {"it": "Italiano", "en": "English"}


def _language(request: HttpRequest, fallback: str) -> str:
    asked = request.GET.get("lang", "")
    if asked in LANGUAGES:
        return asked
    if fallback in LANGUAGES:
        return fallback
    browser = translation.get_language_from_request(request)
    return browser if browser in LANGUAGES else "it"


def _render(
    request: HttpRequest, template: str, lang: str, status: int = 200, **context: Any
) -> HttpResponse:
    with translation.override(lang):
        response = render(
            request,
            template,
            {"lang": lang, "languages": LANGUAGES, "path": request.path, **context},
            status=status,
        )
    response.headers["Content-Language"] = lang
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _score(value: str | None, survey: Survey) -> int | None:
    """A score on the survey's scale from what the browser sent, else None."""
    low, high = survey.scale
    try:
        score = int((value or "").strip())
    except ValueError:
        return None
    return score if low <= score <= high else None


def _day(moment: datetime | None, workspace: Workspace, lang: str) -> str:
    if moment is None:
        return ""
    return format_date(moment.astimezone(ZoneInfo(workspace.time_zone)), "long", locale=lang)


def _choices(survey: Survey) -> list[tuple[int, str | Promise]]:
    low, high = survey.scale
    if survey.kind == SurveyKind.CSAT:
        labels = csat_labels()
        return [(n, labels[n]) for n in range(high, low - 1, -1)]
    return [(n, str(n)) for n in range(low, high + 1)]


# No CSRF cookie: the link's token is the secret that lets a browser answer, and a site that
# knows it could answer anyway; in-app browsers of mail clients often refuse cookies.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, workspace: str, token: str) -> HttpResponse:
    try:
        found, survey = queries.survey_for_link(workspace, token)
    except NotFound:
        return _render(request, "portal/survey/invalid.html", _language(request, ""), status=404)
    lang = _language(request, survey.language)
    now = clock.now()
    context: dict[str, Any] = {"workspace": found, "survey": survey, "choices": _choices(survey)}
    closed = actions.answerable(survey, now)
    if closed == "expired":
        return _render(request, "portal/survey/expired.html", lang, status=410, **context)
    if closed == "answered" or (request.method == "GET" and request.GET.get("thanks")):
        return _render(request, "portal/survey/thanks.html", lang, **context)
    if request.method == "GET":
        chosen = _score(request.GET.get("score"), survey)
        if chosen is None:
            chosen = survey.score
        return _form(request, found, survey, lang, chosen=chosen, comment=survey.comment)

    chosen = _score(request.POST.get("score"), survey)
    comment = request.POST.get("comment", "")
    with translation.override(lang):
        if chosen is None:
            error = _("Choose a rating.")
        elif len(comment) > actions.MAX_COMMENT:
            error = _("The comment is too long: at most %(n)s characters.") % {
                "n": actions.MAX_COMMENT
            }
        else:
            error = ""
    if error:
        return _form(
            request, found, survey, lang, chosen=chosen, comment=comment, error=error, status=400
        )
    try:
        actions.answer_survey(survey, score=chosen, comment=comment)  # type: ignore[arg-type]
    except actions.SurveyClosed as closed_now:
        template = "expired" if closed_now.reason == "expired" else "thanks"
        status = 410 if closed_now.reason == "expired" else 200
        return _render(request, f"portal/survey/{template}.html", lang, status=status, **context)
    except (InvalidInput, NotFound):
        with translation.override(lang):
            error = _("This answer could not be kept: check it and send it again.")
        return _form(
            request, found, survey, lang, chosen=chosen, comment=comment, error=error, status=400
        )
    return HttpResponseRedirect(f"{request.path}?thanks=1&lang={lang}")


def _form(
    request: HttpRequest,
    workspace: Workspace,
    survey: Survey,
    lang: str,
    *,
    chosen: int | None,
    comment: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    question = queries.feedback_settings(workspace.pk).question(survey.kind, lang)
    return _render(
        request,
        "portal/survey/form.html",
        lang,
        status=status,
        workspace=workspace,
        survey=survey,
        question=question,
        choices=_choices(survey),
        chosen=chosen,
        comment=comment,
        error=error,
        max_comment=actions.MAX_COMMENT,
        changeable_until=_day(actions.changeable_until(survey), workspace, lang),
    )
