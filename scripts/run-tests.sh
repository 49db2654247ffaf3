#!/usr/bin/env bash
# The whole suite, browser journeys included. Uses DATABASE_URL when set (CI: PostgreSQL), SQLite otherwise.
set -u
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=portal.settings.test
exec .venv/bin/python -m pytest "$@"
