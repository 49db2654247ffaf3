"""Bulk PDF download: the request returns at once, a Celery task builds the zip of the latest PDFs into private
storage with its progress on the row, a page polls a JSON endpoint from a static script, and only the
requester downloads the zip."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from contracts.exports import contract_export_build, latest_documents
from contracts.models import ContractDocument, ContractExport, ContractExportStatus, ContractStatus
from portal.models import AuditEntry, CooperationMode
from portal.roles import Role

from .admin_support import contract, document, staff

pytestmark = pytest.mark.django_db

S = ContractStatus
E = ContractExportStatus
Kind = ContractDocument.Kind


@pytest.fixture
def world():
    signed = contract(status=S.ACTIVE, mode=CooperationMode.JOINT)
    document(signed, kind=Kind.ISSUED, content=b"%PDF-1.7 issued copy of signed")
    document(signed, kind=Kind.SIGNED, content=b"%PDF-1.7 signed copy")
    issued = contract(status=S.ISSUED)
    document(issued, kind=Kind.DRAFT, content=b"%PDF-1.7 old preview")
    document(issued, kind=Kind.ISSUED, content=b"%PDF-1.7 issued copy")
    bare = contract(status=S.DRAFT)  # no PDF yet
    other = contract(status=S.ACTIVE)
    document(other, kind=Kind.SIGNED)
    return {"lead": staff(Role.LEAD), "signed": signed, "issued": issued, "bare": bare, "other": other}


def new_url(**params) -> str:
    from urllib.parse import urlencode

    return reverse("contracts_admin:export_new") + "?" + urlencode(params, doseq=True)


def test_latest_document_per_contract_in_one_query(world, django_assert_num_queries):
    ids = [world[n].pk for n in ("signed", "issued", "bare")]
    with django_assert_num_queries(1):
        latest = latest_documents(ids)
    assert latest[world["signed"].pk].kind == Kind.SIGNED
    assert latest[world["issued"].pk].kind == Kind.ISSUED
    assert world["bare"].pk not in latest


def test_request_returns_at_once_and_the_task_builds_the_zip(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["lead"])
    url = new_url(id=[world["signed"].pk, world["issued"].pk, world["bare"].pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["count"] == 3
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url)
    export = ContractExport.objects.get()
    # the web request only recorded the row: nothing is built until the task runs
    assert response.status_code == 302 and response["Location"] == reverse("contracts_admin:export", args=[export.pk])
    assert export.status == E.PENDING and export.total == 3 and export.done == 0 and not export.file
    assert export.requested_by == world["lead"]
    assert AuditEntry.objects.filter(action="contracts.contract_export.requested").count() == 1
    assert len(callbacks) == 1
    callbacks[0]()  # the task, eagerly
    export.refresh_from_db()
    assert export.status == E.DONE and export.done == export.total == 3 and export.files == 2
    assert export.missing == [world["bare"].number]
    assert Path(export.file.path).is_relative_to(settings.PRIVATE_MEDIA_ROOT)

    with zipfile.ZipFile(export.file.open("rb")) as archive:
        names = set(archive.namelist())
        assert names == {f"{world['signed'].number}-signed.pdf", f"{world['issued'].number}-issued.pdf",
                         "contents.csv"}
        assert archive.read(f"{world['signed'].number}-signed.pdf") == b"%PDF-1.7 signed copy"
        assert archive.read(f"{world['issued'].number}-issued.pdf") == b"%PDF-1.7 issued copy"
        manifest = list(csv.DictReader(io.StringIO(archive.read("contents.csv").decode("utf-8-sig"))))
    by_number = {row["contract"]: row for row in manifest}
    assert len(manifest) == 3 and set(by_number) == {world[n].number for n in ("signed", "issued", "bare")}
    signed_doc = world["signed"].documents.get(kind=Kind.SIGNED)
    assert by_number[world["signed"].number]["sha256"] == signed_doc.sha256
    assert by_number[world["bare"].number]["file"] == ""


def test_the_filtered_list_is_exported_whole(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(new_url(id="all", status="active"))
    export = ContractExport.objects.get()
    assert sorted(export.contract_ids) == sorted([world["signed"].pk, world["other"].pk])
    assert export.params == {"status": ["active"]}
    with zipfile.ZipFile(export.file.open("rb")) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 2


def test_progress_page_polls_a_json_endpoint_from_a_static_script(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["lead"])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(new_url(id=[world["signed"].pk]))
    export = ContractExport.objects.get()
    page = client.get(reverse("contracts_admin:export", args=[export.pk]))
    html = page.content.decode()
    status_url = reverse("contracts_admin:export_status", args=[export.pk])
    assert f'data-export-status-url="{status_url}"' in html
    assert "contracts/admin/export_progress.js" in html
    # no inline script or style (the admin's Content-Security-Policy)
    main = html[html.index('class="contracts-export"'):]
    assert not re.search(r"<script(?![^>]*\bsrc=)", main) and " style=" not in main
    assert finders.find("contracts/admin/export_progress.js")

    state = client.get(status_url).json()
    assert state["status"] == "pending" and state["done"] == 0 and state["total"] == 1
    assert state["download_url"] == "" and state["finished"] is False

    contract_export_build(export=export)
    state = client.get(status_url).json()
    assert state["status"] == "done" and state["percent"] == 100 and state["finished"] is True
    assert state["download_url"] == reverse("contracts_admin:export_download", args=[export.pk])


def test_only_the_requester_downloads_the_zip(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(new_url(id=[world["signed"].pk]))
    export = ContractExport.objects.get()
    download = reverse("contracts_admin:export_download", args=[export.pk])
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(body)).read(f"{world['signed'].number}-signed.pdf") == b"%PDF-1.7 signed copy"
    assert AuditEntry.objects.filter(action="contracts.contract_export.downloaded", actor=world["lead"]).exists()

    client.force_login(staff(Role.LEAD))  # a colleague
    for name in ("export", "export_status", "export_download"):
        assert client.get(reverse(f"contracts_admin:{name}", args=[export.pk])).status_code == 404
    client.force_login(staff(Role.EDITOR))
    assert client.get(download).status_code == 403


def test_a_zip_not_ready_is_not_downloadable(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["lead"])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(new_url(id=[world["signed"].pk]))
    export = ContractExport.objects.get()
    assert client.get(reverse("contracts_admin:export_download", args=[export.pk])).status_code == 404


def test_a_finished_build_is_not_run_again(world):
    export = ContractExport.objects.create(requested_by=world["lead"], contract_ids=[world["signed"].pk], total=1)
    first = contract_export_build(export=export)
    name = first.file.name
    again = contract_export_build(export=export)
    assert again.file.name == name and again.status == E.DONE


def test_a_failed_build_says_so(client, world):
    export = ContractExport.objects.create(requested_by=world["lead"], contract_ids=[world["signed"].pk], total=1)
    doc = world["signed"].documents.get(kind=Kind.SIGNED)
    Path(doc.file.path).unlink()  # the stored file went missing
    with pytest.raises(FileNotFoundError):
        contract_export_build(export=export)
    export.refresh_from_db()
    assert export.status == E.FAILED and export.error
    client.force_login(world["lead"])
    state = client.get(reverse("contracts_admin:export_status", args=[export.pk])).json()
    assert state["status"] == "failed" and state["finished"] is True and "could not be built" in state["label"]


def test_no_selection_and_bad_ids(client, world):
    client.force_login(world["lead"])
    response = client.post(new_url(id=[999999]))
    assert response.status_code == 302 and ContractExport.objects.count() == 0
    assert client.get(new_url(id=["x1"])).status_code == 400


def test_all_in_the_list_with_filters_that_do_not_validate_exports_nothing(client, world):
    client.force_login(world["lead"])
    response = client.get(new_url(id="all", expiring_within="soon"))
    assert response.status_code == 400 and "Term ends within (days)" in response.content.decode()
    assert client.post(new_url(id="all", expiring_within="-3")).status_code == 400
    assert ContractExport.objects.count() == 0


def test_zips_past_their_retention_are_deleted_and_say_so(client, world):
    import datetime as dt

    from django.core.files.storage import storages
    from django.utils import timezone

    from contracts.exports import contract_exports_purge

    old = contract_export_build(export=ContractExport.objects.create(
        requested_by=world["lead"], contract_ids=[world["signed"].pk], total=1))
    recent = contract_export_build(export=ContractExport.objects.create(
        requested_by=world["lead"], contract_ids=[world["issued"].pk], total=1))
    old_name = old.file.name
    now = timezone.now()
    ContractExport.objects.filter(pk=old.pk).update(finished_at=now - dt.timedelta(days=8))
    ContractExport.objects.filter(pk=recent.pk).update(finished_at=now - dt.timedelta(days=6))

    assert contract_exports_purge(now=now) == 1  # the default keeps a zip for 7 days
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.file.name) == (E.EXPIRED, "")
    assert not storages["private"].exists(old_name)
    assert recent.status == E.DONE and storages["private"].exists(recent.file.name)
    assert ContractDocument.objects.filter(contract=world["signed"]).count() == 2  # the contracts' PDFs stay
    assert AuditEntry.objects.filter(action="contracts.contract_export.expired").count() == 1
    assert contract_exports_purge(now=now) == 0  # run again: nothing more

    client.force_login(world["lead"])
    assert client.get(reverse("contracts_admin:export_download", args=[old.pk])).status_code == 404
    page = client.get(reverse("contracts_admin:export", args=[old.pk]))
    assert page.status_code == 200 and "deleted after its retention period" in page.content.decode()
    assert page.context["state"]["finished"] and not page.context["state"]["download_url"]


def test_the_purge_runs_daily():
    assert settings.CELERY_BEAT_SCHEDULE["contracts-exports-purge"]["task"] == \
        "contracts.tasks.contract_exports_purge_task"
