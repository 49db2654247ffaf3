"""Ports for the development server (`scripts/run-dev.sh`): which port localstripe runs on, and whether
one is already running there.

    python -m portal.devserver stripe-port 8420    # prints "<port> reuse" or "<port> start"
    python -m portal.devserver wait-stripe 8421 15 # exit 0 once localstripe answers, 1 after 15 s
    python -m portal.devserver wait-http http://127.0.0.1:8000/healthz 60

A port that answers like localstripe is reused; a port held by anything else is skipped for the next free
one, so the script never claims a localstripe it did not start. Standard library only.
"""

from __future__ import annotations

import socket
import sys
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"
# localstripe serves its Stripe.js stand-in here; nothing else answers this path with it
LOCALSTRIPE_PROBE = "/js.stripe.com/v3/"


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on host:port and we could bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _get(url: str, timeout: float) -> tuple[int, bytes] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback http only)
            return response.status, response.read(200_000)
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (OSError, ValueError):
        return None


def localstripe_answers(port: int, host: str = HOST, timeout: float = 2.0) -> bool:
    """True when a localstripe server answers on host:port."""
    answer = _get(f"http://{host}:{port}{LOCALSTRIPE_PROBE}", timeout)
    return answer is not None and answer[0] == 200 and b"localstripe" in answer[1].lower()


def stripe_port_choose(preferred: int, *, tries: int = 50, host: str = HOST) -> tuple[int, bool]:
    """(port, reuse): the preferred port when it is free (start localstripe there) or already runs
    localstripe (reuse it); otherwise the next free port above it. Raises OSError when none is free."""
    if localstripe_answers(preferred, host):
        return preferred, True
    for port in range(preferred, preferred + tries):
        if port_is_free(port, host):
            return port, False
    raise OSError(f"no free port in {preferred}-{preferred + tries - 1}")


def wait_until(check, seconds: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "stripe-port" and len(args) == 1:
        try:
            port, reuse = stripe_port_choose(int(args[0]))
        except OSError as error:
            print(error, file=sys.stderr)
            return 1
        print(port, "reuse" if reuse else "start")
        return 0
    if command == "wait-stripe" and len(args) == 2:
        return 0 if wait_until(lambda: localstripe_answers(int(args[0]), timeout=1.0), float(args[1])) else 1
    if command == "wait-http" and len(args) == 2:
        return 0 if wait_until(lambda: (_get(args[0], 1.0) or (0,))[0] == 200, float(args[1])) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
