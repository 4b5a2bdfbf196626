"""The privacy actions: export a customer's data, erase it, keep conversations no longer
than the workspace's policy. Each app's rows are changed by that app's own actions; these
put them together, in one transaction, with the audit entry."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from sportello.audit.actions import record
from sportello.conversations.actions import anonymise_conversations, delete_conversations
from sportello.conversations.attachments import remove_unreferenced
from sportello.conversations.queries import customer_conversation_ids, finished_before
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.customers.actions import erase_customer, forget_conversations
from sportello.customers.queries import get_customer
from sportello.ingest.forget import forget_inbound, forget_rejected_before
from sportello.outbound.actions import forget_deliveries
from sportello.privacy import export
from sportello.privacy.holders import Subject, holders
from sportello.privacy.models import RetentionAction, RetentionPolicy

log = logging.getLogger(__name__)

# Conversations anonymised or deleted per transaction: a night's backlog never holds the
# database's one writer (SQLite) for long.
RETENTION_BATCH = 200
MAX_RETENTION_MONTHS = 1200


def export_customer(workspace_id: int, customer_id: int) -> tuple[str, Iterator[bytes]]:
    """The file name and the bytes of the customer's archive (``privacy.export``); the
    export is in the audit log before the first byte leaves. ``NotFound`` for a customer
    of another workspace."""
    customer = get_customer(workspace_id, customer_id)
    with transaction.atomic():
        record(workspace_id, "customer.exported", target_type="customer", target_id=customer.pk)
    chunks = (chunk for chunk in export.archive(customer) if chunk)
    return f"customer-{customer.pk}-export.zip", chunks


@dataclass(frozen=True)
class Erasure:
    customer_id: int
    erased_at: datetime
    already_erased: bool
    identities: int
    conversations: int
    messages: int
    attachments: int
    raw_records: int
    orders: int = 0
    consents: int = 0


def erase_customer_data(workspace_id: int, customer_id: int) -> Erasure:
    """Erase a customer's personal data (GDPR art. 17), irreversibly, leaving a tombstone:
    the customer row with its counters and no personal field, their conversations with
    counts, times, channel and status, every body, subject, address, attachment and raw
    stored message gone (the search indexes follow). Idempotent: erasing again finds
    nothing more to remove (and says so), and is audited as well."""
    customer = get_customer(workspace_id, customer_id)
    with transaction.atomic():
        erased = erase_customer(customer)
        ids = customer_conversation_ids(workspace_id, customer.pk)
        forgotten = anonymise_conversations(workspace_id, ids)
        forget_deliveries(ids)
        raw = forget_inbound(
            workspace_id,
            conversation_ids=ids,
            customer_id=customer.pk,
            identity_values=erased.identity_values,
        )
        result = Erasure(
            customer_id=customer.pk,
            erased_at=customer.erased_at or clock.now(),
            already_erased=erased.already,
            identities=len(erased.identity_values),
            conversations=forgotten.conversations,
            messages=forgotten.messages,
            attachments=len(forgotten.attachment_paths),
            raw_records=raw,
            orders=erased.orders,
            consents=erased.consents,
        )
        detail = {k: v for k, v in result.__dict__.items() if isinstance(v, int | bool)}
        detail.pop("customer_id")
        # Rows of the apps above (a phone channel's calls and callbacks): anonymised too.
        subject = Subject(workspace_id, customer.pk, ids, erased.identity_values)
        for holder in holders():
            detail[holder.name] = holder.erase(subject)
        record(
            workspace_id,
            "customer.erased",
            target_type="customer",
            target_id=customer.pk,
            detail=detail,
        )
        paths = forgotten.attachment_paths
        transaction.on_commit(lambda: remove_unreferenced(workspace_id, paths))
    return result


def retention_policy(workspace_id: int) -> RetentionPolicy:
    """The workspace's policy; an unsaved one (keep for ever) when none was set."""
    policy = RetentionPolicy.objects.filter(workspace_id=workspace_id).first()
    return policy or RetentionPolicy(workspace_id=workspace_id)


@transaction.atomic
def set_retention_policy(workspace_id: int, *, months: int | None, action: str) -> RetentionPolicy:
    """Set how long finished conversations are kept (``None``: for ever) and what becomes
    of them after (anonymised or deleted). Audited with the old and new values."""
    if months is not None and not 1 <= months <= MAX_RETENTION_MONTHS:
        raise InvalidInput(f"months must be between 1 and {MAX_RETENTION_MONTHS}, or null")
    if action not in RetentionAction.values:
        raise InvalidInput(f"action must be one of {', '.join(RetentionAction.values)}")
    policy, _ = RetentionPolicy.objects.select_for_update().get_or_create(workspace_id=workspace_id)
    before = {"months": policy.months, "action": policy.action}
    policy.months, policy.action = months, action
    policy.save()
    record(
        workspace_id,
        "retention.policy_changed",
        target_type="retention_policy",
        target_id=policy.pk,
        detail={"before": before, "after": {"months": months, "action": action}},
    )
    return policy


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day
    when it is shorter: 31 March less one month is 28 or 29 February)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class RetentionRun:
    workspace_id: int
    action: str
    cutoff: datetime
    conversations: int
    messages: int
    rejected: int


def apply_retention(workspace_id: int) -> RetentionRun | None:
    """Apply the workspace's policy now: every resolved or closed conversation whose last
    activity is older than its months is anonymised or deleted, ``RETENTION_BATCH`` a
    transaction, with their raw records and deliveries' answers; refused messages older
    than that go too. ``None`` when the workspace keeps everything. One audit entry a run
    (only when something was done), so the log says what the policy removed and when."""
    policy = retention_policy(workspace_id)
    if policy.pk is None or not policy.months:
        return None
    now = clock.now()
    cutoff = months_before(now, policy.months)
    deleting = policy.action == RetentionAction.DELETE
    conversations = messages = 0
    paths: set[str] = set()
    while True:
        with transaction.atomic():
            ids = finished_before(workspace_id, cutoff, limit=RETENTION_BATCH, anonymised=deleting)
            if not ids:
                break
            forget_inbound(workspace_id, conversation_ids=ids)
            if deleting:
                forgotten = delete_conversations(workspace_id, ids)
                forget_conversations(dict(forgotten.by_customer))
            else:
                forget_deliveries(ids)
                forgotten = anonymise_conversations(workspace_id, ids)
            paths |= forgotten.attachment_paths
        conversations += forgotten.conversations
        messages += forgotten.messages
    # Once every batch is committed: one pass over the messages for all their files.
    transaction.on_commit(lambda: remove_unreferenced(workspace_id, paths))
    with transaction.atomic():
        rejected = forget_rejected_before(workspace_id, cutoff)
        RetentionPolicy.objects.filter(pk=policy.pk).update(last_run_at=now)
        run = RetentionRun(workspace_id, policy.action, cutoff, conversations, messages, rejected)
        if conversations or rejected:
            record(
                workspace_id,
                "retention.applied",
                target_type="retention_policy",
                target_id=policy.pk,
                detail={
                    "action": policy.action,
                    "months": policy.months,
                    "cutoff": cutoff.isoformat(),
                    "conversations": conversations,
                    "messages": messages,
                    "rejected": rejected,
                },
            )
    return run


def workspaces_with_retention() -> list[int]:
    return list(
        RetentionPolicy.objects.filter(months__isnull=False)
        .order_by("workspace_id")
        .values_list("workspace_id", flat=True)
    )
