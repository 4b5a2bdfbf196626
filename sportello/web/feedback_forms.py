"""The surveys' settings form: what the admin typed, parsed; ``feedback.actions`` checks
again as the API does and writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.feedback.actions import MAX_DAYS_BETWEEN, MAX_DELAY_MINUTES, MAX_QUESTION


class FeedbackSettingsForm(forms.Form):
    csat_enabled = forms.BooleanField(
        label=_("Ask for a rating when a conversation is resolved"), required=False
    )
    csat_delay_minutes = forms.IntegerField(
        label=_("Minutes to wait after resolving"),
        help_text=_("Time to reopen a conversation resolved by mistake; 0 sends at once."),
        min_value=0,
        max_value=MAX_DELAY_MINUTES,
    )
    csat_days_between = forms.IntegerField(
        label=_("At most one survey per customer every (days)"),
        min_value=0,
        max_value=MAX_DAYS_BETWEEN,
    )
    csat_question_it = forms.CharField(label=_("Question in Italian"), max_length=MAX_QUESTION)
    csat_question_en = forms.CharField(label=_("Question in English"), max_length=MAX_QUESTION)
    nps_enabled = forms.BooleanField(
        label=_("Send the NPS survey (by email, at most every 90 days per customer)"),
        required=False,
    )
    nps_recent_days = forms.IntegerField(
        label=_("To customers who wrote in the last (days)"),
        min_value=1,
        max_value=MAX_DAYS_BETWEEN,
    )
    nps_question_it = forms.CharField(label=_("Question in Italian"), max_length=MAX_QUESTION)
    nps_question_en = forms.CharField(label=_("Question in English"), max_length=MAX_QUESTION)
