"""The contract's lifecycle after drafting: issue, withdraw, cancel, countersign, activate, terminate, and the
end of the term (expiring, expired, renewed). Acceptance by the merchant is in `acceptance.py`.

    draft → issued                  contract_issue        (terms frozen, the issued PDF rendered)
    issued → draft                  contract_withdraw     (before acceptance, to revise; the issued PDF goes)
    draft | issued | accepted → cancelled   contract_cancel
    issued → accepted               contract_accept       (acceptance.py)
    accepted → signed               contract_countersign  (signal contract_countersigned after commit)
    signed → active                 contract_activate     (billing, once the deposit is paid)
    active → expiring               contract_expiring_mark
    expiring → expired              contract_expire
    expiring → renewed              contract_renew_mark
    signed | active | expiring → terminated   contract_terminate (signal contract_terminated after commit)

Every move locks the row, checks CONTRACT_TRANSITIONS (`portal.workflow`), writes narrowly and records
`contracts.contract.<event>` with the actor, the IP address and the browser where a person acts through one:
the signed PDF's evidence page is built from these entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError, InvalidTransition
from portal.merchants.services import merchant_activate
from portal.models import MerchantStatus, PortalSettings

from ..models import (
    AcceptanceCode,
    Contract,
    ContractDocument,
    ContractKind,
    ContractSettings,
    ContractStatus,
    TerminationSide,
)
from ..models.contracts import BINDING_STATUSES
from ..permissions import require_contract_editor, require_countersigner, require_terminator
from ..signals import contract_countersigned, contract_terminated
from ._base import contract_move, finish_move, iso, now_or
from .drafting import contract_terms_problems
from .notifications import contract_notify

S = ContractStatus


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("Give the reason.")]})
    return reason


def codes_invalidate(*, contract: Contract, now: dt.datetime) -> int:
    """Every open acceptance code of the contract stops working (withdrawn, cancelled, a new code sent)."""
    return (AcceptanceCode.objects.filter(contract=contract, used_at__isnull=True, expires_at__gt=now)
            .update(expires_at=now))


def term_end(starts_on: dt.date, months: int) -> dt.date:
    """The last day of a term of `months` starting on `starts_on` (36 months from 2026-03-01: 2029-02-28)."""
    return starts_on + relativedelta(months=months) - dt.timedelta(days=1)


def launch_offer_applies(*, signed_on: dt.date, launch_date: dt.date, window_months: int) -> bool:
    """Signed in the launch window: from the launch date (D0) for `window_months` months, D0 included."""
    return launch_date <= signed_on < launch_date + relativedelta(months=window_months)


@transaction.atomic
def contract_issue(*, contract: Contract, actor: Any, ip: str | None = None, user_agent: str = "",
                   now: dt.datetime | None = None) -> Contract:
    """draft → issued: the terms are complete (`contract_terms_problems`, ValidationError naming each gap)
    and from now on frozen. Records the terms' SHA-256 (`contracts.documents.contract_terms_digest`, printed in
    the PDF's footer), who issued it and when, and schedules the issued PDF, which the merchant reviews and
    accepts; the merchant's owners and admins are emailed once it is committed. Quiet if already issued."""
    from ..documents import contract_document_schedule, contract_terms_digest

    now = now_or(now)
    require_contract_editor(actor)
    move = contract_move(contract, target=S.ISSUED, from_states=[S.DRAFT])
    if move.done:
        return move.obj
    obj = move.obj
    problems = contract_terms_problems(contract=obj)
    if problems:
        raise ValidationError(problems)
    digest = contract_terms_digest(contract=obj)
    obj = finish_move(move, actor=actor, event="issued", now=now, ip=ip, user_agent=user_agent,
                      fields={"content_sha256": digest, "issued_at": now, "issued_by": actor},
                      data={"number": obj.number, "content_sha256": digest,
                            "template_version": obj.template_version_id,
                            "template_number": obj.template_version.number})
    contract_document_schedule(contract=obj, kind=ContractDocument.Kind.ISSUED)
    contract_notify(contract=obj, event="issued")
    return obj


@transaction.atomic
def contract_withdraw(*, contract: Contract, actor: Any, reason: str, ip: str | None = None, user_agent: str = "",
                      now: dt.datetime | None = None) -> Contract:
    """issued → draft, with the reason, before the merchant accepts: the terms can be revised and issued
    again. Open acceptance codes stop working and the issued PDF is removed (its SHA-256 stays in the audit
    entry), so the merchant cannot accept what was withdrawn. Quiet if already a draft."""
    now = now_or(now)
    require_contract_editor(actor)
    reason = _reason(reason)
    move = contract_move(contract, target=S.DRAFT, from_states=[S.ISSUED])
    if move.done:
        return move.obj
    obj = move.obj
    withdrawn = list(ContractDocument.objects.filter(contract=obj, kind=ContractDocument.Kind.ISSUED))
    codes = codes_invalidate(contract=obj, now=now)
    obj = finish_move(move, actor=actor, event="withdrawn", now=now, ip=ip, user_agent=user_agent,
                      fields={"content_sha256": "", "issued_at": None, "issued_by": None},
                      data={"reason": reason, "withdrawn_pdf_sha256": [d.sha256 for d in withdrawn],
                            "codes_invalidated": codes})
    for document in withdrawn:
        name = document.file.name
        storage = document.file.storage
        document.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    return obj


@transaction.atomic
def contract_cancel(*, contract: Contract, actor: Any, reason: str, ip: str | None = None, user_agent: str = "",
                    now: dt.datetime | None = None) -> Contract:
    """draft | issued | accepted → cancelled, with the reason: the contract never comes about (the merchant
    changed its mind, the terms were drafted wrongly). Final; open acceptance codes stop working."""
    now = now_or(now)
    require_contract_editor(actor)
    reason = _reason(reason)
    move = contract_move(contract, target=S.CANCELLED)
    if move.done:
        return move.obj
    codes = codes_invalidate(contract=move.obj, now=now)
    return finish_move(move, actor=actor, event="cancelled", now=now, ip=ip, user_agent=user_agent,
                       data={"reason": reason, "codes_invalidated": codes})


def _term_dates(contract: Contract, signed_on: dt.date) -> tuple[dt.date, dt.date]:
    if contract.kind == ContractKind.AMENDMENT and contract.parent_id and contract.parent.ends_on:
        return signed_on, contract.parent.ends_on
    starts_on = signed_on
    if contract.kind == ContractKind.RENEWAL and contract.parent_id and contract.parent.ends_on:
        starts_on = max(signed_on, contract.parent.ends_on + dt.timedelta(days=1))
    return starts_on, term_end(starts_on, contract.term_months)


@transaction.atomic
def contract_countersign(*, contract: Contract, actor: Any, ip: str | None = None, user_agent: str = "",
                         now: dt.datetime | None = None) -> Contract:
    """accepted → signed, by a recruitment lead or an administrator other than the person who issued it
    (`contracts.permissions`). The term starts today (an amendment runs to its original's end; a renewal starts
    the day after its original ends) and ends after `term_months`; the launch offer applies when signed within
    ContractSettings.launch_window_months of PortalSettings.launch_date (an amendment keeps its original's).
    Schedules the signed PDF (the issued text, the evidence page, the PAdES seal) and, after commit, sends
    `contracts.signals.contract_countersigned`. Refused before the merchant has accepted."""
    now = now_or(now)
    move = contract_move(contract, target=S.SIGNED, from_states=[S.ACCEPTED],
                         guard=lambda obj: require_countersigner(actor, obj))
    if move.done:
        return move.obj
    obj = move.obj
    signed_on = timezone.localdate(now)
    starts_on, ends_on = _term_dates(obj, signed_on)
    if obj.kind == ContractKind.AMENDMENT and obj.parent_id:
        launch_offer = obj.parent.launch_offer
    else:
        launch_offer = launch_offer_applies(signed_on=signed_on, launch_date=PortalSettings.load().launch_date,
                                            window_months=ContractSettings.load().launch_window_months)
    obj = finish_move(move, actor=actor, event="countersigned", now=now, ip=ip, user_agent=user_agent, fields={
        "countersigned_at": now, "countersigned_by": actor, "countersigned_ip": ip or None,
        "starts_on": starts_on, "ends_on": ends_on, "launch_offer": launch_offer,
    }, data={"number": obj.number, "accepted_pdf_sha256": obj.accepted_pdf_sha256, "starts_on": starts_on,
             "ends_on": ends_on, "launch_offer": launch_offer})
    from ..documents import contract_document_schedule

    contract_document_schedule(contract=obj, kind=ContractDocument.Kind.SIGNED)
    contract_notify(contract=obj, event="countersigned")
    payload = {
        "contract_id": obj.pk, "merchant_id": obj.merchant_id, "kind": obj.kind, "parent_id": obj.parent_id,
        "deposit_amount": obj.deposit_amount, "currency": obj.currency,
        "technical_service_fee": obj.technical_service_fee, "franchise_fee": obj.franchise_fee,
        "launch_offer": launch_offer, "starts_on": starts_on, "ends_on": ends_on,
    }
    transaction.on_commit(lambda: contract_countersigned.send(sender=Contract, **payload))
    return obj


@transaction.atomic
def contract_activate(*, contract: Contract, actor: Any = None, now: dt.datetime | None = None) -> Contract:
    """signed → active: billing calls this once the merchant has paid the deposit in full. The merchant
    becomes active too (`portal.merchants.services.merchant_activate`, same transaction) while it is
    onboarding; a merchant already active (a renewal) stays so. An amendment is not activated: it changes the
    contract in force from its countersigning. No money moves here. Quiet if already active."""
    now = now_or(now)
    move = contract_move(contract, target=S.ACTIVE, from_states=[S.SIGNED])
    if move.done:
        return move.obj
    obj = move.obj
    if obj.kind == ContractKind.AMENDMENT:
        raise InvalidTransition(_("An amendment is in force once countersigned; only the contract it amends is "
                                  "activated."), extra={"kind": obj.kind})
    obj = finish_move(move, actor=actor, event="activated", now=now, fields={"activated_at": now},
                      data={"number": obj.number})
    if obj.merchant.status in (MerchantStatus.ONBOARDING, MerchantStatus.ACTIVE):
        merchant_activate(merchant=obj.merchant, actor=actor, data={"contract": obj.pk, "number": obj.number},
                          now=now)
    return obj


@transaction.atomic
def contract_terminate(*, contract: Contract, actor: Any, side: str, reason: str, effective_on: dt.date,
                       ip: str | None = None, user_agent: str = "", now: dt.datetime | None = None) -> Contract:
    """signed | active | expiring → terminated, by either side (or both), with the reason and the day it
    stops binding (not before the contract started). Signed amendments of it end with it. By a recruitment
    lead or an administrator, who records a merchant's notice too. After commit,
    `contracts.signals.contract_terminated` (billing: the deposit refund). Quiet if already terminated."""
    now = now_or(now)
    require_terminator(actor)
    if side not in TerminationSide.values:
        raise ValidationError({"side": [_("Say which side ends the contract.")]})
    reason = _reason(reason)
    if not isinstance(effective_on, dt.date):
        raise ValidationError({"effective_on": [_("Give the day the termination takes effect.")]})
    move = contract_move(contract, target=S.TERMINATED, from_states=BINDING_STATUSES)
    if move.done:
        return move.obj
    obj = move.obj
    if obj.starts_on and effective_on < obj.starts_on:
        raise ValidationError({"effective_on": [_("The termination cannot take effect before the contract "
                                                  "started (%(date)s).") % {"date": obj.starts_on.isoformat()}]})
    fields = {"terminated_at": now, "termination_side": side, "termination_reason": reason,
              "termination_effective_on": effective_on}
    data = {"number": obj.number, "side": side, "reason": reason, "effective_on": effective_on}
    obj = finish_move(move, actor=actor, event="terminated", now=now, ip=ip, user_agent=user_agent, fields=fields,
                      data=data)
    for amendment in Contract.objects.filter(parent=obj, kind=ContractKind.AMENDMENT, status__in=BINDING_STATUSES):
        child = contract_move(amendment, target=S.TERMINATED, from_states=BINDING_STATUSES)
        if not child.done:
            finish_move(child, actor=actor, event="terminated", now=now, ip=ip, user_agent=user_agent,
                        fields=fields, data={**data, "number": amendment.number, "with_parent": obj.number})
    contract_notify(contract=obj, event="terminated")
    payload = {"contract_id": obj.pk, "merchant_id": obj.merchant_id, "side": side, "reason": reason,
               "effective_on": effective_on, "deposit_amount": obj.deposit_amount, "currency": obj.currency}
    transaction.on_commit(lambda: contract_terminated.send(sender=Contract, **payload))
    return obj


def renewal_review_opens_on(*, contract: Contract, settings: ContractSettings | None = None) -> dt.date | None:
    """The day the renewal review opens: ContractSettings.renewal_review_days before the term ends."""
    if contract.ends_on is None:
        return None
    settings = settings or ContractSettings.load()
    return contract.ends_on - dt.timedelta(days=settings.renewal_review_days)


@transaction.atomic
def contract_expiring_mark(*, contract: Contract, actor: Any = None, now: dt.datetime | None = None) -> Contract:
    """active → expiring once the renewal review has opened (ContractSettings.renewal_review_days before the
    end of the term); refused earlier. The periodic renewal review calls it. Quiet if already expiring."""
    now = now_or(now)
    if actor is not None:
        require_terminator(actor)
    move = contract_move(contract, target=S.EXPIRING, from_states=[S.ACTIVE])
    if move.done:
        return move.obj
    obj = move.obj
    opens_on = renewal_review_opens_on(contract=obj)
    today = timezone.localdate(now)
    if opens_on is None or today < opens_on:
        raise ApplicationError(_("The renewal review of contract %(number)s opens on %(date)s.")
                               % {"number": obj.number, "date": iso(opens_on) or "—"},
                               extra={"opens_on": iso(opens_on)})
    return finish_move(move, actor=actor, event="expiring", now=now,
                       data={"number": obj.number, "ends_on": obj.ends_on, "review_opened_on": opens_on})


@transaction.atomic
def contract_expire(*, contract: Contract, actor: Any = None, reason: str = "", now: dt.datetime | None = None
                    ) -> Contract:
    """expiring → expired after the last day of the term (refused before it): the contract was not renewed.
    Quiet if already expired."""
    now = now_or(now)
    if actor is not None:
        require_terminator(actor)
    move = contract_move(contract, target=S.EXPIRED, from_states=[S.EXPIRING])
    if move.done:
        return move.obj
    obj = move.obj
    today = timezone.localdate(now)
    if obj.ends_on is None or today <= obj.ends_on:
        raise ApplicationError(_("Contract %(number)s runs until %(date)s: it expires after that day.")
                               % {"number": obj.number, "date": iso(obj.ends_on) or "—"})
    return finish_move(move, actor=actor, event="expired", now=now,
                       data={"number": obj.number, "ends_on": obj.ends_on, "reason": (reason or "").strip()})


@transaction.atomic
def contract_renew_mark(*, contract: Contract, actor: Any = None, renewal: Contract | None = None,
                        reason: str = "", now: dt.datetime | None = None) -> Contract:
    """expiring → renewed: the cooperation goes on under `renewal` (a contract of kind "renewal" whose parent
    is this one, usually drafted with `contract_renewal_draft`), recorded with the reason. By a lead or an
    administrator, or by the renewal review at the end of the term (no actor). Quiet if already renewed."""
    now = now_or(now)
    if actor is not None:
        require_terminator(actor)
    if renewal is not None and (renewal.parent_id != contract.pk or renewal.kind != ContractKind.RENEWAL):
        raise ValidationError({"renewal": [_("The renewal must be a renewal contract of this contract.")]})
    move = contract_move(contract, target=S.RENEWED, from_states=[S.EXPIRING])
    if move.done:
        return move.obj
    obj = move.obj
    return finish_move(move, actor=actor, event="renewed", now=now, data={
        "number": obj.number, "renewal": renewal.pk if renewal else None,
        "renewal_number": renewal.number if renewal else "", "reason": (reason or "").strip()})
