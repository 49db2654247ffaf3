"""The merchant's acceptance: the emailed one-time code, the typed name, the PDF's SHA-256, and every refusal."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from contracts.models import AcceptanceCode, ContractSettings, ContractStatus
from contracts.services import (
    contract_accept,
    contract_acceptance_code_send,
    contract_issue,
    contract_terms_update,
    contract_withdraw,
    names_match,
)
from contracts.services.acceptance import AcceptanceRefused, code_matches
from portal.audit import audit_entries_for
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from tests.factories.contracts import ContractWorld, document_attach

pytestmark = pytest.mark.django_db
S = ContractStatus


@pytest.fixture
def w():
    return ContractWorld()


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Ask for a code as `user` and return it as the email carried it."""

    def _send(contract, user, *, now=None, ip="203.0.113.7", ua="Mozilla/5.0 (Test)"):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            contract_acceptance_code_send(contract=contract, user=user, ip=ip, user_agent=ua, now=now)
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
        return re.search(r"^\s*(\d{6})\s*$", mail.outbox[0].body, re.MULTILINE).group(1)

    return _send


def later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_the_owner_accepts_with_the_emailed_code_and_everything_is_recorded(w, send):
    contract = w.issued()
    pdf = contract.documents.get(kind="issued")
    code = send(contract, w.owner)
    assert pdf.sha256 in mail.outbox[0].body and contract.number in mail.outbox[0].subject
    stored = AcceptanceCode.objects.get(contract=contract)
    assert code not in stored.code_hash and code_matches(code=code, stored=stored.code_hash)
    assert stored.pdf_sha256 == pdf.sha256
    contract = contract_accept(contract=contract, user=w.owner, typed_name=" 张三 ", code=code,
                               ip="203.0.113.7", user_agent="Mozilla/5.0 (Test)", pdf_sha256=pdf.sha256)
    assert contract.status == S.ACCEPTED and contract.accepted_by == w.owner
    assert contract.accepted_name == "张三" and contract.accepted_ip == "203.0.113.7"
    assert contract.accepted_user_agent == "Mozilla/5.0 (Test)" and contract.accepted_pdf_sha256 == pdf.sha256
    assert contract.accepted_at is not None
    entries = {e.action: e for e in audit_entries_for(target=contract)}
    sent, accepted = entries["contracts.contract.code_sent"], entries["contracts.contract.accepted"]
    assert sent.ip_address == "203.0.113.7" and sent.data["pdf_sha256"] == pdf.sha256
    assert accepted.ip_address == "203.0.113.7" and accepted.data["user_agent"] == "Mozilla/5.0 (Test)"
    assert accepted.data["pdf_sha256"] == pdf.sha256 and accepted.data["typed_name"] == "张三"
    stored.refresh_from_db()
    assert stored.used_at is not None


def test_an_admin_member_may_accept(w, send):
    contract = w.issued()
    code = send(contract, w.member_admin)
    assert contract_accept(contract=contract, user=w.member_admin, typed_name="mei li", code=code, ip=None,
                           user_agent="").status == S.ACCEPTED


def test_accepting_twice_is_refused(w, send):
    contract = w.issued()
    code = send(contract, w.owner)
    contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="")
    with pytest.raises(InvalidTransition, match="already been accepted"):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="")
    with pytest.raises(InvalidTransition, match="already been accepted"):
        contract_acceptance_code_send(contract=contract, user=w.owner, ip=None, user_agent="")


@pytest.mark.parametrize("who", ["finance", "operations", "other_owner", "lead"])
def test_only_owners_and_admins_of_the_merchant_get_codes_and_accept(w, send, who):
    contract = w.issued()
    user = getattr(w, who)
    with pytest.raises(PermissionDenied):
        contract_acceptance_code_send(contract=contract, user=user, ip=None, user_agent="")
    code = send(contract, w.owner)
    with pytest.raises(PermissionDenied):
        contract_accept(contract=contract, user=user, typed_name="张三", code=code, ip=None, user_agent="")
    contract.refresh_from_db()
    assert contract.status == S.ISSUED


def test_no_code_before_the_issued_pdf_exists_or_for_a_draft(w):
    contract = w.issued(with_pdf=False)
    with pytest.raises(ApplicationError, match="still being prepared"):
        contract_acceptance_code_send(contract=contract, user=w.owner, ip=None, user_agent="")
    with pytest.raises(InvalidTransition, match="cannot be accepted"):
        contract_acceptance_code_send(contract=w.draft(), user=w.owner, ip=None, user_agent="")


def test_a_wrong_code_counts_and_too_many_end_the_code(w, send):
    settings = ContractSettings.load()
    settings.acceptance_code_attempts = 3
    settings.save()
    contract = w.issued()
    code = send(contract, w.owner)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (2, 1):
        with pytest.raises(AcceptanceRefused, match=f"{left} more tr"):
            contract_accept(contract=contract, user=w.owner, typed_name="张三", code=wrong, ip=None, user_agent="")
    with pytest.raises(AcceptanceRefused, match="last try"):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code=wrong, ip=None, user_agent="")
    assert AcceptanceCode.objects.get(contract=contract).attempts == 3
    with pytest.raises(AcceptanceRefused, match="Too many wrong codes"):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="")
    contract.refresh_from_db()
    assert contract.status == S.ISSUED
    assert [e.action for e in audit_entries_for(target=contract)].count("contracts.contract.code_wrong") == 3


def test_an_expired_code_is_refused(w, send):
    contract = w.issued()
    code = send(contract, w.owner)
    minutes = ContractSettings.load().acceptance_code_minutes
    with pytest.raises(AcceptanceRefused, match="expired"):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="",
                        now=later(minutes + 1))


def test_a_new_code_makes_the_old_one_useless_and_codes_are_rate_limited(w, send):
    contract = w.issued()
    first = send(contract, w.owner)
    with pytest.raises(ApplicationError, match="a moment ago"):
        contract_acceptance_code_send(contract=contract, user=w.owner, ip=None, user_agent="")
    second = send(contract, w.owner, now=later(1.5))
    if first != second:
        with pytest.raises(AcceptanceRefused):
            contract_accept(contract=contract, user=w.owner, typed_name="张三", code=first, ip=None, user_agent="",
                            now=later(2))
    assert AcceptanceCode.objects.filter(contract=contract, expires_at__gt=later(2)).count() == 1
    for step in range(3):
        send(contract, w.owner, now=later(3 + 2 * step))
    with pytest.raises(ApplicationError, match="within an hour"):
        contract_acceptance_code_send(contract=contract, user=w.owner, ip=None, user_agent="", now=later(12))
    assert contract_accept(contract=contract, user=w.owner, typed_name="张三",
                           code=send(contract, w.owner, now=later(75)), ip=None, user_agent="",
                           now=later(76)).status == S.ACCEPTED


def test_a_used_code_is_refused_for_another_acceptance(w, send):
    contract = w.issued()
    code = send(contract, w.owner)
    contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="")
    other = w.issued()
    with pytest.raises(AcceptanceRefused, match="Ask for a code first"):
        contract_accept(contract=other, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="")


def test_a_code_sent_for_a_withdrawn_document_is_refused(w, send):
    contract = w.issued()
    code = send(contract, w.owner)
    contract = contract_withdraw(contract=contract, actor=w.lead, reason="Fix the deposit")
    contract_terms_update(contract=contract, actor=w.lead, deposit_amount="45000")
    contract = contract_issue(contract=contract, actor=w.compliance)
    document_attach(contract)
    with pytest.raises(AcceptanceRefused, match="has expired|has changed"):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="")


def test_the_pdf_shown_must_be_the_issued_one(w, send):
    contract = w.issued()
    code = send(contract, w.owner)
    with pytest.raises(AcceptanceRefused, match="has changed"):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="",
                        pdf_sha256="0" * 64)


@pytest.mark.parametrize("typed", ["", "李四", "张", "Zhang"])
def test_the_typed_name_must_be_the_users_full_name(w, send, typed):
    contract = w.issued()
    code = send(contract, w.owner)
    with pytest.raises(AcceptanceRefused) as exc:
        contract_accept(contract=contract, user=w.owner, typed_name=typed, code=code, ip=None, user_agent="")
    assert exc.value.extra["field"] == "typed_name"
    assert AcceptanceCode.objects.get(contract=contract).attempts == 0  # the code was not tried


def test_a_user_without_a_name_on_record_types_the_name_they_accept_under(w, send):
    w.owner.first_name = w.owner.last_name = ""
    w.owner.save()
    contract = w.issued()
    code = send(contract, w.owner)
    with pytest.raises(AcceptanceRefused):
        contract_accept(contract=contract, user=w.owner, typed_name="x", code=code, ip=None, user_agent="")
    contract = contract_accept(contract=contract, user=w.owner, typed_name="王 五", code=code, ip=None,
                               user_agent="")
    assert contract.accepted_name == "王 五"


@pytest.mark.parametrize(("typed", "full", "ok"), [
    ("张三", "三 张", True), ("张 三", "张三", True), ("Zhang San", "zhang  san", True),
    ("San Zhang", "Zhang San", True), ("ＺＨＡＮＧ ＳＡＮ", "Zhang San", True),
    ("Jean-Luc Picard", "Jean Luc Picard", True), ("O'Brien Miles", "Miles O'Brien", True),
    ("张三丰", "张三", False), ("Zhang", "Zhang San", False), ("", "Zhang San", False), ("李四", "张三", False),
])
def test_names_match_loosely(typed, full, ok):
    assert names_match(typed, full) is ok


def test_a_malformed_code_is_refused_without_counting(w, send):
    contract = w.issued()
    send(contract, w.owner)
    with pytest.raises(AcceptanceRefused, match="six-digit"):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code="12ab", ip=None, user_agent="")
    assert AcceptanceCode.objects.get(contract=contract).attempts == 0


def test_acceptance_tells_the_staff_who_may_countersign(w, send, django_capture_on_commit_callbacks):
    contract = contract_issue(contract=w.draft(), actor=w.lead)
    document_attach(contract)
    code = send(contract, w.owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip=None, user_agent="")
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([w.lead2.email, w.admin.email])  # not the lead who issued it, not compliance
    assert contract.number in mail.outbox[0].subject
