"""Settings shared by every environment, read from the environment with django-environ.

With nothing set the project runs on its embedded defaults: SQLite under `var/` and kombu's filesystem
transport as the Celery broker, so the demo needs no server. `DATABASE_URL` and `CELERY_BROKER_URL`
switch the same code to PostgreSQL and Redis.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

# Lets admin/DRF generics be subscripted at run time (ModelAdmin[Article]) as the type stubs describe.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("FACTCHECK_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "reviews.desk_apps.DeskAdminConfig",  # django.contrib.admin, with the desk as its site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    # Before drf_spectacular: its Redoc page template is overridden (reviews/templates/drf_spectacular/).
    "reviews",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
]

MIDDLEWARE = [
    # X-Request-ID in and out, and on every log line of the request and of the tasks it sends.
    "factcheck.request_id.RequestIdMiddleware",
    # GET /healthz for container and load-balancer probes, before the host check and HTTPS redirect.
    "factcheck.middleware.HealthCheckMiddleware",
    # GET /metrics for Prometheus (operators only), answered here for the same reason; times the rest.
    "factcheck.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Admin requests with input Django's admin would hand to the database unchecked (a NUL character in a
    # filter, a selected row that is no primary key) get a 400 before the view runs.
    "factcheck.middleware.AdminInputMiddleware",
    # Last, as django-axes requires: it turns a locked-out login attempt into the lock-out response.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username+address before any password is checked. DRF's token
# authentication does not go through these backends (a token is not a password), so it is unaffected.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides of other apps' templates (the admin's base_site.html).
        "DIRS": [BASE_DIR / "factcheck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def postgres_session(database: dict[str, Any]) -> None:
    """PostgreSQL settings for each connection.

    Full-text search (reviews/selectors_search.py) keeps the first matches a scan finds; with
    synchronized scans a sequential scan of a big table starts where the last one stopped, so the same
    search found different rows on every request (and page 2 came from another set).
    Parallel workers (DATABASE_PARALLEL_WORKERS, default none): the app's reads stop at a page or at
    a search's cap, and on a small host the workers' start and the gather cost more than they save
    (docs/benchmarks.md, search); PostgreSQL's own default is 2.
    """
    workers = env.int("DATABASE_PARALLEL_WORKERS", default=0)
    session = f"-c synchronize_seqscans=off -c max_parallel_workers_per_gather={workers}"
    options = database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} {session}".strip()


DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs a web server and a worker process on one SQLite file: WAL lets them read while the
    # other writes, and the busy timeout turns brief lock contention into a wait instead of an error.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    postgres_session(DATABASES["default"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Export files (reviews/services/exports.py) go to their own storage, never served as static or media
# files: only the API's and the desk's download views read them, after checking who asks. Any Django
# storage works here (an S3 backend, say); the default is a local folder.
FACTCHECK_EXPORTS_DIR = env.str("FACTCHECK_EXPORTS_DIR", default=str(VAR_DIR / "exports"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": FACTCHECK_EXPORTS_DIR, "base_url": None},
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reviews:queue"
LOGOUT_REDIRECT_URL = "login"

# Console logs, every line with the request id (factcheck/request_id.py): "text" for people, "json" (one
# object per line, python-json-logger) for log shippers; production defaults to json. Celery's worker and
# beat use the same format and filter (factcheck/log_format.py).
FACTCHECK_LOG_FORMAT = env.str("FACTCHECK_LOG_FORMAT", default="text")
LOG_FORMATS = ("text", "json")
if FACTCHECK_LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(
        f"FACTCHECK_LOG_FORMAT must be one of {LOG_FORMATS}, not {FACTCHECK_LOG_FORMAT!r}."
    )
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "factcheck.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            # These record attributes, anything passed with `extra=`, a traceback as `exc_info`, and
            # `time` (ISO 8601, UTC).
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": FACTCHECK_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Django REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token scheme, refusing keys no token can have without a query (reviews.api.authentication).
        "reviews.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Strict numbered pages (a bad page or page size is a 400); the verdict feeds use keyset cursors.
    "DEFAULT_PAGINATION_CLASS": "reviews.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    # Adds the error responses each operation can give (JSON of reviews.api.errors) to the schema.
    "DEFAULT_SCHEMA_CLASS": "reviews.api.schema.ApiSchema",
    # DRF's, with the JSON renderer that keeps bidirectional controls out of every answer.
    "DEFAULT_RENDERER_CLASSES": [
        "reviews.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "reviews.api.errors.exception_handler",
    # DRF's parsers, with JSON nested too deeply for Python a 400 (reviews.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "reviews.api.parsers.JSONParser",
        "reviews.api.parsers.FormParser",
        "reviews.api.parsers.MultiPartParser",
    ],
    # Per account (a user has one token) and, anonymously, per client address: DRF's throttles on the
    # default cache, letting requests through while it is down (reviews.api.throttling). Set CACHE_URL
    # to Redis so every worker shares the counters.
    "DEFAULT_THROTTLE_CLASSES": [
        "reviews.api.throttling.AnonThrottle",
        "reviews.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("FACTCHECK_THROTTLE_ANON", default="60/minute"),
        "user": env.str("FACTCHECK_THROTTLE_USER", default="600/minute"),
    },
    # Proxies in front of the app that append to X-Forwarded-For; 0 trusts only REMOTE_ADDR, so an
    # anonymous client cannot pick its own throttling identity with a forged header.
    "NUM_PROXIES": env.int("FACTCHECK_API_NUM_PROXIES", default=0),
}
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that stops answering (not only one that refuses connections) must not hold requests: the
    # API's rate limits and published reads fail open after this long (reviews/cache_outage.py).
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 1)
# The cache of rendered published verdicts and feed pages (reviews/published_cache.py). On by default
# only with a cache every process shares: a per-process cache could not be invalidated everywhere.
FACTCHECK_PUBLISHED_CACHE = env.bool(
    "FACTCHECK_PUBLISHED_CACHE", default="LocMemCache" not in CACHES["default"]["BACKEND"]
)
# The longest an entry is kept; changes delete or outdate entries at once (and the reconcile sweep repairs
# a lost invalidation within a minute), this is the last bound.
FACTCHECK_PUBLISHED_CACHE_SECONDS = env.int("FACTCHECK_PUBLISHED_CACHE_SECONDS", default=6 * 60 * 60)

SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": (
        "Articles, check-worthy claims, review tasks and published verdicts.\n\n"
        "Reads are open: anonymous callers and API consumers see published verdicts and the claims and "
        "articles they belong to; editors (token of an account in the Editors group) see all work. "
        "Send `Authorization: Token <key>`. Every error is JSON `{detail, code, errors}`. Lists are "
        "paginated (numbered pages, or cursors for the verdict feeds); details and feeds answer "
        "`If-None-Match` with 304. Published verdicts are also served as schema.org ClaimReview."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ and /api/redoc/ load their scripts from this app's static files (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    # The site's own icon (reviews.public_views.favicon redirects to the static file, hashed or not).
    "SWAGGER_UI_FAVICON_HREF": "/favicon.ico",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would send the schema's URL to validator.swagger.io for it (on any
    # host but localhost).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Several models have a `status`; name each enum after its model instead of a numbered guess.
    "ENUM_NAME_OVERRIDES": {
        "ArticleStatusEnum": "reviews.models.ArticleStatus",
        "ClaimStatusEnum": "reviews.models.ClaimStatus",
        "ClaimTypeEnum": "reviews.models.ClaimType",
        "TaskStatusEnum": "reviews.models.TaskStatus",
        "VerdictStatusEnum": "reviews.models.VerdictStatus",
    },
}

# --- Public verdicts (API, ClaimReview, public pages) -------------------------------------------------
# The organisation named as the author of every ClaimReview; the URL defaults to this site's root.
FACTCHECK_PUBLISHER_NAME = env.str("FACTCHECK_PUBLISHER_NAME", default="factcheck")
FACTCHECK_PUBLISHER_URL = env.str("FACTCHECK_PUBLISHER_URL", default="")

# --- Login protection (django-axes) ---------------------------------------------------------------------
# Password guessing on /admin/ and /accounts/login/: after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is locked out for the cool-off time (HTTP 429 with a message
# saying so); a successful login resets the count. Attempts are stored in the database (axes' tables),
# so every web process shares them. Client address = REMOTE_ADDR (django-ipware is not installed), so a
# forged X-Forwarded-For cannot pick a fresh identity.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_COOLOFF_MESSAGE = (
    "Account locked: too many failed login attempts. Try again in "
    f"{int(AXES_COOLOFF_TIME.total_seconds() // 60)} minutes."
)

# --- Celery ----------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a broker that needs no server, for the demo. Every folder must be an
    # absolute path that exists before a process starts (otherwise each process uses its own cwd).
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message a worker took but never acknowledged (it died mid-task; acks_late) goes back to the queue
    # after this many seconds. It must exceed the longest task run (the hard time limits below) and any
    # countdown, or a task that is still running would be handed to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=300)
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# The queue tasks are sent to when nothing routes them elsewhere, by web processes and workers alike (a
# worker's tasks send tasks too: a feed poll submits articles). The end-to-end tests give each worker a
# private queue this way, so what it sends stays on it.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker's own log formats, with the request id of the request that sent the task (factcheck/
# log_format.py adds the filter that sets it; FACTCHECK_LOG_FORMAT=json replaces them with JSON).
CELERY_WORKER_LOG_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] %(message)s"
CELERY_WORKER_TASK_LOG_FORMAT = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [%(request_id)s] %(task_name)s[%(task_id)s]: %(message)s"
)
# A worker that lost its broker keeps reconnecting for as long as the outage lasts (Celery's default gives
# up after 100 attempts and exits); whatever runs it restarts it if it exits anyway (docs/deploy.md).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# At-least-once delivery: each task acks after it ran; tasks are idempotent (they recompute and upsert).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Scorecards (reviews.services.scorecards): a build is sent this many seconds after the change that asked
# for it, so a burst of changes to one article is seen by one build; beat runs the stale-scorecard sweeper
# this often. FACTCHECK_SCORECARD_TEST_DELAY is a test hook only (the end-to-end test that kills a worker
# mid-build): a build sleeps that long before writing. Never set it in production.
FACTCHECK_SCORECARD_BUILD_COUNTDOWN = env.float("FACTCHECK_SCORECARD_BUILD_COUNTDOWN", default=0.25)
FACTCHECK_SCORECARD_SWEEP_SECONDS = env.float("FACTCHECK_SCORECARD_SWEEP_SECONDS", default=60.0)
FACTCHECK_SCORECARD_TEST_DELAY = env.float("FACTCHECK_SCORECARD_TEST_DELAY", default=0.0)
# How often beat looks for articles stuck pending (reviews.services.extraction_runs.articles_resend_pending).
FACTCHECK_EXTRACT_SWEEP_SECONDS = env.float("FACTCHECK_EXTRACT_SWEEP_SECONDS", default=60.0)
# How often beat looks for articles whose claim matching was lost or failed (reviews.matching_sweep).
FACTCHECK_MATCH_SWEEP_SECONDS = env.float("FACTCHECK_MATCH_SWEEP_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "tasks-expire-leases": {"task": "reviews.tasks_expire_leases", "schedule": 60.0},
    # Repairs a lost published-cache invalidation within a minute (reviews/published_cache.py).
    "published-cache-reconcile": {
        "task": "reviews.published_cache_reconcile",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # Sends the extraction of an article stuck pending again (its message lost to a broker outage or a
    # killed worker): reviews.services.extraction_runs.articles_resend_pending.
    "articles-resend-pending": {
        "task": "reviews.articles_resend_pending",
        "schedule": FACTCHECK_EXTRACT_SWEEP_SECONDS,
        "options": {"expires": FACTCHECK_EXTRACT_SWEEP_SECONDS},
    },
    "scorecards-sweep-stale": {
        "task": "reviews.scorecards_sweep_stale",
        "schedule": FACTCHECK_SCORECARD_SWEEP_SECONDS,
        # A sweep still queued when the next is due is pointless: let it expire instead of piling up.
        "options": {"expires": FACTCHECK_SCORECARD_SWEEP_SECONDS},
    },
    # Sends claim matching again for articles whose run was lost or failed (reviews/services/matching.py).
    "matching-sweep": {
        "task": "reviews.matching_sweep",
        "schedule": FACTCHECK_MATCH_SWEEP_SECONDS,
        "options": {"expires": FACTCHECK_MATCH_SWEEP_SECONDS},
    },
    # Sends webhook deliveries still pending after their due time (message lost, worker killed):
    # reviews.services.webhooks.webhooks_sweep.
    "webhooks-sweep": {
        "task": "reviews.webhooks_sweep",
        "schedule": env.float("FACTCHECK_WEBHOOK_SWEEP_SECONDS", default=60.0),
        "options": {"expires": 60.0},
    },
    # Polls every active feed whose turn has come (reviews.services.feeds.feeds_poll_due).
    "feeds-poll-due": {
        "task": "reviews.feeds_poll_due",
        "schedule": env.float("FACTCHECK_FEED_SWEEP_SECONDS", default=60.0),
        "options": {"expires": 60.0},
    },
    # Expires old exports (their files deleted) and sends again the ones a lost message or a dead worker
    # left queued or running: reviews.services.exports.exports_sweep.
    "exports-sweep": {
        "task": "reviews.exports_sweep",
        "schedule": env.float("FACTCHECK_EXPORT_SWEEP_SECONDS", default=60.0),
        "options": {"expires": 60.0},
    },
}

# --- exports (reviews/services/exports.py, docs/exports.md) ------------------------------------------
# How long a finished (or failed) export is kept before the sweep deletes its file.
FACTCHECK_EXPORT_TTL_HOURS = env.float("FACTCHECK_EXPORT_TTL_HOURS", default=48.0)
# An export still queued this long after it was started, or running with no progress for this long (its
# worker died), is sent again by the sweep.
FACTCHECK_EXPORT_RESEND_SECONDS = env.int("FACTCHECK_EXPORT_RESEND_SECONDS", default=120)
# The export task's soft time limit (the hard one is a minute more): 100,000 verdicts take a few minutes.
FACTCHECK_EXPORT_TIME_LIMIT_SECONDS = env.int("FACTCHECK_EXPORT_TIME_LIMIT_SECONDS", default=3600)

# Outgoing requests to URLs people typed in (webhooks, later URL ingest: reviews/net.py) are refused on
# private, loopback or link-local addresses unless this is true (tests and the demo set it): checked on the
# URL, after DNS, and on the connection itself.
FACTCHECK_ALLOW_PRIVATE_URLS = env.bool("FACTCHECK_ALLOW_PRIVATE_URLS", default=False)

# --- webhooks (reviews/services/webhooks.py, docs/webhooks.md) ---------------------------------------
# The site's public root (https://factcheck.example.org), for the absolute URLs in webhook bodies; empty
# gives site-relative URLs.
FACTCHECK_SITE_URL = env.str("FACTCHECK_SITE_URL", default="")
FACTCHECK_WEBHOOK_TIMEOUT_SECONDS = env.float("FACTCHECK_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Tries per delivery (timeouts, connection errors, 408, 429 and 5xx are tried again), with exponential
# backoff from FACTCHECK_WEBHOOK_BACKOFF_SECONDS up to FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS, jittered.
FACTCHECK_WEBHOOK_MAX_ATTEMPTS = env.int("FACTCHECK_WEBHOOK_MAX_ATTEMPTS", default=8)
FACTCHECK_WEBHOOK_BACKOFF_SECONDS = env.float("FACTCHECK_WEBHOOK_BACKOFF_SECONDS", default=10.0)
FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS = env.float("FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS", default=3600.0)
# An endpoint whose deliveries fail this many times in a row (each after its retries) is disabled.
FACTCHECK_WEBHOOK_DISABLE_AFTER = env.int("FACTCHECK_WEBHOOK_DISABLE_AFTER", default=5)

# --- email notifications (reviews/services/notifications.py, docs/notifications.md) -------------------
# How mail leaves: EMAIL_URL as django-environ reads it (smtp://user:password@host:587 with "+tls",
# smtps://..., consolemail:// prints mails to the process's output, filemail:////absolute/path writes
# them to files there: four slashes, django-environ drops one). The demo prints them; production settings
# default to SMTP on localhost. Values the URL leaves out keep Django's defaults.
vars().update(
    {k: v for k, v in env.email_url("EMAIL_URL", default="consolemail://").items() if v is not None}
)
# Seconds before a mail server that does not answer counts as a failed try (Django's default: none).
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="factcheck <noreply@localhost>")
# Editors are mailed about a submitted verdict still waiting for them after this many hours.
FACTCHECK_NOTIFY_WAITING_HOURS = env.float("FACTCHECK_NOTIFY_WAITING_HOURS", default=24.0)
# Tries per mail (the mail server refused or was unreachable), spaced FACTCHECK_NOTIFY_RETRY_SECONDS
# x 2^(tries - 1) apart; then the notification is marked failed.
FACTCHECK_NOTIFY_MAX_ATTEMPTS = env.int("FACTCHECK_NOTIFY_MAX_ATTEMPTS", default=5)
FACTCHECK_NOTIFY_RETRY_SECONDS = env.float("FACTCHECK_NOTIFY_RETRY_SECONDS", default=60.0)
# How often beat sends pending mails again and looks for work waiting too long.
FACTCHECK_NOTIFY_SWEEP_SECONDS = env.float("FACTCHECK_NOTIFY_SWEEP_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {
    "task": "reviews.notifications_sweep",
    "schedule": FACTCHECK_NOTIFY_SWEEP_SECONDS,
    "options": {"expires": FACTCHECK_NOTIFY_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE["notifications-work-waiting"] = {
    "task": "reviews.notifications_work_waiting",
    "schedule": FACTCHECK_NOTIFY_SWEEP_SECONDS,
    "options": {"expires": FACTCHECK_NOTIFY_SWEEP_SECONDS},
}
# --- fetching article pages and feeds (reviews/net.py fetch_checked, docs/ingest.md) ---------------
# Per-operation timeout (a whole request is cut at TOTAL_TIMEOUTS = 3 times it), the largest body read,
# and the redirects followed (each hop goes through the private-address checks again).
FACTCHECK_FETCH_TIMEOUT_SECONDS = env.float("FACTCHECK_FETCH_TIMEOUT_SECONDS", default=10.0)
FACTCHECK_FETCH_MAX_BYTES = env.int("FACTCHECK_FETCH_MAX_BYTES", default=5 * 1024 * 1024)
FACTCHECK_FETCH_MAX_REDIRECTS = env.int("FACTCHECK_FETCH_MAX_REDIRECTS", default=5)
# A feed is polled this often; after failures in a row, that times 2**failures (at most 16 times).
FACTCHECK_FEED_POLL_SECONDS = env.float("FACTCHECK_FEED_POLL_SECONDS", default=900.0)
# --- /metrics for Prometheus (factcheck/metrics.py, docs/deploy.md) -----------------------------------
# The bearer token Prometheus sends (`Authorization: Bearer <token>`), at least 32 characters; empty: no
# token is accepted.
FACTCHECK_METRICS_TOKEN = env.str("FACTCHECK_METRICS_TOKEN", default="")
if FACTCHECK_METRICS_TOKEN and len(FACTCHECK_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("FACTCHECK_METRICS_TOKEN must be at least 32 characters long.")
# Client addresses (CIDRs) that may scrape without the token. Compared with REMOTE_ADDR: behind a proxy
# every request comes from the proxy, so scrape the app directly or use the token. Default: this machine.
FACTCHECK_METRICS_ALLOWED_NETWORKS: list[str] = env.list(
    "FACTCHECK_METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"]
)
for _cidr in FACTCHECK_METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"FACTCHECK_METRICS_ALLOWED_NETWORKS: {_exc}.") from None

# --- factcheck -------------------------------------------------------------------------------------
# Largest article file or API body accepted, in bytes.
FACTCHECK_MAX_ARTICLE_BYTES = env.int("FACTCHECK_MAX_ARTICLE_BYTES", default=5 * 1024 * 1024)
# Largest request body Django reads (its default is 2.5 MB): room for an article of the size above in a
# JSON body. A larger body is refused before it is parsed (the API answers 413 with its JSON error).
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_MAX_ARTICLE_BYTES + 256 * 1024
# Longest claim (and scored sentence), in characters: a longer sentence is split at its clause boundaries,
# and an article with one that has none is refused with that reason (reviews/extraction/sentences.py).
FACTCHECK_MAX_CLAIM_CHARS = env.int("FACTCHECK_MAX_CLAIM_CHARS", default=1000)
# Which sentence scorer extraction uses: "model" (the shipped ONNX model) or "heuristic" (rules only).
FACTCHECK_SCORER = env.str("FACTCHECK_SCORER", default="model")
# Check-worthiness threshold: sentences scoring at or above it become claims. None = the scorer's own
# (reviews/extraction/model/meta.json): its news threshold for articles, its debate one for sentence files.
# Editors' thresholds per feed and per source win over it for articles (reviews/selectors_thresholds.py).
FACTCHECK_CLAIM_THRESHOLD: float | None = env.float("FACTCHECK_CLAIM_THRESHOLD", default=None)
# A pending article neither extracted nor sent again for this long has its extraction sent again (by the
# beat sweep, a repeated submission, or an editor's re-extract). Above the extraction task's hard time
# limit (reviews/tasks.py), so a running extraction is not duplicated.
FACTCHECK_EXTRACT_RESEND_SECONDS = env.int("FACTCHECK_EXTRACT_RESEND_SECONDS", default=120)
# A pending article's claim matching not finished this long after it was requested is presumed lost (the
# broker was down when it was sent, or its worker was killed) and sent again by the sweep. Longer than
# extraction's: a matching run is idempotent but costs more, and a backlog must not be sent twice.
FACTCHECK_MATCH_RESEND_SECONDS = env.int("FACTCHECK_MATCH_RESEND_SECONDS", default=600)
# Extraction runs an article gets before it is marked failed (a text that kills or stalls its worker
# each time, a poison message); an editor may retry it (admin action, API `articles/<id>/retry`).
FACTCHECK_EXTRACT_MAX_ATTEMPTS = env.int("FACTCHECK_EXTRACT_MAX_ATTEMPTS", default=3)
# How long a reviewer holds a task before it is claimable again, and how many they may hold at once.
FACTCHECK_LEASE_SECONDS = env.int("FACTCHECK_LEASE_SECONDS", default=20 * 60)
FACTCHECK_MAX_LEASES_PER_REVIEWER = env.int("FACTCHECK_MAX_LEASES_PER_REVIEWER", default=1)
