"""Read-side functions for customers, shared by the API and the agent UI."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.functional import Promise

from sportello.channels import registry
from sportello.core import sql
from sportello.core.errors import InvalidInput, NotFound
from sportello.customers.identities import normalize_phone, shown_value
from sportello.customers.models import (
    Consent,
    ConsentPurpose,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    Identity,
    IdentitySource,
    LifecycleChange,
    Order,
    Organization,
    SuggestionState,
)


@dataclass(frozen=True)
class IdentityOwner:
    kind: str
    value: str
    customer_id: int
    customer_name: str
    # Read with the owner for the SLA step: a policy may apply to a segment.
    customer_segment: str = "new"


def identity_owners(workspace_id: int, identities: list[tuple[str, str]]) -> list[IdentityOwner]:
    """Who owns each of the given normalised identities, oldest customer first: one indexed
    plain query, on the ingest hot path (docs/adr/0005)."""
    if not identities:
        return []
    condition = " OR ".join(["(i.kind = %s AND i.value = %s)"] * len(identities))
    rows = sql.fetchall(
        "SELECT i.kind, i.value, i.customer_id, c.name, c.segment FROM customers_identity i"
        " JOIN customers_customer c ON c.id = i.customer_id"
        f" WHERE i.workspace_id = %s AND ({condition}) ORDER BY i.customer_id, i.id",
        [workspace_id, *(part for identity in identities for part in identity)],
    )
    return [IdentityOwner(*row) for row in rows]


def search_customers(workspace_id: int, q: str = "") -> QuerySet[Customer]:
    """The workspace's customers, latest contact first; with ``q``, those found by what an
    agent has at hand (``CustomerSearch``): part of an address whatever the case
    ("@studio", "3331234"), a phone number however it is written ("349 000 1103",
    "+39 349 0001103"), the words of a name in any order and with or without accents
    ("fontana chiara", "nicolo"). Erased customers (tombstones) are not listed."""
    customers = Customer.objects.filter(
        workspace_id=workspace_id, erased_at__isnull=True, merged_into__isnull=True
    ).select_related("organization")
    search = CustomerSearch.of(q)
    if search is not None:
        customers = customers.filter(pk__in=_holding(workspace_id, search))
    return customers.prefetch_related("identities").order_by("-last_contact_at", "-pk")


# Accented letters of Italian names (and ä ö ü ç ñ) and the letter they are also written
# with: "Niccolò" is typed "Niccolo" on a keyboard without accents. No more than this: on
# SQLite each letter is one nested REPLACE, and ~30 overflow its parser. Migration 0007
# folds names with the same table (its own copy, as migrations are frozen; a test compares
# them).
FOLDED_LETTERS = (
    "àáèéìíòóùúäöüçñÀÁÈÉÌÍÒÓÙÚ",
    "aaeeiioouuaoucnAAEEIIOOUU",
)
_FOLD = str.maketrans(*FOLDED_LETTERS)
# Text written as a phone number: digits with the usual separators and at least three
# digits ("+39 349 000 1103", "(02) 1234-5678", "0039 02 12345678").
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]*$")
MIN_PHONE_DIGITS = 3


def fold_name(text: str) -> str:
    """``text`` without the accents of ``FOLDED_LETTERS``, as the name index holds it."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class CustomerSearch:
    """What the search box's text asks for, read once at the edge.

    ``name_words``: every word must be in the customer's name, in any order and folded
    (``fold_name``). ``addresses``: any of these texts in one of their addresses. A phone
    number is looked for as its E.164 form (the region of ``DEFAULT_PHONE_REGION`` where
    it has no prefix) and as its bare digits, which a part of a number also is; it is
    not looked for in names.
    """

    name_words: tuple[str, ...]
    addresses: tuple[str, ...]

    @classmethod
    def of(cls, q: str) -> CustomerSearch | None:
        q = q.strip()
        if not q:
            return None
        digits = "".join(char for char in q if char.isascii() and char.isdigit())
        if _PHONE_LIKE.match(q) and len(digits) >= MIN_PHONE_DIGITS:
            addresses = [digits]
            # A part of a number is no phone number: its digits are still worth looking for.
            with contextlib.suppress(InvalidInput):
                addresses.insert(0, normalize_phone(q))
            return cls(name_words=(), addresses=tuple(dict.fromkeys(addresses)))
        address = q.strip("<>").strip() if "@" in q else q
        return cls(name_words=tuple(fold_name(q).split()), addresses=(address,))


def _holding(workspace_id: int, search: CustomerSearch) -> RawSQL:
    """The ids of the customers ``search`` finds, through the trigram indexes of
    migrations 0003 and 0007 (docs/adr/0011): on SQLite FTS5 finds a quoted phrase of
    three characters or more as a substring (words joined by ``AND``, addresses by
    ``OR``); on PostgreSQL ``pg_trgm`` serves ``LIKE`` on the expressions indexed. Text
    shorter than three characters has no trigram: a ``LIKE`` beside the index, or a scan
    when there is nothing else to look for."""
    parts: list[str] = []
    params: list[object] = []
    if connection.vendor == "sqlite":
        long_words = [word for word in search.name_words if len(word) >= 3]
        short_words = [word for word in search.name_words if len(word) < 3]
        if long_words:
            likes = "".join(f" AND {HOLDS['sqlite'].format(column='c.name')}" for _ in short_words)
            parts.append(
                "SELECT c.id FROM customers_customer c WHERE c.id IN"
                " (SELECT rowid FROM customers_customer_trigrams"
                f" WHERE customers_customer_trigrams MATCH %s){likes}"
            )
            params += [" AND ".join(map(_phrase, long_words)), *map(_like, short_words)]
        elif short_words:
            likes = " AND ".join(HOLDS["sqlite"].format(column="name") for _ in short_words)
            parts.append(f"SELECT id FROM customers_customer WHERE workspace_id = %s AND {likes}")
            params += [workspace_id, *map(_like, short_words)]
        if all(len(address) >= 3 for address in search.addresses):
            parts.append(
                "SELECT customer_id FROM customers_identity WHERE id IN"
                " (SELECT rowid FROM customers_identity_trigrams"
                " WHERE customers_identity_trigrams MATCH %s)"
            )
            params.append(" OR ".join(map(_phrase, search.addresses)))
            return RawSQL(" UNION ".join(parts), params)
    elif search.name_words:
        folded = HOLDS_FOLDED[connection.vendor]
        likes = " AND ".join(folded for _ in search.name_words)
        parts.append(f"SELECT id FROM customers_customer WHERE workspace_id = %s AND {likes}")
        params += [workspace_id, *map(_like, search.name_words)]
    holds = HOLDS[connection.vendor].format(column="value")
    anywhere = " OR ".join(holds for _ in search.addresses)
    parts.append(
        f"SELECT customer_id FROM customers_identity WHERE workspace_id = %s AND ({anywhere})"
    )
    params += [workspace_id, *map(_like, search.addresses)]
    return RawSQL(" UNION ".join(parts), params)


def _phrase(text: str) -> str:
    """``text`` as an FTS5 phrase: a substring for the trigram tokenizer."""
    return '"' + text.replace('"', '""') + '"'


def _like(text: str) -> str:
    return f"%{connection.ops.prep_for_like_query(text)}%"


# A column holds a LIKE pattern, whatever the case: what Django's icontains writes, and on
# PostgreSQL the expression migration 0003 indexes.
HOLDS = {
    "sqlite": "UPPER({column}) LIKE UPPER(%s) ESCAPE '\\'",
    "postgresql": "UPPER({column}::text) LIKE UPPER(%s)",
}
# A customer's folded name holds a LIKE pattern: on PostgreSQL the expression migration
# 0007 indexes (``customers_fold`` is its immutable ``translate`` of FOLDED_LETTERS).
HOLDS_FOLDED = {
    "postgresql": "UPPER(customers_fold(name::text)) LIKE UPPER(%s)",
}


_CUSTOMER = sql.RowReader(Customer, "customer")
_ORGANIZATION = sql.RowReader(Organization, "org")
_IDENTITY = sql.RowReader(Identity, "identity")
_CUSTOMER_SQL = (
    f"SELECT {_CUSTOMER.select}, {_ORGANIZATION.select} FROM customers_customer customer"
    " LEFT JOIN customers_organization org ON org.id = customer.organization_id"
    " WHERE customer.workspace_id = %s AND customer.id = %s"
)
_IDENTITIES_SQL = _IDENTITY.where("identity.customer_id = %s", "identity.id")


def get_customer(workspace_id: int, customer_id: int) -> Customer:
    """The customer with their organization and identities (``customer.identities.all()``
    reads no more): shown beside every conversation, so two plain queries."""
    row = sql.fetchone(_CUSTOMER_SQL, [workspace_id, customer_id])
    if row is None:
        raise NotFound(f"customer {customer_id} not found")
    customer, organization = sql.RowReader.build_all(row, _CUSTOMER, _ORGANIZATION)
    customer.organization = organization
    identities = _IDENTITY.build_rows(sql.fetchall(_IDENTITIES_SQL, [customer_id]))
    for identity in identities:
        identity.customer = customer
    sql.prefetched(customer, "identities", identities)
    return customer  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Contact:
    """One address a customer is reached at, once: the same number as a phone and a
    WhatsApp identity is one line naming both kinds, shown as a person writes it."""

    shown: str
    # The kinds' labels (lazy: translated only where a page shows them), first added first.
    kinds: tuple[str | Promise, ...]
    unverified: bool
    # Read in the signature of one of the customer's messages, not written from.
    from_signature: bool = False
    # The identities shown on this line (an agent removes the line: all of them).
    identity_ids: tuple[int, ...] = ()


def contacts(customer: Customer) -> list[Contact]:
    """The customer's identities as ``Contact`` lines, first added first (reads the
    prefetched ``customer.identities``: no query). The kinds' labels are read from the
    registry once and left lazy: ``get_kind_display`` builds the choices and translates on
    every call (0.5 ms, with fifty customers to a list page that shows no kind)."""
    grouped: dict[str, list[Identity]] = {}
    for identity in customer.identities.all():
        grouped.setdefault(identity.value, []).append(identity)
    labels = dict(registry.identity_kind_choices())
    return [
        Contact(
            shown=shown_value(value),
            kinds=tuple(
                labels.get(kind, kind) for kind in dict.fromkeys(i.kind for i in identities)
            ),
            unverified=all(i.unverified for i in identities),
            from_signature=all(i.source == IdentitySource.SIGNATURE for i in identities),
            identity_ids=tuple(i.pk for i in identities),
        )
        for value, identities in grouped.items()
    ]


def first_identity_value(customer_id: int, kind: str) -> str | None:
    """The customer's earliest identity of ``kind`` (their first email address, say)."""
    value: str | None = (
        Identity.objects.filter(customer_id=customer_id, kind=kind)
        .order_by("pk")
        .values_list("value", flat=True)
        .first()
    )
    return value


def customer_workspace_id(customer_id: int) -> int | None:
    """The workspace a customer belongs to: the operator's command line names a customer
    by id alone."""
    found: int | None = (
        Customer.objects.filter(pk=customer_id).values_list("workspace_id", flat=True).first()
    )
    return found


@dataclass(frozen=True)
class Duplicate:
    """An open suggestion seen from one of its two customers."""

    suggestion_id: int
    customer: Customer
    score: float
    reasons: list[str]


def _open_suggestions(workspace_id: int) -> QuerySet[DuplicateSuggestion]:
    return DuplicateSuggestion.objects.filter(
        workspace_id=workspace_id,
        state=SuggestionState.OPEN,
        customer_a__merged_into__isnull=True,
        customer_b__merged_into__isnull=True,
        customer_a__erased_at__isnull=True,
        customer_b__erased_at__isnull=True,
    )


def duplicates_of(workspace_id: int, customer_id: int) -> list[Duplicate]:
    """The customers that may be the same person as this one, best first (open
    suggestions only). ``NotFound`` for a customer of another workspace."""
    if not Customer.objects.filter(workspace_id=workspace_id, pk=customer_id).exists():
        raise NotFound(f"customer {customer_id} not found")
    suggestions = list(
        _open_suggestions(workspace_id)
        .filter(Q(customer_a_id=customer_id) | Q(customer_b_id=customer_id))
        .order_by("-score", "-pk")[:50]
    )
    others = {
        s.customer_b_id if s.customer_a_id == customer_id else s.customer_a_id for s in suggestions
    }
    customers = Customer.objects.filter(pk__in=others).prefetch_related("identities")
    by_id = {c.pk: c for c in customers.select_related("organization")}
    return [
        Duplicate(
            suggestion_id=s.pk,
            customer=by_id[s.customer_b_id if s.customer_a_id == customer_id else s.customer_a_id],
            score=s.score,
            reasons=list(s.reasons),
        )
        for s in suggestions
    ]


def duplicate_queue(
    workspace_id: int, *, page: int = 1, per_page: int = 25
) -> tuple[list[DuplicateSuggestion], bool]:
    """The review queue: open suggestions, best first, a page at a time; and whether
    there is a next page."""
    start = (max(1, page) - 1) * per_page
    rows = list(
        _open_suggestions(workspace_id)
        .select_related("customer_a", "customer_b")
        .order_by("-score", "-pk")[start : start + per_page + 1]
    )
    return rows[:per_page], len(rows) > per_page


@dataclass(frozen=True)
class MergePreview:
    """What a merge of ``other`` into ``kept`` would move, for the confirmation."""

    kept: Customer
    other: Customer
    identities: list[Identity]
    conversation_count: int
    added_fields: list[str]


def merge_preview(workspace_id: int, kept_id: int, other_id: int) -> MergePreview:
    kept = get_customer(workspace_id, kept_id)
    other = get_customer(workspace_id, other_id)
    return MergePreview(
        kept=kept,
        other=other,
        identities=list(other.identities.all()),
        conversation_count=other.conversation_count,
        added_fields=sorted(set(other.custom_fields) - set(kept.custom_fields)),
    )


def merges_of(workspace_id: int, customer_id: int) -> list[CustomerMerge]:
    """The merges into this customer, latest first."""
    return list(
        CustomerMerge.objects.filter(workspace_id=workspace_id, kept_id=customer_id)
        .select_related("merged")
        .order_by("-created_at", "-pk")[:50]
    )


# Lifecycle, orders, consent ---------------------------------------------------------------


def orders_of(workspace_id: int, customer_id: int, *, limit: int = 100) -> list[Order]:
    """The customer's orders, latest placed first. ``NotFound`` for another workspace's."""
    if not Customer.objects.filter(workspace_id=workspace_id, pk=customer_id).exists():
        raise NotFound(f"customer {customer_id} not found")
    return list(
        Order.objects.filter(workspace_id=workspace_id, customer_id=customer_id).order_by(
            "-placed_at", "-pk"
        )[:limit]
    )


def lifecycle_changes_of(customer_id: int, *, limit: int = 20) -> list[LifecycleChange]:
    return list(
        LifecycleChange.objects.filter(customer_id=customer_id).order_by("-at", "-pk")[:limit]
    )


def current_consents(customer_id: int) -> list[Consent]:
    """What holds now: the latest record per (purpose, channel kind)."""
    latest: dict[tuple[str, str], Consent] = {}
    for consent in Consent.objects.filter(customer_id=customer_id).order_by("at", "pk"):
        latest[(consent.purpose, consent.channel_kind)] = consent
    return sorted(latest.values(), key=lambda c: (c.purpose, c.channel_kind))


def consent_history(customer_id: int, *, limit: int = 200) -> list[Consent]:
    return list(Consent.objects.filter(customer_id=customer_id).order_by("-at", "-pk")[:limit])


# Without a record: service messages may go (the person wrote to the business, which
# answers and keeps her informed of her case), marketing may not (it needs an opt-in).
DEFAULT_CONSENT = {ConsentPurpose.SERVICE: True, ConsentPurpose.MARKETING: False}


def _may(
    do_not_contact: bool, held: dict[tuple[str, str], bool], purpose: str, kind: str | None
) -> bool:
    """May a message of ``purpose`` go on ``kind`` (or, with ``None``, on at least one
    channel kind) given the consents that hold."""
    if do_not_contact:
        return False
    default = DEFAULT_CONSENT[ConsentPurpose(purpose)]
    if kind is not None:
        return held.get((purpose, kind), default)
    states = [granted for (p, _), granted in held.items() if p == purpose]
    if any(states):
        return True
    # Nothing granted: a default that allows still holds on kinds with no record.
    return default and len(states) < len(registry.kinds())


def contact_refusal(
    customer_id: int, channel_kind: str, purpose: str = ConsentPurpose.SERVICE
) -> str | None:
    """Why a message that is not a reply to what the customer wrote (an acknowledgement,
    a rule's or macro's automatic reply, a new outgoing conversation, a campaign) may not
    go to her on ``channel_kind``: she asked not to be contacted, or withdrew (or never
    gave, for marketing) consent for ``purpose`` on that channel. ``None`` when it may.
    The one place every such outbound path asks (``outbound.actions.automatic_refusal``)."""
    row = (
        Customer.objects.filter(pk=customer_id)
        .values_list("do_not_contact", "no_automatic_replies")
        .first()
    )
    if row is None:
        return "the customer does not exist"
    do_not_contact, _ = row
    if do_not_contact:
        return "the customer asked not to be contacted"
    held = {
        (c.purpose, c.channel_kind): c.granted
        for c in current_consents(customer_id)
        if c.purpose == purpose
    }
    if not _may(False, held, purpose, channel_kind):
        what = "marketing" if purpose == ConsentPurpose.MARKETING else "service messages"
        return f"the customer has no consent to {what} on {channel_kind}"
    return None


@dataclass(frozen=True)
class Lookup:
    customer: Customer | None
    may_contact: dict[str, bool]
    channels: dict[str, dict[str, bool]]


def lookup_customer(workspace_id: int, *, email: str = "", phone: str = "") -> Lookup:
    """Is this person already known, and may she be contacted? By normalised email or phone
    (any Italian way of writing it), in this workspace only. ``InvalidInput`` when both are
    empty or one is not an address or number."""
    from sportello.customers.identities import normalize_email, same_number_keys

    keys: list[tuple[str, str]] = []
    if email.strip():
        keys.append(("email", normalize_email(email)))
    if phone.strip():
        keys.append(("phone", normalize_phone(phone)))
    if not keys:
        raise InvalidInput("give an email or a phone number")
    owners = identity_owners(workspace_id, list(dict.fromkeys([*keys, *same_number_keys(keys)])))
    if not owners:
        return Lookup(
            customer=None, may_contact={"service": False, "marketing": False}, channels={}
        )
    customer = Customer.objects.get(pk=owners[0].customer_id)
    held = {(c.purpose, c.channel_kind): c.granted for c in current_consents(customer.pk)}
    channels = {
        kind: {p: _may(customer.do_not_contact, held, p, kind) for p in ConsentPurpose.values}
        for kind in sorted({kind for _, kind in held})
    }
    return Lookup(
        customer=customer,
        may_contact={
            p: _may(customer.do_not_contact, held, p, None) for p in ConsentPurpose.values
        },
        channels=channels,
    )


def segment_of(customer_id: int | None) -> str:
    """The customer's segment (``new`` for none): SLA policies and rules may select on it."""
    if customer_id is None:
        return "new"
    found = Customer.objects.filter(pk=customer_id).values_list("segment", flat=True).first()
    return found or "new"


_NAME_SQL = f"SELECT name FROM {Customer._meta.db_table} WHERE id = %s"


def customer_name(customer_id: int) -> str:
    """A customer's name ("" if none or gone): one primary-key read in plain SQL, for the
    live notice of every new conversation (docs/adr/0005)."""
    row = sql.fetchone(_NAME_SQL, [customer_id])
    return str(row[0] or "") if row is not None else ""
