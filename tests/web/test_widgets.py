"""The agent UI's fast select (``widget_html``) writes what Django's widget writes."""

from __future__ import annotations

import re

from django import forms

from sportello.web.templatetags.sportello_ui import widget_html


class _Form(forms.Form):
    colour = forms.ChoiceField(
        choices=[("", "Any"), ("r", "Rosso <vivo>"), ("b", 'Blu "notte"')],
        required=False,
    )
    size = forms.ChoiceField(choices=[("s", "S"), ("m", "M")], help_text="Taglia & misura")
    grouped = forms.ChoiceField(choices=[("Group", [("a", "A")])], required=False)
    note = forms.CharField(required=False)


def _squeeze(markup: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", markup)).replace(" >", ">")


def test_selects_match_django_whatever_the_state():
    for data in ({}, {"colour": "r", "size": "m"}, {"colour": "nope", "size": ""}):
        form = _Form(data)
        form.is_valid()
        for name in ("colour", "size"):
            assert str(widget_html(form[name])) == _squeeze(str(form[name])), (data, name)


def test_labels_and_values_are_escaped():
    markup = str(widget_html(_Form({"colour": "b"})["colour"]))
    assert "Rosso &lt;vivo&gt;" in markup and "Blu &quot;notte&quot;" in markup
    assert '<option value="b" selected>' in markup


def test_other_widgets_are_left_to_django():
    form = _Form({})
    assert widget_html(form["note"]) == str(form["note"])
    assert widget_html(form["grouped"]) == str(form["grouped"])
