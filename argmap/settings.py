"""Settings for Argmap, read from the environment.

Development: DJANGO_DEBUG=1 and nothing else is needed (SQLite under var/).
Production: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL; a fleet adds REDIS_URL.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from argmap.lib.database import MARGIN, bounded_connection_class, server_options

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = "development-only-insecure-key"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "argmap.core",
    "argmap.ratelimit",
    "argmap.debates",
    "argmap.annotations",
    "argmap.evaluation",
    "argmap.pages",
    "argmap.accounts",
    "argmap.api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "csp",
    # The read API's docs page (/api/v1/docs): ninja's own templates and its Swagger UI,
    # served from our static files (ninja falls back to a CDN when it is not installed).
    "ninja",
]

AUTH_USER_MODEL = "accounts.User"
# Django's own backend, with every password check counted by argmap.ratelimit.
AUTHENTICATION_BACKENDS = ["argmap.accounts.backends.RateLimitedModelBackend"]

MIDDLEWARE = [
    # Outermost: work a request starts in a thread begins once its response is built.
    "argmap.lib.after_response.AfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "argmap.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "argmap.lib.htmx.HtmxResponseMiddleware",
    "argmap.ratelimit.middleware.RateLimitMiddleware",
    "argmap.core.middleware.RowGoneMiddleware",
]

ROOT_URLCONF = "argmap.urls"
# The read API (argmap.api) lives under this path; every error there is JSON (lib.problems).
API_PATH = "/api/"
WSGI_APPLICATION = "argmap.wsgi.application"

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
                "csp.context_processors.nonce",
                "argmap.core.context_processors.navigation",
                "argmap.core.context_processors.canonical",
                "argmap.accounts.context_processors.notifications",
            ],
            # Tags every template uses, so no template has to load them.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]


def database_from_env():
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        (BASE_DIR / "var").mkdir(exist_ok=True)
        url = f"sqlite:///{BASE_DIR / 'var' / 'argmap.sqlite3'}"
    try:
        config = dj_database_url.parse(url)
    except Exception as error:  # dj-database-url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is malformed ({error}).") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured("DATABASE_URL names an unsupported database scheme.")
    if config["ENGINE"] == "django.db.backends.postgresql":
        # psycopg's pool replaces persistent connections; the two cannot be combined.
        config["CONN_MAX_AGE"] = 0
        options = config.setdefault("OPTIONS", {})
        # During an outage a request waits at most `timeout` for a connection, then gets the
        # 503 page (argmap.core.views.server_error): well inside 2 s, not gunicorn's 30 s.
        # Connections are checked as they leave the pool, so after a restart no request
        # gets a dead one; a failed reconnection gives up after `reconnect_timeout` and the
        # next request starts a fresh one, so the app recovers within seconds by itself.
        options["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "8")),
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "1")),
            "reconnect_timeout": float(os.environ.get("DATABASE_RECONNECT_TIMEOUT", "5")),
        }
        # Django then passes check=ConnectionPool.check_connection to the pool.
        config["CONN_HEALTH_CHECKS"] = True
        options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "2")))
        # Every query of a request is bounded (argmap.lib.database): PostgreSQL cancels one
        # that runs longer than DATABASE_STATEMENT_TIMEOUT or waits for a lock longer than
        # DATABASE_LOCK_TIMEOUT (seconds; 0 for none), and the client gives up a little
        # later on a server that does not answer at all. Each answers the 503 page.
        statement_timeout = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "5"))
        lock_timeout = float(os.environ.get("DATABASE_LOCK_TIMEOUT", "3"))
        options["options"] = server_options(
            statement_timeout, lock_timeout, options.get("options", "")
        )
        options["pool"]["connection_class"] = bounded_connection_class(
            statement_timeout + MARGIN if statement_timeout else None
        )
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # Tests use a file, not shared-cache memory: there concurrent writers fail at once
        # ("table is locked") instead of waiting their turn as they do in production.
        (BASE_DIR / "var").mkdir(exist_ok=True)
        config["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-argmap.sqlite3")}
        # Keep connections: a fresh SQLite connection re-reads the schema on its first query.
        config["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "600"))
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day

# Mail, for password reset links. With EMAIL_HOST set, mail goes out by SMTP (EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL); without it, the
# console backend writes each message to the log (development). Tests use Django's outbox.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", not env_flag("EMAIL_USE_SSL"))
    EMAIL_USE_SSL = env_flag("EMAIL_USE_SSL")
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Argmap <argmap@localhost>")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Tests and `runserver` use finders; only collectstatic output is hashed and compressed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

SESSION_COOKIE_HTTPONLY = True
# htmx reads no cookie: a logged-in page's own token travels in <body hx-headers> (base.html);
# pages for visitors without a session carry none (argmap.debates.fragments, point 6).
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# No inline script and no other origin; htmx is configured through a <meta> tag.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}


def env_limit(name, default):
    """A rate limit, (requests, seconds), overridable as ARGMAP_<NAME>_LIMIT=requests/seconds."""
    value = os.environ.get(f"ARGMAP_{name}_LIMIT", default)
    try:
        limit, _, window = value.partition("/")
        return int(limit), int(window or default.split("/")[1])
    except ValueError:
        raise ImproperlyConfigured(f"ARGMAP_{name}_LIMIT must be requests/seconds.") from None


# Rate limits (argmap.ratelimit): action -> (requests, seconds), per user when logged in,
# else per client address. Log-in limits count wrong passwords only (a right one is given
# back), per account and, higher, per address, so a classroom behind one address still logs in.
RATE_LIMITS = {
    "annotate": env_limit("ANNOTATE", "20/60"),
    "propose": env_limit("PROPOSE", "20/60"),
    "vote": env_limit("VOTE", "60/60"),
    "edit": env_limit("EDIT", "20/60"),
    "flag": env_limit("FLAG", "10/60"),
    "signup": env_limit("SIGNUP", "10/600"),
    "login-account": env_limit("LOGIN", "10/300"),
    "login-address": env_limit("LOGIN_ADDRESS", "50/300"),
    "password-reset": env_limit("PASSWORD_RESET", "5/3600"),
    # The read API (argmap.api), per client address, every request counted.
    "api": env_limit("API", "600/60"),
}

# Pending proposals one reader may have on one map (annotations.models.Proposal.submit).
PROPOSAL_LIMIT = int(os.environ.get("ARGMAP_PROPOSAL_LIMIT", "10"))

# Strengths (argmap.evaluation.strengths) found stale are recomputed in a thread, off the
# request; "0" recomputes on the request instead (the tests, which run in one transaction).
ARGMAP_STRENGTHS_IN_BACKGROUND = env_flag("ARGMAP_STRENGTHS_IN_BACKGROUND", default=True)

TRUST_X_FORWARDED_FOR = env_flag("DJANGO_TRUST_X_FORWARDED_FOR")


def redis_from_env() -> str:
    """REDIS_URL, checked at start-up: a fleet's shared cache, or "" for none."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        database = parts.path.strip("/") if parts.scheme != "unix" else ""
        valid = parts.scheme in {"redis", "rediss", "unix"} and (parts.hostname or parts.path)
        _ = parts.port  # a port that is not a number raises here
        if not valid or (database and not database.isdigit()):
            raise ValueError("expected redis://host:port/db, rediss://… or unix:///path")
    except ValueError as error:
        raise ImproperlyConfigured(f"REDIS_URL is malformed ({error}).") from None
    return url


REDIS_URL = redis_from_env()
# What the caches' keys in Redis begin with: two sites (or test processes) sharing one Redis
# give each its own, and a cache's clear() deletes only its own keys (argmap.core.cache).
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "").strip() or "argmap"


def caches_for(redis_url: str, key_prefix: str = CACHE_KEY_PREFIX) -> dict:
    """The caches: with redis_url, in that Redis, shared by every app process and server."""

    def shared(name: str, backend: str) -> dict:
        return {
            "BACKEND": backend,
            "LOCATION": redis_url,
            "KEY_PREFIX": f"{key_prefix}-{name}",
            # A Redis that does not answer costs one request half a second, once: then the
            # process stops asking it for a while (argmap.lib.breaker).
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }

    def per_process(location: str, max_entries: int = 300) -> dict:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": location,
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }

    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "argmap_cache",
        },
        # Rendered map fragments and pages, and small exports, keyed by their map's structure token
        # (argmap.debates.fragments), so no server ever serves a stale one. Without REDIS_URL
        # each process keeps its own; with it, the whole fleet shares one, so each key renders
        # once per change.
        # An outage of Redis costs renders, not errors (argmap.core.cache).
        "fragments": shared("fragments", "argmap.core.cache.SharedCache")
        if redis_url
        else per_process("argmap-fragments", 5000),
        # Tree rows' cards, keyed by a digest of what each shows (fragments, point 10): small
        # and many, so kept apart, where they never push a whole page out of the cache.
        "rows": shared("rows", "argmap.core.cache.SharedCache")
        if redis_url
        else per_process("argmap-rows", 20000),
        # A map's computed strengths (argmap.evaluation.strengths): re-checked against the
        # votes every few seconds, so shared by the fleet in Redis without near copies; per
        # process without it.
        "strengths": shared("strengths", "argmap.core.cache.GuardedRedisCache")
        if redis_url
        else per_process("strengths"),
    }
    return caches


CACHES = caches_for(REDIS_URL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
