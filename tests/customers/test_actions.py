"""The writers of customers on the ingest hot path: no savepoints, nothing half-kept."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from sportello.customers.actions import (
    add_identities,
    create_customer,
    create_unclaimed_customer,
)
from sportello.customers.models import Customer, Identity

pytestmark = pytest.mark.django_db


def test_a_new_customer_and_their_identities_stay_within_two_statements(
    workspace, django_assert_max_num_queries
):
    identities = [("email", "anna@example.it"), ("phone", "+393331234567")]
    with django_assert_max_num_queries(2):
        customer = create_unclaimed_customer(workspace.pk, name="Anna", identities=identities)
    assert customer is not None and customer._state.adding is False
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.conversation_count, stored.custom_fields) == ("Anna", 0, {})
    assert sorted(stored.identities.values_list("kind", "value")) == sorted(identities)


def test_an_identity_claimed_first_leaves_nothing_of_the_new_customer(workspace):
    """GIVEN an identity another customer owns (a first message delivered at the same
    moment claimed it)
    WHEN a customer is created with it and a new one
    THEN nothing is kept, neither the customer nor the new identity."""
    owner = create_customer(workspace.pk, name="Primo", identities=[("email", "a@example.it")])
    claimed = create_unclaimed_customer(
        workspace.pk,
        name="Secondo",
        identities=[("phone", "+393330000000"), ("email", "a@example.it")],
    )
    assert claimed is None
    assert list(Customer.objects.values_list("pk", flat=True)) == [owner.pk]
    assert list(Identity.objects.values_list("value", flat=True)) == ["a@example.it"]
    with pytest.raises(IntegrityError), transaction.atomic():
        create_customer(workspace.pk, identities=[("email", "a@example.it")])
    assert Customer.objects.count() == 1


def test_identities_owned_by_someone_else_are_not_added(workspace, django_assert_max_num_queries):
    first = create_customer(workspace.pk, identities=[("email", "uno@example.it")])
    second = create_customer(workspace.pk, identities=[("email", "due@example.it")])
    # One insert, and a read of which ones it took since some belong to someone.
    with django_assert_max_num_queries(2):
        added = add_identities(
            second, [("email", "uno@example.it"), ("telegram", "due"), ("telegram", "due")]
        )
    assert [(i.kind, i.value, i.customer_id) for i in added] == [("telegram", "due", second.pk)]
    assert added[0] == Identity.objects.get(kind="telegram")
    assert Identity.objects.get(value="uno@example.it").customer_id == first.pk
    assert add_identities(second, []) == []
