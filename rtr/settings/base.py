"""Settings for every environment, read from environment variables.

Production is this module plus the environment; nothing exists only in production.
With nothing set and DJANGO_DEBUG on (as `make run` sets it), the app runs on SQLite and
a file-system Celery broker that needs no server. With DJANGO_DEBUG off, a missing or
default secret key stops start-up. Every variable is listed, with its default, in
`.env.example` and the README.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

django_stubs_ext.monkeypatch()  # admin classes may name their model: ModelAdmin[Patient]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state of `make run`: SQLite file, broker folders, beat schedule, worker log.
RUN_DIR = Path(os.environ.get("RTR_RUN_DIR") or BASE_DIR / ".run")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# "production" (docker compose, real deployments) refuses to start in debug mode.
ENVIRONMENT = env.str("RTR_ENVIRONMENT", default="development")
if ENVIRONMENT == "production" and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when RTR_ENVIRONMENT is production.")

DEV_SECRET_KEY = "django-insecure-rtr-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 40 characters when "
        "DJANGO_DEBUG is off (generate one with: python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the site, used in links sent by e-mail (invitations, reminders).
SITE_URL = env.str("RTR_SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    # Third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "auditlog",
    # RTR
    "rtr",
    "rtr.accounts",
    "patients",
    "protocols",
    "checkins",
    "loads",  # run files and training load (issue 19)
    "interop",  # last: it imports from the apps above, none of them imports it
]

MIDDLEWARE = [
    "rtr.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Issue 24.7: no signed-in response (health data) is kept by any cache.
    "rtr.accounts.middleware.PrivateNoStoreMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rtr.accounts.middleware.CurrentClinicMiddleware",
    "rtr.accounts.sessions.SessionPolicyMiddleware",
    "rtr.accounts.mfa.SecondFactorMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # AxesMiddleware last: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rtr.urls"
WSGI_APPLICATION = "rtr.wsgi.application"
ASGI_APPLICATION = "rtr.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rtr.accounts.context_processors.tenancy",
                "checkins.context_processors.notifications",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# SQLite by default (make run, a fresh machine); PostgreSQL >= 15 when DATABASE_URL says so.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{RUN_DIR / 'db.sqlite3'}")
    if DEBUG
    else env.db_url("DATABASE_URL"),  # production: no silent fallback to SQLite
}
if DEBUG and not env.str("DATABASE_URL", default=""):
    # The default SQLite file lives in .run/, which `make run` used to be the only one to
    # create: a fresh clone's first `manage.py check` said "unable to open database file".
    RUN_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections through psycopg's pool: gunicorn workers reuse them.
    DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("RTR_DB_POOL", default=False):
        DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 8, "timeout": 10}
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("RTR_DB_CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker share the file: wait for a lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://rtr")}

# --- Cache outages (issue 15) ------------------------------------------------------------
# Nothing that saves a check-in, signs someone in or shows a page may depend on the cache:
# a Redis CACHE_URL uses rtr.cache.FailOpenRedisCache (Django's Redis backend answering as an
# empty cache, with one warning in the log, when Redis is down or silent), with short socket
# timeouts. Sessions are in the database and axes counts failures in the database, so neither
# needs the cache. /health/ still says when the cache is down (rtr/health.py).
REDIS_CACHE_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "rtr.cache.FailOpenRedisCache",
}


def fail_open_cache(config: dict[str, Any], *, timeout: float = 0.5) -> dict[str, Any]:
    """A cache setting that fails open: a Redis one becomes rtr.cache.FailOpenRedisCache."""
    if config["BACKEND"] not in REDIS_CACHE_BACKENDS:
        return config
    options = {
        **config.get("OPTIONS", {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    return {**config, "BACKEND": "rtr.cache.FailOpenRedisCache", "OPTIONS": options}


CACHES["default"] = fail_open_cache(
    CACHES["default"], timeout=env.float("RTR_CACHE_SOCKET_TIMEOUT", default=0.5)
)
# A counter that cannot be read or written lets the request through (django-ratelimit).
RATELIMIT_FAIL_OPEN = True

# --- Accounts and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out account before a password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: e-mail + password; no self sign-up (staff are added by a clinic, athletes invited).
ACCOUNT_ADAPTER = "rtr.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[RTR] "
ACCOUNT_FORMS = {"login": "rtr.accounts.forms.SignInForm"}
# --- Sign-in limits (issue 24.3 / 24.4) -----------------------------------------------------
# allauth's "login_failed" limit has a per-address part and a per-key part:
# - per address: 30 failures a minute (a clinic behind one shared address still signs in);
# - per key, 5 in 15 minutes: for a second-factor code the key is the account (allauth's
#   mfa-auth-user-<id>), so wrong codes from any number of addresses are throttled; for a
#   password the key is the account *and* the address (rtr.accounts.adapters), so a stranger's
#   wrong passwords throttle the stranger, never the owner signing in from elsewhere.
# The e-mail is normalised (case, surrounding whitespace) before it is counted.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "30/m/ip,5/15m/key",
    "login": "60/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}

# allauth.mfa: TOTP (authenticator app) with recovery codes as the second factor for staff.
# Who must use it is decided per clinic (rtr/accounts/mfa.py): always leads; physios and
# coaches when their clinic requires it; athletes never.
MFA_ADAPTER = "rtr.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "RTR"
MFA_RECOVERY_CODE_COUNT = 10
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TRUST_ENABLED = False  # every sign-in asks for the code: no "trust this browser"
# Issue 24.6: allauth refuses to set up a second factor while any address record of the user is
# unverified (against self-sign-up squatting). RTR has no self sign-up: staff addresses are
# entered by their clinic. A password-reset request or a visit to the e-mail page creates such
# a record, and the second-factor middleware then sent every page to a set-up that refused.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# django-axes (issue 24.4): an account is locked, from every address, only after many failed
# passwords (default 50; from one address allauth stops a guesser after 5, so this takes a
# spread attack); the owner always gets back in: a password reset by e-mail lifts the lock
# (rtr.accounts.lockout), and an athlete's e-mailed sign-in link never goes through it.
AXES_FAILURE_LIMIT = env.int("RTR_LOCKOUT_FAILURES", default=50)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("RTR_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account (normalised e-mail); pairs: allauth, above
AXES_USERNAME_CALLABLE = "rtr.accounts.lockout.username_from_credentials"
AXES_LOCKOUT_CALLABLE = "rtr.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# How long a sign-in link (reminders, "send a sign-in link") stays valid.
RTR_SIGN_IN_LINK_HOURS = env.int("RTR_SIGN_IN_LINK_HOURS", default=36)
# How long an athlete's e-mailed invitation link stays valid.
RTR_INVITATION_HOURS = env.int("RTR_INVITATION_HOURS", default=72)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("RTR_SESSION_MAX_AGE_SECONDS", default=12 * 60 * 60)
# Sessions end after this much inactivity for staff (athletes keep theirs until the absolute
# lifetime above, which applies to everyone); see rtr/accounts/sessions.py.
RTR_STAFF_IDLE_TIMEOUT_SECONDS = env.int("RTR_STAFF_IDLE_TIMEOUT_SECONDS", default=15 * 60)
SESSION_SAVE_EVERY_REQUEST = False

# --- Security headers ---------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
# No page of RTR needs these browser features: deny them all (django-permissions-policy).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: only over HTTPS, only for this exact host, path /.
    SESSION_COOKIE_NAME = "__Host-rtr_session"
    CSRF_COOKIE_NAME = "__Host-rtr_csrftoken"

# --- Internationalisation and time --------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = (
    "UTC"  # storage and server time; people see their clinic's zone (CurrentClinicMiddleware)
)

# --- Static files and e-mail --------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# consolemail:// prints messages (make run); smtp+tls://user:password@host:587 in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options: dict[str, object] = {}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _email_options = {
        "host": _email.get("EMAIL_HOST", "localhost"),
        "port": _email.get("EMAIL_PORT", 25),
        "username": _email.get("EMAIL_HOST_USER", ""),
        "password": _email.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": _email.get("EMAIL_USE_TLS", False),
        "use_ssl": _email.get("EMAIL_USE_SSL", False),
        "timeout": 10,
    }
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
# Issue 24.5: without DEBUG, a backend that prints or files e-mails would put live sign-in links
# and addresses into logs and onto disk. Start-up refuses it unless a demo says so explicitly
# (RTR_ALLOW_CONSOLE_EMAIL=1; docker-compose.yml sets it for its out-of-the-box demo).
_EMAIL_BACKENDS_THAT_PRINT = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
if (
    not DEBUG
    and _email["EMAIL_BACKEND"] in _EMAIL_BACKENDS_THAT_PRINT
    and not env.bool("RTR_ALLOW_CONSOLE_EMAIL", default=False)
):
    raise ImproperlyConfigured(
        "EMAIL_URL prints or files e-mails (with their live sign-in links) while DJANGO_DEBUG "
        "is off. Set EMAIL_URL to your mail server (e.g. smtp+tls://user:password@host:587), "
        "or, for a demo only, RTR_ALLOW_CONSOLE_EMAIL=1."
    )
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="RTR <no-reply@rtr.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Widgets render from the project's templates too (the check-in's sliders and segmented buttons).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -------------------------------------------------------------------------------
# With no CELERY_BROKER_URL the broker is kombu's file-system transport under .run/broker:
# no server needed, shared by the web process, the worker and beat on one machine.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_broker_scheme = urlparse(CELERY_BROKER_URL).scheme
if _broker_scheme == "filesystem":
    _broker_dir = Path(env.str("RTR_BROKER_DIR", default=str(RUN_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # Five looks a second, not kombu's one: a burst of e-mails must not hold the heartbeat
        # back until the supervisor takes a busy worker for a stuck one.
        "polling_interval": 0.2,
    }
    # kombu's transport with its write/read race closed (rtr/broker.py, issue 15).
    CELERY_BROKER_TRANSPORT = "rtr.broker:Transport"
else:
    # A dead or silent broker must never hang a web request: fail within a few seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "retry_on_timeout": False,
        "visibility_timeout": 60 * 60,
        "max_retries": 1,
    }
    if _broker_scheme == "redis":
        # kombu's Redis transport with its outage failures fixed (rtr/broker.py, issue 24).
        CELERY_BROKER_TRANSPORT = "rtr.broker:RedisTransport"
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TIMEZONE = "UTC"
# How long one run of the outbox relay keeps polling for new check-ins (beat starts one every
# second, so a check-in is evaluated within about 50 ms rather than at the next tick).
RTR_RELAY_SECONDS = env.float("RTR_RELAY_SECONDS", default=0.9)

# Beat's schedule store on plain files rather than Python 3.13's SQLite shelve (rtr/beat.py).
CELERY_BEAT_SCHEDULER = "rtr.beat:ScheduleOnFiles"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # The check-in outbox relay: a saved check-in is evaluated within about a second,
    # and saving it never depends on the broker (design.md §5).
    "evaluate-pending-checkins": {
        "task": "checkins.evaluate_pending",
        "schedule": timedelta(seconds=1),
        "options": {"expires": 5},
    },
    # E-mails claimed by a lost worker (claim older than 30 s): sent again within a minute
    # (issue 24), not at the next hourly sweep.
    "resend-stuck-emails": {
        "task": "checkins.deliver_lost",
        "schedule": timedelta(seconds=30),
        "options": {"expires": 25},
    },
    # crontab.guru: "0 * * * *" = at minute 0 of every hour
    "warning-sign-sweep": {
        "task": "checkins.sweep",
        "schedule": crontab(minute=0),
        "options": {"expires": 3000},
    },
    # crontab.guru: "*/5 * * * *" = every 5 minutes (each clinic's local time decides who is due)
    "checkin-reminders": {
        "task": "checkins.send_reminders",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    "lead-digests": {
        "task": "checkins.send_digests",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    # crontab.guru: "30 * * * *" = at minute 30 of every hour: bulk exports past their expiry
    # are deleted even when nobody opens the exports page.
    "expire-bulk-exports": {
        "task": "interop.tasks.expire_bulk_exports",
        "schedule": crontab(minute=30),
        "options": {"expires": 3000},
    },
    # Canary: proves a worker is consuming. /health/, `manage.py worker_alive` (the compose
    # healthcheck) and make run's supervisor call the worker stale when it ages (below).
    "worker-heartbeat": {
        "task": "rtr.tasks.record_worker_heartbeat",
        "schedule": timedelta(seconds=env.int("RTR_HEARTBEAT_SECONDS", default=30)),
        "kwargs": {"source": "beat"},
        "options": {"expires": 25},
    },
}
# How old the newest worker heartbeat may be before the worker is called stale: a worker that
# stops consuming is reported within 2 minutes (issue 24).
RTR_WORKER_STALE_AFTER = timedelta(seconds=env.int("RTR_WORKER_STALE_SECONDS", default=90))

# --- Logging ------------------------------------------------------------------------------
# Never log check-in contents or patient details: log ids and events only.
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
# "json" (default without DEBUG): one JSON object per line with the request id; "plain" reads
# better in a terminal (default with DEBUG, i.e. make run).
LOG_FORMAT = env.str("RTR_LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "rtr.logging.RequestIdFilter"},
        # Issue 24.5: no link secret (/login/link/..., /invite/..., reset keys) and no e-mail
        # address in any line; gunicorn's logs get the same filter (gunicorn.conf.py).
        "redact": {"()": "rtr.logging.RedactFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "request_id", "message"],
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # runserver's request lines (make run) through the same handler and its filter.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# --- Quiet and outage-proof logs (issues 15 and 24; rtr/log_filters.py) -----------------
LOGGING["filters"]["quiet_relay"] = {"()": "rtr.log_filters.QuietRelayFilter"}
for _celery_logger in (
    "celery.beat",
    "celery.worker.strategy",
    "celery.worker.request",
    "celery.app.trace",
):
    LOGGING["loggers"][_celery_logger] = {"filters": ["quiet_relay"]}

# django-ratelimit: sign-in-by-link and check-in submission (sign-in itself: allauth and axes).
# Counters live in the default cache: set CACHE_URL to Redis when several processes serve the web.
RATELIMIT_VIEW = "rtr.views.rate_limited"
RATELIMIT_USE_CACHE = "default"

SILENCED_SYSTEM_CHECKS = [
    "axes.W006",
    "django_ratelimit.E003",
    "django_ratelimit.W001",
]  # lockout by account on purpose: see ACCOUNT_RATE_LIMITS

# django-auditlog: who changed which clinical record, when, from where (never check-in contents).
AUDITLOG_INCLUDE_ALL_MODELS = False

ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")

# --- Installable app, offline check-ins and Web Push (issue 21; the `pwa` app) --------------
INSTALLED_APPS += ["pwa"]
# Marks whose page a response is and which athlete pages the phone may keep (pwa/middleware.py);
# before Axes, which stays last.
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "pwa.middleware.DeviceCacheMiddleware"
)
# VAPID keys for Web Push (pywebpush): the public key as the browser's applicationServerKey
# (URL-safe base64, uncompressed P-256 point), the private key as PEM or URL-safe base64.
# Without them the app works and offers no push.
RTR_VAPID_PUBLIC_KEY = env.str("RTR_VAPID_PUBLIC_KEY", default="")
RTR_VAPID_PRIVATE_KEY = env.str("RTR_VAPID_PRIVATE_KEY", default="").replace("\\n", "\n")
RTR_VAPID_SUBJECT = env.str("RTR_VAPID_SUBJECT", default="mailto:no-reply@rtr.localhost")
# crontab.guru: "30 * * * *" = at minute 30 of every hour: pushes left unsent, queued again.
CELERY_BEAT_SCHEDULE["push-notifications-unsent"] = {
    "task": "checkins.deliver_stuck_pushes",
    "schedule": crontab(minute=30),
    "options": {"expires": 3000},
}
# --- Run files and training load (issue 19, the `loads` app) -------------------------------
# Run files are health data (a GPS track shows where the athlete lives): kept in a private
# folder that no URL serves (only the clinic's signed-in staff download one, through a view).
RTR_PRIVATE_DIR = Path(env.str("RTR_PRIVATE_DIR", default=str(RUN_DIR / "private")))
_run_files_storage: dict[str, object] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(RTR_PRIVATE_DIR / "run-files"), "base_url": "/no-public-url/"},
}
STORAGES["run_files"] = _run_files_storage  # type: ignore[assignment]
RTR_RUN_FILE_MAX_BYTES = env.int("RTR_RUN_FILE_MAX_BYTES", default=10 * 1024 * 1024)
# The child process that parses one file: wall-clock seconds and address space (MB).
RTR_RUN_PARSE_SECONDS = env.float("RTR_RUN_PARSE_SECONDS", default=20.0)
RTR_RUN_PARSE_MEMORY_MB = env.int("RTR_RUN_PARSE_MEMORY_MB", default=768)
