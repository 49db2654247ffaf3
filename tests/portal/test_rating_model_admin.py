"""The rating model's versions in the admin (propose, approve by another person, discard, timeline) and the staff
ratings list's CSV / XLSX download."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from portal.models import AuditEntry, RatingModelVersion
from portal.ratings.selectors import rating_model_in_force
from portal.ratings.versions import rating_model_defaults, rating_model_defaults_load
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.portal import CategoryFactory
from tests.portal.test_rating_pages import _admin as _client_for
from tests.portal.test_rating_pages import _rating
from tests.portal.test_ratings_recompute import approved_version

pytestmark = pytest.mark.django_db


def _admin(user, language="en"):
    """A logged-in admin client reading the admin in `language` (its profile's choice)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save(update_fields=["preferred_language"])
    return _client_for(user)


def _form(*, thresholds: list[tuple] = (), **changes) -> dict:
    """The proposal's fields and its thresholds formset: one row per (category, 100-at, 0-at[, remove])."""
    data = {name: str(value) for name, value in rating_model_defaults().items()}
    data.update(effective_from=(timezone.localdate() + dt.timedelta(days=3)).isoformat(),
                note="Returns weigh more after the quarterly review")
    data.update({"thresholds-TOTAL_FORMS": str(len(thresholds)), "thresholds-INITIAL_FORMS": "0",
                 "thresholds-MIN_NUM_FORMS": "0", "thresholds-MAX_NUM_FORMS": "1000"})
    for n, row in enumerate(thresholds):
        category, full, zero, *remove = row
        data.update({f"thresholds-{n}-category": str(getattr(category, "pk", category)),
                     f"thresholds-{n}-full_at": str(full), f"thresholds-{n}-zero_at": str(zero)})
        if remove:
            data[f"thresholds-{n}-DELETE"] = "on"
    data.update(changes)
    return data


def test_propose_then_another_person_approves_and_the_version_is_in_force_with_its_timeline():
    rating_model_defaults_load()
    cat = CategoryFactory(code="apparel")
    lead, manager = _admin(staff_user(Role.LEAD)), _admin(staff_user(Role.MANAGEMENT))
    form_page = lead.get(reverse("ratings:model_propose"))
    assert form_page.status_code == 200 and 'value="30.00"' in form_page.content.decode()  # prefilled from v1
    response = lead.post(reverse("ratings:model_propose"), _form(
        fulfilment_weight="25", returns_weight="25", thresholds=[(cat, "5", "20"), ("", "", "")]))
    assert response.status_code == 302
    v2 = RatingModelVersion.objects.get(number=2)
    assert response["Location"] == reverse("ratings:model_detail", args=[v2.pk])
    assert (v2.fulfilment_weight, v2.returns_weight, v2.is_approved) == (25, 25, False)
    assert [(t.category, t.full_at, t.zero_at) for t in v2.returns_thresholds.all()] == [
        (cat, Decimal("5"), Decimal("20"))]
    listing = lead.get(reverse("ratings:model_index")).content.decode()
    assert 'data-version="2" data-state="proposed"' in listing and 'data-version="1" data-state="in_force"' in listing

    manager.post(reverse("ratings:model_approve", args=[v2.pk]))
    v2.refresh_from_db()
    assert v2.is_approved
    assert rating_model_in_force(on=v2.effective_from).number == 2
    assert rating_model_in_force().number == 1  # not before its day
    html = manager.get(reverse("ratings:model_detail", args=[v2.pk])).content.decode()
    assert 'data-state="scheduled"' in html
    assert 'data-event="proposed"' in html and 'data-event="approved"' in html
    assert "Returns weigh more after the quarterly review" in html and "apparel" in html
    assert 'id="rating-model-approve"' not in html


def test_the_proposer_s_approval_is_refused_with_the_service_s_message():
    rating_model_defaults_load()
    lead = _admin(staff_user(Role.LEAD))
    lead.post(reverse("ratings:model_propose"), _form())
    v2 = RatingModelVersion.objects.get(number=2)
    page = lead.get(reverse("ratings:model_detail", args=[v2.pk])).content.decode()
    assert 'id="rating-model-why-not"' in page
    response = lead.post(reverse("ratings:model_approve", args=[v2.pk]), follow=True)
    assert response.status_code == 200
    assert "You proposed this rating model; another person has to approve it." in response.content.decode()
    v2.refresh_from_db()
    assert not v2.is_approved
    assert not AuditEntry.objects.filter(action="portal.rating_model.approved").exists()


def test_discard_deletes_the_proposal_and_an_approved_version_cannot_be_discarded():
    v1 = approved_version()
    lead = _admin(staff_user(Role.LEAD))
    lead.post(reverse("ratings:model_propose"), _form())
    v2 = RatingModelVersion.objects.get(number=2)
    response = lead.post(reverse("ratings:model_discard", args=[v2.pk]))
    assert response["Location"] == reverse("ratings:model_index")
    assert not RatingModelVersion.objects.filter(pk=v2.pk).exists()
    refused = lead.post(reverse("ratings:model_discard", args=[v1.pk]), follow=True)
    assert refused.status_code == 200 and "An approved rating model never changes" in refused.content.decode()
    assert RatingModelVersion.objects.filter(pk=v1.pk).exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"fulfilment_weight": "35"}, "fulfilment_weight", "they must add up to 100"),
    ({"returns_full_at": "15", "returns_zero_at": "3"}, "returns_full_at", "at a lower rate than 0 points"),
    ({"grade_b_min": "95"}, "grade_a_min", "The cut-offs must fall"),
    ({"window_days": "ninety"}, "window_days", ""),  # the form's own number check (in the admin's language)
    ({"effective_from": "2020-01-01"}, "effective_from", "never in the past"),
])
def test_bad_input_shows_a_message_on_its_field(changes, field, message):
    rating_model_defaults_load()
    response = _admin(staff_user(Role.LEAD)).post(reverse("ratings:model_propose"), _form(**changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message in response.content.decode().replace("&#x27;", "'")
    assert RatingModelVersion.objects.count() == 1


def test_roles_outside_the_change_control_see_the_versions_but_cannot_propose():
    v1 = approved_version()
    finance = _admin(staff_user(Role.FINANCE))
    assert 'id="rating-model-propose"' not in finance.get(reverse("ratings:model_index")).content.decode()
    response = finance.post(reverse("ratings:model_propose"), _form())
    assert response.status_code == 400 and RatingModelVersion.objects.count() == 1
    editor = _admin(staff_user(Role.EDITOR))
    assert editor.get(reverse("ratings:model_detail", args=[v1.pk])).status_code == 302  # Wagtail's refusal


def _rows_of_export(client, fmt, **params):
    response = client.get(reverse("ratings:list"), {**params, "export": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else
                                     response.content)).active
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_the_rows_of_the_filtered_list(fmt):
    version = approved_version()
    low, high = MerchantFactory(name="Low Co"), MerchantFactory(name="High Co")
    _rating(low, version, score="55.00", grade="D")
    _rating(high, version, score="92.00", grade="A")
    _rating(MerchantFactory(name="Few Orders"), version, rated=False)
    client = _admin(staff_user(Role.COMPLIANCE))
    page = client.get(reverse("ratings:list"), {"grade": "D"}).content.decode()
    assert "Low Co" in page and "High Co" not in page and "export=csv" in page
    rows = _rows_of_export(client, fmt, grade="D")
    assert rows[0][:5] == ["Merchant id", "Merchant", "As of", "Grade", "Score"]
    assert [(str(r[0]), r[1], r[3]) for r in rows[1:]] == [(str(low.pk), "Low Co", "D")]
    everything = _rows_of_export(client, fmt)
    assert [r[1] for r in everything[1:]] == ["Low Co", "High Co", "Few Orders"]  # the list's order, N/R last
    assert everything[3][3] == "N/R"
    with translation.override("zh-hans"):
        chinese = _rows_of_export(client, fmt, grade="NR")
    assert [r[1] for r in chinese[1:]] == ["Few Orders"]
    entry = AuditEntry.objects.filter(action="portal.ratings.exported").order_by("id").first()
    assert entry.data == {"format": fmt, "params": {"grade": ["D"]}}


def test_the_thresholds_formset_is_prefilled_and_checks_each_row_on_its_field():
    apparel, fresh = CategoryFactory(code="apparel"), CategoryFactory(code="fresh")
    approved_version(thresholds=[(apparel, Decimal("4"), Decimal("18"))])
    lead = _admin(staff_user(Role.LEAD))
    page = lead.get(reverse("ratings:model_propose"))
    thresholds = page.context["thresholds"]
    assert [f.initial for f in thresholds.initial_forms] == [{"category": apparel.pk, "full_at": Decimal("4"),
                                                               "zero_at": Decimal("18")}]
    assert len(thresholds.extra_forms) == 1  # one blank row for the one category without a threshold
    html = page.content.decode()
    assert 'name="thresholds-0-category"' in html and f'<option value="{fresh.pk}">fresh' in html
    assert "<textarea" not in html.split('id="returns-thresholds"')[1].split("</fieldset>")[0]

    bad = lead.post(reverse("ratings:model_propose"), _form(thresholds=[
        (apparel, "20", "5"), (fresh, "3", ""), ("", "2", "9"), (apparel, "1", "150"), (10**9, "1", "2")]))
    assert bad.status_code == 400
    rows = bad.context["thresholds"].forms
    assert rows[0].errors == {"zero_at": ["The rate giving 0 points must be higher than the one giving 100 points."]}
    assert rows[1].errors == {"zero_at": ["Enter a rate between 0 and 100."]}
    assert rows[2].errors == {"category": ["Choose the category."]}
    assert "zero_at" in rows[3].errors and "category" in rows[4].errors
    assert "must be higher than the one giving 100 points" in bad.content.decode()
    assert RatingModelVersion.objects.count() == 1

    duplicate = lead.post(reverse("ratings:model_propose"), _form(thresholds=[(apparel, "5", "20"),
                                                                              (apparel, "6", "21")]))
    assert duplicate.status_code == 400
    assert duplicate.context["thresholds"].forms[1].errors == {
        "category": ["This category already has a threshold above."]}

    # a removed row and blank rows are left out
    saved = lead.post(reverse("ratings:model_propose"), _form(thresholds=[
        (apparel, "5", "20", "remove"), (fresh, "2.5", "12"), ("", "", "")]))
    assert saved.status_code == 302
    v2 = RatingModelVersion.objects.get(number=2)
    assert [(t.category, t.full_at, t.zero_at) for t in v2.returns_thresholds.all()] == [
        (fresh, Decimal("2.5"), Decimal("12"))]


def test_the_thresholds_form_speaks_chinese():
    rating_model_defaults_load()
    CategoryFactory(code="apparel")
    lead = _admin(staff_user(Role.LEAD), language="zh-hans")
    html = lead.get(reverse("ratings:model_propose")).content.decode()
    assert "各类目退货阈值" in html and "100 分对应（%）" in html
    bad = lead.post(reverse("ratings:model_propose"), _form(thresholds=[("", "2", "9")]))
    assert "请选择类目。" in bad.content.decode()
