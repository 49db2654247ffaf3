"""Local development: `make run`. SQLite, eager Celery, console email, localstripe."""

import sys

from portal.site import runserver_site_url

from .base import *  # noqa: F403
from .base import env

# Links in emails open the server that sent them: SITE_URL if set, else the address runserver serves.
if not env("SITE_URL", default=""):
    SITE_URL = runserver_site_url(sys.argv) or SITE_URL  # noqa: F405
    WAGTAILADMIN_BASE_URL = SITE_URL

DEBUG = env.bool("DJANGO_DEBUG", default=True)
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:8420")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
