"""The contract services: the only code that changes a contract (operator guide §13).

Keyword-only, typed, one per transition; each locks the row, checks CONTRACT_TRANSITIONS on the shared helper
(`portal.workflow`), writes narrowly and records an audit entry `contracts.contract.<event>` in the same
transaction. Where a person acts through a browser the entry carries the IP address (`ip_address`) and the
browser (`data["user_agent"]`): the signed PDF's evidence page is built from these entries.

Audit events (data keys beside "from"/"to" of status changes):
    drafted (number, origin, kind, template_version, template_number, template_sha256, …)
    terms_updated (before, after) · ladder_set (before, after) · amendment_drafted · renewal_drafted
    issued (number, content_sha256, template_version) · withdrawn (reason, withdrawn_pdf_sha256)
    cancelled (reason)
    code_sent (code, to, pdf_sha256, expires_at) · code_wrong (code, attempts)
    accepted (number, typed_name, email, code, pdf_sha256, accepted_at)
    countersigned (number, accepted_pdf_sha256, starts_on, ends_on, launch_offer)
    activated · terminated (side, reason, effective_on) · expiring · expired · renewed (renewal)

Signals after commit: `contracts.signals.contract_countersigned`, `contract_terminated`.
"""

from .acceptance import (
    AcceptanceRefused,
    acceptance_form_errors,
    code_open_for,
    contract_accept,
    contract_acceptance_code_send,
    names_match,
)
from .drafting import (
    EDITABLE_TERMS,
    contract_amendment_draft,
    contract_draft_for_approval,
    contract_ladder_set,
    contract_number_next,
    contract_renewal_draft,
    contract_terms_problems,
    contract_terms_update,
)
from .lifecycle import (
    contract_activate,
    contract_cancel,
    contract_countersign,
    contract_expire,
    contract_expiring_mark,
    contract_issue,
    contract_renew_mark,
    contract_terminate,
    contract_withdraw,
    launch_offer_applies,
    renewal_review_opens_on,
    term_end,
)

__all__ = [
    "EDITABLE_TERMS",
    "AcceptanceRefused",
    "acceptance_form_errors",
    "code_open_for",
    "contract_accept",
    "contract_acceptance_code_send",
    "contract_activate",
    "contract_amendment_draft",
    "contract_cancel",
    "contract_countersign",
    "contract_draft_for_approval",
    "contract_expire",
    "contract_expiring_mark",
    "contract_issue",
    "contract_ladder_set",
    "contract_number_next",
    "contract_renew_mark",
    "contract_renewal_draft",
    "contract_terminate",
    "contract_terms_problems",
    "contract_terms_update",
    "contract_withdraw",
    "launch_offer_applies",
    "names_match",
    "renewal_review_opens_on",
    "term_end",
]
