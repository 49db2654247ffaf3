"""The development script's ports: a running localstripe is reused, a port held by anything else is skipped."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from django.conf import settings

from portal.devserver import localstripe_answers, port_is_free, stripe_port_choose, wait_until


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def other_server():
    """An HTTP server that is not localstripe, on a free port."""
    server = http.server.HTTPServer(("127.0.0.1", _free_port()), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_free_port_is_used_to_start_localstripe():
    port = _free_port()
    assert port_is_free(port)
    assert stripe_port_choose(port) == (port, False)


def test_a_port_held_by_another_program_is_skipped_for_the_next_free_one(other_server):
    assert not port_is_free(other_server)
    assert not localstripe_answers(other_server)
    port, reuse = stripe_port_choose(other_server)
    assert not reuse and port > other_server and port_is_free(port)


def test_a_running_localstripe_is_reused():
    binary = Path(settings.BASE_DIR) / ".venv" / "bin" / "localstripe"
    executable = str(binary) if binary.exists() else shutil.which("localstripe")
    assert executable, "localstripe is a development dependency"
    port = _free_port()
    process = subprocess.Popen([executable, "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: localstripe_answers(port), 20)
        assert stripe_port_choose(port) == (port, True)
    finally:
        process.terminate()
        process.wait(timeout=10)

