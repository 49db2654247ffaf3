"""The merchant's bank accounts for refunds: owners, admins and finance add one; it is stored encrypted and shown
masked everywhere; staff with `billing.unmask_bankaccount` (finance, compliance) reveal a number with a reason and
each reveal is audited; nobody else sees the full number; another merchant's accounts are never shown."""

import pytest
from django.db import connection

from billing.models import BankAccount
from billing.services.bank_accounts import bank_account_add, bank_account_unmask
from portal.exceptions import PermissionDenied
from portal.models import AuditEntry
from portal.roles import roles_sync
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db
NUMBER = "6217000011112222333"
PAGE = "/en/portal/billing/bank-accounts/"


@pytest.fixture
def w():
    roles_sync()  # the roles' permissions (finance and compliance may unmask)
    return BillingWorld()


def add(w, actor=None, **kwargs):
    number = kwargs.pop("account_number", "6217 0000 1111 2222 333")
    return bank_account_add(merchant=w.merchant, actor=actor or w.owner, holder_name="张三贸易有限公司",
                            bank_name="中国建设银行", account_number=number, **kwargs)


def login(client, user):
    from django.utils import timezone

    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    client.force_login(user)


def test_the_number_is_stored_encrypted_and_shown_masked(w):
    account = add(w)
    assert (account.account_number, account.last4, account.masked_number) == (NUMBER, "2333", "**** **** 2333")
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM billing_bankaccount WHERE id = %s", [account.pk])
        stored = cursor.fetchone()[0]
    assert NUMBER not in stored and stored.startswith("sm4gcm:")
    assert AuditEntry.objects.get(action="billing.bank_account.added").data["last4"] == "2333"
    assert NUMBER not in str(AuditEntry.objects.get(action="billing.bank_account.added").data)


def test_a_new_default_account_replaces_the_previous_one(w):
    first = add(w, is_default=False)  # the first account is the default anyway
    assert first.is_default
    second = add(w, account_number="6225880000001234", is_default=True)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_the_owner_adds_an_account_on_the_page_and_sees_it_masked(w, client):
    login(client, w.owner)
    response = client.post(PAGE, {"holder_name": "张三贸易有限公司", "bank_name": "中国建设银行", "branch": "福州分行",
                                  "account_number": "6217-0000-1111-2222-333", "is_default": "on"})
    assert response.status_code == 302
    page = client.get(PAGE).content.decode()
    assert "**** **** 2333" in page and NUMBER not in page and "6217-0000" not in page
    assert "bank-account-form" in page


def test_a_bad_number_is_a_message_on_its_field(w, client):
    login(client, w.finance)
    response = client.post(PAGE, {"holder_name": "x", "bank_name": "y", "account_number": "12ab"})
    assert response.status_code == 400 and "8 to 32 digits" in response.content.decode()
    assert not BankAccount.objects.exists()


def test_operations_users_neither_see_nor_add_accounts(w, client):
    add(w)
    login(client, w.operations)
    response = client.get(PAGE)
    assert response.status_code == 403 and "2333" not in response.content.decode()
    with pytest.raises(PermissionDenied):
        add(w, actor=w.operations)
    client.post(PAGE, {"holder_name": "x", "bank_name": "y", "account_number": "1234567890"})
    assert BankAccount.objects.count() == 1


def test_another_merchants_accounts_are_never_listed(w, client):
    add(w)
    login(client, w.other_owner)
    page = client.get(PAGE).content.decode()
    assert "2333" not in page and "bank-accounts-empty" in page
    with pytest.raises(PermissionDenied):
        add(w, actor=w.other_owner)  # and it cannot add one to this merchant


def test_finance_reveals_a_number_with_a_reason_and_the_reveal_is_audited(w, client):
    account = add(w)
    client.force_login(w.finance_staff)
    listing = client.get("/admin/billing/bank-accounts/").content.decode()
    assert "**** **** 2333" in listing and NUMBER not in listing
    response = client.post(f"/admin/billing/bank-accounts/{account.pk}/", {"reason": " "})
    assert response.status_code == 400 and NUMBER not in response.content.decode()
    assert not AuditEntry.objects.filter(action="billing.bank_account.unmasked").exists()
    response = client.post(f"/admin/billing/bank-accounts/{account.pk}/", {"reason": "Refund R-7 by bank transfer"})
    assert response.status_code == 200 and NUMBER in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="billing.bank_account.unmasked")
    assert (entry.actor_id, entry.data["reason"]) == (w.finance_staff.pk, "Refund R-7 by bank transfer")
    assert entry.target_id == str(account.pk)
    assert NUMBER not in str(entry.data)
    # the next visit shows it masked again
    assert NUMBER not in client.get(f"/admin/billing/bank-accounts/{account.pk}/").content.decode()


def test_compliance_may_reveal_management_may_not_and_others_get_no_page(w, client):
    account = add(w)
    assert bank_account_unmask(bank_account=account, actor=w.compliance, reason="licence check") == NUMBER
    from portal.roles import Role
    from tests.billing.deposit_world import DepositWorld  # noqa: F401  (management comes from a staff user)
    from tests.factories.onboarding import staff_user

    management = staff_user(Role.MANAGEMENT)
    with pytest.raises(PermissionDenied):
        bank_account_unmask(bank_account=account, actor=management, reason="just curious")
    client.force_login(management)
    page = client.get(f"/admin/billing/bank-accounts/{account.pk}/").content.decode()
    assert "bank-account-no-unmask" in page and NUMBER not in page
    response = client.post(f"/admin/billing/bank-accounts/{account.pk}/", {"reason": "just curious"})
    assert NUMBER not in response.content.decode()
    for user in (w.lead, w.admin, w.owner):
        client.force_login(user)
        response = client.post(f"/admin/billing/bank-accounts/{account.pk}/", {"reason": "Refund by transfer"})
        assert response.status_code in (302, 403) and NUMBER not in response.content.decode()
    assert AuditEntry.objects.filter(action="billing.bank_account.unmasked").count() == 1


def test_the_billing_overview_links_to_the_bank_accounts(w, client):
    login(client, w.owner)
    page = client.get("/en/portal/billing/").content.decode()
    assert 'id="bank-accounts-link"' in page and f'href="{PAGE}"' in page


def test_the_owner_corrects_holder_bank_and_branch_and_the_change_is_audited(w, client):
    account = add(w, branch="福州分行")
    login(client, w.owner)
    page = client.get(PAGE).content.decode()
    assert f"/en/portal/billing/bank-accounts/{account.pk}/edit/" in page
    edit = f"/en/portal/billing/bank-accounts/{account.pk}/edit/"
    assert "张三贸易有限公司" in client.get(edit).content.decode()
    response = client.post(edit, {"holder_name": "张三贸易（福建）有限公司", "bank_name": "中国建设银行",
                                  "branch": "福州鼓楼支行", "account_number": "6225880000001234"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.holder_name, account.branch, account.account_number) == (
        "张三贸易（福建）有限公司", "福州鼓楼支行", NUMBER)  # the number is never changed here
    entry = AuditEntry.objects.get(action="billing.bank_account.updated")
    assert entry.data["changed"] == {"holder_name": ["张三贸易有限公司", "张三贸易（福建）有限公司"],
                                     "branch": ["福州分行", "福州鼓楼支行"]}
    assert NUMBER not in str(entry.data) and entry.actor_id == w.owner.pk
    # the same values again change nothing and record nothing
    client.post(edit, {"holder_name": "张三贸易（福建）有限公司", "bank_name": "中国建设银行",
                       "branch": "福州鼓楼支行"})
    assert AuditEntry.objects.filter(action="billing.bank_account.updated").count() == 1


def test_an_empty_holder_is_a_message_on_its_field(w, client):
    account = add(w)
    login(client, w.finance)
    response = client.post(f"/en/portal/billing/bank-accounts/{account.pk}/edit/",
                           {"holder_name": " ", "bank_name": "中国银行"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    account.refresh_from_db()
    assert account.bank_name == "中国建设银行"


def test_another_merchant_cannot_edit_the_account_and_operations_may_not(w, client):
    from billing.services.bank_accounts import bank_account_update

    account = add(w)
    edit = f"/en/portal/billing/bank-accounts/{account.pk}/edit/"
    login(client, w.other_owner)
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"holder_name": "Mallory", "bank_name": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        bank_account_update(bank_account=account, actor=w.other_owner, holder_name="Mallory", bank_name="x")
    login(client, w.operations)
    assert client.post(edit, {"holder_name": "Mallory", "bank_name": "x"}).status_code == 403
    account.refresh_from_db()
    assert account.holder_name == "张三贸易有限公司"
    assert not AuditEntry.objects.filter(action="billing.bank_account.updated").exists()


def test_the_admin_timeline_shows_the_change_in_words(w, client):
    from billing.services.bank_accounts import bank_account_update

    account = add(w)
    bank_account_update(bank_account=account, actor=w.owner, holder_name="张三贸易有限公司", bank_name="中国银行")
    client.force_login(w.finance_staff)
    page = client.get(f"/admin/billing/bank-accounts/{account.pk}/").content.decode()
    assert "银行账户信息已更改" in page and "中国建设银行 → 中国银行" in page
