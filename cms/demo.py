"""The demo content loader: locales, the policy site in Chinese and English, and demo logins.

`demo_content_load()` is idempotent: pages are matched on their slugs under their parent, translations on
their translation key and locale, users on their email, and anything that exists is left as it is (an
editor's changes survive a second run). It returns what it created and what it found unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from portal.accounts.services import demo_merchant_ensure
from portal.bootstrap import DemoLoadResult, DemoLogin
from portal.models import Category, Squad, User
from portal.policy.defaults import policy_defaults_load
from portal.roles import Role, roles_sync

from . import models as cms_models
from .demo_content import FEATURED_LINKS, HOME

ZH = "zh-hans"
EN = "en"
SPEC_KEYS = {ZH: "zh", EN: "en"}  # language code -> key of its fields in a page spec
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (published demo logins, never used outside a demo)
SUPERUSER_EMAIL = "admin@demo.local"
MERCHANT_EMAIL = "merchant@demo.local"
SECOND_FINANCE_EMAIL = "finance2@demo.local"
ROLE_EMAILS: dict[str, str] = {
    Role.REVIEWER: "reviewer@demo.local",
    Role.LEAD: "lead@demo.local",
    Role.COMPLIANCE: "compliance@demo.local",
    Role.FINANCE: "finance@demo.local",
    Role.EDITOR: "editor@demo.local",
    Role.ADMIN: "sysadmin@demo.local",
    Role.MANAGEMENT: "management@demo.local",
}
# Demo staff are people with names, greeted by them in emails and shown by them in the admin; the role
# is a group, not a name.
STAFF_NAMES: dict[str, tuple[str, str]] = {
    Role.REVIEWER: ("Na", "Li"),
    Role.LEAD: ("Qiang", "Wang"),
    Role.COMPLIANCE: ("Jing", "Chen"),
    Role.FINANCE: ("Yang", "Liu"),
    Role.EDITOR: ("Min", "Zhao"),
    Role.ADMIN: ("Lei", "Sun"),
    Role.MANAGEMENT: ("Hua", "Zhou"),
}


# ---------------------------------------------------------------- pages


def _set_fields(page: Page, spec: dict[str, Any], language: str) -> None:
    for name, value in spec.get("common", {}).items():
        if name == "category_code":
            page.category = Category.objects.filter(code=value).first()
        else:
            setattr(page, name, value)
    for name, value in spec[SPEC_KEYS[language]].items():
        setattr(page, name, value)
    page.show_in_menus = bool(spec.get("menu"))


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _source_page_ensure(*, parent: Page, spec: dict[str, Any], locale: Locale, result: DemoLoadResult) -> Page:
    """The Chinese page of `spec` under `parent`: found by slug, or created and published."""
    model = getattr(cms_models, spec["model"])
    existing = parent.get_children().filter(slug=spec["slug"], locale=locale).first()
    if existing is not None:
        result.pages_unchanged.append(f"{ZH} {existing.url_path}")
        return existing.specific
    page = model(slug=spec["slug"], locale=locale)
    _set_fields(page, spec, ZH)
    parent.add_child(instance=page)
    _publish(page)
    result.pages_created.append(f"{ZH} {page.url_path}")
    return page


def _translation_ensure(*, source: Page, spec: dict[str, Any], locale: Locale, result: DemoLoadResult) -> Page:
    """The English translation of `source`: found by translation key, or copied, filled in and published."""
    existing = source.get_translations().filter(locale=locale).first()
    if existing is not None:
        result.pages_unchanged.append(f"{EN} {existing.url_path}")
        return existing.specific
    page = source.copy_for_translation(locale).specific
    _set_fields(page, spec, EN)
    _publish(page)
    result.pages_created.append(f"{EN} {page.url_path}")
    return page


def _tree_ensure(*, parent: Page, spec: dict[str, Any], zh: Locale, en: Locale, result: DemoLoadResult) -> Page:
    page = _source_page_ensure(parent=parent, spec=spec, locale=zh, result=result)
    _translation_ensure(source=page, spec=spec, locale=en, result=result)
    for child in spec.get("children", []):
        _tree_ensure(parent=page, spec=child, zh=zh, en=en, result=result)
    return page


def _featured_links_ensure(*, home: Page, language: str) -> None:
    """Fill the home page's featured links once (when empty), pointing at the pages of its own language."""
    if home.featured_links:
        return
    links = []
    for slug, zh_title, zh_text, en_title, en_text in FEATURED_LINKS:
        target = home.get_children().filter(slug=slug).first()
        if target is None:
            continue
        title, text = (zh_title, zh_text) if language == ZH else (en_title, en_text)
        links.append({"type": "link", "value": {"title": title, "text": text, "page": target.pk, "url": ""}})
    home.featured_links = links
    _publish(home)


def _welcome_page_remove(site: Site | None) -> None:
    """Wagtail's default "Welcome" page (a plain Page at the top, without children) goes away."""
    plain_page = ContentType.objects.get_for_model(Page)
    for welcome in Page.objects.filter(depth=2, content_type=plain_page, numchild=0, slug="home"):
        if site is not None and site.root_page_id == welcome.pk:
            # park the site on the tree root so deleting the page does not delete the site with it
            site.root_page = Page.get_first_root_node()
            site.save(update_fields=["root_page"])
        welcome.delete()


def _site_point_at(home: Page) -> Site:
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return Site.objects.create(hostname="localhost", port=80, is_default_site=True, root_page=home,
                                   site_name="招商平台")
    if site.root_page_id != home.pk:
        site.root_page = home
        site.save(update_fields=["root_page"])
    return site


def _pages_load(result: DemoLoadResult) -> None:
    zh, _ = Locale.objects.get_or_create(language_code=ZH)
    en, _ = Locale.objects.get_or_create(language_code=EN)
    root = Page.get_first_root_node()
    _welcome_page_remove(Site.objects.filter(is_default_site=True).first())
    home = _tree_ensure(parent=root, spec=HOME, zh=zh, en=en, result=result)
    _featured_links_ensure(home=home, language=ZH)
    _featured_links_ensure(home=home.get_translation(en).specific, language=EN)
    _site_point_at(home)


# ---------------------------------------------------------------- logins


def _user_ensure(*, email: str, **fields: Any) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=DEMO_PASSWORD, email_verified_at=timezone.now(), **fields)
    return user, True


def _logins_load(result: DemoLoadResult) -> None:
    roles_sync()
    staff_by_role: dict[str, User] = {}
    for role in Role:
        first_name, last_name = STAFF_NAMES[role]
        user, created = _user_ensure(email=ROLE_EMAILS.get(role, f"{role.value}@demo.local"), is_staff=True,
                                     first_name=first_name, last_name=last_name)
        user.groups.add(Group.objects.get(name=role.value))
        staff_by_role[role] = user
        result.logins.append(DemoLogin(user.email, DEMO_PASSWORD, role.value, created))

    admin, created = _user_ensure(email=SUPERUSER_EMAIL, is_staff=True, is_superuser=True, first_name="Admin")
    result.logins.append(DemoLogin(admin.email, DEMO_PASSWORD, "superuser", created))

    squad, _ = Squad.objects.get_or_create(
        name_en="Demo squad (all categories)",
        defaults={"name_zh": "示例招商小组（全部类目）", "lead": staff_by_role[Role.LEAD]},
    )
    if not squad.categories.exists():
        squad.categories.set(Category.objects.all())
    squad.members.add(staff_by_role[Role.REVIEWER])

    merchant_user, created = _user_ensure(email=MERCHANT_EMAIL, first_name="Demo merchant")
    demo_merchant_ensure(user=merchant_user)
    result.logins.append(DemoLogin(merchant_user.email, DEMO_PASSWORD, "merchant", created))


def _demo_accounts() -> list[tuple[str, str]]:
    """(email, role) of every demo login, in the order they are created."""
    accounts = [(ROLE_EMAILS.get(role, f"{role.value}@demo.local"), role.value) for role in Role]
    # billing's demo adds a second finance login for the four-eyes steps (listed when it exists)
    return [*accounts, (SECOND_FINANCE_EMAIL, Role.FINANCE.value), (SUPERUSER_EMAIL, "superuser"),
            (MERCHANT_EMAIL, "merchant")]


def demo_logins() -> list[DemoLogin]:
    """The demo logins that exist (none are created here), for the development server's start-up banner."""
    accounts = _demo_accounts()
    existing = set(User.objects.filter(email__in=[email for email, _role in accounts])
                   .values_list("email", flat=True))
    return [DemoLogin(email, DEMO_PASSWORD, role, False) for email, role in accounts if email in existing]


def demo_login_todos(*, email: str) -> list[str]:
    """What a merchant login has to do first on its workspace (the to-dos it can act on, most pressing first,
    in English), for the start-up banner: which login has a contract to accept, an information request to
    answer. Empty for staff and for a merchant with nothing to do."""
    from django.utils import translation

    from portal.models import MerchantMembership
    from portal.workspace import Urgency, workspace_context, workspace_todos

    membership = (MerchantMembership.objects.filter(user__email=email).select_related("merchant", "user")
                  .order_by("pk").first())
    if membership is None:
        return []
    with translation.override("en"):
        context = workspace_context(merchant=membership.merchant, membership=membership, user=membership.user)
        return [str(todo.title) for todo in workspace_todos(context) if todo.urgency <= Urgency.ACTION]


@transaction.atomic
def demo_content_load() -> DemoLoadResult:
    """Locales, default policy package, the bilingual site and demo logins. Safe to run again."""
    result = DemoLoadResult()
    policy_defaults_load()
    _pages_load(result)
    _logins_load(result)
    return result
