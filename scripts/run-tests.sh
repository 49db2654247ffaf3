#!/usr/bin/env bash
# The whole suite, browser journeys included. Uses DATABASE_URL when set (CI: PostgreSQL), SQLite otherwise.
set -u
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=portal.settings.test
# one worker per core (PYTEST_WORKERS=0 runs in this process); each worker has its own test database
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadfile "$@"
