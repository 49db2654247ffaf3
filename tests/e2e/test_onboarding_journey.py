"""The whole onboarding journey in a real browser, in each site language.

An applicant signs up, confirms the address from the email, starts an application, fills every wizard step,
uploads the required documents (through upload.js), checks the review page and submits. A reviewer of the
squad that covers the main category works the application in the Wagtail admin and asks for more information
about one field; the applicant logs in, finds the request beside that field, changes it and resubmits. The
reviewer accepts the documents, compliance signs off and the lead approves with a grade and deposit; the
applicant's status page then shows the approval.

Applicant and each staff member have their own browser context (their own cookies). The pages are driven by
element names and ids rather than by their wording, which translators change; the database is checked at
every transition.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from onboarding.defaults import onboarding_defaults_load
from onboarding.models import Application, ApplicationDocument, DocumentCheckStatus, Profile
from portal.calendar import calendar_defaults_load
from portal.models import Category, Merchant, Squad, User
from portal.policy.defaults import policy_defaults_load
from portal.roles import Role
from tests.factories.contracts import template_versions_ensure

pytestmark = pytest.mark.django_db(transaction=True)

S = Application.Status
PASSWORD = "Journey-pass-2026"  # noqa: S105  (a test account's password)
STAFF_PASSWORD = "Staff-pass-2026"  # noqa: S105
CREDIT_CODE = "91350100M000100Y43"  # a valid unified social credit code
CATEGORY = "apparel"  # a category without a production licence: four required documents
DOCUMENTS = ["business_licence", "quality_certificate", "trademark_registration", "quality_incident_declaration"]


def pdf_bytes(text: str) -> bytes:
    """A minimal, well-formed PDF (one empty page)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n% " + text.encode() + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def reference_data(base_data):
    policy_defaults_load()
    calendar_defaults_load()
    onboarding_defaults_load()
    template_versions_ensure()  # the approval drafts the contract from the mode's template


def staff_user(email: str, role: str) -> User:
    user = User.objects.create_user(email=email, password=STAFF_PASSWORD, is_staff=True,
                                    first_name=email.split("@")[0].title())
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def staff(reference_data):
    """A reviewer in the squad of the main category, a compliance reviewer and a recruitment lead."""
    reviewer = staff_user("reviewer@example.com", Role.REVIEWER)
    Squad.objects.get(categories__code=CATEGORY).members.add(reviewer)
    return {
        "reviewer": reviewer,
        "compliance": staff_user("compliance@example.com", Role.COMPLIANCE),
        "lead": staff_user("lead@example.com", Role.LEAD),
    }


def status_of(app_id: int) -> str:
    return Application.objects.get(pk=app_id).status


def at(path: str) -> re.Pattern:
    """A URL ending in `path` (a regex), with or without a #fragment: a browser keeps the fragment of the page
    it posted from across the redirect that follows."""
    return re.compile(path + r"(#[\w-]*)?$")


def duplicate_ids(page) -> list[str]:
    """Ids used more than once on the page (a label then points at the wrong field)."""
    return page.evaluate("""() => {
        const seen = new Map();
        document.querySelectorAll("[id]").forEach((el) => seen.set(el.id, (seen.get(el.id) || 0) + 1));
        return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    }""")


def below_header(page, selector: str) -> bool:
    """Whether the element's top edge is in view below the sticky site header (not hidden behind it)."""
    header = page.locator(".site-header").bounding_box()
    return page.locator(selector).bounding_box()["y"] >= header["y"] + header["height"]


def admin_login(page, live_server, user: User, next_path: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def wizard_next(page, next_step: str) -> None:
    """Save the step and go on to the next one."""
    page.locator("form.wizard-form button[name=next]").click()
    page.wait_for_url(re.compile(rf"/steps/{next_step}/$"))


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_application_from_signup_to_approval(lang, staff, new_context, live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url  # the links in the emails point at the test server
    base = f"{live_server.url}/{lang}"
    email = f"owner-{lang}@example.com"
    category = Category.objects.get(code=CATEGORY)

    # ------------------------------------------------------------------ sign up and confirm the address
    applicant = new_context()
    applicant.goto(f"{base}/accounts/signup/")
    expect(applicant.locator("html")).to_have_attribute("lang", lang)
    applicant.locator("#id_organisation_name").fill("Fujian Example Trading Co., Ltd.")
    applicant.locator("input[name=kind][value=merchant]").check()
    applicant.locator("#id_email").fill(email)
    applicant.locator("#id_password1").fill(PASSWORD)
    applicant.locator("#id_password2").fill(PASSWORD)
    expect(applicant.locator("#id_language")).to_have_value(lang)  # emails in the language of the sign-up
    applicant.locator("section.accounts form button[type=submit]").click()
    applicant.wait_for_url(re.compile(rf"/{lang}/accounts/verify-email/$"))

    user = User.objects.get(email=email)
    assert user.email_verified_at is None
    assert user.preferred_language == lang
    merchant = Merchant.objects.get(memberships__user=user)
    [message] = [m for m in mail.outbox if m.to == [email]]
    link = re.search(r"https?://\S+/verify-email/\S+/", message.body).group(0)
    assert link.startswith(f"{live_server.url}/{lang}/")

    applicant.goto(link)
    applicant.wait_for_url(re.compile(rf"/{lang}/portal/$"))  # signed in already: straight to the merchant area
    user.refresh_from_db()
    assert user.email_verified_at is not None

    # ------------------------------------------------------------------ start and fill in the wizard
    applicant.locator(".todo-list a[href$='/portal/applications/']").click()
    applicant.wait_for_url(re.compile(rf"/{lang}/portal/applications/$"))
    applicant.locator("section.onboarding form[method=post] button[type=submit]").click()
    applicant.wait_for_url(re.compile(r"/portal/applications/\d+/steps/company/$"))
    app_id = int(re.search(r"/applications/(\d+)/", applicant.url).group(1))
    app = Application.objects.get(pk=app_id)
    assert (app.merchant_id, app.status) == (merchant.pk, S.DRAFT)

    applicant.locator("#id_company_name").fill("Fujian Example Trading Co., Ltd.")
    applicant.locator("#id_credit_code").fill(CREDIT_CODE)
    applicant.locator("#id_legal_representative").fill("Zhang San")
    wizard_next(applicant, "contacts")

    applicant.locator("#id_contact_name").fill("Li Si")
    applicant.locator("#id_contact_phone").fill("138 0013 8000")
    applicant.locator("#id_contact_email").fill("li.si@example.com")
    applicant.locator("#id_address").fill("1 Example Road, Gulou District, Fuzhou, Fujian")
    wizard_next(applicant, "categories")

    applicant.locator("#id_main_category").select_option(str(category.pk))
    applicant.locator("input[name=cooperation_mode][value=platform]").check()
    applicant.locator("input[name=cross_border][value=false]").check()
    applicant.locator("#id_brands-0-name").fill("Mountain Loom")
    applicant.locator("#id_brands-0-ownership").select_option("own")
    wizard_next(applicant, "screening")

    # a known brand with wide SKU coverage, a high GMV and an operations team: the core merchant profile
    applicant.locator("#id_is_known_brand").select_option("true")
    applicant.locator("#id_sku_coverage").fill("85")
    applicant.locator("#id_monthly_gmv").fill("600000")
    applicant.locator("#id_has_ops_team").select_option("true")
    applicant.locator("#id_years_trading").fill("6")
    wizard_next(applicant, "policies")

    applicant.locator("input[name=wanted_policy_items]").first.check()
    wizard_next(applicant, "documents")

    app.refresh_from_db()
    assert (app.credit_code, app.main_category_id, app.cooperation_mode, app.cross_border) == (
        CREDIT_CODE, category.pk, "platform", False)
    assert app.brands == [{"name": "Mountain Loom", "ownership": "own"}]
    assert app.wanted_policy_items.count() == 1

    # ------------------------------------------------------------------ the documents, through upload.js
    missing_notice = applicant.locator(".document-slots + .notice")
    expect(missing_notice).to_be_visible()  # "4 required documents are still missing"
    for index, code in enumerate(DOCUMENTS):
        is_png = index % 2 == 1
        upload = tmp_path / (f"{code}.png" if is_png else f"{code}.pdf")
        upload.write_bytes(png_bytes() if is_png else pdf_bytes(code))
        slot = applicant.locator(f"#doc-{code}")
        expect(slot.locator(".badge-warn")).to_be_visible()  # required
        form = slot.locator("form[data-upload]")
        if form.locator("input[name=number]").count():
            form.locator("input[name=number]").fill(f"NO-{index + 1}")
        form.locator("input[name=issuer]").fill("Fuzhou Market Supervision Administration")
        if form.locator("input[name=expires_on]").count():
            form.locator("input[name=expires_on]").fill("2030-12-31")
        form.locator("input[name=files]").set_input_files(str(upload))
        form.locator("button[type=submit]").click()
        # the page reloads at the document's slot, with the upload listed in it
        expect(applicant.locator(f"#doc-{code} a", has_text=upload.name)).to_be_visible()
        assert below_header(applicant, f"#doc-{code} h2")
    assert sorted(ApplicationDocument.objects.filter(application=app).values_list("document_type__code", flat=True)
                  ) == sorted(DOCUMENTS)
    expect(missing_notice).to_have_count(0)

    # ------------------------------------------------------------------ review (with the screening) and submit
    applicant.locator("button[name=action][value=complete]").click()
    applicant.wait_for_url(at(rf"/applications/{app_id}/review/"))
    with translation.override(lang):
        core_label = str(Profile.CORE.label)
    expect(applicant.locator(".screening dd strong")).to_have_text(core_label)
    expect(applicant.locator(".screening dd").nth(1)).to_have_text("100 / 100")
    expect(applicant.locator(".missing-list")).to_have_count(0)
    applicant.locator("form.actions-row button[type=submit]").click()
    applicant.wait_for_url(at(rf"/{lang}/portal/applications/{app_id}/"))
    expect(applicant.locator(".status-badge")).to_have_class(re.compile(r"\bstatus-submitted\b"))

    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    assert (app.profile, app.score) == (Profile.CORE, 100)
    assert app.squad.categories.filter(pk=category.pk).exists()
    assert app.assigned_reviewer == staff["reviewer"]

    # ------------------------------------------------------------------ the reviewer asks for more information
    detail_path = f"/admin/applications/{app_id}/"
    reviewer = new_context()
    admin_login(reviewer, live_server, staff["reviewer"], "/admin/applications/")
    row_link = reviewer.locator(f"a[href='{detail_path}']")
    expect(row_link).to_have_text("Fujian Example Trading Co., Ltd.")
    row_link.click()
    reviewer.wait_for_url(re.compile(re.escape(detail_path) + "$"))

    reviewer.locator("form[action$='/start-review/'] button[type=submit]").click()
    expect(reviewer.locator("form[action$='/info-request/']")).to_be_visible()
    assert status_of(app_id) == S.IN_REVIEW

    comment = "Please give a landline number with the area code."
    request_form = reviewer.locator("form[action$='/info-request/']")
    request_form.locator("select[name='items-0-field_name']").select_option("contact_phone")
    request_form.locator("textarea[name='items-0-comment']").fill(comment)
    request_form.locator("textarea[name=message]").fill("One more detail before we can decide.")
    request_form.locator("button[type=submit]").click()
    expect(reviewer.locator("form[action$='/info-request/']")).to_have_count(0)
    with translation.override(reviewer.locator("html").get_attribute("lang")):
        phone_label = str(capfirst(Application._meta.get_field("contact_phone").verbose_name))
    sent = reviewer.locator("#info-requests-content tbody tr")
    expect(sent).to_have_count(1)
    expect(sent.locator("td").nth(0)).to_have_text(phone_label)  # the field's name in words, not its code
    expect(sent.locator("td").nth(1)).to_have_text(comment)
    assert status_of(app_id) == S.INFO_REQUESTED
    assert app.info_requests.get().items.get().field_name == "contact_phone"

    # ------------------------------------------------------------------ the applicant answers and resubmits
    applicant.context.close()
    applicant = new_context()
    applicant.goto(f"{base}/accounts/login/?next=/{lang}/portal/applications/{app_id}/")
    applicant.locator("#id_username").fill(email)
    applicant.locator("#id_password").fill(PASSWORD)
    applicant.locator("section.accounts form button[type=submit]").click()
    applicant.wait_for_url(re.compile(rf"/{lang}/portal/applications/{app_id}/$"))
    expect(applicant.locator(".status-badge")).to_have_class(re.compile(r"\bstatus-info_requested\b"))
    item = applicant.locator(".request-items li").first
    expect(item.locator(".info-request")).to_have_text(comment)
    expect(item.locator(".badge-warn")).to_be_visible()  # to do

    item.locator("a[href$='/steps/contacts/#field-contact_phone']").click()
    applicant.wait_for_url(re.compile(r"/steps/contacts/#field-contact_phone$"))
    expect(applicant.locator("#field-contact_phone .info-request")).to_contain_text(comment)  # beside the field
    assert below_header(applicant, "#field-contact_phone label")
    applicant.locator("#id_contact_phone").fill("+86 591 8765 4321")
    applicant.locator("form.wizard-form button[name=save]").click()
    applicant.wait_for_url(at(r"/steps/contacts/"))
    expect(applicant.locator("#field-contact_phone .info-request .badge")).to_be_visible()  # marked changed
    assert Application.objects.get(pk=app_id).contact_phone == "+86 591 8765 4321"
    assert status_of(app_id) == S.INFO_REQUESTED

    applicant.goto(f"{base}/portal/applications/{app_id}/")
    resubmit = applicant.locator("form[action$='/resubmit/']")
    resubmit.locator("textarea[name^='answer-']").fill("Landline added.")
    resubmit.locator("textarea[name=response]").fill("We changed the contact phone.")
    resubmit.locator("button[type=submit]").click()
    expect(applicant.locator(".status-badge")).to_have_class(re.compile(r"\bstatus-resubmitted\b"))
    expect(applicant.locator("form[action$='/resubmit/']")).to_have_count(0)
    assert status_of(app_id) == S.RESUBMITTED
    info_request = app.info_requests.get()
    assert (info_request.status, info_request.response) == ("answered", "We changed the contact phone.")
    assert info_request.items.get().answer == "Landline added."

    # ------------------------------------------------------------------ the reviewer checks the documents
    reviewer.goto(live_server.url + detail_path)
    expect(reviewer.locator("#info-requests-content")).to_contain_text("We changed the contact phone.")
    reviewer.locator("form[action$='/start-review/'] button[type=submit]").click()
    expect(reviewer.locator("form[action$='/start-review/']")).to_have_count(0)
    assert status_of(app_id) == S.IN_REVIEW

    check_forms = reviewer.locator("form[action*='/documents/'][action$='/check/']")
    for remaining in range(len(DOCUMENTS), 0, -1):
        expect(check_forms).to_have_count(remaining)
        check = check_forms.first
        check.locator("select[name$=decision]").select_option(DocumentCheckStatus.ACCEPTED)
        check.locator("button[type=submit]").click()
    expect(check_forms).to_have_count(0)
    assert set(ApplicationDocument.objects.filter(application_id=app_id).values_list("check_status", flat=True)
               ) == {DocumentCheckStatus.ACCEPTED}
    assert status_of(app_id) == S.IN_REVIEW

    # ------------------------------------------------------------------ compliance signs off
    compliance = new_context()
    admin_login(compliance, live_server, staff["compliance"], detail_path)
    compliance.locator("form[action$='/compliance-signoff/'] textarea[name=note]").fill(
        "Licence checked against the national enterprise credit register.")
    compliance.locator("form[action$='/compliance-signoff/'] button[type=submit]").click()
    expect(compliance.locator("form[action$='/compliance-signoff/']")).to_have_count(0)
    expect(compliance.locator("#compliance-content")).to_contain_text("national enterprise credit register")
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW
    assert app.compliance_signed_off_by == staff["compliance"]

    # ------------------------------------------------------------------ the lead approves with grade and deposit
    lead = new_context()
    admin_login(lead, live_server, staff["lead"], detail_path)
    approve = lead.locator("form[action$='/approve/']")
    expect(approve).to_be_visible()
    assert duplicate_ids(lead) == []  # the approve and reject forms both have a reasons field
    approve.locator("select[name=grade]").select_option("B")
    approve.locator("input[name=deposit_amount]").fill("40000.00")  # grade B's default deposit
    approve.locator("textarea[name=reasons]").fill("Welcome aboard.")
    approve.locator("button[name=action][value=approve]").click()
    expect(lead.locator("form[action$='/approve/']")).to_have_count(0)
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert (app.merchant_grade, app.deposit_amount, app.decided_by) == ("B", Decimal("40000.00"), staff["lead"])

    # ------------------------------------------------------------------ the applicant sees the approval
    applicant.goto(f"{base}/portal/applications/{app_id}/")
    expect(applicant.locator(".status-badge")).to_have_class(re.compile(r"\bstatus-approved\b"))
    with translation.override(lang):
        approved_label = str(S.APPROVED.label)
    expect(applicant.locator(".status-badge")).to_have_text(approved_label)
    expect(applicant.locator(".summary-list").first).to_contain_text("Welcome aboard.")
    expect(applicant.locator("a[href$='/steps/documents/']")).to_be_visible()  # renewals from now on
