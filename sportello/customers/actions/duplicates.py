"""The only writers of duplicate suggestions and the blocking keys behind them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from sportello.core import clock, sql
from sportello.core.errors import Conflict, NotFound
from sportello.customers.matching import (
    SUGGEST_AT,
    Comparison,
    Profile,
    compare,
    match_keys,
    name_and_city_can_suggest,
    name_key,
    town_key,
)
from sportello.customers.models import (
    Customer,
    CustomerMatchKey,
    DuplicateSuggestion,
    Identity,
    Order,
    SuggestionState,
)

# Customers compared with a new one at most: blocking keys of very common names ("rossi m")
# may hold thousands; the most recent ones are the likeliest duplicates.
MAX_CANDIDATES = 200
# The batch's comparisons within a block larger than this: each customer with the next
# WINDOW in name order (a sorted neighbourhood), so 200k customers stay within minutes.
WINDOW = 30


MATCH_KEYS = sql.Table(CustomerMatchKey)
SUGGESTIONS = sql.Table(DuplicateSuggestion)


def profiles(customer_ids: Iterable[int]) -> dict[int, Profile]:
    """The matcher's view of the given customers (not erased, not merged away): two
    queries however many."""
    ids = list(customer_ids)
    identities: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for customer_id, kind, value in Identity.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "kind", "value"
    ):
        identities[customer_id].append((kind, value))
    # Orders posted by the shop are evidence as order numbers in custom fields are: two
    # records with the same order number are likely one person.
    orders: dict[int, list[str]] = defaultdict(list)
    for customer_id, number in Order.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "number"
    ):
        orders[customer_id].append(number)
    rows = Customer.objects.filter(
        pk__in=ids, erased_at__isnull=True, merged_into__isnull=True
    ).values_list("pk", "name", "custom_fields")
    return {
        pk: Profile.of(pk, name, identities[pk], _with_orders(fields, orders.get(pk)))
        for pk, name, fields in rows
    }


def _with_orders(fields: dict[str, object], numbers: list[str] | None) -> dict[str, object]:
    if not numbers:
        return fields
    listed = fields.get("order_numbers")
    known = listed if isinstance(listed, list) else ([listed] if listed else [])
    return {**fields, "order_numbers": [*known, *numbers]}


@transaction.atomic
def refresh_suggestions(customer_id: int) -> list[DuplicateSuggestion]:
    """Recompute a customer's blocking keys and compare her with the customers sharing one;
    keep a suggestion for each pair that scores at least ``SUGGEST_AT``. Runs as a job
    after a customer is created or changed (``jobs.suggest_duplicates``). A pair an agent
    dismissed or merged keeps its decision."""
    customer = Customer.objects.filter(pk=customer_id).only("workspace_id").first()
    if customer is None:
        return []
    workspace_id = customer.workspace_id
    profile = profiles([customer_id]).get(customer_id)
    CustomerMatchKey.objects.filter(customer_id=customer_id).delete()
    if profile is None:  # erased or merged away: no more suggestions
        DuplicateSuggestion.objects.filter(
            customer_a_id=customer_id, state=SuggestionState.OPEN
        ).delete()
        DuplicateSuggestion.objects.filter(
            customer_b_id=customer_id, state=SuggestionState.OPEN
        ).delete()
        return []
    keys = match_keys(profile)
    # Her town is stored as a key too, to be counted, never searched (``town_key``).
    town = town_key(profile)
    stored = keys | ({town} if town else set())
    CustomerMatchKey.objects.bulk_create(
        [
            CustomerMatchKey(workspace_id=workspace_id, customer_id=customer_id, key=k)
            for k in stored
        ]
    )
    frequency = _key_counts(workspace_id, stored)
    own = frequency.get(name_key(profile), 0)
    town_frequency = frequency.get(town, 0)
    customers = _customers(workspace_id) if town else 0
    # A name this common, or a town this big, says nothing without another key in common:
    # her name's blocks (every "Maria Rossi", every "Rossi M.") are not searched, the rest
    # are.
    searched = (
        keys
        if name_and_city_can_suggest(own, town_frequency, customers)
        else {k for k in keys if not k.startswith(("n:", "s:"))}
    )
    # Those sharing an identifier, an order, a birth date or a company domain first, then
    # the name's: a thousand namesakes must not crowd out the one with her phone.
    named = {k for k in searched if k.startswith(("n:", "s:"))}
    candidates = list(
        dict.fromkeys(
            [
                *_sharing(workspace_id, customer_id, searched - named),
                *_sharing(workspace_id, customer_id, named),
            ]
        )
    )
    others = profiles(candidates) if candidates else {}
    unknown = {name_key(other) for other in others.values()} - set(frequency) - {""}
    frequency.update(_key_counts(workspace_id, unknown))
    found = {
        other_id: compare(
            profile,
            other,
            name_frequency=max(own, frequency.get(name_key(other), 0)),
            town_frequency=town_frequency,
            customers=customers,
        )
        for other_id, other in others.items()
    }
    return save_suggestions(
        workspace_id,
        [(customer_id, other, c) for other, c in found.items() if c.score >= SUGGEST_AT],
    )


def _sharing(workspace_id: int, customer_id: int, keys: set[str]) -> list[int]:
    """The most recent ``MAX_CANDIDATES`` other customers holding one of ``keys``."""
    if not keys:
        return []
    return list(
        CustomerMatchKey.objects.filter(workspace_id=workspace_id, key__in=keys)
        .exclude(customer_id=customer_id)
        .order_by("-customer_id")
        .values_list("customer_id", flat=True)
        .distinct()[:MAX_CANDIDATES]
    )


def _customers(workspace_id: int) -> int:
    """How many customers the workspace holds (not erased, not merged away: those the
    batch compares), the base of a town's share. A count over the workspace's index, not
    a range of ``c:`` keys: how ":" and ";" sort depends on the database's collation."""
    return Customer.objects.filter(
        workspace_id=workspace_id, erased_at__isnull=True, merged_into__isnull=True
    ).count()


def _key_counts(workspace_id: int, keys: Iterable[str]) -> dict[str, int]:
    """How many customers of the workspace share each key: one indexed, grouped count."""
    wanted = list(keys)
    if not wanted:
        return {}
    return dict(
        CustomerMatchKey.objects.filter(workspace_id=workspace_id, key__in=wanted)
        .values("key")
        .annotate(customers=Count("customer_id"))
        .values_list("key", "customers")
    )


def save_suggestions(
    workspace_id: int, pairs: list[tuple[int, int, Comparison]]
) -> list[DuplicateSuggestion]:
    """Keep these pairs' suggestions: new ones open, open ones with the new score; those
    an agent decided on are left as they are."""
    by_pair = {(min(a, b), max(a, b)): c for a, b, c in pairs}
    if not by_pair:
        return []
    existing = {
        (s.customer_a_id, s.customer_b_id): s
        for s in DuplicateSuggestion.objects.filter(
            workspace_id=workspace_id,
            customer_a_id__in={a for a, _ in by_pair},
            customer_b_id__in={b for _, b in by_pair},
        )
    }
    now = clock.now()
    new: list[DuplicateSuggestion] = []
    rows = []
    changed = []
    for (a, b), comparison in by_pair.items():
        suggestion = existing.get((a, b))
        if suggestion is None:
            row = SUGGESTIONS.row(
                workspace_id=workspace_id,
                customer_a_id=a,
                customer_b_id=b,
                score=comparison.score,
                reasons=list(comparison.reasons),
                created_at=now,
                updated_at=now,
            )
            rows.append(row)
            new.append(sql.instance(DuplicateSuggestion, row))
        elif suggestion.state == SuggestionState.OPEN:
            suggestion.score = comparison.score
            suggestion.reasons = list(comparison.reasons)
            changed.append(suggestion)
    for at in range(0, len(rows), 1000):
        SUGGESTIONS.insert_rows(rows[at : at + 1000], on_conflict="customer_a_id, customer_b_id")
    DuplicateSuggestion.objects.bulk_update(changed, ["score", "reasons", "updated_at"])
    return new + changed


def suggest_pair(workspace_id: int, a: int, b: int, reason: str, score: float) -> None:
    """A suggestion that ingest found by itself (a message from one customer mentioning
    another's address): opened, or its reason added to the open one."""
    first, second = min(a, b), max(a, b)
    suggestion, created = DuplicateSuggestion.objects.get_or_create(
        workspace_id=workspace_id,
        customer_a_id=first,
        customer_b_id=second,
        defaults={"score": score, "reasons": [reason]},
    )
    if (
        not created
        and suggestion.state == SuggestionState.OPEN
        and reason not in suggestion.reasons
    ):
        suggestion.reasons = [*suggestion.reasons, reason]
        suggestion.score = max(suggestion.score, score)
        suggestion.save(update_fields=["reasons", "score", "updated_at"])


@transaction.atomic
def dismiss_suggestion(
    workspace_id: int, customer_id: int, other_id: int, *, agent_id: int | None = None
) -> DuplicateSuggestion:
    """An agent says the two are different people: the pair is not suggested again."""
    first, second = min(customer_id, other_id), max(customer_id, other_id)
    suggestion = (
        DuplicateSuggestion.objects.select_for_update()
        .filter(workspace_id=workspace_id, customer_a_id=first, customer_b_id=second)
        .first()
    )
    if suggestion is None:
        raise NotFound("no duplicate suggestion for these two customers")
    if suggestion.state == SuggestionState.MERGED:
        raise Conflict("these customers were merged: undo the merge instead")
    suggestion.state = SuggestionState.DISMISSED
    suggestion.decided_by_id = agent_id
    suggestion.save(update_fields=["state", "decided_by", "updated_at"])
    return suggestion


def _withdraw_stale(workspace_id: int, kept: set[tuple[int, int]]) -> int:
    """Open suggestions the batch no longer makes (scored by older weights, or while a
    name was still rare) are withdrawn; those an agent decided on stay, and so do those
    ingest opened on a mentioned address, which no blocking key finds again."""
    stale = [
        pk
        for pk, a, b, reasons in DuplicateSuggestion.objects.filter(
            workspace_id=workspace_id, state=SuggestionState.OPEN
        )
        .values_list("pk", "customer_a_id", "customer_b_id", "reasons")
        .iterator(chunk_size=5000)
        if (a, b) not in kept and "mentioned_identifier" not in reasons
    ]
    for at in range(0, len(stale), 1000):
        DuplicateSuggestion.objects.filter(pk__in=stale[at : at + 1000]).delete()
    return len(stale)


def _compare_block(
    members: list[int],
    all_profiles: dict[int, Profile],
    frequency: dict[int, int],
    living: dict[int, int],
    customers: int,
    compared: set[tuple[int, int]],
    pairs: list[tuple[int, int, Comparison]],
) -> None:
    """Compare a block's members, each pair once in the whole batch; a block larger than
    ``WINDOW`` ("rossi m" in Roma: every Rossi Maria, Marco, Matteo...) as a sorted
    neighbourhood: in name order, each with the next WINDOW, not with all."""
    window = len(members)
    if len(members) > WINDOW:
        members = sorted(members, key=lambda pk: all_profiles[pk].tokens)
        window = WINDOW
    for i, a in enumerate(members):
        for b in members[i + 1 : i + 1 + window]:
            pair = (a, b) if a < b else (b, a)
            if pair in compared:
                continue
            compared.add(pair)
            comparison = compare(
                all_profiles[a],
                all_profiles[b],
                name_frequency=max(frequency[a], frequency[b]),
                town_frequency=living[a],
                customers=customers,
            )
            if comparison.score >= SUGGEST_AT:
                pairs.append((a, b, comparison))


def dedupe_workspace(workspace_id: int, *, batch_size: int = 5000) -> dict[str, int]:
    """Every customer's blocking keys and suggestions, in bulk (``sportello customers
    dedupe``): an imported list is compared block by block, never pair by pair; a block
    larger than ``WINDOW`` as a sorted neighbourhood. A name's block is compared town by
    town and leaves out the bearers of a name too common, or living in a town too big, to
    be suggested on name and town (ADR 0022): what else they share has a block of its
    own."""
    ids = list(
        Customer.objects.filter(
            workspace_id=workspace_id, erased_at__isnull=True, merged_into__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    blocks: dict[str, list[int]] = defaultdict(list)
    town_counts: Counter[str] = Counter()
    all_profiles: dict[int, Profile] = {}
    keys_written = 0
    for start in range(0, len(ids), batch_size):
        chunk = profiles(ids[start : start + batch_size])
        all_profiles.update(chunk)
        rows = []
        for pk, profile in chunk.items():
            for key in match_keys(profile):
                blocks[key].append(pk)
                rows.append(MATCH_KEYS.row(workspace_id=workspace_id, customer_id=pk, key=key))
            if town := town_key(profile):  # counted, not a block
                town_counts[town] += 1
                rows.append(MATCH_KEYS.row(workspace_id=workspace_id, customer_id=pk, key=town))
        # Plain multi-row inserts: the ORM's bulk_create spent more time building its
        # statements than the database writing them (bench/dedupe.py, docs/performance.md).
        with transaction.atomic():
            CustomerMatchKey.objects.filter(customer_id__in=list(chunk)).delete()
            for at in range(0, len(rows), 2000):
                MATCH_KEYS.insert_rows(rows[at : at + 2000])
        keys_written += len(rows)
    frequency = {
        pk: len(blocks[key]) if (key := name_key(profile)) else 0
        for pk, profile in all_profiles.items()
    }
    living = {
        pk: town_counts[key] if (key := town_key(profile)) else 0
        for pk, profile in all_profiles.items()
    }
    customers = len(ids)
    rare = {
        pk for pk, n in frequency.items() if name_and_city_can_suggest(n, living[pk], customers)
    }
    compared: set[tuple[int, int]] = set()
    pairs: list[tuple[int, int, Comparison]] = []
    for key, members in blocks.items():
        if key.startswith("d:") and len(members) > MAX_CANDIDATES:
            continue  # a domain hundreds share says nothing of who is who
        groups = [members]
        if key.startswith(("n:", "s:")):
            # A pair that shares only a name is suggested only with a rare name and the
            # same small town: everything else that could lift it (a phone, an email, an
            # order, a birth date, a company domain) has a block of its own. So a name's
            # block is compared town by town, without the bearers of too common a name
            # and without the big cities.
            towns: dict[str, list[int]] = defaultdict(list)
            for pk in members:
                if pk in rare and all_profiles[pk].city:
                    towns[all_profiles[pk].city].append(pk)
            groups = [town for town in towns.values() if len(town) > 1]
        for group in groups:
            _compare_block(group, all_profiles, frequency, living, customers, compared, pairs)
    for start in range(0, len(pairs), batch_size):
        with transaction.atomic():
            save_suggestions(workspace_id, pairs[start : start + batch_size])
    withdrawn = _withdraw_stale(workspace_id, {(min(a, b), max(a, b)) for a, b, _ in pairs})
    return {
        "customers": len(ids),
        "keys": keys_written,
        "compared": len(compared),
        "suggested": len(pairs),
        "withdrawn": withdrawn,
    }
