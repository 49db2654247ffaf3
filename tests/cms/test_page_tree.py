"""The page tree's rules: which page type may live under which."""

import pytest
from wagtail.models import Page

from cms.models import (
    ApplyPage,
    BenefitsCalculatorPage,
    CaseStudyIndexPage,
    CaseStudyPage,
    CooperationModeIndexPage,
    CooperationModePage,
    FaqPage,
    HomePage,
    PolicyIndexPage,
    PolicyPage,
    ProgrammeIndexPage,
    ProgrammePhasePage,
)

SECTION_TYPES = [PolicyIndexPage, ProgrammeIndexPage, CooperationModeIndexPage, CaseStudyIndexPage, FaqPage,
                 BenefitsCalculatorPage, ApplyPage]
LEAF_TYPES = [PolicyPage, ProgrammePhasePage, CooperationModePage, CaseStudyPage, FaqPage, BenefitsCalculatorPage,
              ApplyPage]


def test_home_lives_at_the_top_and_holds_the_sections():
    assert HomePage.allowed_parent_page_models() == [Page]
    assert set(HomePage.allowed_subpage_models()) == set(SECTION_TYPES)


def test_each_index_holds_only_its_own_pages():
    assert PolicyIndexPage.allowed_subpage_models() == [PolicyPage]
    assert ProgrammeIndexPage.allowed_subpage_models() == [ProgrammePhasePage]
    assert CooperationModeIndexPage.allowed_subpage_models() == [CooperationModePage]
    assert CaseStudyIndexPage.allowed_subpage_models() == [CaseStudyPage]
    assert PolicyPage.allowed_parent_page_models() == [PolicyIndexPage]
    assert ProgrammePhasePage.allowed_parent_page_models() == [ProgrammeIndexPage]
    assert CooperationModePage.allowed_parent_page_models() == [CooperationModeIndexPage]
    assert CaseStudyPage.allowed_parent_page_models() == [CaseStudyIndexPage]


def test_leaf_pages_take_no_children():
    for model in LEAF_TYPES:
        assert model.allowed_subpage_models() == [], model


def test_sections_live_under_home_only():
    for model in SECTION_TYPES:
        assert model.allowed_parent_page_models() == [HomePage], model


@pytest.mark.usefixtures("site")
class TestPageTreeOnTheDemoSite:
    @pytest.fixture(autouse=True)
    def _tree(self, site):
        self.root = Page.get_first_root_node()
        self.home = HomePage.objects.get(locale__language_code="zh-hans")
        self.policy_index = PolicyIndexPage.objects.child_of(self.home).get()

    def test_allowed_places_accept(self):
        assert PolicyPage.can_create_at(self.policy_index)
        assert ProgrammePhasePage.can_create_at(ProgrammeIndexPage.objects.child_of(self.home).get())
        assert CaseStudyPage.can_create_at(CaseStudyIndexPage.objects.child_of(self.home).get())

    def test_wrong_places_refuse(self):
        assert not PolicyPage.can_create_at(self.home)
        assert not PolicyPage.can_create_at(self.root)
        assert not FaqPage.can_create_at(self.policy_index)
        assert not HomePage.can_create_at(self.home)
        assert not CaseStudyPage.can_create_at(self.policy_index)

    def test_one_of_each_section_per_home(self):
        for model in SECTION_TYPES:
            assert not model.can_create_at(self.home), model

    def test_one_home_per_language(self):
        assert HomePage.objects.count() == 2
        assert not HomePage.can_create_at(self.root)


@pytest.mark.usefixtures("site")
class TestPolicyPageForm:
    def _form(self, *, block, instance=None):
        from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

        from tests.factories.portal import UserFactory

        index = PolicyIndexPage.objects.get(locale__language_code="en")
        form_class = PolicyPage.get_edit_handler().get_form_class()
        data = nested_form_data({"title": "Another block", "slug": "another-block", "block": block,
                                 "intro": rich_text(""), "body": streamfield([])})
        user = UserFactory(is_superuser=True, is_staff=True)
        return form_class(data, instance=instance or PolicyPage(), parent_page=index, for_user=user)

    def test_a_second_page_for_the_same_block_is_refused(self):
        form = self._form(block="entry")
        assert not form.is_valid()
        assert "block" in form.errors

    def test_editing_the_page_itself_is_fine(self):
        page = PolicyPage.objects.get(locale__language_code="en", block="training")
        form = self._form(block="training", instance=page)
        assert form.is_valid(), form.errors
