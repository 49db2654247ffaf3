"""The Celery application. Tasks run eagerly in-process when no broker is configured (development and
tests), and on Redis workers when CELERY_BROKER_URL is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# tasks of portal's sub-packages are not found by the default scan
app.autodiscover_tasks(["portal.accounts", "portal.ratings", "portal.alerts", "portal.performance"])
