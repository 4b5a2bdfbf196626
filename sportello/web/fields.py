"""Form fields as the agent UI lays them out: the label, the widget, help and errors, with
single selects and plain inputs written here rather than through Django's widget templates."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


class ColorInput(forms.TextInput):
    """``<input type=color>``: a colour picker whose value is ``#rrggbb``."""

    input_type = "color"


# Inputs whose markup is ``<input type name value attrs>`` (Django's ``input.html``).
_PLAIN_INPUTS = (
    forms.TextInput,
    ColorInput,
    forms.EmailInput,
    forms.NumberInput,
    forms.URLInput,
    forms.DateTimeInput,
    forms.DateInput,
    forms.HiddenInput,
)


def widget_html(field: BoundField) -> SafeString | str:
    """``{{ field }}``, with single selects and plain inputs written here rather than
    through Django's template includes, which cost several times as much on every page
    (docs/adr/0007). Anything else is left to Django."""
    widget = field.field.widget
    kind = type(widget)
    if kind is not forms.Select and kind not in _PLAIN_INPUTS:
        return str(field)
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    esc = html.escape
    if kind is not forms.Select:
        value = context["value"]
        shown = "" if value is None else f' value="{esc(str(value))}"'
        return mark_safe(
            f'<input type="{esc(context["type"])}" name="{esc(context["name"])}"{shown}'
            f"{_attributes(context['attrs'])}>"
        )  # every value is escaped
    parts = [f'<select name="{esc(context["name"])}"{_attributes(context["attrs"])}>']
    for group, options, _index in context["optgroups"]:
        if group is not None:
            return str(field)
        for option in options:
            parts.append(
                f'<option value="{esc(str(option["value"]))}"{_attributes(option["attrs"])}>'
                f"{esc(str(option['label']))}</option>"
            )
    parts.append("</select>")
    return mark_safe("".join(parts))  # every value above is escaped


def field(bound: BoundField, css: str = "", button: str = "", heading: bool = False) -> SafeString:
    """A form field as the agent UI lays it out: its label, widget, help and errors; with
    ``button``, the widget and a submit button on one row (``heading``: the label styled as
    the panel's section heading). Written here rather than in a template: a page has up to
    eight. ``button`` may be markup already (a template's translated text): it is escaped
    unless it is."""
    esc = html.escape
    errors = bound.errors
    classes = "field" + (" has-error" if errors else "") + (f" {esc(css)}" if css else "")
    label_class = ' class="panel-heading"' if heading else ""
    label = (
        f'<label for="{esc(str(bound.id_for_label))}"{label_class}>{esc(str(bound.label))}</label>'
    )
    widget = widget_html(bound)
    if button:
        submit = conditional_escape(button)
        widget = (
            f'<div class="field-row">{widget}'
            f'<button type="submit" class="button button-small">{submit}</button></div>'
        )
    help_text = (
        f'<p class="field-help" id="{esc(bound.auto_id)}_helptext">{esc(str(bound.help_text))}</p>'
        if bound.help_text
        else ""
    )
    # The widget's aria-describedby names "<id>_error" when there are errors (Django's).
    shown = "".join(f'<p class="field-error">{esc(str(error))}</p>' for error in errors)
    if shown and bound.auto_id:
        shown = f'<div id="{esc(bound.auto_id)}_error">{shown}</div>'
    return mark_safe(f'<div class="{classes}">{label}{widget}{help_text}{shown}</div>')  # escaped


def _attributes(attrs: dict[str, Any]) -> str:
    """HTML attributes in their order, as Django's ``attrs.html`` writes them."""
    return "".join(
        f" {name}" if value is True else f' {name}="{html.escape(str(value))}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )
