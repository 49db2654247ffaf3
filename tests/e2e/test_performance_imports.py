"""A performance data file imported in a real browser, in both languages: finance uploads a CSV of order lines with
Chinese headers, the preview page shows the check's progress and reloads itself until the check is done, then what
saving does and each rejected row with its column and reason, saving writes the good rows and shows the import
with its rejected rows to download, and the order lines list filters by T. No Content-Security-Policy violation
anywhere. With SCREENSHOT_DIR set, each page is saved there as a PNG."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.models import Merchant, OrderLine, PerformanceImport
from portal.performance import admin_views
from portal.performance.tasks import performance_import_check_task
from portal.roles import Role
from tests.e2e.test_bank_transfer_pages import admin_language, log_in, shot
from tests.factories.onboarding import staff_user
from tests.factories.portal import CategoryFactory
from tests.portal.test_performance_imports import ZH_HEADER, csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {"rejected": "2 rows are rejected", "refund": "A refund needs its date.", "saved": "Import saved"},
    "zh-hans": {"rejected": "2 行未通过", "refund": "退款", "saved": "导入已保存"},
}


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_an_order_lines_file_is_previewed_then_saved(lang, base_data, new_context, live_server, tmp_path,
                                                    monkeypatch):
    words = WORDS[lang]
    merchant = Merchant.objects.create(name="上海云帆贸易有限公司")
    CategoryFactory(code="apparel", name_zh="服装", name_en="Apparel")
    finance = staff_user(Role.FINANCE)
    admin_language(lang, finance)
    m = str(merchant.pk)
    upload = tmp_path / "订单明细-20261109.csv"
    upload.write_bytes(csv_bytes(ZH_HEADER, [
        ["OL-20261102-0001", m, "apparel", "¥1,280.00", "CNY", "2026/11/2", "2026-11-09", "0", "", "是", "是", ""],
        ["OL-20261102-0002", m, "apparel", "356.50", "CNY", "2026-11-02", "2026-11-09", "56.50", "2026-11-05", "是",
         "否", "部分退款"],
        ["OL-20261102-0003", m, "apparel", "99.00", "CNY", "2026-11-02", "2026-11-09", "20", "", "是", "是", ""],
        ["OL-20261102-0004", "999999", "shoes", "-3", "CNY", "2026-11-03", "2026-11-10", "0", "", "是", "是", ""],
        ["OL-20261103-0005", m, "apparel", "45.00", "CNY", "2026年11月3日", "2026-11-10", "0", "", "否", "是", ""],
    ], encoding="gb18030"))
    page = new_context("zh-CN" if lang == "zh-hans" else "en-US")
    log_in(page, live_server, finance)
    page.goto(f"{live_server.url}/admin/performance/imports/new/")
    page.locator("#id_file").set_input_files(str(upload))
    shot(page, f"performance-import-new-{lang}", admin=True)
    # the check waits for a worker: the page shows its progress and reloads itself until the check is done
    monkeypatch.setattr(admin_views.performance_import_check_task, "delay", lambda *args: None)
    page.locator("#performance-import-form button[type=submit]").click()
    expect(page.locator("#performance-import-progress")).to_be_visible()
    log = PerformanceImport.objects.get()
    PerformanceImport.objects.filter(pk=log.pk).update(rows_total=5, rows_done=2, status="checking")
    page.reload()
    expect(page.locator("#performance-import-progress progress")).to_have_attribute("value", "2")
    shot(page, f"performance-import-progress-{lang}", admin=True)
    PerformanceImport.objects.filter(pk=log.pk).update(status="queued")
    performance_import_check_task.apply(args=(log.pk, lang))
    expect(page.locator("#performance-rejected tbody tr")).to_have_count(2, timeout=10_000)  # reloaded by itself
    expect(page.locator("h2", has_text=words["rejected"])).to_be_visible()
    expect(page.locator("#performance-rejected tr[data-row='4']")).to_contain_text(words["refund"])
    expect(page.locator("#performance-summary [data-key=created] dd")).to_have_text("3")
    shot(page, f"performance-import-preview-{lang}", admin=True)
    assert OrderLine.objects.count() == 0
    page.locator("#performance-import-save").click()
    expect(page.locator(".messages")).to_contain_text(words["saved"])
    expect(page.locator("#performance-rejected tbody tr")).to_have_count(2)
    shot(page, f"performance-import-saved-{lang}", admin=True)
    log = PerformanceImport.objects.get()
    assert (log.rows_created, log.rows_rejected) == (3, 2)
    assert OrderLine.objects.get(external_id="OL-20261102-0001").amount == 1280

    page.goto(f"{live_server.url}/admin/performance/order-lines/?settleable_on_from=2026-11-10")
    expect(page.locator("table.listing tbody tr")).to_have_count(1)
    expect(page.locator("#performance-totals [data-total=count]")).to_have_text("1")
    page.goto(f"{live_server.url}/admin/performance/order-lines/")
    expect(page.locator("table.listing tbody tr")).to_have_count(3)
    shot(page, f"performance-order-lines-{lang}", admin=True)
