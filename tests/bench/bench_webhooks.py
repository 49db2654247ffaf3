"""`make bench` scenario "webhooks": Stripe webhook events processed per second by the real server.

A localstripe (tests/stripe_server.py) holds BENCH_WEBHOOK_EVENTS PaymentIntents that have succeeded; the bench
database holds their payments, still pending. Each payment_intent.succeeded event is signed with the endpoint
secret, as Stripe signs it, and posted to gunicorn (2 sync workers) by BENCH_WEBHOOK_CONCURRENCY senders; the
server verifies the signature, records the event, re-reads the intent from localstripe and records the payment
(ledger entry, deposit held). Then every event is delivered again: a replay is answered from the event table.
Reported: events per second, latency percentiles, and the check that every payment was recorded exactly once.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.stripe_server import LocalStripe, webhook_signature  # noqa: E402

EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "300"))
CONCURRENCY = int(os.environ.get("BENCH_WEBHOOK_CONCURRENCY", "4"))
SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_localstripe")


def _deliver(url: str, event: dict) -> tuple[int, float]:
    payload = json.dumps(event).encode()
    request = urllib.request.Request(url, data=payload, method="POST", headers={  # noqa: S310 (loopback http)
        "Content-Type": "application/json", "Stripe-Signature": webhook_signature(payload, SECRET)})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def _round(url: str, events: list[dict]) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        answers = list(pool.map(lambda e: _deliver(url, e), events))
    wall = time.perf_counter() - started
    timings = sorted(ms for _status, ms in answers)

    def pct(p: int) -> float:
        return round(timings[min(len(timings) - 1, max(0, round(p / 100 * len(timings)) - 1))], 1)

    return {"events": len(events), "events_per_s": round(len(events) / wall, 1), "wall_s": round(wall, 2),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "non_200": sum(1 for status, _ms in answers if status != 200)}


def scenario_webhooks(results: dict, *, server_class, manage, port: int) -> None:
    stripe_server = LocalStripe().start()
    events_file = Path(tempfile.gettempdir()) / f"bench-webhook-events-{os.getpid()}.json"
    try:
        manage("bench_stripe_webhooks", "--prepare", "--count", str(EVENTS), "--events", str(events_file),
               STRIPE_API_BASE=stripe_server.url)
        events = json.loads(events_file.read_text())
        with server_class(port, STRIPE_API_BASE=stripe_server.url):
            url = f"http://127.0.0.1:{port}/billing/stripe/webhook/"
            first = _round(url, events)
            replay = _round(url, events)
        check = json.loads(manage("bench_stripe_webhooks", "--verify", "--events", str(events_file),
                                  STRIPE_API_BASE=stripe_server.url).strip().splitlines()[-1])
    finally:
        stripe_server.close()
        events_file.unlink(missing_ok=True)
    results["stripe_webhooks"] = {**first, "concurrency": CONCURRENCY}
    results["stripe_webhooks_replayed"] = replay
    results["stripe_webhooks_check"] = {**check, "ok": check["payments_succeeded"] == check["ledger_entries"]
                                        == check["events_recorded"] == len(events)}
