"""Local development: `make run`. SQLite, eager Celery, console email, localstripe."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:8420")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
