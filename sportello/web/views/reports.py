"""Reports, for supervisors and admins: the period's figures with charts (``/reports/``)
and its per-day figures as CSV (``/reports/export.csv``). The figures are
``insights.queries``'; the sections are ``web.report_page.SECTIONS``."""

from __future__ import annotations

import csv
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sportello.accounts.models import Agent
from sportello.insights.queries import Period, channels
from sportello.web.pages import agent_of, agent_required, render_page
from sportello.web.report_page import FORMATS, SECTIONS, PeriodForm, csv_rows, today_in
from sportello.web.times import current_locale

TEMPLATE = "web/reports/page.html"


def _form(request: HttpRequest, agent: Agent) -> tuple[PeriodForm, Period | None]:
    zone = agent.workspace.time_zone
    form = PeriodForm(request.GET, channels=channels(agent.workspace_id), today=today_in(zone))
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, Period.of_days(
        agent.workspace_id, data["first"], data["last"], zone, data.get("channel")
    )


@agent_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    context: dict[str, Any] = {"nav_current": "reports", "fmt": FORMATS}
    if not agent.can_supervise:
        return render_page(request, TEMPLATE, {**context, "forbidden": True}, status=403)
    form, period = _form(request, agent)
    context.update(form=form, period=period, sections=SECTIONS)
    if period is None:
        return render_page(request, TEMPLATE, context, status=422)
    for section in SECTIONS:
        context[section.key] = section.build(period)
    return render_page(request, TEMPLATE, context)


@agent_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The period's figures per day, as CSV a spreadsheet opens in the agent's language:
    semicolons where the decimal mark is a comma (as Italian spreadsheets expect), a
    byte-order mark so that accents survive."""
    agent = agent_of(request)
    if not agent.can_supervise:
        return render_page(
            request, TEMPLATE, {"nav_current": "reports", "forbidden": True}, status=403
        )
    form, period = _form(request, agent)
    if period is None:
        errors = "; ".join(str(e) for messages in form.errors.values() for e in messages)
        return HttpResponse(errors, status=422, content_type="text/plain; charset=utf-8")
    header, rows = csv_rows(period)
    delimiter = ";" if current_locale().number_symbols["latn"]["decimal"] == "," else ","
    first, last = period.days[0], period.days[-1]
    name = _("report") + f"-{first.isoformat()}-{last.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return response
