"""bench/dedupe.py's generated list, and the batch dedupe against the job on it: the batch
leaves namesakes out of its comparisons (town by town, no common names) and must still
make exactly the suggestions the job makes customer by customer."""

from __future__ import annotations

import pytest

from bench import dedupe, identity
from sportello.customers.actions.duplicates import dedupe_workspace, refresh_suggestions
from sportello.customers.models import DuplicateSuggestion

pytestmark = pytest.mark.django_db


def _pairs(workspace) -> dict[tuple[int, int], float]:
    return {
        (a, b): score
        for a, b, score in DuplicateSuggestion.objects.filter(workspace=workspace).values_list(
            "customer_a_id", "customer_b_id", "score"
        )
    }


def test_the_generated_list_has_namesakes_and_second_records_of_each_kind():
    people, planted, person, kinds = dedupe.generated(3000, seed=5)
    names = [" ".join(sorted(name.lower().split())) for name, _, _ in people]
    assert len(set(names)) < len(names)  # homonyms exist
    assert set(kinds.values()) == {"phone", "order", "details"}
    assert all(person[a] == person[b] for a, b in planted)
    assert len(planted) == len(kinds) > 150


def test_the_batch_makes_the_suggestions_the_job_makes_customer_by_customer(workspace):
    people, _, person, _ = dedupe.generated(600, seed=7)
    customers = identity.load_people(workspace, people)
    counts = dedupe_workspace(workspace.pk)
    batch = _pairs(workspace)
    assert counts["suggested"] == len(batch) > 20
    DuplicateSuggestion.objects.all().delete()
    for customer in customers:  # every key is written: each job sees the final counts
        refresh_suggestions(customer.pk)
    assert _pairs(workspace) == batch
    index = {c.pk: n for n, c in enumerate(customers)}
    same_person = sum(person[index[a]] == person[index[b]] for a, b in batch)
    assert same_person / len(batch) > 0.8
