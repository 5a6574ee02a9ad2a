"""Settings shared by every environment. Everything that varies comes from the environment
(see prm/env.py and the README's configuration table)."""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from kombu import Exchange, Queue

from prm.env import database_from_url, env_bool, env_int, env_list, env_str
from prm.operations.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PRM_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)

# Tenants live at <slug>.<PRM_BASE_DOMAIN>; the bare domain serves the platform pages.
PRM_BASE_DOMAIN = env_str("PRM_BASE_DOMAIN", "localhost").lower()
# How links in e-mails reach the site: scheme, and port suffix (":8000" in development).
PRM_URL_SCHEME = env_str("PRM_URL_SCHEME", "https")
PRM_URL_PORT = env_str("PRM_URL_PORT", "")
ALLOWED_HOSTS = [PRM_BASE_DOMAIN, "." + PRM_BASE_DOMAIN, *env_list("DJANGO_ALLOWED_HOSTS")]

INSTALLED_APPS = [
    # Ours first: prm.tenancy's migrate/flush commands run as the schema owner.
    "prm.tenancy",
    "prm.accounts",
    "prm.events",
    "prm.notifications",
    "prm.web",
    "prm.operations",
    "partners",
    "programs",
    "deals",
    "leads",
    "learning",
    "incentives",
    "recruitment",
    "scorecards",
    "marketing",
    "api",
    "prm.web.admin_config.PrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
]

MIDDLEWARE = [
    # Health probes and token-carrying scrapes, answered on any host before anything else
    # (prm/operations/middleware.py); then the request's id and its one log line, and its timing.
    "prm.operations.middleware.ProbeMiddleware",
    "prm.operations.logs.RequestLogMiddleware",
    "prm.operations.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "prm.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the user: a session presented on another host than its own is
    # signed out for that request (prm/accounts/middleware.py).
    "prm.accounts.middleware.SessionHostMiddleware",
    # Before the tenant transaction, so it stores messages after the commit: messages added by
    # on_commit callbacks (allauth's "Authenticator app activated.") reach the next page.
    "django.contrib.messages.middleware.MessageMiddleware",
    "prm.tenancy.middleware.TenantMiddleware",
    # The tenant and the user on every log line from here on (prm/operations/logs.py).
    "prm.operations.logs.RequestIdentityMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "prm.accounts.middleware.RequireMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "prm.urls"
WSGI_APPLICATION = "prm.wsgi.application"

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
                "prm.web.context_processors.portal",
            ],
            # l10n_tags: the |money filter, for every template (amounts are everywhere).
            "builtins": ["template_partials.templatetags.partials", "prm.web.templatetags.l10n_tags"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# Three connections, each with its own login (README, "Isolation, layer two"; deploy/roles.sql):
# DATABASE_URL: the runtime connection (requests, tasks). In production a login that row-level
#   security binds and that cannot switch to a role escaping it (prm_app).
# DATABASE_PLATFORM_URL: platform_scope()'s own connection, the "platform" alias (prm_platform,
#   BYPASSRLS). Unset: platform_scope() switches roles on the runtime connection, which only a
#   login that may become any role can do. That is the test suite's single-connection mode (the
#   tests' transaction must see what platform_scope() writes); `check --deploy` and `check_rls`
#   refuse it.
# DATABASE_OWNER_URL: the schema owner, for migrations and flush only (defaults to DATABASE_URL).
# PRM_DB_APP_ROLE: the role the app acts as; a runtime connection that logs in as anyone else
#   (the owner, in the single-connection mode) drops to it with SET ROLE.


def connection_settings(url: str) -> dict:
    """A DATABASES entry for one of the app's logins, with its connection reuse."""
    database = database_from_url(url)
    database["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
    # Checked without a query: prm/tenancy/backend/base.py (is_usable).
    database["CONN_HEALTH_CHECKS"] = True
    return database


DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prm")
# No ATOMIC_REQUESTS: TenantMiddleware runs every request in one transaction (its scope's) and
# rolls it back when the view raises; the view's own savepoint would be one more round trip.
DATABASES = {"default": connection_settings(DATABASE_URL)}
DATABASE_PLATFORM_URL = env_str("DATABASE_PLATFORM_URL", "")
if DATABASE_PLATFORM_URL:
    # No ATOMIC_REQUESTS here: it would open this connection for every request. platform_scope()
    # opens the transaction, and only platform code connects.
    DATABASES["platform"] = connection_settings(DATABASE_PLATFORM_URL)
# The ORM follows the scope: the platform connection inside platform_scope(), else the runtime one.
DATABASE_ROUTERS = ["prm.tenancy.router.ScopeRouter"]
PRM_DB_APP_ROLE = env_str("PRM_DB_APP_ROLE", "prm_app")
# PRM_DB_PARTNER_ROLE: partner users' transactions (the partner policies apply to it; the app
#   role may switch to it).
# PRM_DB_PLATFORM_ROLE: the platform login (BYPASSRLS), which nobody may switch to.
PRM_DB_PARTNER_ROLE = env_str("PRM_DB_PARTNER_ROLE", "prm_partner")
PRM_DB_PLATFORM_ROLE = env_str("PRM_DB_PLATFORM_ROLE", "prm_platform")
# PRM_DB_POOLED: DATABASE_URL and DATABASE_PLATFORM_URL go through a pooler in transaction mode
#   (pgbouncer, deploy/pgbouncer.ini), so that consecutive transactions of one connection may run
#   on different server sessions: the app then keeps no session state (prm/tenancy/backend/base.py:
#   the role on every transaction, no SET ROLE on connect, no WITH HOLD cursors). DATABASE_OWNER_URL
#   goes straight to the server: migrations (a non-atomic one runs statement by statement) and
#   dropping a database (pooled sessions would keep it open) want a session of their own.
PRM_DB_POOLED = env_bool("PRM_DB_POOLED")
_owner = database_from_url(env_str("DATABASE_OWNER_URL", DATABASE_URL))
PRM_DB_OWNER = {key: _owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Rows from which `manage.py check_migrations_safe` counts a table as large, so that a migration
# holding a long lock on it is flagged (prm/operations/migration_check.py).
PRM_MIGRATION_LARGE_ROWS = env_int("PRM_MIGRATION_LARGE_ROWS", 100_000)

# --- Redis: cache, Celery broker --------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "prm.web.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "prm",
        "TIMEOUT": 300,
    }
}
# Sessions in PostgreSQL, read through Redis: a request reads its session from Redis (no query),
# a change is written to both, and a Redis outage signs nobody out (the table is the truth).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "prm.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
# "Send me a sign-in code": a code by e-mail instead of the password. It signs in like the
# password does, so two-factor sign-in still follows for people who have it.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# The address rate limits count: REMOTE_ADDR, or the n-th last X-Forwarded-For entry behind n
# proxies of ours (never trust the header without one: clients could pick their address).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("PRM_TRUSTED_PROXY_COUNT", 0)
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    # The Django admin signs in through the same form. Failed sign-ins: per address, and per
    # account *at one address* (AccountAdapter puts the address in the key), so nobody can lock
    # an owner out by typing wrong passwords for their e-mail elsewhere ...
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    # ... and, looser, per account from anywhere (AccountAdapter.pre_authenticate), so guesses
    # spread over many addresses stop too; the owner then signs in with an e-mailed code.
    "login_failed_account": "30/h/key",
    # Sign-in codes by e-mail (the way in for an owner throttled by the limits above): per
    # address, and per e-mail address, by the minute and by the hour, so nobody floods an inbox.
    "request_login_code": "20/m/ip,60/h/ip,3/m/key,20/h/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
# Single sign-on (prm/accounts/sso.py): the tenant's identity providers, configured in the admin.
SOCIALACCOUNT_ADAPTER = "prm.accounts.sso.SsoAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider vouches for its verified domains
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_STORE_TOKENS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("PRM_MFA_ISSUER", "PRM")
# TOTP secrets and recovery-code seeds are encrypted at rest (prm/accounts/mfa_secrets.py) with
# PRM_MFA_KEYS: Fernet keys, comma-separated; the first encrypts, all decrypt. Empty here means
# one derived from SECRET_KEY (development, tests); production requires the variable.
MFA_ADAPTER = "prm.accounts.adapter.MfaAdapter"
PRM_MFA_KEYS = env_list("PRM_MFA_KEYS")

# --- I18N -------------------------------------------------------------------------------------
# The language and time zone of a page are its reader's: the person's own choice, else their
# vendor's default (Tenant.default_language / time_zone), else the browser's Accept-Language
# (anonymous pages). TenantMiddleware activates them; LANGUAGE_CODE is the last resort and the
# source language of every message.
LANGUAGE_CODE = env_str("PRM_LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ja", "日本語"),
]
# One catalogue per language for the whole repository (apps and templates alike): `python
# scripts/i18n.py extract` runs makemessages from the repository root into locale/; the .mo
# files are compiled at install time (`make install`, Babel) and never committed.
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in templates go through the localized formats (|date:"DATE_FORMAT"); English keeps the
# day-month-year the product has always shown (prm/settings/formats/en).
FORMAT_MODULE_PATH = ["prm.settings.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm at setup time (package.json); never committed.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/scorm-again", NODE_MODULES / "scorm-again" / "dist"),
    ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),
]
STORAGES = {
    # Uploads live outside the static tree and are served only through views that check access.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(env_str("PRM_MEDIA_ROOT", str(VAR_DIR / "media"))))},
    },
    # whitenoise's compressed manifest, each URL worked out once per process (prm/web/static.py).
    "staticfiles": {"BACKEND": "prm.web.static.StaticStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880
PRM_LOGO_MAX_BYTES = 512 * 1024
# SCORM 1.2 packages (learning/scorm.py): unpacked per tenant under the private media folder,
# served only by the player's file view; the limits refuse an upload before anything is written.
PRM_SCORM_ROOT = Path(env_str("PRM_MEDIA_ROOT", str(VAR_DIR / "media"))) / "private" / "scorm"
PRM_SCORM_MAX_UPLOAD_BYTES = env_int("PRM_SCORM_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
PRM_SCORM_MAX_UNPACKED_BYTES = env_int("PRM_SCORM_MAX_UNPACKED_BYTES", 500 * 1024 * 1024)
PRM_SCORM_MAX_FILES = env_int("PRM_SCORM_MAX_FILES", 5000)

# The public partner application (/apply/ on each tenant's host): django-ratelimit rates
# ("<count>/<s|m|h|d>") per client address, per contact e-mail, and for documents sent later.
PRM_APPLY_RATE_PER_IP = env_str("PRM_APPLY_RATE_PER_IP", "5/h")
PRM_APPLY_RATE_PER_ADDRESS = env_str("PRM_APPLY_RATE_PER_ADDRESS", "3/d")
PRM_APPLY_RATE_DOCUMENTS = env_str("PRM_APPLY_RATE_DOCUMENTS", "10/h")
# The public web-to-lead form (/contact-sales/ on each tenant's host): per client address and per
# e-mail address.
PRM_LEAD_FORM_RATE_PER_IP = env_str("PRM_LEAD_FORM_RATE_PER_IP", "10/h")
PRM_LEAD_FORM_RATE_PER_ADDRESS = env_str("PRM_LEAD_FORM_RATE_PER_ADDRESS", "3/d")
# The partner locator's "contact this partner" form (marketing/views/locator.py), the same way.
PRM_LOCATOR_CONTACT_RATE_PER_IP = env_str("PRM_LOCATOR_CONTACT_RATE_PER_IP", "10/h")
PRM_LOCATOR_CONTACT_RATE_PER_ADDRESS = env_str("PRM_LOCATOR_CONTACT_RATE_PER_ADDRESS", "3/d")

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
EMAIL_FILE_PATH = env_str("PRM_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PRM <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# No loss: acknowledge after the task ran; a task whose worker died is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers unacknowledged tasks after the visibility timeout: it must exceed the
# longest countdown/ETA we use (retry backoff is capped at 600 s; reminders use beat, not ETA).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 2}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues per concern (README, "Queues and beat"): each is its own list in Redis, taken by its own
# worker group, so a backlog on one (a night of evaluations, a 50,000-row import) delays no other
# (the e-mails, the webhooks, a new lead's routing). Routed by task name (fnmatch; a name routes
# by the first pattern it matches), the same for `delay`, the outbox relay and beat. A task not
# named here goes to "default": the outbox sweep, the fan-outs of beat (`*_all`: they only
# send a task per tenant, each routed by its own name) and the sweeps of state (deals, learning,
# recruitment, marketing's locator, MDF expiry, idempotency keys, a deal's lead).
CELERY_TASK_DEFAULT_QUEUE = "default"
PRM_TASK_QUEUE_PATTERNS = {
    # Everything that talks to the outside: the e-mails of every kind and the digests.
    "notifications": [
        "prm.notifications.*",
        "prm.accounts.invitation_email",
        "leads.offer_notify",
        "recruitment.*_email",
        "marketing.announcements_deliver",
        "marketing.announcement_digests",
        "scorecards.at_risk_digest",
    ],
    # POSTs to the partners' receivers, and the sweep that resends what is due (slow receivers
    # wait out their timeout here, not in the e-mails' queue).
    "webhooks": ["api.webhook_deliver", "api.webhooks_sweep"],
    # A lead offered to a partner within seconds of arriving, declined or timing out.
    "routing": ["leads.route", "leads.offers_sweep"],
    # Measuring and deciding over many rows: tiers, scorecards, rebates, SPIFFs, competencies.
    "evaluation": [
        "programs.tier_evaluate",
        "scorecards.measure",
        "scorecards.measure_partner",
        "scorecards.measure_cards",
        "scorecards.reviews_due",
        "incentives.rebates_accrue",
        "incentives.spiffs_*",
        "incentives.payout_run_scheduled",
        "learning.certifications_check",
        "learning.competencies_recompute",
        "deals.pipeline_refresh",
    ],
    # Files made or read: PDFs (certificates, co-branded assets, statements, review summaries),
    # the CSV exports and the imports (batch after batch of rows).
    "documents": [
        "learning.certificate_render",
        "marketing.cobrand_make",
        "incentives.payout_statements",
        "scorecards.review_summary",
        "api.data_export_step",
        "*.import_run",
    ],
}
CELERY_TASK_ROUTES = {
    pattern: {"queue": queue} for queue, patterns in PRM_TASK_QUEUE_PATTERNS.items() for pattern in patterns
}
# Declared, so that a worker started without -Q takes every queue (development, `make run`).
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in [CELERY_TASK_DEFAULT_QUEUE, *PRM_TASK_QUEUE_PATTERNS]
]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "prm.events.outbox_sweep", "schedule": timedelta(seconds=30)},
    # Tier evaluation for every tenant, nightly (reviews fall due on their program's date).
    "tier-evaluate-all": {"task": "programs.tier_evaluate_all", "schedule": crontab(hour=2, minute=15)},
    # Scorecards: yesterday measured for every tenant (the run on the 1st closes the month), after
    # the tier evaluation; the at-risk digest to each channel account manager on Monday mornings.
    "scorecards-measure-all": {"task": "scorecards.measure_all", "schedule": crontab(hour=2, minute=45)},
    "scorecards-at-risk-digest-all": {
        "task": "scorecards.at_risk_digest_all",
        "schedule": crontab(hour=6, minute=30, day_of_week=1),
    },
    # Rebates: every active plan's current quarter measured and accrued, for every tenant.
    "rebates-accrue-all": {"task": "incentives.rebates_accrue_all", "schedule": crontab(hour=3, minute=5)},
    "mdf-expire-all": {"task": "incentives.mdf_expire_all", "schedule": crontab(hour=0, minute=20)},
    # Payouts: where a tenant's schedule is monthly or quarterly, the draft run of the period that
    # ended, for finance to approve (after the night's rebate accruals).
    "payout-runs-scheduled-all": {
        "task": "incentives.payout_run_scheduled_all",
        "schedule": crontab(hour=4, minute=10),
    },
    # Deal registrations: review reminders and escalations, protection expiry, the pipeline
    # dashboard's figures (every tenant).
    "deals-sweep-all": {"task": "deals.sweep_all", "schedule": crontab(minute="*/15")},
    # Certificates: expiry and the renewal reminders (each once), competencies of the companies concerned.
    "learning-sweep-all": {"task": "learning.sweep_all", "schedule": crontab(minute=40)},
    # Onboarding: stalled partners nudged (once per stall), missed agreement deadlines flagged (once).
    "recruitment-onboarding-sweep-all": {
        "task": "recruitment.onboarding_sweep_all",
        "schedule": crontab(hour=7, minute=5),
    },
    # Lead offers: reminders at half time, expiry at the deadline and routing on (every tenant).
    "leads-offers-sweep-all": {"task": "leads.offers_sweep_all", "schedule": crontab(minute="*/5")},
    # Webhooks: senders of endpoints with a message due (a retry, a lost task); old idempotency keys.
    "api-webhooks-sweep-all": {"task": "api.webhooks_sweep_all", "schedule": timedelta(minutes=1)},
    "api-idempotency-purge-all": {"task": "api.idempotency_purge_all", "schedule": crontab(hour=4, minute=10)},
    # Partner applications never verified by their contact expire (hourly, each once).
    "recruitment-applications-expire-all": {
        "task": "recruitment.applications_expire_all",
        "schedule": crontab(minute=25),
    },
    # Relationship reviews: partners whose tier's review cadence has come round get a due review (once).
    "scorecards-reviews-due-all": {"task": "scorecards.reviews_due_all", "schedule": crontab(hour=5, minute=50)},
    # Announcements whose publish time has come: e-mails to those who want each one, digest entries
    # for the others (marketing/services/announcements.py); then the daily and weekly digests.
    "marketing-announcements-deliver-all": {"task": "marketing.announcements_deliver_all", "schedule": 300.0},
    "marketing-announcement-digests-all": {
        "task": "marketing.announcement_digests_all",
        "schedule": crontab(hour=6, minute=40),
    },
    # Locator profiles not confirmed for the tenant's months: prompted, then hidden.
    "marketing-locator-sweep-all": {"task": "marketing.locator_sweep_all", "schedule": crontab(hour=4, minute=40)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Exactly one beat sends (prm/operations/beat.py): the one holding a lock in the broker's Redis,
# renewed at every tick; another beat stands by and takes over within this many seconds of the
# holder's death (within a third of it when the holder stops cleanly and deletes the lock).
CELERY_BEAT_SCHEDULER = "prm.operations.beat:LockedScheduler"
PRM_BEAT_LOCK_TTL = env_int("PRM_BEAT_LOCK_TTL", 60)

# --- The REST API (api/) ---------------------------------------------------------------------------
# Requests per minute per API key (or signed-in member): over it, 429 with Retry-After.
PRM_API_RATE = env_str("PRM_API_RATE", "600/min")
# Webhooks: seconds between a failed attempt and the next (jittered by 10%); past the last, the
# message fails and the endpoint is disabled. The default adds up to about a day.
PRM_WEBHOOK_RETRY_SECONDS = [
    float(value) for value in env_list("PRM_WEBHOOK_RETRY_SECONDS", "5,300,1800,7200,18000,36000,21600")
]
PRM_WEBHOOK_TIMEOUT = float(env_str("PRM_WEBHOOK_TIMEOUT", "10"))
# Allow webhook addresses on private, loopback and link-local networks, and plain http
# (development and tests only: it opens server-side request forgery).
PRM_WEBHOOK_ALLOW_PRIVATE = env_bool("PRM_WEBHOOK_ALLOW_PRIVATE", False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiKeyAuthentication",
        "api.auth.PageSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.KeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.framework.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PRM API",
    "VERSION": "1.0.0",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.describe"],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "APPEND_COMPONENTS": {
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "prm_<prefix>_<secret>"}}
    },
    "SECURITY": [{"apiKey": []}],
    "AUTHENTICATION_WHITELIST": [],
}

# --- Security defaults (production tightens) --------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it: the token travels in hx-headers
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Content-Security-Policy (prm/web/security.py), on every response. Scripts only from our own
# static files: no inline <script>, no on* handlers, no eval (htmx runs with allowEval false).
# Inline styles stay allowed: the layout sets the tenant's brand colour in a style attribute.
# form-action also names the tenant hosts: the platform page's "Open" form redirects to a
# tenant's host (prm/accounts/handoff.py), and Chromium checks that redirect against
# form-action. Custom domains come from DJANGO_ALLOWED_HOSTS, as for ALLOWED_HOSTS.
PRM_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    # Lesson videos (learning.richtext.VIDEO_FRAME_SOURCES) and SCORM packages (served by us).
    "frame-src": ["'self'", "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
    "frame-ancestors": ["'none'"],
    "form-action": [
        "'self'",
        f"*.{PRM_BASE_DOMAIN}:*",
        *(f"*{host}:*" if host.startswith(".") else f"{host}:*" for host in env_list("DJANGO_ALLOWED_HOSTS")),
    ],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# --- Logs and metrics (prm/operations/logs.py, metrics.py; README "Health checks, logs and
# metrics") ---------------------------------------------------------------------------------
# Every line of every process (Django's, ours, Celery's, gunicorn's workers') one JSON object with
# the request id, tenant and user; "console": readable lines (`make run`, the tests).
PRM_LOG_FORMAT = env_str("PRM_LOG_FORMAT", "json")
LOGGING = logging_config(fmt=PRM_LOG_FORMAT, level=env_str("DJANGO_LOG_LEVEL", "INFO"))
# /metrics: a scraper presents "Authorization: Bearer <token>"; unset, only a signed-in platform
# superuser sees it (everyone else: 404).
PRM_METRICS_TOKEN = env_str("PRM_METRICS_TOKEN", "")
