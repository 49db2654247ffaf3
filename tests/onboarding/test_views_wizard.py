"""The applicant's wizard: start, each step saves and resumes, field errors, access rules, both languages."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from onboarding.models import Application, ApplicationStatus, CooperationMode
from portal.models import Merchant, PolicyItem
from tests.factories.portal import CategoryFactory

from .views_support import GOOD_CODE, member, started, step_url, url, verified_user

pytestmark = pytest.mark.django_db


def _field_html(html: str, name: str) -> str:
    """The markup of one field's block (label, widget, errors and the reviewers' requests)."""
    match = re.search(rf'<div class="field[^"]*" id="field-{name}">(.*?)</div>\s*(?=<div class="field|<fieldset|'
                      rf'<div class="wizard-nav")', html, re.S)
    assert match, f"no field block for {name}"
    return match.group(1)


# --- access --------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    app, _user = started(client)
    client.logout()
    for target in [url("onboarding:application_start"), step_url(app, "company"),
                   url("onboarding:application_review", pk=app.pk), url("onboarding:application_status", pk=app.pk)]:
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(url("accounts:login") + "?next=")


def test_unverified_users_are_told_to_confirm_their_email(client):
    merchant, user = member(verified=False)
    client.force_login(user)
    response = client.get(url("onboarding:application_start"), follow=True)
    assert response.redirect_chain[-1][0] == url("accounts:verification_pending")
    assert "Please confirm your email address first" in response.content.decode()
    response = client.post(url("onboarding:application_start"))
    assert response["Location"] == url("accounts:verification_pending")
    assert not Application.objects.filter(merchant=merchant).exists()


# --- start ---------------------------------------------------------------------------------------------------


def test_start_creates_one_draft_and_a_second_start_resumes_it(client):
    merchant, user = verified_user()
    client.force_login(user)
    intro = client.get(url("onboarding:application_start"))
    assert intro.status_code == 200
    assert "Start your application" in intro.content.decode()

    response = client.post(url("onboarding:application_start"))
    app = Application.objects.get(merchant=merchant)
    assert app.status == ApplicationStatus.DRAFT
    assert app.created_by == user
    assert response["Location"] == step_url(app, "company")

    again = client.post(url("onboarding:application_start"))
    assert again["Location"] == step_url(app, "company")
    assert Application.objects.filter(merchant=merchant).count() == 1
    page = client.get(url("onboarding:application_start")).content.decode()
    assert "Continue your application" in page


def test_merchant_area_home_links_to_the_application(client):
    _merchant, user = verified_user()
    client.force_login(user)
    home = client.get(url("portal:home"))
    assert [entry["todo"].url for entry in home.context["todos"]] == [url("onboarding:application_start")]
    assert url("onboarding:application_start") in home.content.decode()


# --- the wizard, step by step --------------------------------------------------------------------------------


def test_whole_wizard_saves_each_step_and_resumes_where_the_applicant_stopped(client):
    app, _user = started(client)
    category = CategoryFactory(name_en="Fresh food", name_zh="生鲜")
    other = CategoryFactory(name_en="Snacks", name_zh="零食")
    policy = PolicyItem.objects.create(code="traffic-x", block="operations", kind="traffic",
                                       name_zh="流量扶持X", name_en="Traffic support X")
    hidden = PolicyItem.objects.create(code="hidden-x", block="operations", kind="traffic",
                                       name_zh="未发布", name_en="Unpublished item", is_published=False)

    # company: a wrong check character is refused on the field, nothing is saved
    response = client.post(step_url(app, "company"), {
        "company_name": "Fujian Example Trading Co., Ltd.", "credit_code": "91350100M000100Y44",
        "legal_representative": "Zhang San", "next": "1",
    })
    assert response.status_code == 200
    assert "check character does not match" in _field_html(response.content.decode(), "credit_code")
    app.refresh_from_db()
    assert app.credit_code == "" and app.last_completed_step == ""

    response = client.post(step_url(app, "company"), {
        "company_name": "Fujian Example Trading Co., Ltd.", "credit_code": "9135 0100 m000 100y43",
        "legal_representative": "Zhang San", "next": "1",
    })
    assert response["Location"] == step_url(app, "contacts")
    app.refresh_from_db()
    assert (app.company_name, app.credit_code, app.legal_representative) == (
        "Fujian Example Trading Co., Ltd.", GOOD_CODE, "Zhang San")
    assert app.last_completed_step == "company"
    # coming back later resumes at the next step, and the saved answers are shown again
    assert client.post(url("onboarding:application_start"))["Location"] == step_url(app, "contacts")
    assert GOOD_CODE in client.get(step_url(app, "company")).content.decode()

    # contacts: a bad phone number and email are refused on their fields
    response = client.post(step_url(app, "contacts"), {
        "contact_name": "Li Si", "contact_phone": "call me", "contact_email": "not-an-email", "address": "x",
    })
    html = response.content.decode()
    assert "Enter a phone number" in _field_html(html, "contact_phone")
    assert "valid email" in _field_html(html, "contact_email")
    response = client.post(step_url(app, "contacts"), {
        "contact_name": "Li Si", "contact_phone": "+86 138 0013 8000", "contact_email": "li.si@example.com",
        "address": "1 Example Road, Fuzhou", "next": "1",
    })
    assert response["Location"] == step_url(app, "categories")
    app.refresh_from_db()
    assert app.contact_phone == "+86 138 0013 8000" and app.last_completed_step == "contacts"

    # categories with brands ("Save" stays on the step)
    page = client.get(step_url(app, "categories")).content.decode()
    assert "Fresh food" in page and "Snacks" in page
    brands = {"brands-TOTAL_FORMS": "3", "brands-INITIAL_FORMS": "0", "brands-MIN_NUM_FORMS": "0",
              "brands-MAX_NUM_FORMS": "50",
              "brands-0-name": "Example", "brands-0-ownership": "own",
              "brands-1-name": "Famous", "brands-1-ownership": "authorised",
              "brands-2-name": "", "brands-2-ownership": ""}
    response = client.post(step_url(app, "categories"), {
        "main_category": category.pk, "other_categories": [other.pk, category.pk],
        "cooperation_mode": CooperationMode.JOINT, "cross_border": "true", "save": "1", **brands,
    })
    assert response["Location"] == step_url(app, "categories")
    app.refresh_from_db()
    assert app.main_category == category
    assert list(app.other_categories.all()) == [other]  # the main category is not repeated
    assert app.cooperation_mode == CooperationMode.JOINT and app.cross_border is True
    assert app.brands == [{"name": "Example", "ownership": "own"}, {"name": "Famous", "ownership": "authorised"}]
    page = client.get(step_url(app, "categories")).content.decode()
    assert 'value="Famous"' in page

    # a brand without its ownership is refused on that row
    response = client.post(step_url(app, "categories"), {
        "main_category": category.pk, "cooperation_mode": CooperationMode.JOINT, "cross_border": "true",
        **{**brands, "brands-1-ownership": ""},
    })
    assert response.status_code == 200
    assert "is your own brand or authorised" in response.content.decode()

    # screening answers: out-of-range numbers are refused, yes/no questions may stay unanswered
    response = client.post(step_url(app, "screening"), {"sku_coverage": "180", "has_ops_team": "unknown"})
    assert response.status_code == 200
    assert "less than or equal to 100" in _field_html(response.content.decode(), "sku_coverage")
    response = client.post(step_url(app, "screening"), {
        "is_known_brand": "true", "sku_coverage": "85", "monthly_gmv": "600000", "has_ops_team": "true",
        "has_patents_or_designs": "false", "next": "1",
    })
    # a merchant (not a supplier) skips the capability matrix
    assert response["Location"] == step_url(app, "policies")
    app.refresh_from_db()
    assert app.is_known_brand is True and app.has_patents_or_designs is False and app.is_listed is None
    assert app.sku_coverage == Decimal("85")

    # wanted policy items: checkboxes over the published items, by name
    page = client.get(step_url(app, "policies")).content.decode()
    assert "Traffic support X" in page and "Unpublished item" not in page
    response = client.post(step_url(app, "policies"), {"wanted_policy_items": [policy.pk], "next": "1"})
    assert response["Location"] == step_url(app, "documents")
    app.refresh_from_db()
    assert list(app.wanted_policy_items.all()) == [policy]
    response = client.post(step_url(app, "policies"), {"wanted_policy_items": [hidden.pk]})
    assert response.status_code == 200
    assert list(app.wanted_policy_items.all()) == [policy]

    # documents: the cross-border, authorised-brand application is asked for the matching documents
    page = client.get(step_url(app, "documents")).content.decode()
    for name in ["Business licence", "Customs credit rating", "Brand authorisation (the full chain)"]:
        assert name in page
    response = client.post(step_url(app, "documents"), {"action": "complete"})
    assert response["Location"] == url("onboarding:application_review", pk=app.pk)
    app.refresh_from_db()
    assert app.last_completed_step == "documents"
    assert client.post(url("onboarding:application_start"))["Location"] == url("onboarding:application_review",
                                                                                  pk=app.pk)


def test_back_link_and_step_list_show_done_current_and_missing(client):
    app, _user = started(client)
    client.post(step_url(app, "company"), {"company_name": "Acme", "credit_code": "", "legal_representative": "",
                                           "next": "1"})
    response = client.get(step_url(app, "contacts"))
    steps = {entry["value"]: entry["state"] for entry in response.context["steps"]}
    # company was saved without its required answers: marked missing; contacts is where we are
    assert steps["company"] == "missing"
    assert steps["contacts"] == "current"
    assert steps["categories"] == "todo"
    assert "capability" not in steps
    assert response.context["previous_url"] == step_url(app, "company")
    assert f'href="{step_url(app, "company")}"' in response.content.decode()

    client.post(step_url(app, "company"), {"company_name": "Acme", "credit_code": GOOD_CODE,
                                           "legal_representative": "Zhang San"})
    response = client.get(step_url(app, "contacts"))
    assert {e["value"]: e["state"] for e in response.context["steps"]}["company"] == "done"


def test_suppliers_fill_in_the_capability_matrix(client):
    app, _user = started(client, kind=Merchant.Kind.SUPPLIER)
    response = client.get(step_url(app, "screening"))
    assert [e["value"] for e in response.context["steps"]][4] == "capability"
    response = client.post(step_url(app, "capability"), {
        "sample_pass_rate": "99", "peak_capacity_multiple": "3.5", "price_vs_industry_pct": "12",
        "erp_integration": "true", "new_skus_per_year": "80", "next": "1",
    })
    assert response["Location"] == step_url(app, "policies")
    app.refresh_from_db()
    assert app.sample_pass_rate == Decimal("99") and app.erp_integration is True and app.new_skus_per_year == 80


def test_a_merchant_has_no_capability_step_and_unknown_steps_are_404(client):
    app, _user = started(client)
    assert client.get(step_url(app, "capability")).status_code == 404
    assert client.get(f"{url('onboarding:application_start')}{app.pk}/steps/nonsense/").status_code == 404


def test_garbage_input_never_breaks_a_step(client):
    app, _user = started(client)
    response = client.post(step_url(app, "categories"), {
        "main_category": "999999", "other_categories": ["abc"], "cooperation_mode": "barter",
        "cross_border": "maybe", "brands-TOTAL_FORMS": "x",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"main_category", "other_categories", "cooperation_mode", "cross_border"} <= set(errors)
    response = client.post(step_url(app, "screening"), {"monthly_gmv": "lots", "top10_position": "-3",
                                                          "years_trading": "1e9"})
    assert response.status_code == 200
    assert {"monthly_gmv", "top10_position", "years_trading"} <= set(response.context["form"].errors)
    app.refresh_from_db()
    assert app.main_category is None and app.monthly_gmv is None


def test_a_submitted_application_is_no_longer_editable(client):
    app, user = started(client)
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.SUBMITTED, submitted_at=timezone.now())
    response = client.post(step_url(app, "company"), {"company_name": "Changed"})
    assert response["Location"] == url("onboarding:application_status", pk=app.pk)
    app.refresh_from_db()
    assert app.company_name != "Changed"


# --- languages -----------------------------------------------------------------------------------------------


def test_the_wizard_renders_in_english_and_in_chinese(client):
    app, _user = started(client)
    CategoryFactory(name_en="Fresh food", name_zh="生鲜")
    english = client.get(step_url(app, "company", "en"))
    assert english.status_code == 200
    html = english.content.decode()
    assert '<html lang="en">' in html
    assert "Registered company name" in html and "Unified social credit code" in html
    assert "Save and continue" in html

    chinese = client.get(step_url(app, "categories", "zh-hans"))
    assert chinese.status_code == 200
    html = chinese.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "生鲜" in html and "Fresh food" not in html
    assert step_url(app, "contacts", "zh-hans") in html
    assert chinese.wsgi_request.path.startswith("/zh-hans/portal/applications/")


def test_an_approved_organisation_is_shown_its_application_instead_of_a_new_start(client):
    app, _user = started(client)
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.APPROVED)  # as the review left it
    page = client.get(url("onboarding:application_start"))
    assert page.context["current"] == app
    assert "Start your application" not in page.content.decode()
    assert client.post(url("onboarding:application_start"))["Location"] == url("onboarding:application_status",
                                                                                pk=app.pk)
    assert Application.objects.filter(merchant=app.merchant).count() == 1


@pytest.mark.parametrize(("kind", "steps"), [
    (Merchant.Kind.MERCHANT, ["Company and legal entity", "Contacts and address", "Categories, brands and cooperation",
                              "Screening questions", "Policies wanted", "Documents"]),
    (Merchant.Kind.SUPPLIER, ["Company and legal entity", "Contacts and address", "Categories, brands and cooperation",
                              "Screening questions", "Supplier capability", "Policies wanted", "Documents"]),
])
def test_the_introduction_lists_the_steps_the_applicant_will_go_through(client, kind, steps):
    _merchant, user = verified_user(kind=kind)
    client.force_login(user)
    html = client.get(url("onboarding:application_start")).content.decode()
    intro = html.split('<ol class="steps">')[1].split("</ol>")[0]
    assert re.findall(r"<li><strong>([^<]+)</strong>", intro) == [*steps, "Review"]
    assert f"The application has {len(steps)} steps and a final review" in html
    app = Application(merchant=_merchant)
    from onboarding.views.navigation import steps_for
    assert len(steps_for(app)) == len(steps)  # the introduction and the wizard count the same steps


def test_save_and_continue_goes_to_the_next_step_without_the_old_anchor(client):
    app, _user = started(client)
    page = client.get(step_url(app, "company") + "#field-credit_code").content.decode()
    action = re.search(r'<form method="post" action="([^"]*)" class="wizard-form"', page).group(1)
    assert action == step_url(app, "company")  # no fragment, so the browser keeps none through the redirect
    response = client.post(action, {"company_name": "Fujian Example Trading Co., Ltd.", "credit_code": GOOD_CODE,
                                    "legal_representative": "Zhang San", "next": "1"})
    assert response["Location"] == step_url(app, "contacts") and "#" not in response["Location"]
