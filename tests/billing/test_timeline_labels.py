"""Every audit action billing writes reads as words on the admin timelines (never a bare code such as
`billing.deduction.approved`), in English and in Chinese."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from billing.models import LedgerEntry
from billing.selectors.timeline import ACTION_LABELS, FINANCE_LISTS
from billing.services.deductions import deduction_approve, deduction_propose, deduction_reject
from tests.billing.deposit_world import DepositWorld, evidence

BILLING = Path(__file__).resolve().parents[2] / "billing"
ACTION = re.compile(r'"billing\.([a-z_]+\.[a-z_]+)"')
NOT_ACTIONS = {"bank.statements"}  # a session key


def _actions_written() -> set[str]:
    found = set()
    for path in BILLING.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found |= set(ACTION.findall(path.read_text()))
    found -= NOT_ACTIONS
    found |= {f"ledger.{kind}" for kind in LedgerEntry.Kind.values}  # f"billing.ledger.{kind}"
    found |= {f"finance.{name}.exported" for name in FINANCE_LISTS}  # f"billing.finance.{url_name}.exported"
    return found


def test_every_action_the_package_writes_has_a_label_in_both_languages():
    actions = _actions_written()
    assert {"deduction.approved", "refund.approved", "deposit_table.discarded", "credit_note.issued"} <= actions
    assert actions - set(ACTION_LABELS) == set()
    with translation.override("en"):
        english = {event: str(ACTION_LABELS[event]) for event in actions}
    with translation.override("zh-hans"):
        untranslated = {event for event in actions if str(ACTION_LABELS[event]) == english[event]}
    assert untranslated == set()


def test_the_finance_lists_named_are_the_lists_that_exist():
    from billing.admin_views.finance import FINANCE_LISTS as VIEWS

    assert {view.url_name for view in VIEWS} == set(FINANCE_LISTS)


@pytest.mark.django_db
def test_a_deductions_timeline_reads_in_words_with_its_amounts_and_notes(client):
    w = DepositWorld()
    deduction = deduction_propose(account=w.account, breach="fake_shipment", reference="ORD-1", description="x",
                                  evidence=evidence(), amount="1200.00", actor=w.finance_staff)
    deduction_approve(deduction=deduction, actor=w.finance2, note="Checked the tracking")
    client.force_login(w.finance2)
    page = client.get(f"/admin/billing/deductions/{deduction.pk}/").content.decode()
    assert "billing.deduction" not in page
    timeline = page[page.index("billing-timeline"):]
    assert "已提议扣除" in timeline and "扣除已批准并已扣除" in timeline
    assert "1,200.00" in timeline  # what was deducted
    rejected = deduction_propose(account=w.account, breach="fake_shipment", reference="ORD-2", description="y",
                                 evidence=evidence(), amount="300.00", actor=w.finance_staff)
    deduction_reject(deduction=rejected, actor=w.finance2, note="The parcel arrived after all")
    page = client.get(f"/admin/billing/deductions/{rejected.pk}/").content.decode()
    timeline = page[page.index("billing-timeline"):]
    assert "扣除已驳回" in timeline and "The parcel arrived after all" in timeline  # the admin speaks Chinese
