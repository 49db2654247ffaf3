"""The demo loader: complete, bilingual and idempotent."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import Locale, Page, Revision, Site

from cms.models import CaseStudyPage, FaqPage, HomePage, PolicyPage, ProgrammePhasePage
from portal.models import Category, Merchant, PolicyItem, PolicyItemVersion, User
from portal.roles import Role


def _counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "locales": Locale.objects.count(),
        "sites": Site.objects.count(),
        "users": User.objects.count(),
        "memberships": User.groups.through.objects.count(),
        "merchants": Merchant.objects.count(),
        "categories": Category.objects.count(),
        "policy_items": PolicyItem.objects.count(),
        "policy_versions": PolicyItemVersion.objects.count(),
    }


@pytest.mark.usefixtures("site")
class TestDemoLoader:
    def test_second_run_creates_and_changes_nothing(self):
        before = _counts()
        latest = dict(Page.objects.values_list("pk", "latest_revision_id"))
        out = StringIO()
        call_command("load_demo", stdout=out)
        assert _counts() == before
        assert dict(Page.objects.values_list("pk", "latest_revision_id")) == latest
        assert "pages: 0 created, 42 unchanged" in out.getvalue()
        assert "logins: 0 created, 10 unchanged" in out.getvalue()

    def test_site_points_at_the_chinese_home_and_the_welcome_page_is_gone(self):
        site = Site.objects.get(is_default_site=True)
        assert site.root_page.specific.__class__ is HomePage
        assert site.root_page.locale.language_code == "zh-hans"
        assert not Page.objects.filter(title__startswith="Welcome").exists()

    def test_every_page_has_a_live_english_translation_with_its_own_text(self):
        zh = Locale.objects.get(language_code="zh-hans")
        en = Locale.objects.get(language_code="en")
        zh_pages = Page.objects.filter(locale=zh, depth__gt=1).specific()
        assert len(zh_pages) == 21
        for page in zh_pages:
            translation = page.get_translation(en)
            assert translation.live, page
            assert translation.title != page.title, page

    def test_content_from_the_business_rules(self):
        assert sorted(PolicyPage.objects.filter(locale__language_code="en").values_list("block", flat=True)) == [
            "entry", "operations", "training"]
        phases = ProgrammePhasePage.objects.filter(locale__language_code="zh-hans").order_by("start_month")
        assert [(p.phase, p.start_month, p.end_month) for p in phases] == [
            ("launch", 0, 6), ("growth", 6, 18), ("expansion", 18, 36), ("optimisation", 36, None)]
        cases = CaseStudyPage.objects.filter(locale__language_code="en")
        assert cases.count() == 3 and all(case.is_illustrative for case in cases)
        faq = FaqPage.objects.get(locale__language_code="en")
        questions = [qa["question"] for section in faq.body for qa in section.value["questions"]]
        assert len(questions) >= 10

    def test_demo_logins(self):
        for role in Role:
            user = User.objects.filter(groups__name=role.value, email__endswith="@demo.local").order_by("id").first()
            assert user.is_staff and user.check_password("demo-pass-2026")
        admin = User.objects.get(email="admin@demo.local")
        assert admin.is_superuser and admin.check_password("demo-pass-2026")
        merchant = User.objects.get(email="merchant@demo.local")
        assert not merchant.is_staff and merchant.merchants.exists()
        assert Group.objects.get(name=Role.REVIEWER).user_set.filter(email="reviewer@demo.local").exists()

    def test_an_editors_change_survives_a_second_run(self):
        faq = FaqPage.objects.get(locale__language_code="en")
        faq.title = "Questions and answers"
        faq.save_revision().publish()
        call_command("load_demo", stdout=StringIO())
        faq.refresh_from_db()
        assert faq.title == "Questions and answers"


@pytest.mark.django_db
def test_load_demo_prints_a_short_summary_and_demo_logins_lists_the_logins(caplog):
    out = StringIO()
    with caplog.at_level("INFO"):
        call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 5, lines
    assert lines[0].startswith("pages: ") and lines[1].startswith("logins: ")
    assert lines[2].startswith("demo applications: ") and lines[3].startswith("demo contracts: ")
    assert lines[4].startswith("reference data")
    assert not [r for r in caplog.records if r.name == "wagtail" and r.levelname == "INFO"]  # no page log

    verbose = StringIO()
    call_command("load_demo", stdout=verbose, verbosity=2)
    assert "pages: 0 created, 42 unchanged" in verbose.getvalue()
    assert "logins: 0 created, 10 unchanged" in verbose.getvalue()

    logins = StringIO()
    call_command("demo_logins", stdout=logins)
    listed = logins.getvalue().splitlines()[1:]
    assert [line.split()[0] for line in listed] == [
        "reviewer@demo.local", "lead@demo.local", "compliance@demo.local", "finance@demo.local",
        "management@demo.local", "editor@demo.local", "sysadmin@demo.local", "finance2@demo.local", "admin@demo.local",
        "merchant@demo.local"]
    assert all(line.split()[1] == "demo-pass-2026" for line in listed)
    # the merchant login says what it has to do: the contract its approved application drafted, to accept
    # (its application is approved: no information request of its own to answer)
    assert "(to do: " in listed[-1] and "Accept your contract HT-" in listed[-1]
    assert "request" not in listed[-1]
    assert all("to do" not in line for line in listed[:-1])


@pytest.mark.django_db
def test_demo_logins_says_when_there_are_none():
    from cms.demo import MERCHANT_EMAIL, ROLE_EMAILS, SECOND_FINANCE_EMAIL, SUPERUSER_EMAIL

    emails = [*ROLE_EMAILS.values(), SECOND_FINANCE_EMAIL, SUPERUSER_EMAIL, MERCHANT_EMAIL]
    for user in User.objects.filter(email__in=emails):
        user.email = f"someone-{user.pk}@example.com"  # users are kept for their audit trail, so rename
        user.save(update_fields=["email"])
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "load_demo" in out.getvalue()
