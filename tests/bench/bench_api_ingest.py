"""`make bench` scenario "api_ingest": order lines per second through the real API endpoint.

gunicorn (2 sync workers) serves `POST /api/v1/order-lines`; BENCH_API_CONCURRENCY senders post batches of
BENCH_API_BATCH lines (JSON prepared beforehand, so the senders cost little) with a client token. Three rounds
over the same BENCH_API_LINES external ids: all new (inserts), all changed (updates, each line's old content
into the versions), and a resend of the changed lines (nothing to write). Each request validates every row
and writes its batch in one statement (portal.performance.services). Target: ≥ 10,000 lines/s for new lines.
Besides the rate, each round reports the server's CPU time (gunicorn and the bench database's backends) and the
rate that CPU cost allows on otherwise idle cores, since a shared machine's rate says as much about its load.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

LINES = int(os.environ.get("BENCH_API_LINES", "200000"))
BATCH = int(os.environ.get("BENCH_API_BATCH", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_API_CONCURRENCY", "2"))
MERCHANTS = int(os.environ.get("BENCH_API_MERCHANTS", "200"))
TARGET_LINES_PER_S = 10_000

_PREPARE = """
from portal.api.services import api_client_token_create
from portal.models import ApiToken, Category, Merchant, OrderLine, PerformanceRowVersion, User
bench_lines = OrderLine.objects.filter(external_id__startswith="BENCH-")
PerformanceRowVersion.objects.filter(kind="order_line", row_id__in=bench_lines.values("pk")).delete()
bench_lines.delete()
Category.objects.get_or_create(code="bench-apparel", defaults={"name_zh": "基准服装", "name_en": "Bench apparel"})
bench = Merchant.objects.filter(name__startswith="Bench API merchant ")
have = bench.count()
Merchant.objects.bulk_create([Merchant(name=f"Bench API merchant {n}", status="active")
                              for n in range(have, %(merchants)d)])
staff, _ = User.objects.update_or_create(email="bench-api@example.com",
                                         defaults={"is_staff": True, "is_superuser": True})
ApiToken.objects.filter(name="bench ingest").delete()
print(api_client_token_create(name="bench ingest", scopes=["orders:write"], actor=staff)[1])
print(list(bench.values_list("pk", flat=True)[:%(merchants)d]))
"""


def _batches(merchant_ids: list[int], *, amount: str) -> list[bytes]:
    bodies = []
    for start in range(0, LINES, BATCH):
        rows = [{"external_id": f"BENCH-{n:08d}", "merchant": merchant_ids[n % len(merchant_ids)],
                 "category": "bench-apparel", "amount": amount, "currency": "CNY", "completed_on": "2026-11-02",
                 "settleable_on": "2026-11-09", "refund_amount": "0", "fulfilled": True, "on_time": n % 17 != 0}
                for n in range(start, min(start + BATCH, LINES))]
        bodies.append(json.dumps({"rows": rows}).encode())
    return bodies


def _post(url: str, token: str, body: bytes) -> tuple[int, float, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 (loopback http)
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            answer = json.loads(response.read())
            status = response.status
    except urllib.error.HTTPError as error:
        status, answer = error.code, {}
    except OSError:
        status, answer = 0, {}
    return status, (time.perf_counter() - started) * 1000, answer


def _round(url: str, token: str, bodies: list[bytes], cpu) -> dict:
    cpu_before, load_before = cpu(), os.getloadavg()[0]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        answers = list(pool.map(lambda body: _post(url, token, body), bodies))
    wall = time.perf_counter() - started
    serving_cpu = cpu() - cpu_before
    cores = os.cpu_count() or 1
    timings = sorted(ms for _status, ms, _answer in answers)
    totals = {key: sum(answer.get(key, 0) for _s, _ms, answer in answers)
              for key in ("created", "updated", "unchanged", "rejected")}
    return {"lines": LINES, "lines_per_s": round(LINES / wall), "wall_s": round(wall, 2),
            # what the lines cost the server (gunicorn and the database's backends), whatever else the machine
            # does; on otherwise idle cores the rate would be about cores / (CPU seconds per line)
            "serving_cpu_s": round(serving_cpu, 2), "lines_per_serving_cpu_s": round(LINES / serving_cpu),
            "idle_cores_estimate_lines_per_s": round(cores * LINES / serving_cpu),
            "load_1min": round(max(load_before, os.getloadavg()[0]), 1),
            "batch_p50_ms": round(timings[len(timings) // 2]), "batch_max_ms": round(timings[-1]),
            "non_200": sum(1 for status, _ms, _answer in answers if status != 200), **totals}


def scenario_api_ingest(results: dict, *, server_class, manage, port: int, serving_cpu) -> None:
    out = manage("shell", "-c", _PREPARE % {"merchants": MERCHANTS}).strip().splitlines()
    token, merchant_ids = out[-2], json.loads(out[-1])
    new, changed = _batches(merchant_ids, amount="128.00"), _batches(merchant_ids, amount="129.50")
    with server_class(port) as server:
        url = f"http://127.0.0.1:{port}/api/v1/order-lines"

        def cpu() -> float:
            return serving_cpu(server)

        created = _round(url, token, new, cpu)
        updated = _round(url, token, changed, cpu)
        resent = _round(url, token, changed, cpu)
    results["api_ingest_new"] = {**created, "batch": BATCH, "concurrency": CONCURRENCY,
                                 "target_lines_per_s": TARGET_LINES_PER_S,
                                 "ok": created["lines_per_s"] >= TARGET_LINES_PER_S and created["created"] == LINES}
    results["api_ingest_changed"] = {**updated, "ok": updated["updated"] == LINES}
    results["api_ingest_resent"] = {**resent, "ok": resent["unchanged"] == LINES}
