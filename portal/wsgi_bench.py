"""WSGI entry point for the benchmarks: production-like settings over plain HTTP on loopback."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
application = get_wsgi_application()
