"""The demo contracts: loaded by `load_demo` on top of the onboarding demo, through the services, once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from contracts.models import Contract, ContractDocument, ContractKind, ContractStatus
from contracts.verification import contract_pdf_verify
from onboarding.models import Application, ApplicationStatus
from portal.accounts.services import DEMO_MERCHANT_NAME
from portal.models import AuditEntry, Merchant, MerchantStatus, User

pytestmark = pytest.mark.django_db
S = ContractStatus


def _counts():
    return (Contract.objects.count(), ContractDocument.objects.count(), AuditEntry.objects.count(),
            User.objects.count(), Merchant.objects.count())


def test_demo_contracts_in_every_step_verifiable_and_a_second_run_creates_nothing():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "demo contracts: 5 created" in out.getvalue().splitlines()

    by_merchant = {c.merchant.name: c for c in Contract.objects.filter(kind=ContractKind.CONTRACT)
                   .select_related("merchant")}
    assert {name: c.status for name, c in by_merchant.items()} == {
        DEMO_MERCHANT_NAME: S.ISSUED, "上海云帆宠物用品有限公司": S.ACTIVE, "北京禾润食品有限公司": S.SIGNED,
        "武汉楚韵美妆有限公司": S.ACCEPTED}
    amendment = Contract.objects.get(kind=ContractKind.AMENDMENT)
    assert amendment.status == S.DRAFT and amendment.parent == by_merchant["上海云帆宠物用品有限公司"]
    assert amendment.exclusive and amendment.technical_service_fee == 8000

    # the demo merchant's contract is the one its application's approval drafted, issued with its PDF; the
    # others are accepted by their owners with the code
    demo = by_merchant[DEMO_MERCHANT_NAME]
    approved = Application.objects.get(merchant=demo.merchant, status=ApplicationStatus.APPROVED)
    assert demo.origin == f"application:{approved.pk}"
    assert (demo.merchant_credit_code, demo.merchant_address) == (approved.credit_code, approved.address)
    assert demo.merchant_address == "上海市浦东新区世纪大道 100 号 18 楼"
    assert demo.merchant.status == MerchantStatus.ONBOARDING and demo.grade == approved.merchant_grade == "B"
    assert demo.documents.filter(kind=ContractDocument.Kind.ISSUED).exists()
    assert demo.issued_by.email == "lead@demo.local"
    # every demo contract is the one the approval of its merchant's application drafted, with its legal facts
    for contract in Contract.objects.filter(kind=ContractKind.CONTRACT):
        app = Application.objects.get(merchant=contract.merchant, status=ApplicationStatus.APPROVED)
        assert contract.origin == f"application:{app.pk}" and contract.mode == app.cooperation_mode
        assert contract.merchant_credit_code == app.credit_code and contract.grade == app.merchant_grade
    active = by_merchant["上海云帆宠物用品有限公司"]
    assert active.accepted_name == "张帆" and active.countersigned_by.email == "sysadmin@demo.local"
    assert active.merchant.status == MerchantStatus.ACTIVE
    assert by_merchant["北京禾润食品有限公司"].revenue_share_percent == 12.5
    assert by_merchant["武汉楚韵美妆有限公司"].franchise_fee == 60000

    # the signed PDFs are sealed and verify intact, with the acceptance among their events
    for contract in (active, by_merchant["北京禾润食品有限公司"]):
        document = contract.documents.get(kind=ContractDocument.Kind.SIGNED)
        with document.file.open("rb") as handle:
            result = contract_pdf_verify(handle.read())
        assert result.intact and result.contract == contract and result.signature.ok

    # the demo merchant login sees the acceptance to-do and can open the acceptance page
    client = Client()
    client.force_login(User.objects.get(email="merchant@demo.local"))
    with translation.override("en"):
        response = client.get(reverse("portal:home"))
        accept_url = reverse("contracts:accept", kwargs={"pk": demo.pk})
    todos = {entry["todo"].key: entry for entry in response.context["todos"]}
    assert todos["contracts.accept"]["allowed"] and todos["contracts.accept"]["todo"].url == accept_url
    assert response.context["stage"].label == "Contract to accept"
    assert response.context["merchant_status"] == "Onboarding"
    assert not [key for key in todos if key.startswith("onboarding.")]  # no information request to answer
    assert client.get(accept_url).status_code == 200
    # its application status page shows the approval
    with translation.override("en"):
        status_page = client.get(reverse("onboarding:application_status", kwargs={"pk": approved.pk}))
    assert status_page.status_code == 200 and status_page.context["application"].status == ApplicationStatus.APPROVED
    assert "Welcome aboard." in status_page.content.decode()
    with translation.override("en"):
        contracts_url = reverse("contracts:list")
    assert f'href="{contracts_url}"' in status_page.content.decode()  # and leads on to its contract

    counts = _counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "demo contracts: 0 created" in out.getvalue().splitlines()
    assert _counts() == counts
