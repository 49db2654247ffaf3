#!/usr/bin/env bash
# The whole suite. Uses DATABASE_URL when set (CI: PostgreSQL), SQLite otherwise.
# A localstripe server is started for the run when none answers on STRIPE_PORT.
set -u
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=portal.settings.test
exec .venv/bin/python -m pytest "$@"
