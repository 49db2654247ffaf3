"""Bench of finance's performance data file import (never run by the test suite): a file of BENCH_IMPORT_ROWS order
lines (default 20,000, the most one file may hold) with Chinese headers, as GBK CSV and as XLSX, through what the
admin pages call: reading the file, the preview's check (which writes nothing), the save of new rows (the shared
set-based upsert, the log and its rejected rows), and the same file saved again (every row unchanged). One row in
a hundred is bad, so the rejected rows are kept too. Its data is made in one transaction and rolled back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_SETTINGS_MODULE=portal.settings.bench \\
        .venv/bin/python tests/bench/bench_imports.py [--rows 20000]

Also run by `make bench` (scenario "performance_import"). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

HEADER = ["订单行号", "商家编号", "类目编码", "订单金额", "币种", "完成日期", "可结算日期", "退款金额", "退款日期",
          "是否履约", "是否准时"]


class Rollback(Exception):
    pass


def rows_of(n: int, merchant_ids: list[int]) -> list[list]:
    rows = []
    for i in range(n):
        bad = i % 100 == 99
        rows.append([f"BENCH-OL-{i:07d}", merchant_ids[i % len(merchant_ids)], "bench-cat",
                     "-1" if bad else f"{(i % 977) + 0.5:.2f}", "CNY", "2026-11-02", "2026-11-09",
                     "0", "", "是", "是" if i % 7 else "否"])
    return rows


def csv_file(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("gb18030")


def xlsx_file(rows: list[list]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, round(time.perf_counter() - start, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_IMPORT_ROWS", "20000")))
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from portal.models import Category, Merchant, User
    from portal.performance.files import performance_file_read
    from portal.performance.imports import performance_import_check, performance_import_save

    results: dict = {"rows": args.rows, "database": connection.vendor, "load_1min": round(os.getloadavg()[0], 2)}
    stored = []
    try:
        with transaction.atomic():
            merchants = Merchant.objects.bulk_create([Merchant(name=f"Bench import {i}") for i in range(200)])
            Category.objects.get_or_create(code="bench-cat", defaults={"name_zh": "测试类目", "name_en": "Bench"})
            actor = User.objects.create(email="bench-import@example.com", is_staff=True)
            rows = rows_of(args.rows, [m.pk for m in merchants])
            for name, content in (("csv", csv_file(rows)), ("xlsx", xlsx_file(rows))):
                sid = transaction.savepoint()
                file, read_s = timed(lambda c=content: performance_file_read(content=c, filename="f",
                                                                             kind="order_line"))
                outcome, check_s = timed(lambda c=content: performance_import_check(kind="order_line", content=c,
                                                                                    filename="f"))
                first, save_s = timed(lambda c=content: performance_import_save(kind="order_line", content=c,
                                                                                filename="f", actor=actor))
                again, again_s = timed(lambda c=content: performance_import_save(kind="order_line", content=c,
                                                                                 filename="f", actor=actor))
                stored += [first.file.name, again.file.name]
                assert len(file.rows) == args.rows and outcome.result.created == first.rows_created
                assert again.rows_unchanged == first.rows_created and again.rows_rejected == first.rows_rejected
                results[name] = {
                    "bytes": len(content), "read_s": read_s, "preview_s": check_s, "save_new_s": save_s,
                    "save_unchanged_s": again_s, "created": first.rows_created, "rejected": first.rows_rejected,
                    "preview_rows_per_s": round(args.rows / check_s), "save_rows_per_s": round(args.rows / save_s)}
                transaction.savepoint_rollback(sid)
            raise Rollback
    except Rollback:
        pass
    finally:
        from django.core.files.storage import storages

        for name in stored:
            storages["private"].delete(name)
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
