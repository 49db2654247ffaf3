"""Benchmarks of the portal, run by `make bench` (never by the test suite).

Each scenario runs against a real gunicorn (2 sync workers, the two cores of the reference machine)
on PostgreSQL with production-like settings (DEBUG off), loaded by wrk on loopback, 32 connections.
Scenarios are registered in SCENARIOS; each prints requests per second, latency percentiles and, for
pages, the SQL queries one request makes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB_NAME = os.environ.get("BENCH_DB", "portal_bench")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")
# gunicorn's port; the scenarios start one server at a time on it
PORT = int(os.environ.get("BENCH_PORT", "8801"))
PAGE = os.environ.get("BENCH_PAGE", "/zh-hans/policies/entry-incentives/")
START_SECONDS = int(os.environ.get("BENCH_START_SECONDS", "120"))


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.bench",
        DATABASE_URL=DATABASE_URL,
        CELERY_BROKER_URL="",
        DJANGO_DEBUG="false",
    )
    env.update(extra)
    return env


def manage(*args: str, **extra: str) -> str:
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=bench_env(**extra), check=True,
                         capture_output=True, text=True)
    return out.stdout


def prepare_database(reset: bool) -> None:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    if reset:
        subprocess.run([*psql, "-c", f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True)
    exists = subprocess.run([*psql, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}'"],
                            check=True, capture_output=True, text=True).stdout.strip()
    if not exists:
        subprocess.run([*psql, "-c", f"CREATE DATABASE {DB_NAME}"], check=True)
    manage("migrate", "--noinput", "-v", "0")
    manage("load_demo")


class Server:
    def __init__(self, port: int, **extra: str):
        self.port = port
        self.extra = extra
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [GUNICORN, "portal.wsgi_bench:application", "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
            cwd=ROOT, env=bench_env(**self.extra), start_new_session=True,
        )
        # a busy machine can take a while to import Django in both workers
        deadline = time.time() + START_SECONDS
        while time.time() < deadline and self.proc.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()  # noqa: S310
                return self
            except OSError:
                time.sleep(0.3)
        self._stop()
        raise RuntimeError(f"gunicorn did not start on port {self.port}")

    def __exit__(self, *exc) -> None:
        self._stop()

    def _stop(self) -> None:
        """Stop the server and wait until it has gone, so that the next one can take the port."""
        process_group_stop(self.proc, timeout=30)


def process_group_stop(proc: subprocess.Popen | None, *, timeout: float) -> None:
    """SIGTERM the process group of `proc` (started with start_new_session) and wait for it; SIGKILL after
    `timeout` seconds. Nothing to do when it never started or has already ended."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serving_cpu_seconds(server: Server) -> float:
    """CPU time so far of the server's gunicorn processes and of the PostgreSQL backends of the bench database
    (on this machine): what the requests cost, whatever else the machine is doing."""
    return sum(serving_cpu_by_process(server).values())


def serving_cpu_spent(server: Server, before: dict[int, float]) -> float:
    """CPU seconds the serving processes spent since `before` (a `serving_cpu_by_process`): a process that has
    ended since (a database connection past its age) is left out rather than counted negative."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in serving_cpu_by_process(server).items())


def serving_cpu_by_process(server: Server) -> dict[int, float]:
    total: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            pgrp = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
        except (OSError, IndexError, ValueError):
            continue
        # "postgres: <user> <db> …", or "postgres: <cluster>: <user> <db> …" when the cluster has a name
        is_backend = len(title) > 2 and title[0] == "postgres:" and DB_NAME in title[2:4]
        if pgrp == server.proc.pid or is_backend:
            total[int(entry.name)] = _cpu_seconds(int(entry.name))
    return total


def wrk(url: str, headers: tuple[str, ...] = (), connections: str = CONNECTIONS,
        server: Server | None = None) -> dict[str, float]:
    """wrk's requests per second and latency; with `server`, also the CPU milliseconds each request cost."""
    # warm up (caches, connections), then measure
    header_args = [arg for header in headers for arg in ("-H", header)]
    subprocess.run(["wrk", "-t2", "-c8", "-d2s", *header_args, url], check=True, capture_output=True)
    cpu_before = serving_cpu_seconds(server) if server else 0.0
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{DURATION}", "--latency", *header_args, url],
                         check=True, capture_output=True, text=True).stdout
    cpu = serving_cpu_seconds(server) - cpu_before if server else 0.0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    result = {"rps": rps, "p50_ms": pct("50"), "p99_ms": pct("99"), "errors": int(non2xx.group(1)) if non2xx else 0}
    if server and requests:
        result["cpu_ms_per_request"] = round(cpu * 1000 / requests, 2)
    return result


def count_queries(path: str, **extra: str) -> int:
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from django.db import connection\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "c = Client(HTTP_HOST='127.0.0.1')\n"
        f"c.get({path!r})\n"
        "with CaptureQueriesContext(connection) as q:\n"
        f"    r = c.get({path!r})\n"
        "assert r.status_code == 200, r.status_code\n"
        "print(len(q))\n"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=bench_env(PAGE_CACHE_SECONDS="0", **extra), check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def scenario_pages(results: dict) -> None:
    with Server(PORT) as _:
        results["bare_view"] = wrk(f"http://127.0.0.1:{PORT}/healthz")
        results["cached_page"] = wrk(f"http://127.0.0.1:{PORT}{PAGE}")
    with Server(PORT, PAGE_CACHE_SECONDS="0") as _:
        results["uncached_page"] = wrk(f"http://127.0.0.1:{PORT}{PAGE}")
    results["page"] = PAGE
    results["queries_per_page_uncached"] = count_queries(PAGE)
    results["cached_vs_bare"] = round(results["cached_page"]["rps"] / results["bare_view"]["rps"], 3)


# the public pages' hot reads: compiled queries (portal.db) as prepared statements, compiled but bound on
# the client, and the plain ORM
READ_VARIANTS = {
    "compiled_prepared": {"DATABASE_COMPILED_QUERIES": "true", "DATABASE_PREPARED_QUERIES": "true"},
    "compiled_unprepared": {"DATABASE_COMPILED_QUERIES": "true", "DATABASE_PREPARED_QUERIES": "false"},
    "orm": {"DATABASE_COMPILED_QUERIES": "false"},
}
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def scenario_compiled_vs_orm(results: dict) -> None:
    """The uncached policy page with each read variant, BENCH_ROUNDS rounds interleaved; medians compared."""
    runs: dict[str, list[dict]] = {name: [] for name in READ_VARIANTS}
    for round_number in range(1, ROUNDS + 1):
        for name, extra in READ_VARIANTS.items():
            with Server(PORT, PAGE_CACHE_SECONDS="0", **extra) as server:
                load_before = os.getloadavg()[0]
                run = wrk(f"http://127.0.0.1:{PORT}{PAGE}", server=server)
            run["load_1min_before"] = round(load_before, 2)
            run["load_1min_after"] = round(os.getloadavg()[0], 2)
            runs[name].append(run)
            print(f"   round {round_number} {name:<20} {run['rps']:>7.0f} req/s   p50 {run['p50_ms']:.1f} ms"
                  f"   {run.get('cpu_ms_per_request', float('nan')):.2f} CPU ms/request"
                  f"   load {run['load_1min_before']:.2f} -> {run['load_1min_after']:.2f}", flush=True)
    summary: dict = {"page": PAGE, "rounds": ROUNDS}
    for name, extra in READ_VARIANTS.items():
        rates = sorted(run["rps"] for run in runs[name])
        costs = sorted(run.get("cpu_ms_per_request", float("nan")) for run in runs[name])
        summary[name] = {"median_rps": rates[len(rates) // 2], "rps": rates,
                         "median_cpu_ms_per_request": costs[len(costs) // 2], "cpu_ms_per_request": costs,
                         "queries": count_queries(PAGE, **extra), "runs": runs[name]}
    for name in READ_VARIANTS:
        if name == "compiled_prepared":
            continue
        summary[f"{name}_vs_compiled_rps"] = round(
            summary[name]["median_rps"] / summary["compiled_prepared"]["median_rps"], 3)
        # requests per CPU second, relative: what the throughput ratio is on an otherwise idle machine
        summary[f"{name}_vs_compiled_per_cpu"] = round(
            summary["compiled_prepared"]["median_cpu_ms_per_request"] / summary[name]["median_cpu_ms_per_request"], 3)
    results["compiled_vs_orm"] = summary


QUEUE_APPLICATIONS = os.environ.get("BENCH_APPLICATIONS", "100000")
QUEUE_PATH = "/admin/applications/"
# a staff screen: a handful of people at once, not a crowd (32 connections would only measure queueing)
QUEUE_CONNECTIONS = os.environ.get("BENCH_QUEUE_CONNECTIONS", "4")
SUBMISSIONS = os.environ.get("BENCH_SUBMISSIONS", "100")


def lead_session() -> str:
    """A logged-in session of the bench lead (made by bench_seed_applications), for wrk's Cookie header."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "u = get_user_model().objects.get(email='bench-lead@example.com')\n"
        "s = SessionStore()\n"
        "s[SESSION_KEY] = str(u.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
        "s.create()\n"
        "print(s.session_key)\n"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=bench_env(), check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def sequential_latency(url: str, headers: dict[str, str], n: int = 200, before_each=None,
                       server: Server | None = None) -> dict[str, float]:
    """Latency percentiles of `n` requests one after another (wrk --latency has no p95); `before_each()`, when
    given, runs before every request, outside the timing; with `server`, also the CPU milliseconds a request
    cost the server and its database backends (what the latency would be on idle cores, whatever the load)."""
    timings, errors, cpu = [], 0, 0.0
    for _ in range(5):  # warm up
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).read()  # noqa: S310
    for _ in range(n):
        if before_each is not None:
            before_each()
        cpu_before = serving_cpu_by_process(server) if server else {}
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:  # noqa: S310
                r.read()
        except OSError:
            errors += 1
        timings.append((time.perf_counter() - started) * 1000)
        cpu += serving_cpu_spent(server, cpu_before) if server else 0.0
    timings.sort()

    def pct(p: int) -> float:
        return round(timings[min(len(timings) - 1, max(0, round(p / 100 * len(timings)) - 1))], 1)

    result = {"n": n, "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "errors": errors}
    if server:
        result["cpu_ms_per_request"] = round(cpu * 1000 / n, 1)
    return result


def count_queries_as_lead(path: str) -> int:
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "c = Client(HTTP_HOST='127.0.0.1')\n"
        "c.force_login(get_user_model().objects.get(email='bench-lead@example.com'))\n"
        f"c.get({path!r})\n"
        "with CaptureQueriesContext(connection) as q:\n"
        f"    r = c.get({path!r})\n"
        "assert r.status_code == 200, r.status_code\n"
        "print(len(q))\n"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=bench_env(), check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def scenario_review_queue(results: dict) -> None:
    """The staff review queue over BENCH_APPLICATIONS applications, as a recruitment lead (sees all)."""
    manage("bench_seed_applications", "--count", QUEUE_APPLICATIONS)
    cookie = f"sessionid={lead_session()}"
    with Server(PORT) as _:
        url = f"http://127.0.0.1:{PORT}{QUEUE_PATH}"
        results["review_queue"] = wrk(url, headers=(f"Cookie: {cookie}",), connections=QUEUE_CONNECTIONS)
        results["review_queue_sequential"] = sequential_latency(url, {"Cookie": cookie})
        sorted_url = f"{url}?ordering=-score&status=in_review"
        results["review_queue_filtered_sequential"] = sequential_latency(sorted_url, {"Cookie": cookie}, n=100)
    results["review_queue_applications"] = int(QUEUE_APPLICATIONS)
    results["queries_per_queue_page"] = count_queries_as_lead(QUEUE_PATH)
    results["review_queue_p95_target_ms"] = 300
    results["review_queue_p95_ok"] = results["review_queue_sequential"]["p95_ms"] < 300


def scenario_submission(results: dict) -> None:
    """Throughput of application_submit over BENCH_SUBMISSIONS ready drafts (the service called directly)."""
    out = manage("bench_submit_applications", "--count", SUBMISSIONS)
    results["submission"] = json.loads(out.strip().splitlines()[-1])


COMMISSION_LINES = os.environ.get("BENCH_COMMISSION_LINES", "1000000")
COMMISSION_CONTRACTS = os.environ.get("BENCH_COMMISSION_CONTRACTS", "2000")


def scenario_commission(results: dict) -> None:
    """The set-based commission function over BENCH_COMMISSION_LINES generated order lines (default 1,000,000)
    of BENCH_COMMISSION_CONTRACTS contracts; its data is made and rolled back by the command. Target: 10 s."""
    out = manage("bench_commission", "--lines", COMMISSION_LINES, "--contracts", COMMISSION_CONTRACTS)
    results["commission"] = json.loads(out.strip().splitlines()[-1])


PDF_CONTRACTS = os.environ.get("BENCH_PDF_CONTRACTS", "50")
PDF_WORKER_CONTRACTS = os.environ.get("BENCH_PDF_WORKER_CONTRACTS", "200")
PDF_WORKER_CONCURRENCY = os.environ.get("BENCH_PDF_WORKER_CONCURRENCY", "2")
PDF_BROKER = os.environ.get("BENCH_PDF_BROKER", "redis://127.0.0.1:6379/13")
CELERY = str(ROOT / ".venv" / "bin" / "celery")


def scenario_contract_pdf(results: dict) -> None:
    """Render + seal of one five-page Chinese contract with its evidence page (the signed copy, stored), in one
    process, BENCH_PDF_CONTRACTS times (default 50): median and p95. Target: under 1 s on two cores."""
    out = manage("bench_contract_pdf", "--inline", "--count", PDF_CONTRACTS)
    results["contract_pdf"] = json.loads(out.strip().splitlines()[-1])


class CeleryWorker:
    """A real Celery worker (prefork, BENCH_PDF_WORKER_CONCURRENCY processes) on Redis and the bench database."""

    def __init__(self, broker: str):
        self.env = bench_env(CELERY_BROKER_URL=broker)
        self.proc: subprocess.Popen | None = None
        self.name = f"bench-pdf-{os.getpid()}@localhost"

    def __enter__(self) -> CeleryWorker:
        subprocess.run([CELERY, "-A", "portal", "purge", "-f"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)
        self.proc = subprocess.Popen(
            [CELERY, "-A", "portal", "worker", "-c", PDF_WORKER_CONCURRENCY, "-n", self.name, "-l", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.time() + START_SECONDS
        while time.time() < deadline and self.proc.poll() is None:
            ping = subprocess.run([CELERY, "-A", "portal", "inspect", "ping", "-d", self.name, "--timeout", "2"],
                                  cwd=ROOT, env=self.env, capture_output=True, text=True)
            if ping.returncode == 0 and "pong" in ping.stdout:
                return self
            time.sleep(0.5)
        self.__exit__()
        raise RuntimeError("the Celery worker did not start")

    def cpu_seconds(self) -> float:
        """User plus system CPU time so far of the worker's processes (the main one and its pool)."""
        total = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                pgrp = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
            except (OSError, IndexError, ValueError):
                continue
            if self.proc is not None and pgrp == self.proc.pid:
                total += _cpu_seconds(int(entry.name))
        return total

    def __exit__(self, *exc) -> None:
        process_group_stop(self.proc, timeout=60)


def scenario_contract_pdf_worker(results: dict) -> None:
    """BENCH_PDF_WORKER_CONTRACTS contracts (default 200) rendered and sealed through a real Celery worker on
    Redis (BENCH_PDF_BROKER): wall time from the first task enqueued to the last signed copy stored.
    Target: under 2 minutes."""
    with CeleryWorker(PDF_BROKER) as worker:
        cpu_before = worker.cpu_seconds()
        out = manage("bench_contract_pdf", "--count", PDF_WORKER_CONTRACTS, CELERY_BROKER_URL=PDF_BROKER)
        cpu = worker.cpu_seconds() - cpu_before
    result = json.loads(out.strip().splitlines()[-1])
    concurrency = int(PDF_WORKER_CONCURRENCY)
    # the workers' own CPU time: with the machine's cores to themselves, the wall time would be about this
    # divided by the worker processes (another run on a busy machine shares the cores)
    result.update(worker_concurrency=concurrency, worker_cpu_s=round(cpu, 1),
                  worker_cpu_per_contract_s=round(cpu / max(result["done"], 1), 3),
                  idle_machine_wall_estimate_s=round(cpu / concurrency, 1))
    results["contract_pdf_worker"] = result


FINANCE_MERCHANTS = os.environ.get("BENCH_FINANCE_MERCHANTS", "10000")
FINANCE_ENTRIES = os.environ.get("BENCH_FINANCE_ENTRIES", "1000000")
FINANCE_PATH = "/admin/billing/finance/deposits/"
FINANCE_EMAIL = "bench-finance@example.com"


def session_of(email: str) -> str:
    """A logged-in session of a bench user, for wrk's or urllib's Cookie header."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        f"u = get_user_model().objects.get(email={email!r})\n"
        "s = SessionStore()\n"
        "s[SESSION_KEY] = str(u.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
        "s.create()\n"
        "print(s.session_key)\n"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=bench_env(), check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def count_queries_as(email: str, path: str) -> int:
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "c = Client(HTTP_HOST='127.0.0.1')\n"
        f"c.force_login(get_user_model().objects.get(email={email!r}))\n"
        f"c.get({path!r})\n"
        "with CaptureQueriesContext(connection) as q:\n"
        f"    r = c.get({path!r})\n"
        "assert r.status_code == 200, r.status_code\n"
        "print(len(q))\n"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=bench_env(), check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def ledger_appender():
    """A function that commits one more ledger entry (a 1.00 payment to a bench account, written straight as the
    seed writes them) each time it is called."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        account_id = conn.execute(
            "SELECT a.id FROM billing_depositaccount a JOIN portal_merchant m ON m.id = a.merchant_id"
            " WHERE m.name LIKE 'Bench deposit merchant %' ORDER BY a.id LIMIT 1").fetchone()[0]

        def append() -> None:
            conn.execute("INSERT INTO billing_ledgerentry (account_id, kind, amount, frozen_delta, currency, memo,"
                         " hold_reference, created_at) VALUES (%s, 'payment', 1, 0, 'CNY', 'bench', '', now())",
                         [account_id])

        yield append


def scenario_finance_deposits(results: dict) -> None:
    """The finance deposits list (balance and frozen per row from the ledger, totals of the filtered rows) over
    BENCH_FINANCE_MERCHANTS deposit accounts and BENCH_FINANCE_ENTRIES ledger entries, as a finance user, one
    request after another (a staff screen), then again with a new ledger entry before every request. Target: p95
    under 300 ms, the same queries on every page."""
    manage("bench_seed_deposits", "--merchants", FINANCE_MERCHANTS, "--entries", FINANCE_ENTRIES)
    cookie = {"Cookie": f"sessionid={session_of(FINANCE_EMAIL)}"}
    with Server(PORT) as server:
        url = f"http://127.0.0.1:{PORT}{FINANCE_PATH}"
        results["finance_deposits_sequential"] = sequential_latency(url, cookie, n=100, server=server)
        results["finance_deposits_filtered_sequential"] = sequential_latency(
            f"{url}?status=shortfall&status=awaiting&p=2", cookie, n=50, server=server)
        # money keeps arriving: a new ledger entry before every request, so nothing computed earlier still holds
        with ledger_appender() as append:
            results["finance_deposits_after_append_sequential"] = sequential_latency(
                url, cookie, n=30, before_each=append, server=server)
            results["finance_deposits_filtered_after_append_sequential"] = sequential_latency(
                f"{url}?status=shortfall&status=awaiting&p=2", cookie, n=30, before_each=append,
                server=server)
    results["finance_deposits_merchants"] = int(FINANCE_MERCHANTS)
    results["finance_deposits_ledger_entries"] = int(FINANCE_ENTRIES)
    results["queries_per_finance_deposits_page"] = count_queries_as(FINANCE_EMAIL, FINANCE_PATH)
    results["queries_per_finance_deposits_page_3"] = count_queries_as(FINANCE_EMAIL, FINANCE_PATH + "?p=3")
    results["finance_deposits_load_1min"] = round(os.getloadavg()[0], 1)
    results["finance_deposits_p95_target_ms"] = 300
    results["finance_deposits_p95_ok"] = all(
        results[f"finance_deposits_{run}sequential"]["p95_ms"] < 300
        for run in ("", "filtered_", "after_append_", "filtered_after_append_"))


SETTLEMENT_MERCHANTS = os.environ.get("BENCH_SETTLEMENT_MERCHANTS", "10000")
SETTLEMENT_LINES = os.environ.get("BENCH_SETTLEMENT_LINES", "1000000")
SETTLEMENT_WORKERS = os.environ.get("BENCH_SETTLEMENT_WORKERS", "2")


def scenario_settlement(results: dict) -> None:
    """A settlement run of BENCH_SETTLEMENT_MERCHANTS merchants (default 10,000) and BENCH_SETTLEMENT_LINES order
    lines (default 1,000,000) in one week, built by BENCH_SETTLEMENT_WORKERS worker processes (default 2, as two
    Celery workers): seconds from start to built, peak memory of each process, totals tied to the lines.
    Targets: 30 s, 500 MiB."""
    manage("bench_seed_settlements", "--merchants", SETTLEMENT_MERCHANTS, "--lines", SETTLEMENT_LINES)
    out = manage("bench_settlement_run", "--workers", SETTLEMENT_WORKERS)
    results["settlement"] = json.loads(out.strip().splitlines()[-1])
    results["settlement"]["load_1min"] = round(os.getloadavg()[0], 1)


def scenario_webhooks(results: dict) -> None:
    """Stripe webhook events processed per second, signed and re-read from localstripe (bench_webhooks.py)."""
    from bench_webhooks import scenario_webhooks as run

    run(results, server_class=Server, manage=manage, port=PORT)


def scenario_ratings(results: dict) -> None:
    """The nightly rating recompute for 100,000 merchants (bench_ratings.py). Target: ≤ 30 s."""
    from bench_ratings import scenario_ratings as run

    run(results, manage=manage)


def scenario_performance_import(results: dict) -> None:
    """Finance's file import of BENCH_IMPORT_ROWS order lines (default 20,000) as CSV and XLSX: read, preview, save,
    save again (see bench_imports.py)."""
    out = subprocess.run([PY, str(ROOT / "tests" / "bench" / "bench_imports.py")], cwd=ROOT, env=bench_env(),
                         check=True, capture_output=True, text=True).stdout
    results["performance_import"] = json.loads(out.strip().splitlines()[-1])


def scenario_api_ingest(results: dict) -> None:
    """Order lines per second through POST /api/v1/order-lines: new, changed and resent (bench_api_ingest.py)."""
    from bench_api_ingest import scenario_api_ingest as run

    run(results, server_class=Server, manage=manage, port=PORT, serving_cpu=serving_cpu_seconds)


SCENARIOS = {"pages": scenario_pages, "review_queue": scenario_review_queue, "submission": scenario_submission,
             "compiled_vs_orm": scenario_compiled_vs_orm, "commission": scenario_commission,
             "contract_pdf": scenario_contract_pdf, "contract_pdf_worker": scenario_contract_pdf_worker,
             "finance_deposits": scenario_finance_deposits, "webhooks": scenario_webhooks,
             "ratings": scenario_ratings, "performance_import": scenario_performance_import,
             "api_ingest": scenario_api_ingest, "settlement": scenario_settlement}

DEFAULT_SCENARIOS = ["pages", "review_queue", "submission", "commission", "contract_pdf", "contract_pdf_worker",
                     "finance_deposits", "webhooks", "ratings", "performance_import", "api_ingest", "settlement"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenarios", nargs="*", default=DEFAULT_SCENARIOS,
                        help=f"of {', '.join(SCENARIOS)} (default: {', '.join(DEFAULT_SCENARIOS)})")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the benchmark database")
    args = parser.parse_args()
    prepare_database(args.reset)
    results: dict = {"machine": {"cores": os.cpu_count()}, "duration": DURATION, "connections": CONNECTIONS}
    for name in args.scenarios:
        print(f"== {name}", flush=True)
        SCENARIOS[name](results)
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    for key, value in results.items():
        if isinstance(value, dict) and "rps" in value:
            print(f"{key:<28} {value['rps']:>9.0f} req/s   p50 {value['p50_ms']:.1f} ms   p99 {value['p99_ms']:.1f} ms"
                  f"   non-2xx {value['errors']}")
        elif key == "compiled_vs_orm":
            for name in READ_VARIANTS:
                print(f"{name:<28} {value[name]['median_rps']:>9.0f} req/s (median of {value[name]['rps']})"
                      f"   {value[name]['median_cpu_ms_per_request']:.2f} CPU ms/request"
                      f" (median of {value[name]['cpu_ms_per_request']})   {value[name]['queries']} queries")
            for ratio in [k for k in value if k.endswith(("_vs_compiled_rps", "_vs_compiled_per_cpu"))]:
                print(f"{ratio:<40} {value[ratio]}")
        elif key == "commission":
            print(f"{'commission (set-based)':<28} {value['lines']:,} lines in {value['seconds']} s"
                  f"   {value['lines_per_second']:,} lines/s   {value['queries']} queries"
                  f"   target {value['target_seconds']} s: {'ok' if value['ok'] else 'MISSED'}")
        elif key == "settlement":
            print(f"{'settlement run':<28} {value['statements']:,} statements, {value['lines']:,} lines in"
                  f" {value['seconds']} s with {value['workers']} workers   peak {value['peak_rss_mib']} MiB"
                  f"   totals mismatched {value['totals_mismatched']} (load {value['load_1min']})"
                  f"   target {value['target_seconds']} s, {value['target_mib']} MiB:"
                  f" {'ok' if value['ok'] else 'MISSED'}")
        elif key == "contract_pdf":
            print(f"{'contract PDF render + seal':<28} median {value['median_s']} s   p95 {value['p95_s']} s"
                  f"   (CPU median {value['cpu_median_s']} s, p95 {value['cpu_p95_s']} s; load {value['load_1min']})"
                  f"   over {value['contracts']} ({value['pages_min']}–{value['pages_max']} pages)"
                  f"   target {value['target_s']} s: {'ok' if value['ok'] else 'MISSED'}")
        elif key == "contract_pdf_worker":
            print(f"{'contract PDFs via Celery':<28} {value['done']}/{value['contracts']} in {value['wall_s']} s"
                  f"   ({value['per_contract_s']} s each, {value['worker_concurrency']} worker processes;"
                  f" worker CPU {value['worker_cpu_s']} s, {value['worker_cpu_per_contract_s']} s a contract,"
                  f" on idle cores ≈ {value['idle_machine_wall_estimate_s']} s; load {value['load_1min']})"
                  f"   target {value['target_s']} s: {'ok' if value['ok'] else 'MISSED'}")
        elif key == "ratings":
            print(f"{'rating recompute':<28} {value['merchants']:,} merchants, {value['order_lines']:,} lines in "
                  f"{value['seconds']} s   ({value['chunks']} chunks, {value['workers']} workers;"
                  f" {value['rated']:,} rated, {value['not_rated']:,} N/R)"
                  f"   target {value['target_seconds']} s: {'ok' if value['ok'] else 'MISSED'}")
        elif key == "performance_import":
            for kind in ("csv", "xlsx"):
                figures = value[kind]
                print(f"{'import ' + kind:<28} {value['rows']:,} rows: read {figures['read_s']} s, preview"
                      f" {figures['preview_s']} s, save {figures['save_new_s']} s,"
                      f" again {figures['save_unchanged_s']} s")
        elif isinstance(value, dict) and "p95_ms" in value:
            print(f"{key:<28} " + "   ".join(f"{k} {v}" for k, v in value.items()))
        elif not isinstance(value, dict):
            print(f"{key:<28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
