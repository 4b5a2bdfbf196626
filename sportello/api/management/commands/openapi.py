"""Write the API's OpenAPI schema; the committed ``openapi.json`` is checked against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand


def schema_text() -> str:
    from sportello.api.api import api

    return (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), indent=2, sort_keys=True) + "\n"
    )


class Command(BaseCommand):
    help = "Write the OpenAPI schema of API v1 to a file (default: openapi.json)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", default="openapi.json")

    def handle(self, *args: Any, output: str, **options: Any) -> None:
        Path(output).write_text(schema_text())
        self.stdout.write(f"wrote {output}")
