"""The agent UI speaks the agent's language: Italian first, English too; times are local."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from django.utils import timezone, translation

from sportello.conversations import actions
from sportello.web.times import relative_time, short_time

pytestmark = pytest.mark.django_db

PO = Path(__file__).parents[2] / "sportello" / "locale" / "it" / "LC_MESSAGES" / "django.po"


def test_italian_agent_sees_italian(agent_client, agent, customer_writes):
    conversation = customer_writes()
    inbox = agent_client.get("/").content.decode()
    assert '<html lang="it">' in inbox
    for text in ("Non assegnate", "Assegnate a me", "Tutte le aperte", "Esci", "Clienti"):
        assert text in inbox
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "Invia risposta" in page and "Aggiungi una nota interna" in page


def test_english_agent_sees_english(agent_client, agent, customer_writes):
    agent.language = "en"
    agent.save(update_fields=["language"])
    conversation = customer_writes()
    actions.assign(conversation, agent, assignee=agent)
    inbox = agent_client.get("/").content.decode()
    assert '<html lang="en">' in inbox
    for text in ("Unassigned", "Mine", "All open", "Sign out", "Customers"):
        assert text in inbox
    assert "Non assegnate" not in inbox
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "Send reply" in page
    assert "Giulia Bianchi took the conversation" in page
    assert "Conversation opened on API" in page


def test_the_italian_catalogue_is_complete_and_compiled():
    with PO.open("rb") as f:
        catalog = read_po(f)
    messages = [m for m in catalog if m.id]
    assert messages
    # `make messages` keeps as obsolete what it no longer finds in the sources (a text
    # inside an f-string, which xgettext does not read): it would go untranslated.
    assert not catalog.obsolete, sorted(catalog.obsolete)
    untranslated = [m.id for m in messages if m.fuzzy or not all(_strings(m.string))]
    assert untranslated == []
    with translation.override("it"):
        for message in messages:
            if isinstance(message.id, str) and not message.context:
                assert translation.gettext(message.id) == message.string, message.id


def test_relative_times_are_babels_words_whatever_the_delta():
    # relative_time keeps Babel's words per (unit, count, direction): every delta of the
    # week it words, past and future, both languages, against format_timedelta itself.
    from babel.dates import format_timedelta

    now = datetime(2025, 3, 4, 13, 5, tzinfo=ZoneInfo("UTC"))
    steps = list(range(45, 7200, 7)) + list(range(7200, 7 * 86400, 523))
    for language in ("it", "en"):
        with translation.override(language):
            for seconds in steps + [s + 0.4 for s in steps[::50]]:
                for delta in (timedelta(seconds=seconds), timedelta(seconds=-seconds)):
                    expected = format_timedelta(delta, add_direction=True, locale=language)
                    assert relative_time(now + delta, now) == expected, (language, delta)


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


def test_times_are_relative_and_local():
    now = datetime(2025, 3, 4, 13, 5, tzinfo=ZoneInfo("UTC"))
    with translation.override("it"), timezone.override(ZoneInfo("Europe/Rome")):
        assert relative_time(now - timedelta(seconds=10), now) == "adesso"
        assert relative_time(now - timedelta(minutes=5), now) == "5 minuti fa"
        assert relative_time(now - timedelta(days=40), now) == "23 gen"
        assert short_time(now, now) == "4 mar, 14:05"
    with translation.override("en"), timezone.override(ZoneInfo("America/New_York")):
        assert relative_time(now - timedelta(hours=3), now) == "3 hours ago"
        assert short_time(now, now).startswith("Mar 4, 8:05")


def test_a_pages_times_read_once_say_what_each_time_alone_says():
    # rows read the locale, zone and "now" once for a list (LocalTimes); each form must
    # match the same time formatted on its own, this year and before, near midnight too.
    from sportello.web.rows import time_html
    from sportello.web.times import LocalTimes, full_time

    now = datetime(2025, 1, 1, 0, 30, tzinfo=ZoneInfo("UTC"))
    values = [now - timedelta(minutes=7 * i) for i in range(0, 400, 3)]
    values += [now - timedelta(days=d) for d in (8, 40, 370, 800)]
    for language, zone in (("it", "Europe/Rome"), ("en", "America/New_York")):
        with translation.override(language), timezone.override(ZoneInfo(zone)):
            times = LocalTimes.current(now)
            for value in values:
                assert times.short(value) == short_time(value, now)
                assert times.relative(value) == relative_time(value, now)
                assert times.full(value) == full_time(value)
                assert time_html(value, times=times) == (
                    f'<time datetime="{value.isoformat()}" title="{full_time(value)}">'
                    f"{short_time(value, now)}</time>"
                )
    with translation.override("it"), timezone.override(ZoneInfo("Europe/Rome")):
        times = LocalTimes.current(now)
        assert times.short(datetime(2024, 12, 31, 22, 59, tzinfo=ZoneInfo("UTC"))) == (
            "31 dic 2024, 23:59"
        )
        assert times.short(datetime(2024, 12, 31, 23, 1, tzinfo=ZoneInfo("UTC"))) == (
            "1 gen, 00:01"
        )


TEMPLATES = Path(__file__).parents[2] / "sportello" / "web" / "jinja2"


def test_every_text_of_the_agent_templates_is_found_by_makemessages_and_translated():
    # The agent UI's templates are Jinja2 (docs/adr/0010), but `make messages` reads them
    # with Django's template lexer: each text must be written as {{ _("…") }} for it to
    # find it. Jinja2's own extractor lists what the templates translate.
    import ast
    import re

    from django.template import engines
    from django.utils.translation.template import templatize

    from sportello.web.jinja import Jinja2

    env = next(e for e in engines.all() if isinstance(e, Jinja2)).env
    with PO.open("rb") as f:
        catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) >= 15
    found_anywhere = set()
    for path in templates:
        source = path.read_text()
        wanted = {_strings(text)[0] for _, _, text in env.extract_translations(source)}
        # What xgettext is then given: text in _("…") or gettext("…") calls.
        python = templatize(source, origin=str(path))
        calls = re.findall(r"""\b(?:_|gettext)\(((["']).*?\2)\)""", python)
        found = {ast.literal_eval(literal) for literal, _ in calls}
        assert wanted <= found, (path.name, sorted(wanted - found))
        assert wanted <= catalogue, (path.name, sorted(wanted - catalogue))
        found_anywhere |= wanted
    assert {"Send reply", "Assigned to %(name)s", "Save tags"} <= found_anywhere
