"""The merchant workspace in a real browser, in both languages: after submission (waiting for review, with the
expected decision date) and after approval (status, grade, deposit and the next step); and no page of the site,
the workspace or the admin makes a request to any host but the site's own."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from onboarding.models import ApplicationStatus
from onboarding.services import application_approve, application_start_review, application_submit
from portal.models import MerchantStatus, User
from portal.money import format_money
from portal.roles import Role
from tests.factories.onboarding import draft_application, merchant_user
from tests.onboarding.workflow import ready_to_approve, world_build

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Correct-Horse-42"
S = ApplicationStatus


def log_in(page, live_server, lang: str, email: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/{lang}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("section.accounts form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def applicant(world):
    merchant, user = merchant_user(email_verified_at=timezone.now())
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return draft_application(merchant=merchant, user=user, category=world.category), user


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_workspace_after_submission_and_after_approval(lang, base_data, new_context, live_server):
    world = world_build()
    app, user = applicant(world)
    app = application_submit(application=app, actor=user)
    expected = timezone.localdate(app.decision_due_at)
    with translation.override(lang):
        expected_text = date_format(expected, "DATE_FORMAT")
        submitted_label = str(S.SUBMITTED.label).lower()

    page = new_context()
    home = f"/{lang}/portal/"
    log_in(page, live_server, lang, user.email, home)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(".workspace-header h1")).to_have_text(app.merchant.name)
    expect(page.locator(".stage-detail")).to_contain_text(submitted_label)
    waiting = page.locator("[data-todo='onboarding.waiting_for_review']")
    expect(waiting).to_be_visible()
    expect(waiting.locator(".todo-detail")).to_contain_text(expected_text)
    expect(waiting.locator("time.todo-due")).to_have_attribute("datetime", expected.isoformat())
    expect(page.locator(".todo")).to_have_count(1)

    waiting.locator("a").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/applications/{app.pk}/$"))
    expect(page.locator(".expected-decision time")).to_have_attribute("datetime", expected.isoformat())
    expect(page.locator(".expected-decision")).to_contain_text(expected_text)
    expect(page.locator(".workspace-nav a[aria-current=page]")).to_have_attribute(
        "href", f"/{lang}/portal/applications/")

    # the recruitment team approves with grade B and its default deposit
    app = application_start_review(application=app, actor=world.reviewer)
    ready_to_approve(world, app)
    app = application_approve(application=app, actor=world.lead, merchant_grade="B",
                              deposit_amount=Decimal("40000.00"), reasons="Welcome aboard.")
    app.merchant.refresh_from_db()
    assert (app.merchant.status, app.merchant.grade) == (MerchantStatus.ONBOARDING, "B")
    with translation.override(lang):
        deposit = format_money(Decimal("40000.00"), app.currency)
        onboarding_label = str(MerchantStatus.ONBOARDING.label)
        decided = date_format(timezone.localdate(app.decided_at), "DATE_FORMAT")

    page.goto(f"{live_server.url}{home}")
    expect(page.locator(".stage-label")).to_contain_text(onboarding_label)
    expect(page.locator(".merchant-grade")).to_have_text("B")
    expect(page.locator(".merchant-deposit")).to_have_text(deposit)
    expect(page.locator("[data-todo='onboarding.waiting_for_review']")).to_have_count(0)
    next_step = page.locator("[data-todo='onboarding.next_contract']")
    expect(next_step.locator(".todo-detail")).to_contain_text(deposit)

    next_step.locator("a").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/applications/{app.pk}/$"))
    expect(page.locator(".decision-grade")).to_have_text("B")
    expect(page.locator(".decision-deposit")).to_have_text(deposit)
    expect(page.locator(".decided-on")).to_have_text(decided)
    expect(page.locator(".summary-list").first).to_contain_text("Welcome aboard.")
    expect(page.locator(".next-panel .steps li")).to_have_count(4)
    expect(page.locator(".next-panel")).to_contain_text(deposit)

    # on a phone the header's language switch and account link keep to one line each, with no sideways scroll
    for width in (360, 320):
        page.set_viewport_size({"width": width, "height": 740})
        page.goto(f"{live_server.url}{home}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for item in (".lang-switch .lang.current", ".lang-switch a.lang", ".header-tools .button"):
            one_line = page.locator(item).evaluate(
                "el => el.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(el).lineHeight)")
            assert one_line, (width, item)


def test_no_page_requests_another_host(base_data, new_context, live_server):
    from cms.demo import demo_content_load

    demo_content_load()
    world = world_build()
    app, user = applicant(world)
    application_submit(application=app, actor=user)
    admin = User.objects.create_user(email="editor@example.com", password=PASSWORD, is_staff=True)
    admin.groups.add(Group.objects.get(name=Role.EDITOR))

    own_host = urlsplit(live_server.url).netloc
    page = new_context()
    foreign: list[str] = []
    visited: list[str] = []
    page.on("request", lambda request: foreign.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(request.url).netloc != own_host else None)

    def visit(path: str) -> None:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        visited.append(path)

    for lang in ("zh-hans", "en"):
        visit(f"/{lang}/")
        first_link = page.locator(".site-nav a").first.get_attribute("href")
        visit(first_link)
        for path in ("sitemap/", "search/?q=policy", "accounts/login/", "accounts/signup/"):
            visit(f"/{lang}/{path}")
    log_in(page, live_server, "en", user.email, "/en/portal/")
    for path in ("/en/portal/", "/zh-hans/portal/", f"/en/portal/applications/{app.pk}/", "/en/portal/team/"):
        visit(path)
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.wait_for_load_state("networkidle")
    expect(page.locator("link[rel=icon][type='image/svg+xml']")).to_have_count(1)  # the portal's favicon
    visit("/admin/pages/")
    assert len(visited) >= 15
    assert foreign == []
