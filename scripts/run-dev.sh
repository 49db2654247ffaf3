#!/usr/bin/env bash
# Development server with localstripe beside it. Stops localstripe when the server stops.
set -u
cd "$(dirname "$0")/.."
port=${1:-8000}; stripe_port=${2:-8420}
.venv/bin/localstripe --port "$stripe_port" >var-localstripe.log 2>&1 &
ls_pid=$!
trap 'kill $ls_pid 2>/dev/null' EXIT INT TERM
export STRIPE_API_BASE="http://127.0.0.1:$stripe_port"
echo "localstripe on $STRIPE_API_BASE (pid $ls_pid)"
.venv/bin/python manage.py runserver "127.0.0.1:$port"
