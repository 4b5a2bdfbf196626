"""Sportello's one settings module.

Everything configurable comes from ``SPORTELLO_*`` environment variables read through the
typed parsers in :mod:`sportello.config.parsers`; ``.env.example`` lists each with its
default. Nothing else in the code base reads the environment.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

from sportello.config.parsers import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_optional_int,
    env_path,
    env_str,
    sqlite_database,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules

HOME = env_path("SPORTELLO_HOME", "./var")
if not TESTING:
    HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env_str("SPORTELLO_SECRET_KEY")
    if configured:
        return configured
    # Embedded installs keep a generated key beside their data so sessions survive restarts.
    key_file = HOME / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    if not TESTING:
        key_file.write_text(key)
        key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("SPORTELLO_DEBUG", False)
ALLOWED_HOSTS = env_list("SPORTELLO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("SPORTELLO_CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env_str("SPORTELLO_BASE_URL", "http://127.0.0.1:8000")

# --- HTTPS (docs/deploy.md) -----------------------------------------------------------
# All off by default: `make run` serves http://127.0.0.1:8000, where a Secure cookie would
# never come back and HSTS would pin a browser to a scheme the server does not speak.
# `sportello check` warns when SPORTELLO_BASE_URL is https and any of them is still off.
SECURE_COOKIES = env_bool("SPORTELLO_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_HSTS_SECONDS = env_int("SPORTELLO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SPORTELLO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SPORTELLO_HSTS_PRELOAD", False)
# Django's --deploy check asks for preload; asking browsers to preload a domain binds every
# site under it, which is the domain owner's decision, not a support desk's: off, unasked.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_SSL_REDIRECT = env_bool("SPORTELLO_SSL_REDIRECT", False)
# A load balancer's health probe may ask over plain http; it gets its answer, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a proxy that ends TLS, Django sees plain HTTP: the proxy's X-Forwarded-Proto says
# whether the browser used https (without it a signed-in POST fails Django's origin check)
# and X-Forwarded-Host which name it asked for. Trust them only when the proxy sets both
# and nothing else can reach the server.
BEHIND_PROXY = env_bool("SPORTELLO_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
USE_X_FORWARDED_HOST = BEHIND_PROXY
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    # django-ninja's Swagger UI from its own static files, not from a CDN (api.docs).
    "ninja",
    "sportello.core",
    "sportello.accounts",
    "sportello.audit",
    "sportello.customers",
    "sportello.channels",
    "sportello.conversations",
    "sportello.knowledge",
    "sportello.bot",
    "sportello.sla",
    "sportello.ingest",
    "sportello.outbound",
    "sportello.automation",
    "sportello.feedback",
    "sportello.privacy",
    "sportello.insights",
    "sportello.webhooks",
    # Channel providers: each line declares a channel kind (sportello.channels.registry), in
    # the order the kinds are offered.
    "sportello.providers.email",
    "sportello.providers.webchat",
    "sportello.providers.whatsapp",
    "sportello.providers.messenger",
    "sportello.providers.instagram",
    "sportello.providers.telegram",
    "sportello.providers.phone",
    "sportello.providers.sms",
    "sportello.providers.reviews",
    "sportello.providers.api",
    "sportello.api",
    "sportello.web",
    "sportello.portal",
    # Last: wires the apps above together once they are all ready (event handlers).
    "sportello.config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sportello.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sportello.core.middleware.DropNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sportello.audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sportello.web.middleware.AgentLocaleMiddleware",
]

ROOT_URLCONF = "sportello.config.urls"
ASGI_APPLICATION = "sportello.config.asgi.application"
WSGI_APPLICATION = "sportello.config.wsgi.application"

# The agent UI's pages are Jinja2 (sportello/web/jinja2/, docs/adr/0010); the admin's and
# the forms' widgets are Django's own templates.
TEMPLATES = [
    {
        "BACKEND": "sportello.web.jinja.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "sportello.web.jinja.environment",
            "context_processors": ["django.contrib.messages.context_processors.messages"],
            "keep_trailing_newline": True,
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' own: the few admin templates Sportello overrides (translations
        # Django's leave out).
        "DIRS": [PACKAGE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
_database_url = env_str("SPORTELLO_TEST_DATABASE_URL") if TESTING else ""
_database_url = _database_url or env_str("SPORTELLO_DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url, HOME)}
else:
    DATABASES = {"default": sqlite_database(HOME / "sportello.sqlite3")}
if TESTING and DATABASES["default"]["ENGINE"] == "sportello.core.sqlite":
    # Tests run on a database file, in WAL mode with a busy timeout, as deployed: a shared
    # in-memory database has table locks that fail a second writer at once ("database
    # table is locked") where a file's writer waits its turn. One file per test process,
    # in memory-backed /dev/shm when the system has it; tests/conftest.py removes it.
    _test_dir = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    DATABASES["default"]["TEST"] = {"NAME": str(_test_dir / f"sportello-test-{os.getpid()}.db")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["sportello.accounts.backends.AgentBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# API tokens expire: this many days unless their maker asks for fewer, or more up to the
# maximum (accounts.actions.create_token).
TOKEN_LIFETIME_DAYS = env_int("SPORTELLO_TOKEN_LIFETIME_DAYS", 90)
TOKEN_MAX_LIFETIME_DAYS = env_int("SPORTELLO_TOKEN_MAX_LIFETIME_DAYS", 365)

# Sign-ins (accounts.logins): after this many failures without a quiet spell of the window,
# an account or a client address is locked out for LOGIN_LOCKOUT_SECONDS, doubled by each
# further failure up to the maximum. An address gets more tries than an account: an office
# signs in from one address.
LOGIN_FAILURES_PER_ACCOUNT = env_int("SPORTELLO_LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("SPORTELLO_LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("SPORTELLO_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("SPORTELLO_LOGIN_LOCKOUT_SECONDS", 60)
LOGIN_MAX_LOCKOUT_SECONDS = env_int("SPORTELLO_LOGIN_MAX_LOCKOUT_SECONDS", 60 * 60)
# Password-reset emails asked for, per address written to and per client, before the same
# lockouts apply.
PASSWORD_RESETS_PER_ADDRESS = env_int("SPORTELLO_PASSWORD_RESETS_PER_ADDRESS", 5)

# Threads serving requests in each web process (sportello.config.asgi); each keeps one
# database connection.
WEB_THREADS = env_int("SPORTELLO_WEB_THREADS", 2)

# Password checks running at once in a web process; a sign-in beyond them is refused for a
# second (429) rather than queued, so a burst of sign-ins leaves threads for everyone else.
LOGIN_CONCURRENCY = env_int("SPORTELLO_LOGIN_CONCURRENCY", max(1, WEB_THREADS // 2))

# The sidebar's view counts are shared for a few seconds rather than counted on every page.
SIDEBAR_COUNTS_SECONDS = env_int("SPORTELLO_SIDEBAR_COUNTS_SECONDS", 10)
# The agents, teams, channels and tags the pages' menus list are shared as long (web.choices).
CHOICES_SECONDS = env_int("SPORTELLO_CHOICES_SECONDS", 10)

# Sessions are read from the cache, written to both: one query less on every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- background jobs ------------------------------------------------------------------
REDIS_URL = env_str("SPORTELLO_REDIS_URL")
HUEY_WORKERS = env_int("SPORTELLO_WORKERS", 2)
_huey_common = {
    "name": env_str("SPORTELLO_QUEUE_NAME", "sportello"),
    "immediate": TESTING and not env_bool("SPORTELLO_TEST_QUEUE", False),
    "consumer": {"workers": HUEY_WORKERS, "worker_type": "thread"},
}
# One cache per process, or Redis's when it is configured (shared by every process).
CACHES = {
    "default": (
        {
            "BACKEND": "sportello.config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("SPORTELLO_QUEUE_NAME", "sportello"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
if REDIS_URL:
    HUEY = {**_huey_common, "huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY = {
        **_huey_common,
        "huey_class": "sportello.config.queue.SqliteQueue",
        "filename": str(HOME / "queue.sqlite3"),
    }

# --- realtime -------------------------------------------------------------------------
# Channels' layer carries live notifications to the agents' websockets (docs/adr/0019):
# in this process's memory by default, through Redis when several processes serve.
# In memory, a socket's queue holds up to LAYER_CAPACITY messages; past it a group send
# drops them for that socket without a word. Channels' default of 100 is one second of a
# workspace taking 100 chat messages a second: an agent page that fell a second behind
# lost notifications (bench/chat.py, docs/performance.md).
# Through Redis, the publish/subscribe layer: a group send is one PUBLISH that each
# process fans out to its own sockets. Channels' list-based Redis layer spent four round
# trips, a Lua script and one blocking pop per socket on each send, three times the CPU
# of the whole chat message, and buys what a notification does not need (a message kept
# until read: the database is the truth, and a page that missed one catches up).
LAYER_CAPACITY = 2000
REDIS_CHANNEL_LAYER = "channels_redis.pubsub.RedisPubSubChannelLayer"
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": REDIS_CHANNEL_LAYER,
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env_str("SPORTELLO_QUEUE_NAME", "sportello") + ":live",
            },
        }
        if REDIS_URL
        else {
            "BACKEND": "sportello.config.layers.LocalChannelLayer",
            "CONFIG": {"capacity": LAYER_CAPACITY},
        }
    )
}

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = env_str("SPORTELLO_LANGUAGE", "it")
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("SPORTELLO_TIME_ZONE", "Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files are served from the installed package by WhiteNoise (no collectstatic step).
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = HOME / "media"
WHITENOISE_USE_FINDERS = True

# An API body may carry a 1 MB text plus HTML and headers; bigger bodies are refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SPORTELLO_MAX_REQUEST_BYTES", 5 * 1024 * 1024)
MAX_MESSAGE_TEXT_CHARS = 1_000_000
# Files an agent attaches to a reply or a note (the web's multipart form; the API's base64
# body is bounded by SPORTELLO_MAX_REQUEST_BYTES as well). 20 MB together fits what most
# mail servers accept once base64 has grown it by a third.
ATTACHMENT_MAX_FILE_BYTES = env_int("SPORTELLO_ATTACHMENT_MAX_FILE_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_REPLY_BYTES = env_int("SPORTELLO_ATTACHMENT_MAX_REPLY_BYTES", 20 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env_int("SPORTELLO_ATTACHMENT_MAX_FILES", 10)

# --- first run ------------------------------------------------------------------------
ADMIN_EMAIL = env_str("SPORTELLO_ADMIN_EMAIL")
ADMIN_PASSWORD = env_str("SPORTELLO_ADMIN_PASSWORD")
DEFAULT_WORKSPACE_NAME = env_str("SPORTELLO_WORKSPACE_NAME", "Sportello")
DEFAULT_PHONE_REGION = env_str("SPORTELLO_PHONE_REGION", "IT")

# --- email channel ---------------------------------------------------------------------
LMTP_PORT = env_optional_int("SPORTELLO_LMTP_PORT")
LMTP_HOST = env_str("SPORTELLO_LMTP_HOST", "127.0.0.1")
MAX_EMAIL_BYTES = env_int("SPORTELLO_MAX_EMAIL_BYTES", 25 * 1024 * 1024)
# Watch IMAP mailboxes with IDLE in `sportello run` (the minute's poll runs regardless).
IMAP_IDLE = env_bool("SPORTELLO_IMAP_IDLE", True)

# --- outbound webhooks ----------------------------------------------------------------
# Outbound webhooks (docs/architecture/webhooks.md) go to https on public addresses only;
# a self-hosted installation posting to a service on its own network (n8n, a shop) allows
# loopback and private addresses, and plain http to them.
WEBHOOKS_ALLOW_PRIVATE = env_bool("SPORTELLO_WEBHOOKS_ALLOW_PRIVATE", False)

# --- mail the installation sends itself (password resets) ------------------------------
# Channels send customers' mail through their own accounts; this is the installation's.
EMAIL_HOST = env_str("SPORTELLO_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("SPORTELLO_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("SPORTELLO_SMTP_USER")
EMAIL_HOST_PASSWORD = env_str("SPORTELLO_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("SPORTELLO_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("SPORTELLO_FROM_EMAIL", "sportello@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SPORTELLO_LOG_LEVEL", "INFO")},
    # aiosmtpd logs every SMTP command at INFO, customer addresses included; httpx logs
    # every request's URL at INFO, and Telegram's Bot API has the bot token in its path.
    "loggers": {
        "huey": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}
