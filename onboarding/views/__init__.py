"""The applicant's pages (namespace "onboarding", see `onboarding.urls`).

Every page is for a signed-in, verified user of an organisation (`verified_merchant_required`) and reaches only
applications of the organisations that user belongs to: the selectors scope the query and anything else answers
404, the same as a page that does not exist. Views parse, fetch, call one service and shape the answer; every
write and every rule is in `onboarding.services`. The staff review screens are Wagtail admin views elsewhere.
"""

from .documents import document_file, document_remove
from .status import application_resubmit_view, application_status, application_withdraw_view
from .wizard import application_review, application_start, application_step

__all__ = [
    "application_resubmit_view",
    "application_review",
    "application_start",
    "application_status",
    "application_step",
    "application_withdraw_view",
    "document_file",
    "document_remove",
]
