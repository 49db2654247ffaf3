"""Benchmarks: production-like (DEBUG off, cached template loader) on the DATABASE_URL the bench gives,
without TLS redirects so it can be driven over plain HTTP on loopback."""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
WHITENOISE_USE_FINDERS = True
