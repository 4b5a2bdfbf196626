"""The agent UI's fast widgets (``widget_html``) write what Django's widgets write, and
``field`` lays a field out with its label, help and errors."""

from __future__ import annotations

import re

from django import forms

from sportello.web.fields import field, widget_html


class _Form(forms.Form):
    colour = forms.ChoiceField(
        choices=[("", "Any"), ("r", "Rosso <vivo>"), ("b", 'Blu "notte"')],
        required=False,
    )
    size = forms.ChoiceField(choices=[("s", "S"), ("m", "M")], help_text="Taglia & misura")
    grouped = forms.ChoiceField(choices=[("Group", [("a", "A")])], required=False)
    note = forms.CharField(required=False)
    body = forms.CharField(required=False, widget=forms.Textarea)
    until = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    count = forms.IntegerField(label="Quanti <pezzi>", min_value=1, required=False)


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


def test_inputs_match_django_whatever_the_state():
    data_sets = (
        {},
        {"note": 'a "quoted" <b>', "until": "2026-03-04T14:05", "count": "3"},
        {"note": "x" * 3, "until": "not a date", "count": "0"},
    )
    for data in data_sets:
        for bound in (True, False):
            form = _Form(data) if bound else _Form(initial=data)
            form.is_valid()
            for name in ("note", "until", "count"):
                assert str(widget_html(form[name])) == str(form[name]), (data, name)


def test_other_widgets_are_left_to_django():
    form = _Form({})
    assert widget_html(form["body"]) == str(form["body"])
    assert widget_html(form["grouped"]) == str(form["grouped"])


def test_a_field_has_its_label_help_and_errors_escaped():
    form = _Form({"count": "0", "size": ""})
    form.is_valid()
    markup = str(field(form["count"], css="narrow"))
    assert markup.startswith('<div class="field has-error narrow"><label for="id_count">')
    assert "Quanti &lt;pezzi&gt;" in markup
    assert markup.count('class="field-error"') == 1 and "1" in markup
    size = str(field(form["size"]))
    assert 'id="id_size_helptext">Taglia &amp; misura</p>' in size
    assert 'aria-describedby="id_size_helptext id_size_error"' in size
    assert '<div id="id_size_error"><p class="field-error">' in size


def test_a_field_with_a_button_keeps_them_on_one_row():
    markup = str(field(_Form({})["note"], button="Salva <ora>", heading=True))
    assert '<label for="id_note" class="panel-heading">' in markup
    assert '<div class="field-row"><input type="text" name="note" id="id_note">' in markup
    assert '<button type="submit" class="button button-small">Salva &lt;ora&gt;</button>' in markup
    assert 'class="field has-error"' not in markup
