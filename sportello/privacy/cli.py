"""``sportello gdpr``: the operator's export, erasure and retention run, audited as the
operator."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sportello.audit.actors import acting_as, operator
from sportello.core.errors import NotFound
from sportello.customers.queries import customer_workspace_id
from sportello.privacy.actions import (
    apply_retention,
    erase_customer_data,
    export_customer,
    workspaces_with_retention,
)


def _workspace_of(customer_id: int) -> int | None:
    workspace_id = customer_workspace_id(customer_id)
    if workspace_id is None:
        print(f"customer {customer_id} not found", file=sys.stderr)
    return workspace_id


def export_command(customer_id: int, output: str) -> int:
    """Write the customer's archive to ``output`` (a partial file is never left behind
    under the final name)."""
    workspace_id = _workspace_of(customer_id)
    if workspace_id is None:
        return 1
    target = Path(output)
    partial = target.with_name(f".{target.name}.part")
    with acting_as(operator()):
        try:
            _, chunks = export_customer(workspace_id, customer_id)
        except NotFound as exc:
            print(exc.message, file=sys.stderr)
            return 1
        with open(partial, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
    os.replace(partial, target)
    print(f"customer {customer_id} exported to {target} ({target.stat().st_size} bytes)")
    return 0


def erase_command(customer_id: int, confirmed: bool) -> int:
    if not confirmed:
        print("erasure is irreversible: add --yes to erase", file=sys.stderr)
        return 2
    workspace_id = _workspace_of(customer_id)
    if workspace_id is None:
        return 1
    with acting_as(operator()):
        erasure = erase_customer_data(workspace_id, customer_id)
    already = " (already erased before)" if erasure.already_erased else ""
    print(
        f"customer {customer_id} erased{already}: {erasure.identities} identities,"
        f" {erasure.conversations} conversations, {erasure.messages} messages,"
        f" {erasure.attachments} attachments, {erasure.raw_records} raw records"
    )
    return 0


def retention_command() -> int:
    """Apply every workspace's retention policy now, as the nightly job does."""
    with acting_as(operator()):
        for workspace_id in workspaces_with_retention():
            run = apply_retention(workspace_id)
            if run is not None:
                print(
                    f"workspace {workspace_id}: {run.conversations} conversations"
                    f" {run.action}d (before {run.cutoff:%Y-%m-%d}),"
                    f" {run.rejected} refused messages deleted"
                )
    return 0
