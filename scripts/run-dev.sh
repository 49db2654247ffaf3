#!/usr/bin/env bash
# Development server with localstripe beside it: `run-dev.sh [port] [stripe port]`.
# localstripe: a localstripe already answering on the stripe port is reused; if something else holds the
# port, localstripe starts on the next free one. Whatever it says about localstripe is what happened.
# Links in emails go to this server (SITE_URL=http://127.0.0.1:<port>) unless SITE_URL is set.
# The URLs and demo logins are printed last, once the server answers. Stops the localstripe it started.
set -u
cd "$(dirname "$0")/.."
port=${1:-8000}; wanted_stripe_port=${2:-8420}
py=.venv/bin/python
ls_pid=""; banner_pid=""; server_pid=""
stop() {
    [ -n "$server_pid" ] && kill -- "-$server_pid" 2>/dev/null  # the server and its autoreloaded child
    for pid in $banner_pid $ls_pid; do kill "$pid" 2>/dev/null; done
}
trap stop EXIT
trap 'exit 130' INT TERM

if ! choice=$($py -m portal.devserver stripe-port "$wanted_stripe_port"); then
    echo "localstripe: no free port from $wanted_stripe_port on; card payments will not work" >&2
    stripe_port=$wanted_stripe_port; stripe_note="not running"
else
    read -r stripe_port mode <<<"$choice"
    if [ "$mode" = reuse ]; then
        stripe_note="already running on port $stripe_port: reused (not stopped with the server)"
    else
        [ "$stripe_port" != "$wanted_stripe_port" ] && echo "port $wanted_stripe_port is taken by another program: localstripe uses port $stripe_port"
        .venv/bin/localstripe --port "$stripe_port" >var-localstripe.log 2>&1 &
        ls_pid=$!
        if $py -m portal.devserver wait-stripe "$stripe_port" 20; then
            stripe_note="started on port $stripe_port (pid $ls_pid, log var-localstripe.log)"
        else
            stripe_note="did NOT start on port $stripe_port (see var-localstripe.log): card payments will not work"
            kill "$ls_pid" 2>/dev/null; ls_pid=""
        fi
    fi
fi
export STRIPE_API_BASE="http://127.0.0.1:$stripe_port"
local_url="http://127.0.0.1:$port"
export SITE_URL="${SITE_URL:-$local_url}"

banner() {
    if ! $py -m portal.devserver wait-http "$local_url/healthz" 90; then
        echo "the site did not answer on $local_url (see the messages above)" >&2
        return
    fi
    echo
    echo "localstripe: $stripe_note"
    $py manage.py demo_logins
    echo "emails link to $SITE_URL"
    echo "site     $local_url/zh-hans/   (English: $local_url/en/)"
    echo "merchant $local_url/zh-hans/portal/"
    echo "admin    $local_url/admin/"
}
banner &
banner_pid=$!
# in its own process group, so that stopping this script stops the autoreloader's child too
setsid $py manage.py runserver "127.0.0.1:$port" &
server_pid=$!
wait "$server_pid"
