"""From approval to a verified signed contract in a real browser, in each site language.

A recruitment lead approves an application in the Wagtail admin, which drafts the contract from the current
template of its cooperation mode, and issues it. The merchant's owner finds "contract to accept" on the workspace,
reads the PDF, asks for the one-time code, types it from the email with their full name and accepts. A second lead
countersigns (the one who issued may not). The merchant downloads the signed copy from the contract page; the public
verify page reports it intact with its number and parties, and the same file with one byte changed as altered.

Each person has their own browser context. The database is checked at every transition.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from contracts.commission.defaults import commission_defaults_load
from contracts.defaults import contracts_defaults_load
from contracts.models import Contract, ContractDocument
from contracts.signing import pdf_signature_check
from onboarding.models import Application
from onboarding.services import application_start_review, application_submit
from portal.models import Category
from portal.roles import Role
from tests.factories.onboarding import draft_application, merchant_user
from tests.onboarding.workflow import ready_to_approve

from .test_onboarding_journey import CATEGORY, admin_login
from .test_onboarding_journey import staff_user as journey_staff_user

pytestmark = pytest.mark.django_db(transaction=True)

OWNER_PASSWORD = "Owner-pass-2026"  # noqa: S105  (a test account's password)
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots"))
C = Contract.Status
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
VERDICTS = {
    "zh-hans": ("完好：这是我们出具的合同", "已被改动：不是我们出具的完好合同"),
    "en": ("Intact: this is a contract of ours", "Altered: not an intact contract of ours"),
}


@pytest.fixture
def people(base_data):
    """The reference data of a fresh installation (the real contract templates and commission table, as
    `load_defaults` loads them), and the staff of the journey."""
    from onboarding.defaults import onboarding_defaults_load
    from portal.calendar import calendar_defaults_load
    from portal.policy.defaults import policy_defaults_load

    policy_defaults_load()
    calendar_defaults_load()
    onboarding_defaults_load()
    commission_defaults_load()
    contracts_defaults_load()
    reviewer = journey_staff_user("reviewer@example.com", Role.REVIEWER)
    from portal.models import Squad

    Squad.objects.get(categories__code=CATEGORY).members.add(reviewer)
    return SimpleNamespace(
        reviewer=reviewer,
        compliance=journey_staff_user("compliance@example.com", Role.COMPLIANCE),
        lead=journey_staff_user("lead@example.com", Role.LEAD),
        countersigner=journey_staff_user("second-lead@example.com", Role.LEAD),
    )


def _ready_application(people, lang: str) -> Application:
    merchant, owner = merchant_user(first_name="Wei", last_name="Chen", preferred_language=lang)
    owner.set_password(OWNER_PASSWORD)
    owner.email_verified_at = timezone.now()
    owner.save()
    category = Category.objects.get(code=CATEGORY)
    app = draft_application(merchant=merchant, user=owner, category=category)
    app = application_submit(application=app, actor=owner)
    app = application_start_review(application=app, actor=people.reviewer)
    return ready_to_approve(SimpleNamespace(reviewer=people.reviewer, compliance=people.compliance), app)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_approve_accept_countersign_verify(lang, people, new_context, live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url  # the links in the emails point at the test server
    app = _ready_application(people, lang)
    owner = app.created_by
    base = f"{live_server.url}/{lang}"

    # ------------------------------------------------------------------ the lead approves: a draft contract
    lead = new_context(locale=LOCALES[lang])
    admin_login(lead, live_server, people.lead, f"/admin/applications/{app.pk}/")
    approve = lead.locator("form[action$='/approve/']")
    approve.locator("select[name=grade]").select_option("B")
    approve.locator("button[name=action][value=approve]").click()
    expect(lead.locator("form[action$='/approve/']")).to_have_count(0)
    app.refresh_from_db()
    assert app.status == Application.Status.APPROVED
    contract = Contract.objects.get(merchant=app.merchant)
    assert (contract.status, contract.mode, contract.grade) == (C.DRAFT, app.cooperation_mode, "B")
    assert contract.deposit_amount == app.deposit_amount
    assert contract.template_version.mode == app.cooperation_mode
    assert contract.template_version.content["operator"]["name"]["zh"]  # the shipped template, not a stand-in

    # ------------------------------------------------------------------ … and issues it (the PDF renders)
    lead.goto(f"{live_server.url}/admin/contracts/{contract.pk}/")
    expect(lead.locator("h1, h2").filter(has_text=contract.number).first).to_be_visible()
    lead.locator(f"form[action$='/contracts/{contract.pk}/issue/'] button[type=submit]").click()
    lead.wait_for_load_state()
    contract.refresh_from_db()
    assert contract.status == C.ISSUED
    issued = ContractDocument.objects.get(contract=contract, kind="issued")
    _shot(lead, f"contract-admin-issued-{lang}")

    # ------------------------------------------------------------------ the owner accepts with the emailed code
    merchant = new_context(locale=LOCALES[lang])
    merchant.goto(f"{base}/accounts/login/?next=/{lang}/portal/")
    merchant.locator("#id_username").fill(owner.email)
    merchant.locator("#id_password").fill(OWNER_PASSWORD)
    merchant.locator("section.accounts form button[type=submit]").click()
    merchant.wait_for_url(re.compile(rf"/{lang}/portal/$"))
    accept_link = merchant.locator(f".todo-list a[href$='/portal/contracts/{contract.pk}/accept/']")
    expect(accept_link).to_be_visible()
    _shot(merchant, f"contract-workspace-todo-{lang}")
    accept_link.click()
    merchant.wait_for_url(re.compile(rf"/{lang}/portal/contracts/{contract.pk}/accept/$"))
    expect(merchant.locator("code.document-sha")).to_have_text(issued.sha256)  # the hash of the PDF shown

    mail.outbox.clear()
    merchant.locator("button[name=action][value=send_code]").click()
    expect(merchant.locator(".code-status")).to_be_visible()
    [message] = [m for m in mail.outbox if m.to == [owner.email]]
    code = re.search(r"^ {4}(\d{6})$", message.body, re.MULTILINE).group(1)  # the code stands on its own line

    form = merchant.locator("form.accept-form")
    form.locator("input[name=typed_name]").fill("Chen Wei" if lang == "en" else "陈伟")
    form.locator("input[name=code]").fill(code)
    form.locator("input[name=confirm]").check()
    form.locator("button[name=action][value=accept]").click()
    contract.refresh_from_db()
    if lang == "zh-hans":
        # the account's name is "Wei Chen": a Chinese rendering of it is not that name, and the page says so
        assert contract.status == C.ISSUED
        expect(form.locator(".field--invalid input[name=typed_name]")).to_be_visible()
        _shot(merchant, f"contract-accept-refused-{lang}")
        form.locator("input[name=typed_name]").fill("Wei Chen")
        form.locator("input[name=code]").fill(code)
        form.locator("input[name=confirm]").check()
        form.locator("button[name=action][value=accept]").click()
    merchant.wait_for_url(re.compile(rf"/{lang}/portal/contracts/{contract.pk}/$"))
    contract.refresh_from_db()
    assert contract.status == C.ACCEPTED
    assert contract.accepted_by == owner
    assert contract.accepted_pdf_sha256 == issued.sha256
    assert contract.accepted_ip == "127.0.0.1"
    assert "Chrome" in contract.accepted_user_agent or "Headless" in contract.accepted_user_agent

    # ------------------------------------------------------------ the issuer may not countersign; another lead does
    lead.goto(f"{live_server.url}/admin/contracts/{contract.pk}/")
    expect(lead.locator(f"form[action$='/contracts/{contract.pk}/countersign/']")).to_have_count(0)
    second = new_context(locale=LOCALES[lang])
    admin_login(second, live_server, people.countersigner, f"/admin/contracts/{contract.pk}/")
    second.locator(f"form[action$='/contracts/{contract.pk}/countersign/'] button[type=submit]").click()
    second.wait_for_load_state()
    contract.refresh_from_db()
    assert contract.status == C.SIGNED
    assert contract.countersigned_by == people.countersigner
    signed = ContractDocument.objects.get(contract=contract, kind="signed")
    _shot(second, f"contract-admin-signed-{lang}")

    # ------------------------------------------------------------------ the merchant downloads the signed copy
    merchant.goto(f"{base}/portal/contracts/{contract.pk}/")
    link = merchant.locator(f"a[href$='/portal/contracts/{contract.pk}/pdf/signed/']")
    expect(link).to_be_visible()
    _shot(merchant, f"contract-detail-signed-{lang}")
    with merchant.expect_download() as download_info:
        link.click()
    path = tmp_path / "signed.pdf"
    download_info.value.save_as(path)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == signed.sha256
    check = pdf_signature_check(data)
    assert (check.intact, check.valid, check.trusted) == (True, True, True)

    # ------------------------------------------------------------------ the public verify page: intact, then altered
    intact_text, altered_text = VERDICTS[lang]
    visitor = new_context(locale=LOCALES[lang])
    visitor.goto(f"{base}/contracts/verify/")
    visitor.locator("input[type=file]").set_input_files(str(path))
    visitor.locator("form.verify-form").first.locator("button[type=submit]").click()
    result = visitor.locator(".verify-result")
    expect(result).to_contain_text(intact_text)
    expect(result).to_contain_text(contract.number)
    expect(result).to_contain_text(contract.merchant_legal_name)
    _shot(visitor, f"contract-verify-intact-{lang}")

    changed = bytearray(data)
    changed[data.index(b"stream", 100) + 40] ^= 0x01  # one byte, one bit
    altered = tmp_path / "changed.pdf"
    altered.write_bytes(bytes(changed))
    visitor.locator("input[type=file]").set_input_files(str(altered))
    visitor.locator("form.verify-form").first.locator("button[type=submit]").click()
    expect(result).to_contain_text(altered_text)
    expect(result).not_to_contain_text(contract.merchant_legal_name)
