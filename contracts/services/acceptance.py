"""The merchant's acceptance of an issued contract: a one-time code to the accepting user's email proves it is
them, the typed full name is their declaration, and the SHA-256 of the PDF they reviewed ties the acceptance to
the exact document.

What holds:
- only an owner or an admin of the contract's merchant (capability `accept_contract`) asks for a code and
  accepts; anyone else is refused with PermissionDenied, also a user of another merchant;
- a code is six digits, only its salted HMAC is stored; it is valid ContractSettings.acceptance_code_minutes,
  for ContractSettings.acceptance_code_attempts wrong tries, once; a new code makes the earlier ones useless;
  codes are rate-limited (one a minute, CODES_PER_HOUR an hour, per user and contract);
- the code remembers the SHA-256 of the issued PDF when it was sent: acceptance refuses a code sent for
  another document (the contract was withdrawn and issued again), and, when the page passes the hash it
  showed, one that differs from the issued PDF;
- the typed name must be the user's full name on record, compared loosely (`names_match`); a user with no name
  on record types the name they accept under (at least two letters), which is what the evidence page prints;
- a wrong code counts even though acceptance is refused (its own transaction commits the count).
"""

from __future__ import annotations

import datetime as dt
import hmac
import itertools
import re
import secrets
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.accounts.permissions import Capability, require_capability
from portal.exceptions import ApplicationError, InvalidTransition

from ..models import AcceptanceCode, Contract, ContractDocument, ContractSettings, ContractStatus
from ._base import audit, clean_ip, clean_user_agent, contract_move, finish_move, iso, lock_contract, now_or
from .notifications import acceptance_code_email, contract_notify

S = ContractStatus
CODE_DIGITS = 6
RESEND_AFTER_SECONDS = 60
CODES_PER_HOUR = 5
MAX_NAME_PARTS = 4
_HMAC_SALT = "contracts.acceptance-code"


class AcceptanceRefused(ApplicationError):
    """The code or the name did not do (the message says why); `extra["field"]` names the form field."""


# ---- names

def _name_tokens(value: str) -> list[str]:
    value = unicodedata.normalize("NFKC", value or "").casefold()
    # punctuation inside names (middle dot, hyphen, full stop, comma) separates like a space
    value = re.sub(r"[\W_]+", " ", value)
    return value.split()


def names_match(typed: str, full_name: str) -> bool:
    """The typed name is the name on record, loosely: Unicode-normalised (full-width letters are the ordinary
    ones), case-insensitive, spaces and punctuation ignored ("Zhang San", "zhang  san", "张三", "张 三"), and with
    its parts in any order ("San Zhang"; a record of first name 三, last name 张 matches "张三")."""
    typed_tokens, name_tokens = _name_tokens(typed), _name_tokens(full_name)
    if not typed_tokens or not name_tokens or len(name_tokens) > MAX_NAME_PARTS:
        return "".join(typed_tokens) == "".join(name_tokens) != ""
    typed_joined = "".join(typed_tokens)
    return any("".join(order) == typed_joined for order in itertools.permutations(name_tokens))


def _typed_name_check(*, user: Any, typed_name: str) -> str:
    typed = " ".join((typed_name or "").split())
    if not typed:
        raise AcceptanceRefused(_("Type your full name."), extra={"field": "typed_name"})
    full_name = " ".join(user.get_full_name().split())
    if full_name:
        if not names_match(typed, full_name):
            raise AcceptanceRefused(_("The name you typed is not the full name of your account (%(name)s).")
                                    % {"name": full_name}, extra={"field": "typed_name"})
    elif sum(ch.isalpha() for ch in typed) < 2:
        raise AcceptanceRefused(_("Type your full name."), extra={"field": "typed_name"})
    return typed[:100]


# ---- codes

def code_hash(*, code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = salted_hmac(_HMAC_SALT, f"{salt}:{code}", algorithm="sha256").hexdigest()
    return f"{salt}${digest}"


def code_matches(*, code: str, stored: str) -> bool:
    salt, _sep, _digest = stored.partition("$")
    return bool(salt) and hmac.compare_digest(code_hash(code=code, salt=salt), stored)


def issued_document(contract: Contract) -> ContractDocument | None:
    return ContractDocument.objects.filter(contract=contract, kind=ContractDocument.Kind.ISSUED).first()


def _require_issued(contract: Contract) -> None:
    if contract.status == S.ISSUED:
        return
    if contract.accepted_at is not None and contract.status in (S.ACCEPTED, S.SIGNED, S.ACTIVE, S.EXPIRING):
        raise InvalidTransition(_("Contract %(number)s has already been accepted on %(date)s.")
                                % {"number": contract.number,
                                   "date": timezone.localtime(contract.accepted_at).strftime("%Y-%m-%d %H:%M")},
                                extra={"status": contract.status})
    raise InvalidTransition(_("Contract %(number)s is “%(status)s”: it cannot be accepted.")
                            % {"number": contract.number, "status": contract.get_status_display()},
                            extra={"status": contract.status})


def code_open_for(*, contract: Contract, user: Any, now: dt.datetime | None = None) -> AcceptanceCode | None:
    """The user's code for the contract that can still be used, if any."""
    now = now_or(now)
    return (AcceptanceCode.objects.filter(contract=contract, user=user, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id").first())


@transaction.atomic
def contract_acceptance_code_send(*, contract: Contract, user: Any, ip: str | None, user_agent: str,
                                  now: dt.datetime | None = None) -> AcceptanceCode:
    """Email `user` a new six-digit code to accept the issued contract; earlier codes stop working. Records
    the SHA-256 of the issued PDF shown and an audit entry (IP address, browser). Refused for anyone but an
    owner or an admin of the merchant, before the issued PDF exists, and when asked again too soon."""
    now = now_or(now)
    require_capability(user=user, merchant_id=contract.merchant_id, capability=Capability.ACCEPT_CONTRACT)
    contract = lock_contract(contract)
    _require_issued(contract)
    document = issued_document(contract)
    if document is None:
        raise ApplicationError(_("The contract's PDF is still being prepared. Try again in a minute."),
                               extra={"reason": "pdf_pending"})
    recent = list(AcceptanceCode.objects.filter(contract=contract, user=user,
                                                created_at__gte=now - dt.timedelta(hours=1))
                  .order_by("-created_at").values_list("created_at", flat=True))
    if recent:
        wait = RESEND_AFTER_SECONDS - int((now - recent[0]).total_seconds())
        if wait > 0:
            raise ApplicationError(ngettext("A code was sent a moment ago. You can ask for a new one in %(seconds)d "
                                            "second.",
                                            "A code was sent a moment ago. You can ask for a new one in %(seconds)d "
                                            "seconds.", wait) % {"seconds": wait}, extra={"reason": "too_soon"})
        if len(recent) >= CODES_PER_HOUR:
            raise ApplicationError(_("You have asked for %(count)s codes within an hour. Try again later.")
                                   % {"count": len(recent)}, extra={"reason": "too_many"})
    settings = ContractSettings.load()
    AcceptanceCode.objects.filter(contract=contract, user=user, used_at__isnull=True,
                                  expires_at__gt=now).update(expires_at=now)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = AcceptanceCode.objects.create(contract=contract, user=user, code_hash=code_hash(code=code),
                                        pdf_sha256=document.sha256,
                                        expires_at=now + dt.timedelta(minutes=settings.acceptance_code_minutes))
    audit(actor=user, contract=contract, event="code_sent", ip=ip, user_agent=user_agent, data={
        "code": row.pk, "to": user.email, "pdf_sha256": document.sha256, "expires_at": row.expires_at})
    acceptance_code_email(contract=contract, user=user, code=code, expires_at=row.expires_at,
                          pdf_sha256=document.sha256, minutes=settings.acceptance_code_minutes)
    return row


def contract_accept(*, contract: Contract, user: Any, typed_name: str, code: str, ip: str | None,
                    user_agent: str, pdf_sha256: str | None = None, now: dt.datetime | None = None) -> Contract:
    """issued → accepted by an owner or an admin of the merchant, with their typed full name and the emailed
    code; records the time, IP address, browser, typed name and the SHA-256 of the issued PDF they saw, on the
    contract and in the audit entry. Refused: accepting twice, a wrong, expired or used code, too many wrong
    tries, a code sent for another document, a member whose role may not accept, another merchant's user."""
    now = now_or(now)
    refusal: ApplicationError | None = None
    with transaction.atomic():
        require_capability(user=user, merchant_id=contract.merchant_id, capability=Capability.ACCEPT_CONTRACT)
        locked = lock_contract(contract)
        _require_issued(locked)
        typed = _typed_name_check(user=user, typed_name=typed_name)
        code = "".join((code or "").split())
        if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", code):
            raise AcceptanceRefused(_("Enter the six-digit code from the email."), extra={"field": "code"})
        row = (AcceptanceCode.objects.select_for_update().filter(contract=locked, user=user)
               .order_by("-created_at", "-id").first())
        settings = ContractSettings.load()
        document = issued_document(locked)
        if row is None:
            raise AcceptanceRefused(_("Ask for a code first: we email it to you."), extra={"field": "code"})
        if row.used_at is not None:
            raise AcceptanceRefused(_("This code has already been used. Ask for a new one."), extra={"field": "code"})
        if row.expires_at <= now:
            raise AcceptanceRefused(_("This code has expired. Ask for a new one."), extra={"field": "code"})
        if row.attempts >= settings.acceptance_code_attempts:
            raise AcceptanceRefused(_("Too many wrong codes. Ask for a new one."), extra={"field": "code"})
        if document is None or row.pdf_sha256 != document.sha256 or (pdf_sha256 and pdf_sha256 != document.sha256):
            raise AcceptanceRefused(_("The contract's document has changed since the code was sent. Review it "
                                      "again and ask for a new code."), extra={"field": "code"})
        if not code_matches(code=code, stored=row.code_hash):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = settings.acceptance_code_attempts - row.attempts
            refusal = AcceptanceRefused(
                ngettext("This code is not right. You have %(left)d more try.",
                         "This code is not right. You have %(left)d more tries.", left) % {"left": left}
                if left > 0 else _("This code is not right, and it was the last try. Ask for a new code."),
                extra={"field": "code", "attempts_left": left})
            audit(actor=user, contract=locked, event="code_wrong", ip=ip, user_agent=user_agent,
                  data={"code": row.pk, "attempts": row.attempts})
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            move = contract_move(locked, target=S.ACCEPTED, from_states=[S.ISSUED])
            accepted = finish_move(move, actor=user, event="accepted", now=now, ip=ip, user_agent=user_agent, fields={
                "accepted_at": now, "accepted_by": user, "accepted_name": typed, "accepted_ip": clean_ip(ip),
                "accepted_user_agent": clean_user_agent(user_agent), "accepted_pdf_sha256": document.sha256,
            }, data={"number": locked.number, "typed_name": typed, "email": user.email, "code": row.pk,
                     "pdf_sha256": document.sha256, "accepted_at": iso(now)})
    if refusal is not None:
        raise refusal
    contract_notify(contract=accepted, event="accepted")
    return accepted


def acceptance_form_errors(exc: ApplicationError) -> dict[str, list[str]]:
    """The refusal as form errors: {field or "__all__": [message]}."""
    field = exc.extra.get("field") if isinstance(exc, AcceptanceRefused) else None
    return {field or "__all__": [exc.message]}

