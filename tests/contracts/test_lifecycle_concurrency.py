"""Concurrent moves of contracts on PostgreSQL: numbers are never given twice, one acceptance and one
countersignature win. SQLite serialises writers and ignores `select_for_update`, so it cannot show a race."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection

from contracts.models import Contract, ContractStatus
from contracts.services import contract_accept, contract_acceptance_code_send, contract_countersign
from portal.exceptions import ApplicationError
from portal.models import AuditEntry
from tests.factories.contracts import ContractWorld, draft_contract, template_versions_ensure
from tests.factories.onboarding import MerchantFactory
from tests.onboarding.test_concurrency import race

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_contracts_drafted_at_once_get_distinct_consecutive_numbers():
    template_versions_ensure()
    merchants = [MerchantFactory() for _n in range(6)]
    results = race(*[lambda m=m: draft_contract(merchant=m) for m in merchants])
    assert all(isinstance(r, Contract) for r in results), results
    numbers = sorted(int(r.number.rsplit("-", 1)[1]) for r in results)
    assert numbers == list(range(1, 7))


def test_two_acceptances_and_two_countersignatures_at_once_one_wins():
    w = ContractWorld()
    contract = w.issued()
    contract_acceptance_code_send(contract=contract, user=w.owner, ip=None, user_agent="")  # sent on commit
    code = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE).group(1)
    results = race(*[lambda: contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code,
                                             ip=None, user_agent="")] * 2)
    assert sum(isinstance(r, Contract) for r in results) == 1
    assert sum(isinstance(r, ApplicationError) for r in results) == 1, results
    results = race(lambda: contract_countersign(contract=contract, actor=w.lead),
                   lambda: contract_countersign(contract=contract, actor=w.lead2))
    assert all(isinstance(r, Contract) and r.status == ContractStatus.SIGNED for r in results), results
    assert AuditEntry.objects.filter(target_id=str(contract.pk), action="contracts.contract.countersigned").count() == 1


def test_the_database_refuses_to_change_the_terms_of_an_issued_or_signed_contract():
    from decimal import Decimal

    from django.db import DatabaseError, transaction

    w = ContractWorld()
    contract = w.issued()
    with pytest.raises(DatabaseError, match="terms are frozen"), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(deposit_amount=Decimal("1.00"))
    Contract.objects.filter(pk=contract.pk).update(status_changed_at=contract.issued_at)  # lifecycle columns stay
    draft = w.draft()
    Contract.objects.filter(pk=draft.pk).update(deposit_amount=Decimal("1.00"))  # a draft is still editable
