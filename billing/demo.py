"""Demo billing: the money side of the contracts demo, built through the real services (`load_demo`, after
contracts' demo, in the same transaction):

- 上海云帆宠物用品有限公司 (active): its deposit and fees due; the deposit received by bank transfer, recorded by
  the demo finance user and confirmed by a second one (four-eyes above the threshold); a deduction for a fake
  shipment with its evidence, approved by the second finance user; the top-up it asked for, paid by bank transfer.
  Its ledger shows a payment, a deduction and a top-up, and the deposit is held in full again.
- 北京禾润食品有限公司 (signed): its deposit due; the merchant chose bank transfer and has its reference: a transfer
  awaiting receipt in finance's pending transfers. Recording it (its ¥20,000 is under the four-eyes threshold, so
  recording confirms) activates the contract; recorded above the threshold, it would wait for a second person.
- Invoices: whatever the countersigned contracts bill (fees with a configured price, `contract_fees_bill`).
- A second demo finance login (finance2@demo.local) when there is none, for the four-eyes steps.

The contracts' `contract_countersigned` signal is sent after commit, i.e. after the whole demo; the deposit and fees
are therefore made due here (idempotent: the signal later finds them). Idempotent: a merchant whose deposit has
moved already is left as it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from contracts.models import Contract, ContractKind, ContractStatus
from portal.models import Merchant, MerchantMembership, User
from portal.roles import Role

from .models import DepositAccount, LedgerEntry, Payment
from .services.bank_transfers import bank_transfer_confirm, bank_transfer_record
from .services.deductions import deduction_approve, deduction_propose
from .services.deposits import deposit_account_for, deposit_due_for_contract
from .services.fees import contract_fees_bill
from .services.payments import deposit_payment_open

ACTIVE_MERCHANT = "上海云帆宠物用品有限公司"
SIGNED_MERCHANT = "北京禾润食品有限公司"
SECOND_FINANCE_EMAIL = "finance2@demo.local"
# a one-page PDF: the deduction's evidence (a photo of the empty parcel, in real life)
EVIDENCE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
                b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n"
                b"%%EOF\n")


def _finance_users() -> tuple[User, User, bool] | None:
    """The demo finance user and a second one (created when missing, with the first one's password: the demo
    password)."""
    finance = (User.objects.filter(groups__name=Role.FINANCE, is_active=True, is_superuser=False)
               .exclude(email=SECOND_FINANCE_EMAIL).order_by("pk").first())
    if finance is None:
        return None
    second = User.objects.filter(email=SECOND_FINANCE_EMAIL).first()
    created = second is None
    if created:
        second = User.objects.create_user(email=SECOND_FINANCE_EMAIL, password=None, is_staff=True,
                                          email_verified_at=timezone.now(), first_name="Fang", last_name="Wu")
        second.password = finance.password  # the same demo password
        second.save(update_fields=["password"])
    second.groups.add(Group.objects.get_or_create(name=Role.FINANCE)[0])
    return finance, second, created


def _contract(name: str, status: str) -> tuple[Merchant, Contract, User] | None:
    merchant = Merchant.objects.filter(name=name).order_by("pk").first()
    if merchant is None:
        return None
    contract = (Contract.objects.filter(merchant=merchant, status=status)
                .exclude(kind=ContractKind.AMENDMENT).order_by("pk").first())
    membership = (MerchantMembership.objects.filter(merchant=merchant, role=MerchantMembership.Role.OWNER)
                  .select_related("user").first())
    if contract is None or membership is None:
        return None
    return merchant, contract, membership.user


def _due(contract: Contract) -> DepositAccount:
    deposit_due_for_contract(contract=contract)
    contract_fees_bill(contract=contract)
    return deposit_account_for(contract.merchant, currency=contract.currency)


def _transfer(account: DepositAccount, *, owner: User, finance: User, bank_reference: str,
              received_on: dt.date) -> Payment:
    """The merchant chooses bank transfer; finance records the money received (pending above the threshold)."""
    payment = deposit_payment_open(account=account, provider="bank_transfer", actor=owner)
    return bank_transfer_record(actor=finance, amount=payment.amount, received_on=received_on,
                                bank_reference=bank_reference, payer_name=account.merchant.name, payment=payment)


def _active_merchant(finance: User, second: User, today: dt.date) -> int:
    found = _contract(ACTIVE_MERCHANT, ContractStatus.ACTIVE)
    if found is None:
        return 0
    merchant, contract, owner = found
    account = _due(contract)
    if LedgerEntry.objects.filter(account=account).exists():
        return 0
    payment = _transfer(account, owner=owner, finance=finance, bank_reference="DEMO-YF-20261101",
                        received_on=today - dt.timedelta(days=20))
    if payment.status == "pending":
        bank_transfer_confirm(payment=payment, actor=second)
    deduction = deduction_propose(
        account=account, breach="fake_shipment", reference="DD-20261118-0042",
        description="订单 DD-20261118-0042 发空包：买家收到空箱，已核实物流记录。"
                    "Order DD-20261118-0042 shipped an empty parcel; the courier's record confirms it.",
        evidence=ContentFile(EVIDENCE_PDF, name="empty-parcel.pdf"), amount=Decimal("5000.00"), actor=finance)
    deduction_approve(deduction=deduction, actor=second, note="物流记录与买家照片一致 / the courier record matches")
    account.refresh_from_db()
    if account.status == DepositAccount.Status.SHORTFALL:
        top_up = _transfer(account, owner=owner, finance=finance, bank_reference="DEMO-YF-20261125",
                           received_on=today - dt.timedelta(days=2))
        if top_up.status == "pending":
            bank_transfer_confirm(payment=top_up, actor=second)
    return 1


def _signed_merchant() -> int:
    found = _contract(SIGNED_MERCHANT, ContractStatus.SIGNED)
    if found is None:
        return 0
    merchant, contract, owner = found
    account = _due(contract)
    if Payment.objects.filter(account=account).exists():
        return 0
    deposit_payment_open(account=account, provider="bank_transfer", actor=owner)
    return 1


def demo_billing_load(*, now: dt.datetime | None = None):
    """Returns (merchants set up, logins created)."""
    from portal.bootstrap import DemoLogin

    users = _finance_users()
    if users is None:
        return 0, []
    finance, second, created = users
    today = timezone.localdate(now or timezone.now())
    done = _active_merchant(finance, second, today) + _signed_merchant()
    login = DemoLogin(second.email, f"(the password of {finance.email})", f"{Role.FINANCE.value} (second)", created)
    return done, [login]
