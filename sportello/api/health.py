"""``GET /healthz``: is the database reachable, is the job queue reachable."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from huey.contrib.djhuey import HUEY


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _queue_ok() -> bool:
    try:
        HUEY.pending_count()
        return True
    except Exception:
        return False


def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    queue = _queue_ok()
    healthy = database and queue
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": "ok" if database else "unreachable",
            "queue": "ok" if queue else "unreachable",
        },
        status=200 if healthy else 503,
    )
