"""The GDPR benchmark measures what it says: a customer seeded, exported, erased."""

from __future__ import annotations

import pytest

from bench.gdpr import measure
from sportello.customers.models import Customer


@pytest.mark.django_db
def test_measure_seeds_exports_and_erases_one_customer(workspace, api_channel, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    figures = measure(workspace.pk, api_channel.pk, 120, 50)

    assert figures["erased_conversations"] == 3 and figures["erased_messages"] >= 120
    assert figures["archive_bytes"] > 1_000_000  # one 1 MB attachment, random: incompressible
    assert figures["export_peak_python_mb"] > 0
    assert Customer.objects.get().erased_at is not None
