"""Settings shared by every environment; everything that differs is read from the environment.

See `.env.example` for the variables. Development defaults need nothing installed (SQLite, eager
Celery, local-memory cache); PostgreSQL, Redis and real Stripe keys come in through the environment.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# the largest request body held in memory: an API batch of 10,000 order lines is about 3 MB of JSON (Django's
# default, 2.5 MB, would refuse it); file uploads are streamed to disk and not counted here
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=12 * 1024 * 1024)
# API rate limits per token ("<requests>/<period>", period s, min, hour or day; portal.api.throttling): the ingest
# endpoints (write) allow 20 batches of up to 10,000 rows a second, far above the trading platform's ~3 a second
API_THROTTLE_RATES = {
    "write": env("API_THROTTLE_WRITE", default="1200/min"),
    "read": env("API_THROTTLE_READ", default="600/min"),
}
# absolute links in emails; empty or unset = http://127.0.0.1:8000 (development: the dev server's address)
SITE_URL = env("SITE_URL", default="") or "http://127.0.0.1:8000"

INSTALLED_APPS = [
    # our packages first so their templates and translations win
    "portal",
    "cms",
    "onboarding",
    "contracts",
    "billing",
    # wagtail
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # third party
    "django_filters",
    "ninja",  # the API's docs page (Swagger UI) from its own static files, not a CDN
    "guardian",
    "axes",
    # django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LocaleMiddleware",  # Django's, keeping 404s outside the public site
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the login form with the lockout message
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
# PostgreSQL: the public pages' hot reads (portal.db.CompiledQuery) run as prepared statements; turn off
# behind a connection pooler in transaction mode that does not keep prepared statements
DATABASE_PREPARED_QUERIES = env.bool("DATABASE_PREPARED_QUERIES", default=True)
# the public pages' hot reads as compiled queries (portal.db) or as plain ORM querysets (the same rows and
# queries); kept switchable so the benchmark can compare the two (`tests/bench/run.sh compiled_vs_orm`)
DATABASE_COMPILED_QUERIES = env.bool("DATABASE_COMPILED_QUERIES", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://portal"),
}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any password is checked
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors get no object grants
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "/"
# Login throttling (django-axes) for every login form (merchant, Wagtail admin, Django admin): after
# LOGIN_FAILURE_LIMIT wrong passwords for one address from one IP address, that pair is locked out, even with the
# right password, until LOGIN_LOCKOUT_MINUTES have passed or staff reset it (`manage.py axes_reset_username`,
# or the access attempts in the Django admin). A success clears the count. Behind a proxy, set
# AXES_IPWARE_PROXY_COUNT and install django-ipware so the client's address is used rather than the proxy's.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "portal.accounts.throttle.login_username"
AXES_LOCKOUT_CALLABLE = "portal.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the cool-off runs from the lockout, not the last try
AXES_VERBOSE = False
# Password-reset mails: at most this many requests per address and per IP address in the window (the cache keeps
# the counts), whether or not the address has an account.
PASSWORD_RESET_LIMIT_PER_EMAIL = env.int("PASSWORD_RESET_LIMIT_PER_EMAIL", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=10)
PASSWORD_RESET_LIMIT_WINDOW = timedelta(hours=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Simplified Chinese first, English second, for the interface and for content.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
# the project catalog first; then Chinese for the Wagtail admin strings that Wagtail's own catalog leaves out
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_wagtail"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "static_collected")
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Merchant documents never sit under MEDIA_URL: they are served only through permission-checked views, and on
# disk only the application's own user may read them (files 0600, folders 0700).
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
PRIVATE_STORAGE_OPTIONS = {"base_url": None, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), **PRIVATE_STORAGE_OPTIONS},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="招商平台 <noreply@example.com>")

# Celery: eager (in-process) when no broker is configured, Redis otherwise.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
# onboarding: information-request timeouts, SLA alerts and document expiry (times are Asia/Shanghai)
CELERY_BEAT_SCHEDULE |= {
    "onboarding-auto-withdraw": {
        "task": "onboarding.tasks.applications_auto_withdraw_task", "schedule": crontab(hour=2, minute=10),
    },
    "onboarding-sla-check": {
        "task": "onboarding.tasks.applications_sla_check_task", "schedule": crontab(minute="*/15"),
    },
    "onboarding-document-expiry": {
        "task": "onboarding.tasks.documents_expiry_check_task", "schedule": crontab(hour=8, minute=30),
    },
}
# contracts: renewal reviews, their reminders and the end of terms, once a day (Asia/Shanghai)
CELERY_BEAT_SCHEDULE |= {
    "contracts-renewals-daily": {
        "task": "contracts.tasks.contracts_renewals_daily_task", "schedule": crontab(hour=1, minute=30),
    },
    "contracts-exports-purge": {
        "task": "contracts.tasks.contract_exports_purge_task", "schedule": crontab(hour=3, minute=20),
    },
}
# ---- billing deposit: top-up reminders, overdue top-ups (suspension review) and overdue refunds, daily
CELERY_BEAT_SCHEDULE |= {
    "billing-deposit-daily": {"task": "billing.tasks.deposit_daily_task", "schedule": crontab(hour=8, minute=0)},
}
# ---- end billing deposit
# ---- billing invoices: the annual technical service fee of each contract's later years, daily
CELERY_BEAT_SCHEDULE |= {
    "billing-technical-service-fees": {
        "task": "billing.tasks.technical_service_fees_daily_task", "schedule": crontab(hour=6, minute=40),
    },
}
# ---- end billing invoices

# ---- billing statements: silence = confirmed, once a day after midnight (Asia/Shanghai)
CELERY_BEAT_SCHEDULE |= {
    "billing-statements-autoconfirm": {
        "task": "billing.tasks.statements_autoconfirm_task", "schedule": crontab(hour=0, minute=20),
    },
}
# ---- end billing statements

# ---- ratings: every operating merchant rated as of today, after midnight (Asia/Shanghai), in chunks of merchant ids
CELERY_BEAT_SCHEDULE |= {
    "portal-ratings-nightly": {
        "task": "portal.ratings.tasks.ratings_nightly_task", "schedule": crontab(hour=0, minute=45),
    },
}
# ---- end ratings

# ---- performance imports: the uploads nobody finished within a week forgotten, with their files, daily
CELERY_BEAT_SCHEDULE |= {
    "portal-performance-imports-purge": {
        "task": "portal.performance.tasks.performance_imports_purge_task", "schedule": crontab(hour=4, minute=10),
    },
}

# ---- alerts: after the night's ratings, the quarterly re-qualification check (1 January, April, July, October), the
# deposit requirements reviewed against the table the same day (billing), the annual tail review (5 January)
CELERY_BEAT_SCHEDULE |= {
    "portal-requalification-quarterly": {
        "task": "portal.alerts.tasks.requalification_quarterly_task",
        "schedule": crontab(hour=3, minute=0, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "billing-deposit-quarterly-review": {
        "task": "billing.tasks.deposit_quarterly_review_task",
        "schedule": crontab(hour=3, minute=30, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "portal-tail-review-annual": {
        "task": "portal.alerts.tasks.tail_review_annual_task",
        "schedule": crontab(hour=3, minute=15, day_of_month=5, month_of_year="1"),
    },
}
# ---- end alerts

# ---- billing stripe: card payments and refunds still pending are read back from Stripe (lost webhooks)
CELERY_BEAT_SCHEDULE |= {
    "billing-payments-reconcile": {
        "task": "billing.tasks.payments_reconcile_task", "schedule": crontab(minute="*/5"),
    },
}
# ---- end billing stripe
# ---- billing settlements: last week's run on Monday night; stalled chunks queued again
CELERY_BEAT_SCHEDULE |= {
    "billing-settlement-weekly": {
        "task": "billing.tasks.settlement_weekly_task", "schedule": crontab(day_of_week="mon", hour=2, minute=30),
    },
    "billing-settlements-resume": {
        "task": "billing.tasks.settlements_resume_task", "schedule": crontab(minute="*/10"),
    },
}
# ---- end billing settlements

# Stripe: localstripe in development and tests (STRIPE_API_BASE), real Stripe in production.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_localstripe")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# seconds a Stripe call may take before the portal says Stripe is unreachable (nothing is lost: it is retried)
STRIPE_TIMEOUT = env.float("STRIPE_TIMEOUT", default=10.0)
# where the card page loads Stripe.js (default: localstripe's stand-in under STRIPE_API_BASE, else js.stripe.com)
STRIPE_JS_URL = env("STRIPE_JS_URL", default="")
# webhooks: signatures older than this many seconds are refused; a row lock not had within the lock timeout
# answers 503 so that Stripe delivers the event again
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)
STRIPE_WEBHOOK_LOCK_TIMEOUT_MS = env.int("STRIPE_WEBHOOK_LOCK_TIMEOUT_MS", default=3000)
# SM4 keys for encrypted fields (bank account numbers), 32 hex digits each; the first encrypts, all decrypt.
# Development and tests use a fixed key; production must set its own (portal/fields.py).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["00112233445566778899aabbccddeeff"])

# Contract seal (contracts.signing): the operator's PAdES certificate and key, PEM files. Unset in development
# and tests: a self-signed development root and seal certificate are then made on first use in
# CONTRACT_SIGNING_DIR (under var/, never committed). CONTRACT_SIGNING_CHAIN lists intermediates, comma-separated.
CONTRACT_SIGNING_KEY = env("CONTRACT_SIGNING_KEY", default="")
CONTRACT_SIGNING_CERT = env("CONTRACT_SIGNING_CERT", default="")
CONTRACT_SIGNING_KEY_PASSPHRASE = env("CONTRACT_SIGNING_KEY_PASSPHRASE", default="")
CONTRACT_SIGNING_CHAIN = env.list("CONTRACT_SIGNING_CHAIN", default=[])
CONTRACT_SIGNING_ROOT = env("CONTRACT_SIGNING_ROOT", default="")
CONTRACT_SIGNING_DIR = env.path("CONTRACT_SIGNING_DIR", default=BASE_DIR / "var" / "signing")
# The public verify page: largest upload, and checks per IP address per window.
CONTRACT_VERIFY_MAX_MB = env.int("CONTRACT_VERIFY_MAX_MB", default=20)
CONTRACT_VERIFY_LIMIT = env.int("CONTRACT_VERIFY_LIMIT", default=30)
CONTRACT_VERIFY_WINDOW_SECONDS = env.int("CONTRACT_VERIFY_WINDOW_SECONDS", default=600)

# Money: the default currency of every amount that does not say otherwise.
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="CNY")

# Public page cache: policy pages are served from here for anonymous visitors.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)

# Content-Security-Policy (portal.middleware). Our own pages (the public site, the merchant area, the review
# screens) have no inline script, style or handler: everything comes from our own static files, and no external
# host is allowed. The Wagtail admin writes inline <script> for its page-editor widgets (date pickers, inline
# panels) and style="" attributes in its templates, which we cannot give nonces, so the admin prefixes allow
# 'unsafe-inline' for scripts and styles and nothing else beyond the site's policy; blob: and data: images are
# its image previews. Gravatar is off so the admin loads nothing from elsewhere.
CSP_SITE = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
CSP_ADMIN = {
    **CSP_SITE,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
}
CSP_ADMIN_PREFIXES = ["/admin/", "/django-admin/"]
WAGTAIL_GRAVATAR_PROVIDER_URL = None

WAGTAIL_SITE_NAME = "招商平台"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_USER_LOGIN_FORM = "portal.accounts.admin_login.AdminLoginForm"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000  # editors' images too are refused above this before decoding
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatar service: the admin shows Wagtail's built-in default avatar (or an uploaded one), so no page makes a
# request to a third-party host (Gravatar by default) and no email hash leaves the site.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_COMMENTS_ENABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Wagtail's background tasks (search and reference index updates) log every run at INFO
    "loggers": {"django_tasks": {"level": env("TASKS_LOG_LEVEL", default="WARNING")},
                # WeasyPrint reports every layout step of every PDF at INFO
                "weasyprint.progress": {"level": "WARNING"},
                # stripe-python logs every request and answer at INFO; billing logs what matters itself
                "stripe": {"level": env("STRIPE_LOG_LEVEL", default="WARNING")}},
}
