"""The low-rating rule is the business's: its threshold changed, or the rule disabled,
changes what a new review gets; the rating condition is checked like any other."""

from __future__ import annotations

import json

import pytest

from sportello.automation.models import Rule
from sportello.automation.rules.actions import ensure_default_rules, update_rule
from sportello.automation.rules.schema import check_condition
from sportello.conversations.models import Message, Priority
from sportello.core.errors import InvalidInput
from sportello.providers.reviews.importing import import_reviews
from sportello.providers.reviews.parse import parse_json
from tests.providers.reviews.helpers import make_reviews_channel

pytestmark = pytest.mark.django_db


def _review(id_: str, rating: int | None) -> bytes:
    item = {"id": id_, "source": "google", "author": f"Autore {id_}", "text": "Testo"}
    if rating is not None:
        item["rating"] = rating
    return json.dumps([item]).encode()


def _priority(channel, id_: str, rating: int | None, capture) -> int:
    with capture(execute=True):
        import_reviews(channel, parse_json(_review(id_, rating)), origin="test")
    return Message.objects.get(external_id=f"google:{id_}").conversation.priority


def test_the_business_changes_or_disables_the_rule(
    workspace, agent, django_capture_on_commit_callbacks
):
    channel = make_reviews_channel(workspace.pk)
    capture = django_capture_on_commit_callbacks
    assert _priority(channel, "a", 2, capture) == Priority.HIGH
    assert _priority(channel, "b", 3, capture) == Priority.NORMAL
    assert _priority(channel, "c", None, capture) == Priority.NORMAL  # a mention

    ensure_default_rules(workspace.pk)
    rule = Rule.objects.get(workspace=workspace, default_key="low_rating")
    update_rule(
        rule,
        conditions={"all": [{"field": "rating", "operator": "at_most", "value": "3"}]},
    )
    assert _priority(channel, "d", 3, capture) == Priority.HIGH
    update_rule(rule, is_enabled=False)
    assert _priority(channel, "e", 1, capture) == Priority.NORMAL


@pytest.mark.parametrize("value", [0, 6, "molte", None])
def test_a_rating_condition_takes_one_to_five_stars(workspace, value):
    with pytest.raises(InvalidInput, match=r"rating|number"):
        check_condition(
            workspace.pk, {"field": "rating", "operator": "at_most", "value": value}, "c"
        )
