"""Writes of merchant onboarding. Every function is keyword-only and typed; the acting user is passed in.

API summary (for the applicant UI and the admin review screens)
----------------------------------------------------------------
Conventions. Each state change goes through the shared helper `portal.workflow`: it re-reads the
application with `select_for_update`, returns quietly (the fresh row) when it is already in the target
state, raises `portal.exceptions.InvalidTransition` otherwise, saves with `update_fields` and writes an
audit entry `onboarding.application.<event>` (with the states "from" and "to") in the same transaction.
The instance passed in is not updated: use the return value. Errors:
- `portal.exceptions.PermissionDenied`: the actor may not do this (show a message or 404 for merchants);
- `portal.exceptions.InvalidTransition`: not allowed in the current status;
- `portal.exceptions.ApplicationError`: a business rule (e.g. incomplete: `exc.extra["missing"]`,
  not approvable: `exc.extra["blockers"]`, re-apply too early: `exc.extra["reapply_from"]`);
- `django.core.exceptions.ValidationError`: bad input, with a message per field (`exc.message_dict`).
All accept `now=` (aware datetime) for tests and tasks. Emails go out after commit (Celery).

Applicant (actor: a user of the application's merchant)
- `application_create(*, merchant, actor) -> Application` (draft; one open application per merchant)
- `application_update_step(*, application, actor, step, data) -> Application`: `step` is a `WizardStep`
  value, `data` a dict of that step's fields (`onboarding.wizard.STEP_FIELDS[step]`); draft or info_requested only.
  `brands` is a list of {"name", "ownership": "own" | "authorised"}; M2M fields take ids or objects.
- `document_add(*, application, actor, document_type, files, number="", issuer="", issued_on=None,
  expires_on=None) -> ApplicationDocument`: files are checked by `onboarding.uploads.upload_validate`
  (call it in the form too for field errors); nothing is stored if any file is bad.
- `document_delete(*, document, actor)`: an unchecked upload, while editable.
- `application_submit(*, application, actor) -> Application`: draft → submitted (screening, squad
  assignment, guardian grants, SLA deadlines).
- `application_resubmit(*, application, actor, answers=None, response="") -> Application`:
  info_requested → resubmitted (`answers`: {item id: note}); the paused clock resumes.
- `application_withdraw(*, application, actor, reason="") -> Application`: any open state → withdrawn.

Recruitment team
- `application_start_review(*, application, actor)`: submitted/resubmitted → in_review (first touch).
- `document_check(*, document, actor, decision, reason="") -> ApplicationDocument`: decision is
  "accepted" | "rejected" | "waived" (`DocumentCheckStatus`); reason required to reject or waive.
- `documents_accept_remaining(*, application, actor) -> list[ApplicationDocument]`: accept every current
  pending document at once (each audited as `document_check` does); ApplicationError if none is pending.
- `info_request_create(*, application, actor, items, message="") -> InfoRequest`: in_review →
  info_requested; `items` = [(field name or "document:<type code>", comment)]; pauses the decision clock.
- `application_compliance_signoff(*, application, actor, note="")`: compliance role; in_review.
- `application_override_propose(*, application, actor, merchant_grade, deposit_amount, reason)`: lead;
  for a deposit override above the four-eyes threshold.
- `application_approve(*, application, actor, merchant_grade=None, deposit_amount=None,
  override_reason="", reasons="")`: lead; in_review → approved (needs sign-off and documents; grade
  default C, deposit from `ApprovalDefaults`; a pending proposal is approved by calling without amounts);
  the merchant becomes "onboarding" with that grade and deposit (`portal.merchants.services`).
- `application_reject(*, application, actor, reasons)`: lead; in_review → rejected.
- `application_reassign(*, application, actor, squad=None, reviewer=None, reason="")`: lead.
- `squad_grants_sync(*, squad) -> int`: call after changing a squad's members.
- `document_file_view_record(*, document_file, actor, ip_address=None)`: audit a file view; the
  file-serving view calls it after `selectors.document_file_get_for_user`.

Periodic (Celery beat, see `onboarding.tasks`)
- `applications_auto_withdraw(*, now=None) -> list[int]`
- `applications_sla_check(*, now=None) -> dict`
- `documents_expiry_check(*, now=None) -> dict`

Other
- `upload_max_bytes() -> int`, `upload_max_pixels() -> int`: the configured upload limits for `upload_validate`.
- `application_notify(*, application, event, extra=None)` / `application_notification_send(...)`.
"""

from .applications import (
    application_create,
    application_resubmit,
    application_submit,
    application_update_step,
    application_withdraw,
    applications_auto_withdraw,
)
from .documents import (
    document_add,
    document_check,
    document_delete,
    document_file_view_record,
    documents_accept_remaining,
    documents_expiry_check,
    upload_max_bytes,
    upload_max_pixels,
)
from .notifications import application_notification_send, application_notify
from .review import (
    application_approve,
    application_compliance_signoff,
    application_override_propose,
    application_reassign,
    application_reject,
    application_start_review,
    applications_sla_check,
    info_request_create,
    squad_grants_sync,
)

__all__ = [
    "application_approve",
    "application_compliance_signoff",
    "application_create",
    "application_notification_send",
    "application_notify",
    "application_override_propose",
    "application_reassign",
    "application_reject",
    "application_resubmit",
    "application_start_review",
    "application_submit",
    "application_update_step",
    "application_withdraw",
    "applications_auto_withdraw",
    "applications_sla_check",
    "document_add",
    "document_check",
    "document_delete",
    "document_file_view_record",
    "documents_accept_remaining",
    "documents_expiry_check",
    "info_request_create",
    "squad_grants_sync",
    "upload_max_bytes",
    "upload_max_pixels",
]
