"""The reviewer's side in a real browser: a changed answer on the timeline in words, and the lead's
approval form whose deposit follows the grade.

The applicant changes its monthly GMV on the screening step while an information request about its phone
number is open; the reviewer's timeline then says, in the reviewer's language, which answer changed from
what to what, and flags it as not asked for.
"""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from onboarding.models import Application
from onboarding.services import application_start_review, application_submit, info_request_create
from portal.models import Category, Squad
from tests.factories.onboarding import draft_application, merchant_user
from tests.onboarding.workflow import ready_to_approve

from .test_onboarding_journey import CATEGORY, admin_login, reference_data, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def amount(value: int) -> re.Pattern:
    """A deposit field's value, with or without the fen (the defaults' stored precision)."""
    return re.compile(rf"^{value}(\.00)?$")

APPLICANT_PASSWORD = "Applicant-pass-2026"  # noqa: S105  (a test account's password)


def _in_review(people, *, gmv: Decimal) -> Application:
    merchant, owner = merchant_user()
    owner.set_password(APPLICANT_PASSWORD)
    owner.email_verified_at = timezone.now()
    owner.save()
    category = Category.objects.get(code=CATEGORY)
    app = draft_application(merchant=merchant, user=owner, category=category, screening={
        "is_known_brand": True, "sku_coverage": Decimal("85"), "monthly_gmv": gmv, "has_ops_team": True})
    app = application_submit(application=app, actor=owner)
    assert app.squad == Squad.objects.get(categories__code=CATEGORY)
    return application_start_review(application=app, actor=people["reviewer"])


@pytest.mark.parametrize(("locale", "expected"), [
    ("en-US", {"change": re.compile(r"Monthly GMV \(6-month average\):\s*¥2,500,000\.00 → ¥2,650,000\.00"),
               "flag": "not asked for in the information request", "label": "Answers saved: Screening questions"}),
    ("zh-CN", {"change": re.compile(r"月均 GMV（近 6 个月平均）：\s*¥2,500,000\.00 → ¥2,650,000\.00"),
               "flag": "补充资料请求中未要求", "label": "已保存答案：预审问题"}),
])
def test_reviewer_sees_the_changed_gmv_in_words(locale, expected, staff, new_context, live_server):  # noqa: F811
    app = _in_review(staff, gmv=Decimal("2500000"))
    info_request_create(application=app, actor=staff["reviewer"],
                        items=[("contact_phone", "Please give a landline number with the area code.")])

    # the applicant changes its monthly GMV (not what was asked) on the screening step
    applicant = new_context(locale=locale)
    base = f"{live_server.url}/zh-hans" if locale == "zh-CN" else f"{live_server.url}/en"
    applicant.goto(f"{base}/accounts/login/?next={base.removeprefix(live_server.url)}/portal/applications/"
                   f"{app.pk}/steps/screening/")
    applicant.locator("#id_username").fill(app.created_by.email)
    applicant.locator("#id_password").fill(APPLICANT_PASSWORD)
    applicant.locator("section.accounts form button[type=submit]").click()
    applicant.wait_for_url(re.compile(rf"/portal/applications/{app.pk}/steps/screening/$"))
    applicant.locator("#id_monthly_gmv").fill("2650000")
    applicant.locator("form.wizard-form button[name=save]").click()
    applicant.wait_for_url(re.compile(r"/steps/screening/(#[\w-]*)?$"))
    assert Application.objects.get(pk=app.pk).monthly_gmv == Decimal("2650000")

    # the reviewer reads it on the timeline, in the reviewer's language
    reviewer = new_context(locale=locale)
    detail_path = f"/admin/applications/{app.pk}/"
    admin_login(reviewer, live_server, staff["reviewer"], detail_path)
    row = reviewer.locator("#timeline-content tr[data-event=step_saved]").last
    expect(row).to_contain_text(expected["label"])
    change = row.locator(".onboarding-changes li")
    expect(change).to_have_count(1)  # only the answer that really changed
    expect(change).to_contain_text(expected["change"])
    expect(change).to_contain_text(expected["flag"])
    expect(reviewer.locator("#info-requests-content .onboarding-unrequested")).to_be_visible()


def test_the_deposit_follows_the_grade_until_the_lead_edits_it(staff, new_context, live_server):  # noqa: F811
    from portal.roles import Role
    from tests.factories.onboarding import staff_user

    app = _in_review(staff, gmv=Decimal("600000"))
    ready_to_approve(SimpleNamespace(reviewer=staff["reviewer"], compliance=staff_user(Role.COMPLIANCE)), app)

    lead = new_context(locale="en-US")
    detail_path = f"/admin/applications/{app.pk}/"
    admin_login(lead, live_server, staff["lead"], detail_path)
    approve = lead.locator("form[action$='/approve/']")
    deposit = approve.locator("input[name=deposit_amount]")
    expect(deposit).to_have_value(amount(60000))  # grade C's default
    approve.locator("select[name=grade]").select_option("A")
    expect(deposit).to_have_value(amount(20000))
    approve.locator("select[name=grade]").select_option("B")
    expect(deposit).to_have_value(amount(40000))
    deposit.fill("45000")  # typed by hand: from now on the grade leaves it alone
    approve.locator("select[name=grade]").select_option("D")
    expect(deposit).to_have_value("45000")

    # back to the default of the chosen grade: approved without an override reason
    approve.locator("select[name=grade]").select_option("A")
    deposit.fill("20000.00")
    approve.locator("button[name=action][value=approve]").click()
    expect(lead.locator("form[action$='/approve/']")).to_have_count(0)
    app.refresh_from_db()
    assert (app.status, app.merchant_grade, app.deposit_amount) == ("approved", "A", Decimal("20000.00"))
