"""The agent UI's template environment: Jinja2, compiled to Python (docs/adr/0010).

Templates see what Django's would: ``request``, ``csrf_input``/``csrf_token`` and the flash
``messages`` (from the backend and its context processors), plus the names below. Text is
translated with ``{{ _("…") }}`` (Django's catalogue, so ``make messages`` finds it: see
``tests/web/test_i18n.py``); plurals are filters written here, where xgettext reads them.
Every value is escaped unless it is markup already (``SafeString`` from ``sportello.web.
rows`` and ``sportello.web.fields``, forms' fields).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.middleware.csrf import get_token
from django.template import TemplateSyntaxError
from django.template.backends import jinja2 as backend
from django.template.backends.jinja2 import get_exception_info
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import filesizeformat
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from sportello.audit.actors import shown_name
from sportello.conversations.repeats import repeat_thread
from sportello.core.languages import language_name
from sportello.customers import lifecycle_reasons
from sportello.customers.queries import contacts
from sportello.providers.phone.present import phone_callback
from sportello.providers.reviews.queries import feed_states, google_state
from sportello.providers.whatsapp.present import whatsapp_picker, whatsapp_templates
from sportello.web import rows
from sportello.web.fields import field
from sportello.web.times import ordinal


class Jinja2(backend.Jinja2):
    """Django's Jinja2 backend, whose pages mask their CSRF token once: Django's gives
    ``csrf_input`` and ``csrf_token`` as ``lazy`` values, computed again (a new random mask)
    wherever a template shows them, nine times on a conversation page (docs/adr/0010)."""

    def get_template(self, template_name: str) -> Template:
        return Template(super().get_template(template_name).template, self)

    def from_string(self, template_code: str) -> Template:
        return Template(self.env.from_string(template_code), self)


class Template(backend.Template):
    def render(
        self, context: dict[str, Any] | None = None, request: HttpRequest | None = None
    ) -> str:
        context = {} if context is None else context
        if request is not None:
            # Lazy still: a fragment without a form sets no CSRF cookie (``get_token`` does).
            context["request"] = request
            context["csrf_input"] = SimpleLazyObject(lambda: csrf_input(request))
            context["csrf_token"] = SimpleLazyObject(lambda: get_token(request))
            for context_processor in self.backend.template_context_processors:
                context.update(context_processor(request))
        try:
            return self.template.render(context)
        except jinja2.TemplateSyntaxError as exc:  # an include's, as Django's backend does
            error = TemplateSyntaxError(exc.args)
            error.template_debug = get_exception_info(exc)  # type: ignore[attr-defined,arg-type]
            raise error from exc


def environment(**options: Any) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(
        _=gettext,  # the extension's ``_`` looks ``gettext`` up again on every call
        url=url,
        static=static,
        query=query,
        language_code=translation.get_language,
        field=field,
        inbox_rows=rows.inbox_rows,
        timeline=rows.timeline,
        timeline_entry=rows.timeline_entry,
        history=rows.history,
        contacts=contacts,
        max_attachment_size=max_attachment_size,
        phone_callback=phone_callback,
        repeat_thread=repeat_thread,
        whatsapp_picker=whatsapp_picker,
        whatsapp_templates=whatsapp_templates,
        review_feeds=feed_states,
        review_google=google_state,
    )
    env.filters.update(
        status_label=rows.status_label,
        priority_label=rows.priority_label,
        reltime=reltime,
        abstime=abstime,
        conversation_count=conversation_count,
        language_name=language_name,
        contact_ordinal=contact_ordinal,
        lifecycle_reason=lifecycle_reasons.text,
        actor_name=shown_name,
    )
    return env


def max_attachment_size() -> str:
    """The largest file an agent may attach, in the agent's language ("10,0 MB")."""
    return str(filesizeformat(settings.ATTACHMENT_MAX_FILE_BYTES))


def url(name: str, *args: Any) -> str:
    """``{% url name args %}``."""
    return reverse(name, args=args)


@pass_context
def query(context: Context, **changes: Any) -> str:
    """The current query string with ``changes`` applied (``None`` or ``""`` drops a key)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def reltime(value: datetime | None) -> SafeString:
    """``<time>`` saying '5 minuti fa', with the whole date as its title."""
    return mark_safe(rows.time_html(value, relative=True))  # escaped by time_html


def abstime(value: datetime | None) -> SafeString:
    """``<time>`` saying '4 mar, 14:05', with the whole date as its title."""
    return mark_safe(rows.time_html(value))  # escaped by time_html


def conversation_count(count: int) -> str:
    """'3 conversazioni'."""
    return ngettext("%(counter)s conversation", "%(counter)s conversations", count) % {
        "counter": count
    }


def contact_ordinal(number: int) -> str:
    """'3° contatto su questo problema', '3rd contact about this issue'."""
    return gettext("%(ordinal)s contact about this issue") % {"ordinal": ordinal(number)}
