"""``sportello gdpr``: the operator exports and erases a customer from the command line."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.config.test_cli import _run

pytestmark = pytest.mark.slow


def test_the_operator_exports_then_erases_a_demo_customer(migrated_home):
    tmp_path = migrated_home
    assert _run(tmp_path, "demo").returncode == 0
    archive = tmp_path / "cliente.zip"

    exported = _run(tmp_path, "gdpr", "export", "1", "--output", str(archive))

    assert exported.returncode == 0, exported.stderr
    data = json.loads(zipfile.ZipFile(archive).read("customer.json"))
    assert data["customer"]["id"] == 1 and data["customer"]["name"]
    assert data["identities"] and data["conversations"]
    name = data["customer"]["name"]

    refused = _run(tmp_path, "gdpr", "erase", "1")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    erased = _run(tmp_path, "gdpr", "erase", "1", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "customer 1 erased" in erased.stdout

    again = tmp_path / "dopo.zip"
    assert _run(tmp_path, "gdpr", "export", "1", "--output", str(again)).returncode == 0
    after = json.loads(zipfile.ZipFile(again).read("customer.json"))
    assert after["customer"]["erased_at"] and after["identities"] == []
    assert name not in json.dumps(after)
    missing = _run(tmp_path, "gdpr", "export", "999999", "--output", str(tmp_path / "x.zip"))
    assert missing.returncode == 1 and "not found" in missing.stderr
    assert not (tmp_path / "x.zip").exists()
