"""The applicant's pages (namespace "onboarding", see `onboarding.urls`). The staff review screens are Wagtail
admin views and live elsewhere."""

from .applicant import (
    application_resubmit_view,
    application_review,
    application_start,
    application_status,
    application_step,
    application_withdraw_view,
    document_file,
    document_remove,
)

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
