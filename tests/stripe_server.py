"""A localstripe server for tests (billing, e2e): started from the virtualenv on a free port, stopped and
started again on the same port (the "Stripe unreachable" tests), with helpers that do what the browser and
Stripe would: make a card token with the publishable key, and sign a webhook event with the endpoint secret.

    server = LocalStripe().start()      # server.url == "http://127.0.0.1:<port>"
    server.stop(); server.start()       # Stripe down, then back with the objects it had
    server.webhook_register("portal", "http://127.0.0.1:8000/billing/stripe/webhook/", "whsec_...")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# localstripe (the virtualenv's package) with its saved data in a file of its own: it saves everything to one
# fixed file shared by every localstripe on the machine, so a restart would load another server's objects
LAUNCHER = """
import pickle, sys
from localstripe import resources

path = sys.argv.pop(1)

def load(self):
    try:
        with open(path, "rb") as f:
            old = pickle.load(f)
    except (FileNotFoundError, EOFError):
        return
    self.clear()
    self.update(old)

def dump(self):
    with open(path, "wb") as f:
        pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)

resources.Store.try_load_from_disk = load
resources.Store.dump_to_disk = dump
from localstripe import server
server.start()
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class LocalStripe:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = Path(tempfile.gettempdir()) / f"localstripe-test-{self.port}.log"
        self.data = Path(tempfile.gettempdir()) / f"localstripe-test-{os.getpid()}-{self.port}.pickle"
        self.data.unlink(missing_ok=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30) -> LocalStripe:
        if self.running:
            return self
        # a restart loads what this server had (Stripe was down, not wiped)
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(self.data), "--port", str(self.port)],
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"localstripe exited (see {self.log})")
            if self.answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"localstripe did not answer on {self.url} (see {self.log})")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def close(self) -> None:
        self.stop()
        self.data.unlink(missing_ok=True)

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/js.stripe.com/v3/", timeout=1) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    def _post(self, path: str, fields: dict, *, secret: str | None = None) -> dict:
        request = urllib.request.Request(f"{self.url}{path}",  # noqa: S310 (loopback http only)
                                         data=urllib.parse.urlencode(fields).encode(), method="POST")
        if secret:
            request.add_header("Authorization", f"Bearer {secret}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:
            return {"error": json.loads(error.read() or b"{}").get("error", {}), "status": error.code}
        return json.loads(body) if body.strip() else {}

    def card_token(self, number: str = "4242424242424242", *, publishable_key: str = "pk_test_localstripe") -> str:
        """A card token, as Stripe.js makes it in the browser from the Card Element."""
        answer = self._post("/v1/tokens", {"card[number]": number, "card[exp_month]": "12",
                                           "card[exp_year]": "2030", "card[cvc]": "123", "key": publishable_key})
        return answer["id"]

    def authenticate(self, intent_id: str, client_secret: str, *, success: bool = True) -> dict:
        """What stripe.confirmCardPayment does on localstripe: the 3-D Secure step."""
        return self._post(f"/v1/payment_intents/{intent_id}/_authenticate?success={'true' if success else 'false'}",
                          {"key": "pk_test_localstripe", "client_secret": client_secret})

    def webhook_register(self, name: str, url: str, secret: str, events: list[str] | None = None) -> None:
        fields: dict = {"url": url, "secret": secret}
        if events:
            fields["events[]"] = events
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/_config/webhooks/{name}", data=data,  # noqa: S310
                                                      method="POST"), timeout=10).read()

    def flush(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/_config/data", method="DELETE"),  # noqa: S310
                               timeout=10).read()


def webhook_signature(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe (and localstripe) sends for `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = b"%d.%s" % (timestamp, payload)
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def stripe_event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    """An event as Stripe sends it (our webhook re-reads the object, so only ids and types matter)."""
    return {"id": event_id or f"evt_test_{os.urandom(7).hex()}", "object": "event", "type": event_type,
            "created": int(time.time()), "livemode": False, "api_version": "2017-08-15",
            "data": {"object": obj}}
