"""The test suite: fast hashing, in-memory email, eager Celery. The database comes from DATABASE_URL
(CI sets PostgreSQL), SQLite otherwise."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import PRIVATE_STORAGE_OPTIONS, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.db_backend"  # noqa: F405  (a faster flush between tests)
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
_tmp = tempfile.mkdtemp(prefix="portal-test-")
os.makedirs(f"{_tmp}/static", exist_ok=True)
MEDIA_ROOT = f"{_tmp}/media"
PRIVATE_MEDIA_ROOT = f"{_tmp}/private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, **PRIVATE_STORAGE_OPTIONS},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than SQLite's shared in-memory database: with that one, Django's live server hands the test's
    # single connection to every request thread, so a browser's page and a Stripe webhook arriving together break
    # each other's transactions. With a file each thread has its own connection, as in production.
    DATABASES["default"]["TEST"] = {"NAME": f"{_tmp}/test.sqlite3"}  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:8420")
STATIC_ROOT = f"{_tmp}/static"  # whitenoise wants the folder to exist; files come from the finders in tests
WHITENOISE_USE_FINDERS = True
