"""File imports of performance data: columns found by English or Chinese headers, spreadsheet cells made readable
(dates, 是/否, ¥ and thousands separators), a preview that writes nothing and shows what saving does, a save that
writes the good rows through the shared upsert and logs the import with its rejected rows (downloadable, and
uploadable again once corrected), a second import of the same file that changes nothing, a clear message for
every file that cannot be read, and the pages only for the roles that may use them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from portal.exceptions import ApplicationError
from portal.models import AuditEntry, Complaint, Merchant, OrderLine, PerformanceImport, SatisfactionRating
from portal.performance import imports, services
from portal.performance.files import MAX_ROWS, PerformanceFileError, performance_file_read
from portal.performance.imports import (
    performance_import_check,
    performance_import_confirm,
    performance_import_rejections,
    performance_import_retry,
    performance_import_save,
    performance_import_start,
)
from portal.performance.staff_selectors import performance_imports
from portal.performance.tasks import performance_import_check_task, performance_import_save_task
from portal.roles import Role
from tests.factories.onboarding import staff_user
from tests.factories.portal import CategoryFactory
from tests.onboarding.admin_support import english_admin

pytestmark = pytest.mark.django_db

EN_HEADER = ["External id", "Merchant id", "Category code", "Amount", "Currency", "Completed on", "Settleable on (T)",
             "Refund amount", "Refunded on", "Fulfilled", "Delivered on time"]
ZH_HEADER = ["订单行号", "商家编号", "类目编码", "订单金额", "币种", "完成日期", "可结算日期", "退款金额", "退款日期",
             "是否履约", "是否准时", "备注"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    class World:
        merchant = Merchant.objects.create(name="上海云帆贸易有限公司")
        other = Merchant.objects.create(name="北京禾润食品有限公司")
        category = CategoryFactory(code="apparel")
        finance = staff_user(Role.FINANCE)
        management = staff_user(Role.MANAGEMENT)
        reviewer = staff_user(Role.REVIEWER)

    english_admin(World.finance, World.management, World.reviewer)
    return World


def csv_bytes(header, rows, *, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def en_row(world, external_id, amount="128.00", **changes):
    row = {"External id": external_id, "Merchant id": str(world.merchant.pk), "Category code": "apparel",
           "Amount": amount, "Currency": "CNY", "Completed on": "2026-11-02", "Settleable on (T)": "2026-11-09",
           "Refund amount": "0", "Refunded on": "", "Fulfilled": "true", "Delivered on time": "true"} | changes
    return [row[name] for name in EN_HEADER]


# ---- reading the file


def test_chinese_headers_gbk_csv_and_spreadsheet_spellings_are_read(world):
    content = csv_bytes(ZH_HEADER, [
        ["OL-1", str(world.merchant.pk), "apparel", "¥1,280.50", "cny", "2026/11/2", "2026年11月9日", "0", "", "是",
         "否", "VIP"],
    ], encoding="gb18030")
    file = performance_file_read(content=content, filename="订单.csv", kind="order_line")
    assert file.columns["amount"] == "订单金额" and file.columns["settleable_on"] == "可结算日期"
    assert file.ignored == ["备注"]
    [row] = file.rows
    assert row.number == 2
    assert row.values["amount"] == "1280.50"
    assert row.values["completed_on"] == dt.date(2026, 11, 2) and row.values["settleable_on"] == dt.date(2026, 11, 9)
    assert row.values["fulfilled"] is True and row.values["on_time"] is False
    assert row.cells["订单金额"] == "¥1,280.50"  # kept as it was, for the rejected rows' download


def test_xlsx_cells_dates_numbers_and_blank_rows(world):
    content = xlsx_bytes(EN_HEADER, [
        ["OL-1", world.merchant.pk, "apparel", 99.9, "CNY", dt.datetime(2026, 11, 2), dt.date(2026, 11, 9), 0, None,
         True, 1],
        [None] * 11,
        [10002, world.merchant.pk, "apparel", 12, "CNY", "2026-11-03", "2026-11-10", 0, None, "no", "yes"],
    ])
    file = performance_file_read(content=content, filename="lines.xlsx", kind="order_line")
    first, second = file.rows
    assert first.values["amount"] == "99.9" and first.values["merchant"] == str(world.merchant.pk)
    assert first.values["completed_on"] == dt.date(2026, 11, 2)
    assert second.number == 4  # the blank row is skipped but counted, as a spreadsheet numbers it
    assert second.values["external_id"] == "10002" and second.values["fulfilled"] is False


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0rest", "old Excel file"),
    (b"%PDF-1.4", "PDF"),
    (b"PK\x03\x04broken", "cannot be opened"),
    (b"\x00\x01\x02\xff\xfe", "neither a readable CSV"),
    (b"external id,merchant\nOL-1,1\n", "no column for: Category code, Amount, Completed on"),
    (b"External id,Merchant id,Category code,Amount,Completed on,Settleable on (T)\n", "no data rows"),
    (b"External id,Merchant id,Category code,Amount,Completed on,Settleable on (T)\nA,1,c,1,2,3,4,5\n",
     "more cells than the header"),
    ("外部编号,External id,Merchant id,Category code,Amount,Completed on,T\n".encode(), "both give External id"),
])
def test_a_file_that_cannot_be_read_is_a_message(world, content, message):
    with pytest.raises(PerformanceFileError) as raised:
        performance_file_read(content=content, filename="x.csv", kind="order_line")
    assert message in raised.value.message


def test_too_many_rows_is_a_message(world, monkeypatch):
    monkeypatch.setattr("portal.performance.files.MAX_ROWS", 2)
    content = csv_bytes(EN_HEADER, [en_row(world, f"OL-{i}") for i in range(3)])
    with pytest.raises(PerformanceFileError, match="at most 2"):
        performance_file_read(content=content, filename="x.csv", kind="order_line")
    assert MAX_ROWS >= 10_000


# ---- check and save


def _mixed_file(world) -> bytes:
    return csv_bytes(EN_HEADER, [
        en_row(world, "OL-1"),
        en_row(world, "OL-2", amount="-5"),
        en_row(world, "OL-3", **{"Merchant id": "999999"}),
        en_row(world, "OL-4", **{"Refund amount": "10", "Refunded on": ""}),
        en_row(world, "OL-5", **{"Category code": "nope", "Completed on": "yesterday"}),
        en_row(world, "OL-6", amount="50"),
    ])


def test_the_check_writes_nothing_and_says_what_saving_does(world):
    outcome = performance_import_check(kind="order_line", content=_mixed_file(world), filename="lines.csv")
    assert OrderLine.objects.count() == 0 and PerformanceImport.objects.count() == 0
    assert (outcome.result.created, outcome.result.updated, outcome.result.unchanged) == (2, 0, 0)
    rejected = {item.row.number: item for item in outcome.rejected}
    assert sorted(rejected) == [3, 4, 5, 6]
    assert rejected[3].errors[0]["column"] == "Amount"
    assert rejected[4].errors[0]["column"] == "Merchant id"
    assert rejected[4].errors[0]["message"] == "No merchant has this id."
    assert rejected[5].errors[0]["column"] == "Refunded on"
    assert {error["column"] for error in rejected[6].errors} == {"Completed on"}  # the type error comes first


def test_save_writes_the_good_rows_and_logs_the_import_with_its_rejected_rows(world):
    log = performance_import_save(kind="order_line", content=_mixed_file(world), filename="lines.csv",
                                  actor=world.finance)
    assert set(OrderLine.objects.values_list("external_id", flat=True)) == {"OL-1", "OL-6"}
    line = OrderLine.objects.get(external_id="OL-6")
    assert line.source == "import" and line.amount == Decimal("50.00") and line.merchant == world.merchant
    assert (log.rows_total, log.rows_created, log.rows_updated, log.rows_unchanged, log.rows_rejected) == (6, 2, 0,
                                                                                                           0, 4)
    assert log.imported_by == world.finance and log.file.read().startswith(b"\xef\xbb\xbfExternal id")
    rejected = list(log.rejections.order_by("row_number"))
    assert [r.row_number for r in rejected] == [3, 4, 5, 6]
    assert rejected[0].external_id == "OL-2" and rejected[0].cells["Amount"] == "-5"
    entry = AuditEntry.objects.get(action="portal.performance_import.saved")
    assert entry.actor == world.finance and entry.data["created"] == 2 and entry.data["rejected"] == 4


def test_the_same_file_again_changes_nothing_and_a_changed_line_is_updated(world):
    content = csv_bytes(EN_HEADER, [en_row(world, "OL-1"), en_row(world, "OL-2")])
    performance_import_save(kind="order_line", content=content, filename="a.csv", actor=world.finance)
    again = performance_import_check(kind="order_line", content=content, filename="a.csv")
    assert (again.result.created, again.result.updated, again.result.unchanged) == (0, 0, 2)
    changed = csv_bytes(EN_HEADER, [en_row(world, "OL-1"), en_row(world, "OL-2", amount="130.00")])
    assert performance_import_check(kind="order_line", content=changed, filename="b.csv").result.updated == 1
    log = performance_import_save(kind="order_line", content=changed, filename="b.csv", actor=world.finance)
    assert (log.rows_created, log.rows_updated, log.rows_unchanged) == (0, 1, 1)
    line = OrderLine.objects.get(external_id="OL-2")
    assert line.version == 2 and line.amount == Decimal("130.00")


def test_rejected_rows_download_corrected_and_uploaded_again(world):
    log = performance_import_save(kind="order_line", content=_mixed_file(world), filename="lines.csv",
                                  actor=world.finance)
    data = performance_import_rejections(performance_import=log)
    assert data.headers[0] == "Row" and data.headers[-1] == "Why it was rejected"
    assert data[0][0] == 3 and "Amount: " in data[0][-1]
    # finance corrects the amounts, merchants, refund dates and categories and uploads the download again
    rows = [dict(zip(data.headers, row, strict=True)) for row in data]
    for row in rows:
        row |= {"Amount": "10", "Merchant id": str(world.merchant.pk), "Refunded on": "2026-11-05",
                "Category code": "apparel", "Completed on": "2026-11-02"}
    fixed = csv_bytes(data.headers, [[row[h] for h in data.headers] for row in rows])
    again = performance_import_save(kind="order_line", content=fixed, filename="fixed.csv", actor=world.finance)
    assert (again.rows_created, again.rows_rejected) == (4, 0)
    assert OrderLine.objects.count() == 6


def test_complaints_and_satisfaction_in_chinese(world):
    complaints = csv_bytes(["投诉编号", "商家编号", "投诉日期", "订单号", "投诉原因"], [
        ["CP-1", world.merchant.pk, "2026-11-03", "OL-1", "迟发货"], ["CP-2", world.other.pk, "", "", ""]])
    log = performance_import_save(kind="complaint", content=complaints, filename="投诉.csv", actor=world.finance)
    assert (log.rows_created, log.rows_rejected) == (1, 1)
    assert Complaint.objects.get().reason == "迟发货"
    ratings = xlsx_bytes(["评价编号", "商家编号", "评价日期", "评分"], [
        ["SR-1", world.merchant.pk, dt.date(2026, 11, 3), 4.5], ["SR-2", world.merchant.pk, dt.date(2026, 11, 3), 6]])
    log = performance_import_save(kind="satisfaction", content=ratings, filename="评价.xlsx", actor=world.finance)
    assert (log.rows_created, log.rows_rejected) == (1, 1)
    assert SatisfactionRating.objects.get().score == Decimal("4.50")


# ---- the admin pages


def _upload(client, content, *, name="lines.csv", kind="order_line"):
    return client.post(reverse("performance:import_new"),
                       {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_upload_preview_confirm_and_the_import_page(client, world):
    client.force_login(world.finance)
    response = _upload(client, _mixed_file(world))
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert OrderLine.objects.count() == 0
    assert "Nothing is saved until you confirm" in page and 'id="performance-rejected"' in page
    assert 'data-row="5"' in page and "Refunded on</b>: A refund needs its date." in page
    assert "Amount ← “Amount”" in page
    response = client.post(preview_url)
    log = PerformanceImport.objects.get()
    assert response["Location"] == reverse("performance:import", args=[log.pk])
    assert OrderLine.objects.count() == 2
    assert client.get(preview_url).status_code == 404  # the upload is gone with the save: no second save
    page = client.get(response["Location"]).content.decode()
    assert "lines.csv" in page and 'id="performance-rejected-csv"' in page
    download = client.get(reverse("performance:import_rejected", args=[log.pk, "csv"]))
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeffRow,External id") and "OL-2" in text
    assert AuditEntry.objects.filter(action="portal.performance_import.rejections_downloaded").count() == 1
    xlsx = client.get(reverse("performance:import_rejected", args=[log.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 5


def test_a_bad_file_is_a_message_on_the_form(client, world):
    client.force_login(world.finance)
    response = _upload(client, b"%PDF-1.4 not a sheet", name="x.pdf")
    assert response.status_code == 200
    assert "This is a PDF" in response.content.decode() and PerformanceImport.objects.count() == 0


def test_the_same_file_twice_is_flagged_on_the_preview(client, world):
    content = csv_bytes(EN_HEADER, [en_row(world, "OL-1")])
    performance_import_save(kind="order_line", content=content, filename="a.csv", actor=world.finance)
    client.force_login(world.finance)
    page = client.get(_upload(client, content)["Location"]).content.decode()
    assert 'id="performance-import-earlier"' in page and 'id="performance-import-nothing"' in page


def test_templates_download_in_the_admins_language(client, world):
    client.force_login(world.finance)
    text = client.get(reverse("performance:import_template", args=["order_line", "csv"])).content.decode()
    assert text.startswith("\ufeffExternal id,Merchant id,Category code")
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(world.finance)
    profile.preferred_language = "zh-hans"
    profile.save()
    body = client.get(reverse("performance:import_template", args=["complaint", "xlsx"])).content
    header = next(openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    assert header[0] == "外部编号"
    # and the template, filled in, is read back
    file = performance_file_read(content=body, filename="t.xlsx", kind="complaint")
    assert file.rows[0].values["external_id"] == "CP-20261103-0001"


def test_who_may_open_what(client, world):
    content = csv_bytes(EN_HEADER, [en_row(world, "OL-1")])
    log = performance_import_save(kind="order_line", content=content, filename="a.csv", actor=world.finance)
    client.force_login(world.management)
    assert client.get(reverse("performance:imports")).status_code == 200
    assert client.get(reverse("performance:import", args=[log.pk])).status_code == 200
    assert client.get(reverse("performance:import_new")).status_code == 403
    assert _upload(client, content).status_code == 403
    client.force_login(world.reviewer)
    for name, args in (("imports", []), ("import", [log.pk]), ("order_lines", []), ("import_new", []),
                       ("import_rejected", [log.pk, "csv"])):
        assert client.get(reverse(f"performance:{name}", args=args)).status_code == 403, name


def test_someone_elses_pending_upload_is_not_found(client, world):
    client.force_login(world.finance)
    preview_url = _upload(client, csv_bytes(EN_HEADER, [en_row(world, "OL-1")]))["Location"]
    other = staff_user(Role.FINANCE)
    client.force_login(other)
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    assert OrderLine.objects.count() == 0


def test_imports_list_and_chinese_preview(client, world):
    from wagtail.users.models import UserProfile

    performance_import_save(kind="order_line", content=_mixed_file(world), filename="lines.csv",
                            actor=world.finance)
    client.force_login(world.finance)
    page = client.get(reverse("performance:imports")).content.decode()
    assert "lines.csv" in page
    profile = UserProfile.get_for_user(world.finance)
    profile.preferred_language = "zh-hans"
    profile.save()
    page = client.get(_upload(client, _mixed_file(world))["Location"]).content.decode()
    assert "保存前核对文件" in page and "行未通过" in page and "商家编号" in page


# ---- the check and the save as tasks


def _queued(world, content, *, name="lines.csv", kind="order_line"):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    stored = storages["private"].save(f"performance/imports/pending/{name}.upload", ContentFile(content))
    return performance_import_start(kind=kind, filename=name, stored_name=stored, content=content,
                                    actor=world.finance)


def test_an_import_goes_queued_checked_saving_saved_through_the_tasks(world, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    log = _queued(world, _mixed_file(world))
    assert log.status == PerformanceImport.Status.QUEUED
    assert not performance_imports().exists()  # not listed before it is saved
    seen = []
    monkeypatch.setattr(services, "_validate", _spy(services._validate, lambda: seen.append(
        PerformanceImport.objects.values_list("status", "rows_done", "rows_total").get(pk=log.pk))))
    assert performance_import_check_task.delay(log.pk, "en").get() == "checked"
    assert seen[:3] == [("checking", 0, 6), ("checking", 2, 6), ("checking", 4, 6)]  # progress per batch
    log.refresh_from_db()
    assert (log.status, log.rows_done, log.rows_total) == ("checked", 6, 6)
    assert log.preview["created"] == 2 and log.preview["rejected_count"] == 4
    assert OrderLine.objects.count() == 0
    log = performance_import_confirm(performance_import=log)
    assert log.status == PerformanceImport.Status.SAVING
    assert performance_import_save_task.delay(log.pk, "en").get() == "saved"
    log.refresh_from_db()
    assert (log.status, log.rows_created, log.rows_rejected) == ("saved", 2, 4)
    assert OrderLine.objects.count() == 2 and log.rejections.count() == 4
    assert not log.file.name.startswith("performance/imports/pending/")
    assert list(performance_imports()) == [log]


def _spy(function, before):
    def wrapper(*args, **kwargs):
        before()
        return function(*args, **kwargs)
    return wrapper


def test_a_second_save_is_refused_and_a_repeated_task_writes_nothing(world):
    log = _queued(world, csv_bytes(EN_HEADER, [en_row(world, "OL-1")]))
    performance_import_check_task.delay(log.pk, "en")
    log = performance_import_confirm(performance_import=log)
    with pytest.raises(ApplicationError, match="being saved already"):
        performance_import_confirm(performance_import=log)
    performance_import_save_task.delay(log.pk, "en")
    performance_import_save_task.delay(log.pk, "en")  # delivered twice
    with pytest.raises(ApplicationError, match="saved already"):
        performance_import_confirm(performance_import=log)
    assert OrderLine.objects.count() == 1
    assert PerformanceImport.objects.get().status == "saved"
    assert AuditEntry.objects.filter(action="portal.performance_import.saved").count() == 1


def test_a_save_failing_half_way_writes_nothing_and_can_be_tried_again(world, monkeypatch):
    log = _queued(world, csv_bytes(EN_HEADER, [en_row(world, "OL-1"), en_row(world, "OL-2")]))
    performance_import_check_task.delay(log.pk, "en")
    performance_import_confirm(performance_import=log)

    def broken(**kwargs):
        raise RuntimeError("database went away")
    monkeypatch.setattr(imports, "audit_entry_create", broken)  # after the rows were written
    assert performance_import_save_task.delay(log.pk, "en").get() == "failed"
    log.refresh_from_db()
    assert log.status == "failed" and "nothing was saved" in log.error
    assert OrderLine.objects.count() == 0 and log.rejections.count() == 0
    assert log.file.storage.exists(log.file.name)  # the file is kept
    monkeypatch.undo()
    with pytest.raises(ApplicationError):
        performance_import_confirm(performance_import=log)  # a failed import is checked again first
    performance_import_retry(performance_import=log)
    performance_import_check_task.delay(log.pk, "en")
    performance_import_confirm(performance_import=log)
    assert performance_import_save_task.delay(log.pk, "en").get() == "saved"
    assert OrderLine.objects.count() == 2


def test_a_file_that_cannot_be_read_fails_the_check_with_its_message(world):
    log = _queued(world, b"PK\x03\x04 not really a spreadsheet", name="broken.xlsx")
    assert performance_import_check_task.delay(log.pk, "en").get() == "failed"
    log.refresh_from_db()
    assert log.status == "failed" and log.error and "Traceback" not in log.error


def test_the_preview_page_shows_progress_and_reloads_itself_until_checked(client, world, monkeypatch):
    from portal.performance import admin_views

    monkeypatch.setattr(admin_views.performance_import_check_task, "delay", lambda *args: None)  # no worker yet
    client.force_login(world.finance)
    preview_url = _upload(client, _mixed_file(world))["Location"]
    log = PerformanceImport.objects.get()
    PerformanceImport.objects.filter(pk=log.pk).update(status="checking", rows_total=20000, rows_done=10000)
    page = client.get(preview_url).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and 'data-status="checking"' in page
    assert "10000 of 20000 rows done (50%)" in page and "performance-import-save" not in page
    assert client.post(preview_url).status_code == 302  # saving before the check is refused
    assert PerformanceImport.objects.get().status == "checking" and OrderLine.objects.count() == 0
    PerformanceImport.objects.filter(pk=log.pk).update(status="queued")
    performance_import_check_task.apply(args=(log.pk, "en"))
    page = client.get(preview_url).content.decode()
    assert "http-equiv" not in page and 'id="performance-rejected"' in page and "performance-import-save" in page
    other = staff_user(Role.FINANCE)
    client.force_login(other)
    assert client.get(preview_url).status_code == 404  # the pending import is its uploader's alone


def test_the_daily_purge_forgets_unfinished_imports_after_a_week_with_their_files(
        world, django_capture_on_commit_callbacks):
    from django.core.files.storage import storages

    from portal.performance.imports import performance_imports_abandoned_purge

    S = PerformanceImport.Status
    logs = {status: _queued(world, _mixed_file(world), name=f"{status}.csv") for status in
            (S.QUEUED, S.CHECKED, S.FAILED, S.CHECKING, S.SAVING)}
    for status, log in logs.items():
        PerformanceImport.objects.filter(pk=log.pk).update(status=status)
    recent = _queued(world, _mixed_file(world), name="recent.csv")
    PerformanceImport.objects.filter(pk=recent.pk).update(status=S.CHECKED)
    saved = performance_import_save(kind="order_line", content=_mixed_file(world), filename="saved.csv",
                                    actor=world.finance)
    now = timezone.now() + dt.timedelta(days=7, minutes=1)
    PerformanceImport.objects.filter(pk=recent.pk).update(imported_at=now - dt.timedelta(days=6))

    with django_capture_on_commit_callbacks(execute=True):
        assert performance_imports_abandoned_purge(now=now) == 3
    left = set(PerformanceImport.objects.values_list("pk", flat=True))
    # checked and never confirmed, failed and never retried, queued and never checked: gone; a week-old one being
    # checked or saved, a recent one and a saved one stay
    assert left == {logs[S.CHECKING].pk, logs[S.SAVING].pk, recent.pk, saved.pk}
    storage = storages["private"]
    assert not any(storage.exists(logs[s].file.name) for s in (S.QUEUED, S.CHECKED, S.FAILED))
    assert storage.exists(logs[S.CHECKING].file.name) and storage.exists(saved.file.name)
    assert performance_imports_abandoned_purge(now=now) == 0
