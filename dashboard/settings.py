"""Settings: every value comes from the environment (see .env.example), with safe defaults."""

import base64
import binascii
import ipaddress
from pathlib import Path
from urllib.parse import urlparse

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The key encrypts the Quay tokens kept in sessions and signs form snapshots: the default is
# public, so it is only accepted while QUAY_URL is a loopback address (the demo, the tests).
DEFAULT_SECRET_KEY = "insecure-dev-key-change-me-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "template_partials",
    "dashboard.accounts",
    "dashboard.mirrors",
    "dashboard.watch",
    "dashboard.emulator",
]

MIDDLEWARE = [
    "dashboard.probes.RequestMetricsMiddleware",
    # /healthz, /readyz, /metrics: answered before the host check and the HTTPS redirect.
    "dashboard.probes.ProbesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "dashboard.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Reads the submission before any view (and the CSRF check): too large says so, not "400".
    "dashboard.request_limits.RequestLimitsMiddleware",
    "dashboard.accounts.middleware.TimezoneMiddleware",
    "dashboard.accounts.middleware.QuayAuthMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.accounts.context_processors.quay",
                "dashboard.mirrors.context_processors.live_status",
            ],
        },
    },
]

# SQLite by default; postgres://user:password@host:5432/name for several instances (psycopg 3).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The dashboard and its watcher (another process) write to the file at once: a write
    # takes the lock when its transaction begins, and waits for it instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", timeout=20, init_command="PRAGMA journal_mode=WAL;"
    )
else:
    # Each server thread keeps its connection for a while (checked before reuse).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer fails a request in this many seconds (a page that says
    # so, 503), instead of holding its thread.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LOGIN_URL = "accounts:login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
# Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto/Host, so that the
# OAuth callback URL sent to Quay is the public https:// one.
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True


def networks(name: str) -> list[str]:
    """A comma-separated list of networks (``10.0.0.0/8``, ``192.0.2.7``, ``fd00::/8``) from
    the environment; a value that is not one stops the start with the variable's name."""
    entries = [entry.strip() for entry in env.list(name, default=[]) if entry.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not a network or an address (e.g. 10.0.0.0/8, "
                "192.0.2.7, fd00::/8)."
            ) from None
    return entries


# The proxies whose X-Forwarded-For is believed: a request from one of these networks comes
# from the address the proxy added, any other from its peer (dashboard/http.py). Empty with
# DJANGO_BEHIND_PROXY: loopback and private networks (never a public address).
TRUSTED_PROXY_NETWORKS = networks("TRUSTED_PROXY_NETWORKS")
# A refused form (a page opened before signing in again) says so and keeps what it can.
CSRF_FAILURE_VIEW = "dashboard.accounts.csrf.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Behind HTTPS (secure cookies): browsers are told to use nothing else (HSTS), and plain HTTP
# is redirected (not the probes: they are answered before, see dashboard/probes.py).
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365 if SESSION_COOKIE_SECURE else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
# Asking browsers to preload HSTS is the operator's commitment to make, not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Quay ---------------------------------------------------------------------------------
# Where Quay lives; the default is the built-in emulator (`make run` starts both).
QUAY_URL = env.str("QUAY_URL", default="http://127.0.0.1:8480").rstrip("/")
# The OAuth application registered in Quay (Organization -> Applications).
QUAY_CLIENT_ID = env.str("QUAY_CLIENT_ID", default="mirror-dashboard-demo")
QUAY_CLIENT_SECRET = env.str("QUAY_CLIENT_SECRET", default="mirror-dashboard-demo-secret")
# Scopes asked for at sign-in; each one is used by a feature (see docs/using.md).
QUAY_OAUTH_SCOPES = env.list(
    "QUAY_OAUTH_SCOPES", default=["repo:read", "repo:admin", "org:admin", "user:read"]
)
# Sign-in throttling, shared by every instance through the cache (accounts/throttle.py):
# failed attempts a client may make a window (then refused before Quay is asked), and
# sign-ins of one account a window.
SIGNIN_THROTTLE_SECONDS = env.int("SIGNIN_THROTTLE_SECONDS", default=300)
SIGNIN_FAILURES_PER_CLIENT = env.int("SIGNIN_FAILURES_PER_CLIENT", default=10)
SIGNIN_PER_ACCOUNT = env.int("SIGNIN_PER_ACCOUNT", default=30)
# Offer "sign in with an access token" for people Quay does not let authorize the app.
QUAY_ALLOW_TOKEN_SIGNIN = env.bool("QUAY_ALLOW_TOKEN_SIGNIN", default=True)
# A CA bundle (PEM file) to trust for a Quay with a private CA. TLS is always verified.
QUAY_CA_BUNDLE = env.str("QUAY_CA_BUNDLE", default="") or None


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.0/8, ``localhost``, ``::1``)."""
    host = (urlparse(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_host(host: str) -> bool:
    """Whether an ``ALLOWED_HOSTS`` entry names only this machine (``*``, ``.x`` do not)."""
    name = host.lower().strip("[]")
    if name == "localhost" or (name.endswith(".localhost") and not name.startswith(".")):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


#: The dashboard answers host names other than this machine's (it is reachable from others).
EXPOSED = not all(is_loopback_host(host) for host in ALLOWED_HOSTS)

#: Keys anyone can read: the built-in one, the placeholders of .env.example and the docs.
PUBLIC_SECRET_KEYS = frozenset(
    {
        DEFAULT_SECRET_KEY,
        "change-me-to-a-long-random-string",
        "<50+ random characters>",
        "<50+ random characters, the same on every replica>",
    }
)
#: How to make a good key (said wherever one is refused).
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def weak_secret_key(key: str) -> str:
    """Why ``key`` would let others forge sessions or open the stored tokens ("" when it is
    fine): a public key, or one too short or too simple (Django's own bar: 50 characters, 5
    different ones, no ``django-insecure-`` prefix)."""
    if key == DEFAULT_SECRET_KEY:
        return "DJANGO_SECRET_KEY is not set (the built-in key is public)"
    if key in PUBLIC_SECRET_KEYS:
        return "DJANGO_SECRET_KEY is a placeholder from the examples, which anyone can read"
    if key.startswith("django-insecure-"):
        return "DJANGO_SECRET_KEY is one Django made for development (django-insecure-…)"
    if len(key) < 50 or len(set(key)) < 5:
        size, different = len(key), len(set(key))
        return (
            f"DJANGO_SECRET_KEY is too short or too simple ({size} character"
            f"{'' if size == 1 else 's'}, {different} different; it needs at least 50, and "
            "5 different), so it can be guessed"
        )
    return ""


def exposure() -> str:
    """Why this dashboard is reachable by others ("" when it is not): it answers host names
    that are not this machine's (unless in debug), or it signs in to a Quay elsewhere."""
    if not all(is_loopback_host(host) for host in ALLOWED_HOSTS) and not DEBUG:
        return (
            "the dashboard answers host names that are not this machine's "
            f"(DJANGO_ALLOWED_HOSTS={','.join(ALLOWED_HOSTS)})"
        )
    if not is_loopback_url(QUAY_URL):
        return f"QUAY_URL ({QUAY_URL}) is not on this machine"
    return ""


if (weak := weak_secret_key(SECRET_KEY)) and (exposed := exposure()):
    raise ImproperlyConfigured(
        f"{weak}, and {exposed}. The key signs sessions and encrypts the Quay tokens kept in "
        "them: with this one anyone could forge a session or decrypt a token. Set "
        "DJANGO_SECRET_KEY to a long random string (50 characters or more), e.g. the output "
        f"of: {MAKE_A_KEY}"
    )
# --- the watcher (dashboard/watch) ----------------------------------------------------------
# How often each watched namespace is polled (one mirror-health call, one log page, and the
# few reads what changed needs).
WATCH_INTERVAL_SECONDS = env.int("WATCH_INTERVAL_SECONDS", default=60)
# Calls to Quay a minute the watcher may make in all (the first indexing of a namespace, the
# slow sweep that reads every config again, and what changes need share it; sized for a
# small Quay, which serves ~400 a minute to everybody).
WATCH_CALLS_PER_MINUTE = env.int("WATCH_CALLS_PER_MINUTE", default=120)
# How long a mirror's config is trusted before the watcher reads it again (a change made in
# Quay shows in its log at once; this sweep catches anything the log did not say), and the
# calls a minute the sweep may make at most (its share stays flat however many mirrors).
WATCH_SWEEP_SECONDS = env.int("WATCH_SWEEP_SECONDS", default=3600)
WATCH_SWEEP_CALLS_PER_MINUTE = env.int("WATCH_SWEEP_CALLS_PER_MINUTE", default=12)
# How often a watched namespace's repository listing is read again (new, removed, disabled
# and not yet configured mirrors).
WATCH_LISTING_SECONDS = env.int("WATCH_LISTING_SECONDS", default=300)
# How long a poll holds its namespace: a poll lost with a dying worker is enqueued again once
# this has passed (0: twice the interval, at least two minutes).
WATCH_LEASE_SECONDS = env.int("WATCH_LEASE_SECONDS", default=0)
# How long the overview of a watched namespace shares one mirror-health answer among all who
# look (each visit is fresher than the index at a cost that does not grow with viewers).
WATCH_SHARED_HEALTH_SECONDS = env.float("WATCH_SHARED_HEALTH_SECONDS", default=10.0)
# How often a broken enrolment (Quay refused its token) is tried again.
WATCH_BROKEN_RETRY_SECONDS = env.int("WATCH_BROKEN_RETRY_SECONDS", default=600)
# The first poll of a namespace reads its log back this many days for the failures view, at
# most this many pages of 20 entries (older failures are said not to be known).
WATCH_BACKFILL_DAYS = env.int("WATCH_BACKFILL_DAYS", default=7)
WATCH_BACKFILL_LOG_PAGES = env.int("WATCH_BACKFILL_LOG_PAGES", default=10)
# The keys that seal the watch tokens (Fernet keys, the first seals, all open: see
# dashboard/watch/keys.py). Without them a development key is derived from the secret key,
# and enrolling is refused where the dashboard is exposed.
WATCH_TOKEN_KEYS = env.list("WATCH_TOKEN_KEYS", default=[])


def weak_watch_key(key: str) -> str:
    """Why ``key`` cannot seal watch tokens safely ("" when it can): not a Fernet key (32
    bytes in URL-safe base64), or bytes too alike to be random (a made-up key)."""
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        return "is not a key (32 random bytes in URL-safe base64)"
    if len(set(raw)) < 16:
        return "is too simple to be random (made up, not made)"
    return ""


for _number, _key in enumerate(WATCH_TOKEN_KEYS, 1):
    # A key that is no key would fail at the first token sealed: refused everywhere. One too
    # simple is refused where the dashboard is exposed, as a weak DJANGO_SECRET_KEY is.
    if (_weak := weak_watch_key(_key)) and (_weak.startswith("is not") or exposure()):
        raise ImproperlyConfigured(
            f"WATCH_TOKEN_KEYS' key number {_number} {_weak}. The keys seal the tokens the "
            "watcher reads Quay with: make each with: python manage.py watch new-key"
        )
# The watcher's task queue (Huey, dashboard/watch/tasks.py): a SQLite file by default (no
# server needed: scripts/run), or Redis (WATCH_QUEUE_URL=redis://host:6379/1) where several
# instances share it. Its processes: `manage.py watch worker` (as many as wanted) and one
# `manage.py watch scheduler`; `manage.py watch run` is both in one (scripts/run).
WATCH_QUEUE_URL = env.str("WATCH_QUEUE_URL", default="")
WATCH_QUEUE_FILE = env.str("WATCH_QUEUE_FILE", default=str(BASE_DIR / "watch-queue.sqlite3"))
WATCH_WORKERS = env.int("WATCH_WORKERS", default=2)
# Alerts (dashboard/watch/alerts): the address people open the dashboard at, for the links in
# alert messages; and the seconds between the tries of a delivery that failed (then it is
# given up, and the rule's page says so).
DASHBOARD_URL = env.str("DASHBOARD_URL", default="http://127.0.0.1:8000").rstrip("/")
ALERT_RETRY_SECONDS = env.list("ALERT_RETRY_SECONDS", cast=int, default=[30, 120, 600, 1800, 3600])
# The dashboard's own mail, an Apprise mailto:// or mailtos:// URL without recipient (e.g.
# mailtos://user:password@smtp.example.com?from=mirrors@example.com): tells a rule's owner that
# its channel fails. Empty: nobody is told by mail (the rules page says it all the same).
ALERT_MAIL_URL = env.str("ALERT_MAIL_URL", default="")
# Whether a rule's channel may be on a loopback, private or link-local address. Off where the
# dashboard is exposed: a namespace's admin may not aim the watcher at the networks it stands
# in (an internal webhook: turn it on).
ALERT_PRIVATE_CHANNELS = env.bool("ALERT_PRIVATE_CHANNELS", default=not EXPOSED)
HUEY = {
    "name": "mirror-dashboard-watch",
    "huey_class": "huey.RedisHuey" if WATCH_QUEUE_URL else "huey.SqliteHuey",
    "immediate": False,
    "results": False,
    "connection": {"url": WATCH_QUEUE_URL} if WATCH_QUEUE_URL else {"filename": WATCH_QUEUE_FILE},
}

# What pages may load and run (django-csp): only this site's own files, no inline script or
# style, no eval; forms post here, or to Quay (the OAuth sign-in's redirect goes there)...
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        # and Quay's origin, added by dashboard/security_headers.py from QUAY_URL.
        "form-action": [SELF],
    }
}
# Seconds to wait for Quay on any call (connect and read).
QUAY_TIMEOUT = env.float("QUAY_TIMEOUT", default=10.0)
# Upstream calls a single page may have in flight at once.
QUAY_MAX_PARALLEL = env.int("QUAY_MAX_PARALLEL", default=24)
# Calls to Quay this process has in flight at once, for everyone together: Quay's capacity is
# shared (a small Quay serves ~8 calls/s). Waiting for a free one counts against QUAY_TIMEOUT.
QUAY_MAX_INFLIGHT = env.int("QUAY_MAX_INFLIGHT", default=8)
# Proxies for the calls to Quay's API (the environment's HTTPS_PROXY etc. are not read).
QUAY_HTTPS_PROXY = env.str("QUAY_HTTPS_PROXY", default="") or None
QUAY_HTTP_PROXY = env.str("QUAY_HTTP_PROXY", default="") or None
# Seconds between two polls of a live status (a repository page's panel, an overview row)
# while its tab is visible.
STATUS_POLL_SECONDS = env.int("STATUS_POLL_SECONDS", default=2)
# Seconds between two looks of a mirror's live status when nothing runs or is due, while its
# tab is visible (a look costs one config read; an organization's reads its repository list
# too only when its config changed).
STATUS_SLOW_POLL_SECONDS = env.int("STATUS_SLOW_POLL_SECONDS", default=60)
# The overview tab's one refresh of its active rows: every this many seconds while its tab is
# visible, twice as long after each refresh that changed nothing, up to the max.
OVERVIEW_REFRESH_SECONDS = env.int("OVERVIEW_REFRESH_SECONDS", default=5)
OVERVIEW_REFRESH_MAX_SECONDS = env.int("OVERVIEW_REFRESH_MAX_SECONDS", default=30)
# ...and however many namespaces have active rows (one call each), a tab's refreshes ask Quay
# at most this many times a minute: the shortest interval grows with them (0: no limit).
OVERVIEW_REFRESH_CALLS_PER_MINUTE = env.int("OVERVIEW_REFRESH_CALLS_PER_MINUTE", default=24)
# A batch of overview rows' details answers within this many seconds: a row whose call to
# Quay is still running then says so and is asked again.
OVERVIEW_DETAILS_WAIT_SECONDS = env.float("OVERVIEW_DETAILS_WAIT_SECONDS", default=4.0)
# The overview starts the calls it is about to need (the listings while the first paint is
# drawn, the first rows' details while the listing is) so Quay works while pages travel.
OVERVIEW_PREFETCH = env.bool("OVERVIEW_PREFETCH", default=True)
# Seconds the overview takes who a person is and their organizations from the last
# GET /user/ (at sign-in, or an overview's) instead of asking Quay at every visit; 0: always ask.
OVERVIEW_PERSON_SECONDS = env.float("OVERVIEW_PERSON_SECONDS", default=60.0)
# Rows the overview draws with the page; the others come with its listing, a moment later.
OVERVIEW_FIRST_ROWS = env.int("OVERVIEW_FIRST_ROWS", default=100)
# Rows' HTML each process keeps, drawn once for everyone a row is the same for
# (overview/drawn.py; ~2 KB a row); 0: draw every row for every page.
OVERVIEW_ROW_CACHE_ROWS = env.int("OVERVIEW_ROW_CACHE_ROWS", default=10000)
# An audit entry is written before its call to Quay and completed after. One still pending
# after this long was left by an instance (or database) that went away mid-call: it is settled
# from the config Quay holds by the next reader (operations/settle.py).
AUDIT_PENDING_SECONDS = env.int("AUDIT_PENDING_SECONDS", default=120)
# Seconds a person's answers from Quay are reused (several tabs, the page after a save); 0: off.
QUAY_READ_CACHE_SECONDS = env.float("QUAY_READ_CACHE_SECONDS", default=5.0)
# Where that cache lives: local memory by default; e.g. redis://127.0.0.1:6379/1 to share it
# between dashboard processes.
CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default="locmemcache://mirror-dashboard?MAX_ENTRIES=50000"
    )
}
# Redis is only a cache: while it does not answer (stopped, unreachable, frozen) the pages go
# without it (dashboard/cache_backend.py). A call waits this long at most, and after a failure
# no call is sent for this many seconds (then one tries again).
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.25)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "dashboard.cache_backend.DegradingRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=CACHE_TIMEOUT_SECONDS, socket_timeout=CACHE_TIMEOUT_SECONDS
    )

# /readyz: whether Quay not answering makes the instance not ready (503). Off (the default),
# Quay's check is still reported but only the database and the cache decide, and people see
# the dashboard's own "Quay cannot be reached" (see docs/deploying.md).
READYZ_REQUIRES_QUAY = env.bool("READYZ_REQUIRES_QUAY", default=False)
# /readyz asks Quay at most once every this many seconds per process, however many probes
# come (the others share the last answer).
READYZ_QUAY_SECONDS = env.float("READYZ_QUAY_SECONDS", default=10.0)

# /metrics (Prometheus): off unless a bearer token or the scrapers' networks are set (both:
# both are required). The networks are matched against the client's address (as a trusted
# proxy reports it). Whoever may read /metrics also sees what /healthz and /readyz checked.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = networks("METRICS_ALLOWED_NETWORKS")
# /metrics says each watched mirror's status, last success and retries (dashboard/watch/
# metrics.py) for at most this many mirrors, failing and stuck first; past it the others are
# left out (a gauge says how many) and only the counts by namespace and status cover them.
METRICS_MAX_MIRRORS = env.int("METRICS_MAX_MIRRORS", default=5000)

# Sessions (the encrypted Quay token, kept forms, the OAuth state) are in the database, read
# through the cache when the cache is shared (Redis): every instance sees the same sessions. A
# process-local cache would hand one instance a stale copy of a session another one changed.
CACHE_IS_SHARED = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_IS_SHARED
    else "django.contrib.sessions.backends.db"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Control characters that came with a request are written escaped: no forged lines.
    "formatters": {"escaped": {"()": "dashboard.serving.log_escape.EscapingFormatter"}},
    # No secret in any line: Bearer values, token-like values and shapes are scrubbed.
    "filters": {"secrets": {"()": "dashboard.serving.log_scrub.ScrubSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "escaped",
            "filters": ["secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "urllib3": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
        # Django's own handlers (debug console, runserver's request lines) would write before
        # the scrubbing one: its records go to it alone.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
