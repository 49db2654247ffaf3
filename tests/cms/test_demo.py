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
        assert "logins: 0 created, 8 unchanged" in out.getvalue()

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
            user = User.objects.get(groups__name=role.value, email__endswith="@demo.local")
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
