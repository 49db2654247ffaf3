#!/usr/bin/env bash
# `make bench`: throughput of the public site under gunicorn on PostgreSQL, driven by wrk on loopback.
# Prints a table and writes var/bench/results.json. Needs PostgreSQL (DATABASE_URL or 127.0.0.1:5432).
set -eu
cd "$(dirname "$0")/../.."
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/tmp/portal-apt.log 2>&1 \
      || { echo "could not install wrk (see /tmp/portal-apt.log)"; exit 1; }
  else
    echo "the benchmark needs wrk: sudo apt-get install wrk"; exit 1
  fi
fi
exec .venv/bin/python tests/bench/bench.py "$@"
