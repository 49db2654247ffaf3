"""`make bench` scenario "ratings": the nightly rating recompute for BENCH_RATING_MERCHANTS merchants (default
100,000) with about BENCH_RATING_LINES order lines each in the window (default 30: 3,000,000 lines), on
PostgreSQL, chunks of BENCH_RATING_CHUNK merchants shared by BENCH_RATING_WORKERS workers (threads with their own
connections). The data is made and removed by `manage.py bench_ratings`. Target: ≤ 30 s."""

from __future__ import annotations

import json
import os

MERCHANTS = os.environ.get("BENCH_RATING_MERCHANTS", "100000")
LINES = os.environ.get("BENCH_RATING_LINES", "30")
CHUNK = os.environ.get("BENCH_RATING_CHUNK", "5000")
WORKERS = os.environ.get("BENCH_RATING_WORKERS", "2")


def scenario_ratings(results: dict, *, manage) -> None:
    out = manage("bench_ratings", "--merchants", MERCHANTS, "--lines-per-merchant", LINES, "--chunk-size", CHUNK,
                 "--workers", WORKERS)
    results["ratings"] = json.loads(out.strip().splitlines()[-1])
