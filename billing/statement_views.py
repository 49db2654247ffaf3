"""The merchant's statement pages, under /<language>/portal/billing/statements/: the statements, one statement (its
totals, lines with their commission explanations, PDF, CSV of its lines), confirming it, disputing a line, the
disputes (evidence, withdrawal) and the payouts.

Every view works in `request.merchant` (`verified_merchant_required`) and reads through the selectors scoped to it,
so another merchant's statement, line or dispute is a 404. Reading needs READ_STATEMENTS, confirming, disputing and
adding evidence RESPOND_STATEMENTS (owners, admins and finance users of the organisation); the services check the
role again."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message
from portal.exceptions import ApplicationError, error_messages
from portal.money import format_money

from .downloads import private_file_response
from .models import Dispute, Statement, StatementLine
from .selectors import statements as selectors
from .services.disputes import NOT_DISPUTABLE, dispute_cap, dispute_evidence_add, dispute_withdraw
from .services.statements import statement_confirm, statement_dispute
from .statement_forms import DisputeForm, EvidenceForm

LINES_PER_PAGE = 50
K = StatementLine.Kind


def _refused(request: HttpRequest, capability: Capability) -> HttpResponse:
    return render(request, "billing/statements/refused.html", {"refusal": refusal_message(capability)}, status=403)


def _can_respond(request: HttpRequest) -> bool:
    return membership_can(request.membership, Capability.RESPOND_STATEMENTS)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def own_statement(request: HttpRequest, pk) -> Statement:
    statement = selectors.statement_get_for_merchant(merchant=request.merchant, pk=pk)
    if statement is None:
        raise Http404(_("Your organisation has no statement with this number."))
    return statement


def own_dispute(request: HttpRequest, pk) -> Dispute:
    dispute = selectors.dispute_get_for_merchant(merchant=request.merchant, pk=pk)
    if dispute is None:
        raise Http404(_("Your organisation has no dispute with this number."))
    return dispute


def _answerable(statement: Statement) -> bool:
    """The statement may still be confirmed or have lines disputed (its time has not run out)."""
    return statement.status in (Statement.Status.ISSUED, Statement.Status.DISPUTED) and \
        statement.respond_by is not None and timezone.now() <= statement.respond_by


@require_GET
@verified_merchant_required
def statement_list(request: HttpRequest) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    pager = Paginator(selectors.merchant_statements(merchant=request.merchant), 25).get_page(request.GET.get("p"))
    return render(request, "billing/statements/list.html", {"pager": pager, "statements": pager.object_list,
                                                            "now": timezone.now(), "section": "statements"})


@require_GET
@verified_merchant_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    statement = own_statement(request, pk)
    kinds = selectors.statement_kind_counts(statement=statement)
    kind = request.GET.get("kind", "")
    if kind not in {value for value, _label, _n in kinds}:
        kind = ""
    pager = Paginator(selectors.statement_lines(statement=statement, kind=kind), LINES_PER_PAGE).get_page(
        request.GET.get("p"))
    lines = list(pager.object_list)
    explanations = selectors.explanations_of(lines, currency=statement.currency,
                                             language=translation.get_language() or "zh-hans")
    answerable = _answerable(statement)
    for line in lines:
        line.live_dispute = line.disputes_live[0] if line.disputes_live else None
        line.explained = explanations.get(line.explanation_id)
        line.disputable = answerable and line.kind not in NOT_DISPUTABLE and line.live_dispute is None
    return render(request, "billing/statements/detail.html", {
        "statement": statement, "lines": lines, "pager": pager, "kinds": kinds, "kind": kind,
        "explanations": list(explanations.values()), "disputes": selectors.statement_disputes(statement=statement),
        "answerable": answerable, "can_respond": _can_respond(request),
        "respond_refusal": refusal_message(Capability.RESPOND_STATEMENTS), "now": timezone.now(),
        "section": "statements",
    })


@require_GET
@verified_merchant_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    statement = own_statement(request, pk)
    return private_file_response(statement.pdf, f"{statement.number}.pdf")


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@verified_merchant_required
def statement_lines_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every line of the merchant's own statement as CSV (UTF-8 with BOM for spreadsheet programs), streamed."""
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    statement = own_statement(request, pk)
    header = [_("Line"), _("Date"), _("Order"), _("Category"), _("GMV"), _("Refund"), _("Commission rate (%)"),
              _("Commission"), _("Amount"), _("Description"), _("Reference")]
    kinds = dict(K.choices)

    def rows():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(header)
        lines = (StatementLine.objects.filter(statement=statement).order_by("id")
                 .values_list("kind", "day", "order_line__external_id", "category__code", "gmv", "refund",
                              "commission_rate", "commission", "amount", "description", "reference"))
        for kind, day, order, category, *rest in lines.iterator(chunk_size=2000):
            yield writer.writerow([str(kinds.get(kind, kind)), day.isoformat() if day else "", order or "",
                                   category or "", *("" if v is None else v for v in rest)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{statement.number}-lines.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@verified_merchant_required
def statement_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    statement = own_statement(request, pk)
    if not _can_respond(request):
        messages.error(request, refusal_message(Capability.RESPOND_STATEMENTS))
        return redirect("billing:statement_detail", pk=statement.pk)
    try:
        statement_confirm(statement=statement, actor=request.user, ip_address=_ip(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Statement %(number)s confirmed. It is paid out on %(date)s once finance "
                                    "approves the run.") % {"number": statement.number,
                                                            "date": statement.payout_due_on.isoformat()})
    return redirect("billing:statement_detail", pk=statement.pk)


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def statement_line_dispute(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """The form to dispute one line: the amount in dispute (at most the line's GMV or amount), what is wrong and
    evidence files."""
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    statement = own_statement(request, pk)
    line = selectors.statement_line_get(statement=statement, pk=line_pk)
    if line is None:
        raise Http404(_("This statement has no such line."))
    can_respond = _can_respond(request)
    status = 200
    if request.method == "POST":
        form = DisputeForm(request.POST)
        if not can_respond:
            messages.error(request, refusal_message(Capability.RESPOND_STATEMENTS))
            return redirect("billing:statement_detail", pk=statement.pk)
        if form.is_valid():
            try:
                dispute = statement_dispute(statement=statement, line=line, amount=form.cleaned_data["amount"],
                                            reason=form.cleaned_data["reason"], actor=request.user,
                                            files=request.FILES.getlist("files"), ip_address=_ip(request))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields or field == "files" else None, errors)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("billing:statement_detail", pk=statement.pk)
            else:
                messages.success(request, _("Dispute %(number)s opened: %(amount)s is frozen until finance "
                                            "decides. The rest of the statement counts as confirmed.")
                                 % {"number": dispute.number, "amount": format_money(dispute.amount, dispute.currency)})
                return redirect("billing:dispute_detail", pk=dispute.pk)
        status = 400
    else:
        form = DisputeForm(initial={"amount": dispute_cap(line) if line.kind != K.ORDER else ""})
    return render(request, "billing/statements/dispute_form.html", {
        "statement": statement, "line": line, "form": form, "cap": dispute_cap(line), "can_respond": can_respond,
        "answerable": _answerable(statement), "respond_refusal": refusal_message(Capability.RESPOND_STATEMENTS),
        "section": "statements",
    }, status=status)


@require_GET
@verified_merchant_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    pager = Paginator(selectors.merchant_disputes(merchant=request.merchant), 25).get_page(request.GET.get("p"))
    return render(request, "billing/statements/disputes.html", {"pager": pager, "disputes": pager.object_list,
                                                                "section": "disputes"})


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A dispute: what was disputed, its status, what finance asked for and decided, the evidence; POST adds
    evidence (a note and files)."""
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    dispute = own_dispute(request, pk)
    can_respond = _can_respond(request)
    status = 200
    form = EvidenceForm()
    if request.method == "POST":
        if not can_respond:
            messages.error(request, refusal_message(Capability.RESPOND_STATEMENTS))
            return redirect("billing:dispute_detail", pk=dispute.pk)
        form = EvidenceForm(request.POST)
        if form.is_valid():
            try:
                dispute_evidence_add(dispute=dispute, actor=request.user, note=form.cleaned_data["note"],
                                     files=request.FILES.getlist("files"), ip_address=_ip(request))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("billing:dispute_detail", pk=dispute.pk)
            else:
                messages.success(request, _("Evidence added. Finance reviews the dispute next."))
                return redirect("billing:dispute_detail", pk=dispute.pk)
        status = 400
    return render(request, "billing/statements/dispute_detail.html", {
        "dispute": dispute, "statement": dispute.statement, "line": dispute.line,
        "evidence": selectors.dispute_evidence(dispute=dispute), "form": form, "can_respond": can_respond,
        "respond_refusal": refusal_message(Capability.RESPOND_STATEMENTS), "section": "disputes",
    }, status=status)


@require_POST
@verified_merchant_required
def dispute_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = own_dispute(request, pk)
    if not _can_respond(request):
        messages.error(request, refusal_message(Capability.RESPOND_STATEMENTS))
        return redirect("billing:dispute_detail", pk=dispute.pk)
    try:
        dispute_withdraw(dispute=dispute, actor=request.user, ip_address=_ip(request))
    except ApplicationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, _("Dispute %(number)s withdrawn: the line stands as issued.")
                         % {"number": dispute.number})
    return redirect("billing:dispute_detail", pk=dispute.pk)


@require_GET
@verified_merchant_required
def dispute_evidence_file(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    dispute = own_dispute(request, pk)
    evidence = selectors.dispute_evidence_get(dispute=dispute, pk=evidence_pk)
    if evidence is None:
        raise Http404(_("This document does not exist or is not ready yet."))
    extension = evidence.file.name.rsplit(".", 1)[-1]
    return private_file_response(evidence.file, f"{dispute.number}-{evidence.pk}.{extension}",
                          content_type=evidence.content_type or "application/octet-stream")


@require_GET
@verified_merchant_required
def payouts(request: HttpRequest) -> HttpResponse:
    """What the statements pay out and when: each statement's net payable and payout date with its status, and the
    amounts released from disputes with their own due dates."""
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    pager = Paginator(selectors.merchant_statements(merchant=request.merchant), 25).get_page(request.GET.get("p"))
    released = selectors.merchant_released(merchant=request.merchant)
    return render(request, "billing/statements/payouts.html", {"pager": pager, "statements": pager.object_list,
                                                               "released": released, "section": "payouts"})
