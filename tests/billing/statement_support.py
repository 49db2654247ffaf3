"""A small world for statement tests: a merchant with a user of each member role, another merchant, finance and
management staff, and a built run."""

from __future__ import annotations

from portal.models import MerchantMembership
from portal.roles import Role
from tests.factories.onboarding import merchant_user, staff_user
from tests.factories.settlements import settlement_run

M = MerchantMembership.Role


class StatementWorld:
    def __init__(self):
        self.merchant, self.owner = merchant_user(role=M.OWNER, first_name="三", last_name="张")
        _m, self.member_admin = merchant_user(self.merchant, role=M.ADMIN)
        _m, self.finance = merchant_user(self.merchant, role=M.FINANCE)
        _m, self.operations = merchant_user(self.merchant, role=M.OPERATIONS)
        self.other_merchant, self.other_owner = merchant_user(role=M.OWNER)
        self.finance_staff = staff_user(Role.FINANCE, first_name="Qian", last_name="Finance")
        self.management = staff_user(Role.MANAGEMENT)
        self.reviewer = staff_user(Role.REVIEWER)
        self.run = settlement_run()
