# The portal's commands. `make run` and `make test` work on a fresh machine: they create .venv,
# install the project and the system packages it needs, and migrate.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STRIPE_PORT ?= 8420
export DJANGO_SETTINGS_MODULE ?= portal.settings.dev

.PHONY: install sysdeps messages migrate demo demo-month run test check lint bench e2e worker clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e ".[dev]"
	@touch $@

install: $(VENV)/.installed sysdeps messages

sysdeps:
	@bash scripts/setup-system.sh

messages: $(VENV)/.installed
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

migrate: install
	@$(PY) manage.py migrate --noinput -v 0

demo: migrate
	@$(PY) manage.py load_demo

demo-month: demo
	@$(PY) manage.py demo_month

run: demo
	@bash scripts/run-dev.sh $(PORT) $(STRIPE_PORT)

test: install
	@bash scripts/run-tests.sh

check lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/lint-imports --no-logo --no-cache
	@DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run

bench: install
	@bash tests/bench/run.sh

worker: install
	@$(VENV)/bin/celery -A portal worker -l info

clean:
	rm -rf $(VENV) db.sqlite3 media private_media static_collected
