"""Small typed parsers for ``SPORTELLO_*`` environment variables.

Every setting Sportello reads from the environment goes through one of these, so a
typo in a deployment gives a clear error at start-up instead of a surprise later.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse


class ConfigError(ValueError):
    """A ``SPORTELLO_*`` variable holds a value that cannot be used."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = _boolean(raw)
    if value is None:
        raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false)")
    return value


def _boolean(raw: str) -> bool | None:
    """``raw`` as a boolean (true/false, yes/no, on/off, 1/0), or ``None`` if it is none."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return None


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None


def env_optional_int(name: str) -> int | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return env_int(name, 0)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name) or default).expanduser().resolve()


@dataclass(frozen=True)
class DatabaseURL:
    vendor: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: dict[str, str] | None = None


def parse_database_url(url: str) -> DatabaseURL:
    """Read ``postgres://user:pass@host:port/name?opt=v`` or ``sqlite:///path``."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ConfigError(f"database URL {url!r} names no database")
        return DatabaseURL(
            vendor="postgresql",
            name=name,
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            host=parsed.hostname or "",
            port=str(parsed.port or ""),
            options=dict(parse_qsl(parsed.query)),
        )
    if scheme == "sqlite":
        path = unquote(url[len("sqlite://") :])
        if path.startswith("/") and len(path) > 1 and not path.startswith("//"):
            path = path[1:] if path.startswith("/./") else path
        return DatabaseURL(vendor="sqlite", name=path or ":memory:")
    raise ConfigError(f"unsupported database URL scheme {scheme!r} (use postgres:// or sqlite://)")


def _url_flag(url: str, value: str) -> bool:
    flag = _boolean(value)
    if flag is None:
        raise ConfigError(f"{value!r} in {url!r} is not true or false")
    return flag


def sqlite_database(path: Path | str) -> dict[str, object]:
    """SQLite tuned for a web server and a worker sharing one file.

    WAL lets readers proceed while one writer commits; ``IMMEDIATE`` transactions take
    the write lock up front so two writers queue instead of failing on lock upgrade.
    Connections persist (``CONN_MAX_AGE=None``): requests are served by a fixed pool of
    threads (``config/asgi.py``), job workers are long-lived threads too, so there is one
    connection per thread, each with its parsed schema and its warm page cache. Opening
    one per request cost about a millisecond before the first query.
    """
    return {
        "ENGINE": "sportello.core.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA mmap_size=268435456;"
                "PRAGMA cache_size=-8000;"
                "PRAGMA wal_autocheckpoint=4000;"
            ),
        },
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
        # In memory; spelled out so pytest-django sees it whatever the ENGINE is called.
        "TEST": {"NAME": ":memory:"},
    }


def database_from_url(url: str, home: Path) -> dict[str, object]:
    db = parse_database_url(url)
    if db.vendor == "sqlite":
        path = Path(db.name)
        if db.name != ":memory:" and not path.is_absolute():
            path = home / path
        return sqlite_database(path)
    # Connections come from a pool (psycopg_pool) shared by the web threads and the job
    # workers; Django requires CONN_MAX_AGE=0 with a pool. Parameters are bound by the
    # server, and a statement run five times on a connection is prepared there, which saves
    # planning the inbox's queries again (docs/adr/0008). Behind a pooler that cannot
    # keep prepared statements, add ``?prepare_threshold=none`` to the URL.
    options: dict[str, object] = {
        "pool": {"min_size": 2, "max_size": 20, "timeout": 30},
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    given = dict(db.options or {})
    if "server_side_binding" in given:
        options["server_side_binding"] = _url_flag(url, given.pop("server_side_binding"))
    if "prepare_threshold" in given:
        threshold = given.pop("prepare_threshold").lower()
        if threshold != "none" and not (threshold.isascii() and threshold.isdigit()):
            raise ConfigError(f"prepare_threshold in {url!r} must be a number or 'none'")
        options["prepare_threshold"] = None if threshold == "none" else int(threshold)
    options.update(given)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db.name,
        "USER": db.user,
        "PASSWORD": db.password,
        "HOST": db.host,
        "PORT": db.port,
        "OPTIONS": options,
        "CONN_MAX_AGE": 0,
    }
