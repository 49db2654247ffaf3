"""Contract templates under change control: the shipped versions, validation of clauses and placeholders, the
two-person approval workflow that publishes a new version, and the PDF preview with sample data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import translation

from contracts.clauses import REQUIRED_CLAUSES, template_content_problems
from contracts.defaults import contracts_defaults_load
from contracts.documents import content_digest
from contracts.models import ContractTemplate, ContractTemplateVersion
from portal.models import CooperationMode
from portal.roles import Role, role_group
from tests.contracts.pdf_support import contract_make, pdf_text
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def staff(role: str, email: str):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(role_group(role))
    return user


def edited(template: ContractTemplate, *, user, heading_suffix: str = " (2)", effective_from=None):
    """Change the settlement clause's heading and save a revision, as the editor's form would."""
    for block in template.clauses:
        if block.value["kind"] == "settlement":
            block.value["heading_zh"] += heading_suffix
    if effective_from:
        template.effective_from = effective_from
    template.full_clean()
    template.save()
    return template.save_revision(user=user)


def submit(template: ContractTemplate, user):
    workflow = template.get_workflow()
    assert workflow is not None, "contract templates have an approval workflow"
    workflow.start(template, user)
    template.refresh_from_db()
    return template.current_workflow_task_state


def test_the_shipped_templates_are_version_1_of_each_mode_and_load_once():
    first = contracts_defaults_load()
    assert first["contract_templates"] == 3
    versions = ContractTemplateVersion.objects.order_by("mode")
    assert [(v.mode, v.number) for v in versions] == sorted((m, 1) for m in CooperationMode.values)
    for version in versions:
        assert version.content_sha256 == content_digest(version.content)
        assert not template_content_problems(mode=version.mode, content=version.content)
        kinds = {clause["kind"] for clause in version.content["clauses"]}
        assert set(REQUIRED_CLAUSES[version.mode]) <= kinds
        text = "".join(c["body"]["zh"] for c in version.content["clauses"])
        assert "《中华人民共和国民法典》" in text and "合同法》" not in text
    assert contracts_defaults_load() == {"contract_templates": 0}
    assert ContractTemplateVersion.objects.count() == 3


def test_a_template_missing_a_required_clause_is_refused():
    contracts_defaults_load()
    template = ContractTemplate.objects.get(mode=CooperationMode.JOINT)
    template.clauses = [(b.block_type, b.value) for b in template.clauses if b.value["kind"] != "revenue_share"]
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "Revenue share" in str(error.value)


def test_an_unknown_placeholder_or_a_stray_brace_is_refused():
    contracts_defaults_load()
    template = ContractTemplate.objects.get(mode=CooperationMode.PLATFORM)
    block = next(b for b in template.clauses if b.value["kind"] == "deposit")
    block.value["body_en"] += " Interest: {deposit_interest}."
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "{deposit_interest}" in str(error.value)
    block.value["body_en"] = block.value["body_en"].replace("{deposit_interest}", "{deposit_amount")
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "unbalanced brace" in str(error.value)


def test_the_submitter_cannot_approve_and_a_lead_approving_publishes_version_2():
    contracts_defaults_load()
    editor = staff(Role.EDITOR, "editor@example.com")
    lead = staff(Role.LEAD, "lead@example.com")
    template = ContractTemplate.objects.get(mode=CooperationMode.PLATFORM)
    old_contract = contract_make(mode="platform")
    assert old_contract.template_version.number == 1
    revision = edited(template, user=editor, effective_from=dt.date(2027, 1, 1))
    task_state = submit(template, editor)
    task = task_state.task.specific

    # the submitter: no actions offered, none accepted, nothing awaiting their review
    assert task.get_actions(template, editor) == []
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, editor, "approve")
    assert not task.get_task_states_user_can_moderate(editor).exists()
    assert ContractTemplateVersion.objects.filter(mode="platform").count() == 1

    # a second person of the approver roles
    assert "approve" in [name for name, _label, _modal in task.get_actions(template, lead)]
    assert task.get_task_states_user_can_moderate(lead).filter(pk=task_state.pk).exists()
    task.on_action(task_state, lead, "approve")

    version = ContractTemplateVersion.objects.get(mode="platform", number=2)
    assert version.revision_id == revision.pk
    assert version.approved_by == lead and version.published_by == lead
    assert version.effective_from == dt.date(2027, 1, 1)
    assert any(c["heading"]["zh"].endswith(" (2)") for c in version.content["clauses"])
    assert version.content_sha256 == content_digest(version.content)
    # contracts keep the version they were drafted with; new ones take the new one from its date
    old_contract.refresh_from_db()
    assert old_contract.template_version.number == 1
    assert ContractTemplateVersion.objects.effective_on(mode="platform", on=dt.date(2026, 12, 31)).number == 1
    assert ContractTemplateVersion.objects.effective_on(mode="platform", on=dt.date(2027, 1, 1)).number == 2


def test_a_lead_who_submitted_the_change_cannot_approve_it_either():
    contracts_defaults_load()
    lead = staff(Role.LEAD, "lead2@example.com")
    template = ContractTemplate.objects.get(mode=CooperationMode.FRANCHISE)
    edited(template, user=lead)
    task_state = submit(template, lead)
    with pytest.raises(PermissionDenied):
        task_state.task.specific.on_action(task_state, lead, "approve")
    assert ContractTemplateVersion.objects.filter(mode="franchise").count() == 1


def test_publishing_without_the_workflow_is_refused():
    contracts_defaults_load()
    editor = staff(Role.EDITOR, "editor3@example.com")
    template = ContractTemplate.objects.get(mode=CooperationMode.JOINT)
    revision = edited(template, user=editor)
    with pytest.raises(PermissionDenied):
        revision.publish(user=editor, skip_permission_checks=True)
    assert ContractTemplateVersion.objects.filter(mode="joint").count() == 1
    template.refresh_from_db()
    assert template.live_revision_id != revision.pk


def test_a_version_may_not_take_effect_before_the_current_one():
    contracts_defaults_load()
    template = ContractTemplate.objects.get(mode=CooperationMode.PLATFORM)
    template.effective_from = dt.date(2025, 6, 1)
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "effective_from" in error.value.message_dict


def test_the_preview_is_the_pdf_with_sample_data():
    contracts_defaults_load()
    template = ContractTemplate.objects.get(mode=CooperationMode.JOINT)
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(email="previewer@example.com", is_superuser=True)
    response = template.serve_preview(request, "")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "示例商贸有限公司" in text
    assert "联营分成" in text and "18%" in text
    assert "示例数据预览" in text  # marked as a preview on every page


def test_editors_edit_templates_and_approvers_publish_them():
    from portal.roles import roles_sync

    roles_sync()
    editor = staff(Role.EDITOR, "editor4@example.com")
    compliance = staff(Role.COMPLIANCE, "compliance@example.com")
    assert editor.has_perm("contracts.change_contracttemplate")
    assert not editor.has_perm("contracts.publish_contracttemplate")
    assert compliance.has_perm("contracts.publish_contracttemplate")
    assert not compliance.has_perm("contracts.change_contracttemplate")


def test_the_admin_editor_offers_the_workflow_and_the_preview_but_no_publish(client):
    from django.urls import reverse

    contracts_defaults_load()
    editor = staff(Role.EDITOR, "editor5@example.com")
    from portal.roles import roles_sync

    roles_sync()
    client.force_login(editor)
    template = ContractTemplate.objects.get(mode=CooperationMode.PLATFORM)
    url = reverse("wagtailsnippets_contracts_contracttemplate:edit", args=[template.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "action-submit" in body  # submit to the approval workflow
    assert 'name="action-publish"' not in body
    assert reverse("wagtailsnippets_contracts_contracttemplate:preview_on_edit", args=[template.pk]) in body
    listing = client.get(reverse("wagtailsnippets_contracts_contracttemplate:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200 and "平台入驻合作协议" in listing.content.decode()


def test_postgresql_refuses_to_change_a_version_or_a_stored_document():
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    from contracts.documents import contract_document_build

    if connection.vendor != "postgresql":
        pytest.skip("the database triggers are PostgreSQL's")
    contract = contract_make()
    version = contract.template_version
    issued = contract_document_build(contract=contract, kind="issued")
    type(contract).objects.filter(pk=contract.pk).update(accepted_pdf_sha256=issued.sha256)
    signed = contract_document_build(contract=contract, kind="signed")
    documents = type(issued).objects
    for change in (lambda: type(version).objects.filter(pk=version.pk).update(title_zh="改"),
                   lambda: type(version).objects.filter(pk=version.pk).delete(),  # used by a contract
                   lambda: documents.filter(pk=issued.pk).update(sha256="0" * 64),
                   lambda: documents.filter(pk=issued.pk).delete(),  # the copy the merchant accepted
                   lambda: documents.filter(pk=signed.pk).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    draft = contract_document_build(contract=contract, kind="draft")
    documents.filter(pk=draft.pk).delete()  # previews may be cleared
    other = contract_make()
    withdrawn = contract_document_build(contract=other, kind="issued")
    documents.filter(pk=withdrawn.pk).delete()  # an issued copy withdrawn before acceptance may go


def test_versions_are_read_only_in_the_admin_even_for_a_superuser(client):
    from django.urls import reverse

    contracts_defaults_load()
    client.force_login(UserFactory(email="root@example.com", is_superuser=True, is_staff=True))
    version = ContractTemplateVersion.objects.get(mode="platform", number=1)
    assert client.get(reverse("wagtailsnippets_contracts_contracttemplateversion:list")).status_code == 200
    assert client.get(reverse("wagtailsnippets_contracts_contracttemplateversion:inspect",
                              args=[version.pk])).status_code == 200
    for name, args in [("add", []), ("edit", [version.pk]), ("delete", [version.pk])]:
        response = client.get(reverse(f"wagtailsnippets_contracts_contracttemplateversion:{name}", args=args))
        assert response.status_code in (302, 403), name
