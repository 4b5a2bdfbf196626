"""How many SQL statements each request costs in django-helpdesk, for ``bench/peer.py``.

    PYTHONPATH=bench bench/.peer/venv/bin/python -m peer_site.count_queries < requests.json

Reads a JSON list of ``{method, path, headers}`` (the benchmark's session cookie included)
and prints a JSON list of query counts: each request is run once through Django's test
client against the peer's database, with its queries captured.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    counts = []
    for request in json.load(sys.stdin):
        count = 0

        def counting(execute: Any, *args: Any) -> Any:
            nonlocal count
            count += 1
            return execute(*args)

        # An execute wrapper, not connection.queries: that keeps only the last 9,000.
        with connection.execute_wrapper(counting):
            response = Client().generic(
                request["method"], request["path"], headers=request.get("headers") or {}
            )
        if response.status_code >= 400:
            print(f"{request['path']}: HTTP {response.status_code}", file=sys.stderr)
        counts.append(count)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
