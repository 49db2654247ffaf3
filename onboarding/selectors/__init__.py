"""Reads for onboarding. Every function that takes a `user` scopes to what that user may see.

API summary (for the applicant UI and the admin review screens)
----------------------------------------------------------------
Scoping
- `applications_for_user(user) -> QuerySet[Application]`: merchant users get their merchants'
  applications only; reviewers the applications granted to them (django-guardian `view_application`,
  given to the squad's members at submission and reassignment); leads, compliance and superusers all.
  A user who is both sees the union.
- `application_get_for_user(user, pk) -> Application | None`: None when it does not exist or the user
  may not see it: answer 404 either way, so nothing leaks.
- `document_file_get_for_user(user, pk) -> DocumentFile | None`: the same rule for a stored file (serve
  it through a view that also calls `services.document_file_view_record`).
- `user_can_review(user, application)`, `user_is_lead(user)`, `user_is_compliance(user)` are re-exported
  from `onboarding.permissions` for views that show or hide actions.

Review queue
- `review_queue(user, filters=None) -> QuerySet[Application]`: submitted (non-draft) applications the
  user may see, with `merchant`, `main_category`, `squad`, `assigned_reviewer` selected and the
  annotations `pending_documents` (current documents waiting for a check; replaced uploads do not
  count) and `open_info_requests` (counts), so a page costs the same number of
  queries for 10 or 1000 rows. `filters` keys (all optional): `status` (value or list), `squad` (id),
  `main_category` (id), `profile`, `score_min`, `score_max`, `submitted_from`, `submitted_to` (dates),
  `assigned_reviewer` (id or "me"), `sla` ("breached", "due_soon", "paused", "on_time"), `q` (company
  name, merchant name or credit code contains). Unknown keys are ignored. Ordered by decision due date.
- `sla_state(application, *, now=None) -> str`: one of `SlaState` (on_time, due_soon, breached,
  paused, stopped). Pure arithmetic on the row, no queries.

Documents
- `documents_required_for(*, categories, cooperation_mode, cross_border) -> list[(DocumentType, required)]`:
  the matrix for any combination (the wizard's preview).
- `application_required_documents(application) -> list[(DocumentType, required)]`: for one application
  (main + other categories; the brand authorisation becomes required when a brand is marked "authorised").
- `application_document_slots(application) -> list[DocumentSlot]`: per document type: required?, the
  current (newest) document with its files, and its earlier uploads. For the wizard's document step and
  the reviewer's checklist.
- `current_documents(queryset=None) -> QuerySet[ApplicationDocument]`: only the newest upload of each
  application's document type (replaced uploads left out).
- `application_missing_items(application) -> list[str]`: what still blocks submission, translated
  (empty list = can submit). `SUBMISSION_REQUIRED_FIELDS` lists the answers it requires.
- `application_approval_blockers(application) -> list[str]`: why a lead cannot approve yet.

Other reads
- `application_timeline(application, *, for_merchant=False) -> list[TimelineEntry]`: the audit log of
  the application told in words (a sentence, detail lines, changed answers before → after, `flagged`
  when an answer changed during an information request without being asked for); `for_merchant=True`
  hides internal events (answer saves, document views, reassignments, override proposals, SLA alerts)
  and staff names.
- `info_request_unrequested_changes(application) -> dict[request id, list[label]]`: answers changed
  while a request was open that it did not ask about.
- `application_open_info_request(application) -> InfoRequest | None` (items prefetched) and
  `application_info_requests(application) -> QuerySet[InfoRequest]`, newest first.
- `info_request_field_label(field_name) -> str`: the label to show for an item's field.
- `info_request_items_by_field(application) -> dict[field_name, list[InfoRequestItem]]` of the open
  request, to show reviewers' comments next to the fields they concern.
- Screening preview: `onboarding.screening.screening_evaluate(application=...)`.
"""

from ..permissions import user_can_review, user_is_compliance, user_is_lead
from .access import application_get_for_user, applications_for_user, document_file_get_for_user
from .documents import (
    BRAND_AUTHORISATION_CODE,
    SUBMISSION_REQUIRED_FIELDS,
    DocumentSlot,
    application_approval_blockers,
    application_document_slots,
    application_missing_items,
    application_required_documents,
    current_documents,
    documents_required_for,
)
from .review import (
    DUE_SOON_WITHIN,
    SlaState,
    application_info_requests,
    application_open_info_request,
    info_request_field_label,
    info_request_items_by_field,
    review_queue,
    sla_state,
)
from .timeline import AnswerChange, TimelineEntry, application_timeline, info_request_unrequested_changes

_REQUIRED_FIELDS = SUBMISSION_REQUIRED_FIELDS  # earlier name, kept for callers that used it

__all__ = [
    "AnswerChange",
    "BRAND_AUTHORISATION_CODE",
    "DUE_SOON_WITHIN",
    "SUBMISSION_REQUIRED_FIELDS",
    "DocumentSlot",
    "SlaState",
    "TimelineEntry",
    "application_approval_blockers",
    "application_document_slots",
    "application_get_for_user",
    "application_info_requests",
    "application_missing_items",
    "application_open_info_request",
    "application_required_documents",
    "application_timeline",
    "current_documents",
    "applications_for_user",
    "document_file_get_for_user",
    "documents_required_for",
    "info_request_field_label",
    "info_request_items_by_field",
    "info_request_unrequested_changes",
    "review_queue",
    "sla_state",
    "user_can_review",
    "user_is_compliance",
    "user_is_lead",
]
