"""Finance's invoice screens in the Wagtail admin (namespace "billing_invoices"): the fee price list
(effective-dated; add a price), invoices (a short list to find one; the full finance list with filters and
exports is billing_finance's), issuing an invoice for value-added services or a membership from the price list,
an invoice's page (lines, payments, credit notes, fapiao) with its actions: a credit note, the fapiao number and
PDF, the PDFs.

Access: finance and administrators act; management reads. Anyone else gets 403 before any work. A refused
action (a credit note above what is uncredited, a bad fapiao number, a fee without a price) is a message on the
form, never a 500."""

from __future__ import annotations

from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.exceptions import ApplicationError
from portal.roles import Role, user_has_any_role

from .. import invoice_selectors as selectors
from ..invoice_forms import (
    CreditNoteForm,
    FapiaoForm,
    FeePriceForm,
    InvoiceCreateForm,
    InvoiceLineForm,
    priced_fee_choices,
)
from ..models import FeePrice, FeeType, Invoice
from ..services.fees import PRICE_LIST_FEES, fee_price_add, priced_invoice_issue
from ..services.invoices import credit_note_issue, fapiao_record

ACT_ROLES = frozenset({Role.FINANCE.value, Role.ADMIN.value})
READ_ROLES = ACT_ROLES | {Role.MANAGEMENT.value}
LINE_ROWS = 5


def user_may_bill(user) -> bool:
    return user_has_any_role(user, ACT_ROLES)


class FinanceMixin(WagtailAdminTemplateMixin):
    """403 (a page saying who works with invoices) for anyone without a finance role; `act` views need finance or
    an administrator."""

    header_icon = "doc-full"
    act = False

    def dispatch(self, request, *args, **kwargs):
        if not user_has_any_role(request.user, ACT_ROLES if self.act else READ_ROLES):
            return TemplateResponse(request, "billing/admin/invoices/forbidden.html", {
                "page_title": _("No access to invoices"), "header_icon": "warning"}, status=403)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("billing_invoices:index"), "label": _("Invoices")},
                {"url": "", "label": self.get_page_title()}]


# ---- the price list

class PriceListView(FinanceMixin, TemplateView):
    template_name = "billing/admin/invoices/prices.html"
    header_icon = "list-ul"

    def get_page_title(self):
        return _("Fee prices")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        prices = list(FeePrice.objects.filter(fee_type__in=PRICE_LIST_FEES).select_related("created_by")
                      .order_by("fee_type", "-effective_from"))
        rows = []
        for fee in PRICE_LIST_FEES:
            history = [p for p in prices if p.fee_type == fee]
            current = next((p for p in history if p.effective_from <= today), None)
            rows.append({"fee": fee, "label": FeeType(fee).label, "current": current,
                         "upcoming": [p for p in history if p.effective_from > today], "history": history})
        context.update(rows=rows, today=today, can_act=user_may_bill(self.request.user),
                       form=kwargs.get("form") or FeePriceForm(initial={"effective_from": today}))
        return context

    def post(self, request, *args, **kwargs):
        if not user_may_bill(request.user):
            return TemplateResponse(request, "billing/admin/invoices/forbidden.html", {
                "page_title": _("No access to invoices"), "header_icon": "warning"}, status=403)
        form = FeePriceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                price = fee_price_add(fee_type=data["fee_type"], amount=data["amount"], currency=data["currency"],
                                      effective_from=data["effective_from"], actor=request.user)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Price of %(fee)s from %(day)s saved.")
                                 % {"fee": price.get_fee_type_display(), "day": price.effective_from.isoformat()})
                return redirect("billing_invoices:prices")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# ---- invoices

class InvoiceIndexView(FinanceMixin, TemplateView):
    template_name = "billing/admin/invoices/index.html"
    header_icon = "doc-full"
    LIMIT = 100

    def get_page_title(self):
        return _("Invoices")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = (self.request.GET.get("q") or "").strip()[:100]
        status = self.request.GET.get("status") or ""
        invoices = Invoice.objects.exclude(status=Invoice.Status.DRAFT).select_related("merchant", "corrects")
        if query:
            invoices = invoices.filter(Q(number__icontains=query) | Q(merchant__name__icontains=query)
                                       | Q(buyer_title__icontains=query) | Q(fapiao_number__icontains=query))
        if status == Invoice.Kind.CREDIT_NOTE:
            invoices = invoices.filter(kind=Invoice.Kind.CREDIT_NOTE)
        elif status in Invoice.Status.values:
            invoices = invoices.filter(kind=Invoice.Kind.INVOICE, status=status)
        rows = list(selectors.invoices_annotated(invoices).order_by("-issued_at", "-id")[:self.LIMIT])
        for row in rows:
            row.due = selectors.invoice_due(row)
        statuses = [(value, label) for value, label in Invoice.Status.choices if value not in ("draft", "void")]
        statuses.append((Invoice.Kind.CREDIT_NOTE.value, _("Credit notes")))
        context.update(invoices=rows, q=query, status=status, statuses=statuses, limit=self.LIMIT,
                       can_act=user_may_bill(self.request.user))
        return context


class InvoiceCreateView(FinanceMixin, TemplateView):
    """Bill value-added services or a membership at the price list's prices (only fees that have one)."""

    template_name = "billing/admin/invoices/create.html"
    act = True

    def get_page_title(self):
        return _("New invoice")

    def _forms(self, data=None):
        choices = priced_fee_choices()
        form = InvoiceCreateForm(data, initial={"merchant": self.request.GET.get("merchant")})
        lines = [InvoiceLineForm(data, prefix=f"line{i}", fee_choices=choices,
                                 initial={"quantity": 1} if i == 0 else None)
                 for i in range(LINE_ROWS)]
        return form, lines, choices

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, lines, choices = kwargs.get("forms") or self._forms()
        context.update(form=form, lines=lines, has_prices=bool(choices))
        return context

    def post(self, request, *args, **kwargs):
        form, lines, choices = self._forms(request.POST)
        lines_valid = [line.is_valid() for line in lines]  # every line, so each shows its errors
        if form.is_valid() and all(lines_valid):
            items = [(line.cleaned_data["fee_type"], line.cleaned_data["quantity"]) for line in lines
                     if line.cleaned_data.get("fee_type")]
            try:
                invoice = priced_invoice_issue(merchant=form.cleaned_data["merchant"], items=items,
                                               actor=request.user, notes=form.cleaned_data["notes"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Invoice %(number)s issued to %(merchant)s.")
                                 % {"number": invoice.number, "merchant": invoice.merchant})
                return redirect("billing_invoices:detail", pk=invoice.pk)
        return self.render_to_response(self.get_context_data(forms=(form, lines, choices)), status=400)


class _InvoiceMixin(FinanceMixin):
    @cached_property
    def invoice(self) -> Invoice:
        invoice = selectors.invoice_get_for_staff(pk=self.kwargs["pk"])
        if invoice is None:
            raise Http404
        return invoice

    def detail_url(self) -> str:
        return reverse("billing_invoices:detail", args=[self.invoice.pk])


class InvoiceDetailView(_InvoiceMixin, TemplateView):
    template_name = "billing/admin/invoices/detail.html"

    def get_page_title(self):
        return str(self.invoice)

    def get_page_subtitle(self):
        return str(self.invoice.merchant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.invoice
        is_invoice = invoice.kind == Invoice.Kind.INVOICE
        context.update(
            invoice=invoice, lines=list(invoice.lines.select_related("price")),
            payments=selectors.invoice_payments(invoice) if is_invoice else [],
            credit_notes=selectors.invoice_credit_notes(invoice) if is_invoice else [],
            uncredited=invoice.total - invoice.credited,
            can_act=user_may_bill(self.request.user),
            can_credit=is_invoice and invoice.status in (Invoice.Status.ISSUED, Invoice.Status.PAID),
            can_fapiao=is_invoice and invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.VOID),
            credit_form=kwargs.get("credit_form") or CreditNoteForm(),
            fapiao_form=kwargs.get("fapiao_form") or FapiaoForm(initial={"number": invoice.fapiao_number}),
        )
        return context


class CreditNoteView(_InvoiceMixin, TemplateView):
    template_name = "billing/admin/invoices/detail.html"
    act = True

    def post(self, request, pk):
        form = CreditNoteForm(request.POST)
        if form.is_valid():
            try:
                note = credit_note_issue(invoice=self.invoice, amount=form.cleaned_data["amount"],
                                         reason=form.cleaned_data["reason"], actor=request.user)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
                return redirect(self.detail_url())
        view = InvoiceDetailView()
        view.setup(request, pk=pk)
        return view.render_to_response(view.get_context_data(credit_form=form), status=400)


class FapiaoView(_InvoiceMixin, TemplateView):
    template_name = "billing/admin/invoices/detail.html"
    act = True

    def post(self, request, pk):
        form = FapiaoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                fapiao_record(invoice=self.invoice, number=form.cleaned_data["number"], pdf=form.cleaned_data["pdf"],
                              actor=request.user)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Fapiao recorded: the merchant can download it now."))
                return redirect(self.detail_url())
        view = InvoiceDetailView()
        view.setup(request, pk=pk)
        return view.render_to_response(view.get_context_data(fapiao_form=form), status=400)


class _PdfView(_InvoiceMixin, View):
    field = "pdf"

    def get(self, request, pk):
        invoice = self.invoice
        file = getattr(invoice, self.field)
        if not file:
            raise Http404
        try:
            handle = file.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        name = (f"{invoice.number}.pdf" if self.field == "pdf"
                else f"{invoice.number}-fapiao-{invoice.fapiao_number}.pdf")
        response = FileResponse(handle, as_attachment=True, content_type="application/pdf", filename=name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class FapiaoPdfView(_PdfView):
    field = "fapiao_pdf"


_patterns = [
    path("", InvoiceIndexView.as_view(), name="index"),
    path("prices/", PriceListView.as_view(), name="prices"),
    path("new/", InvoiceCreateView.as_view(), name="create"),
    path("<int:pk>/", InvoiceDetailView.as_view(), name="detail"),
    path("<int:pk>/credit-note/", CreditNoteView.as_view(), name="credit_note"),
    path("<int:pk>/fapiao/", FapiaoView.as_view(), name="fapiao"),
    path("<int:pk>/pdf/", _PdfView.as_view(), name="pdf"),
    path("<int:pk>/fapiao/pdf/", FapiaoPdfView.as_view(), name="fapiao_pdf"),
]

urlpatterns = [path("billing/invoices/", include((_patterns, "billing_invoices")))]



# ---- the menu (registered in billing/wagtail_hooks.py)

class FinanceMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_any_role(request.user, READ_ROLES)


def invoices_menu_item() -> SubmenuMenuItem:
    menu = Menu(items=[
        FinanceMenuItem(gettext_lazy("Invoices"), reverse_lazy("billing_invoices:index"), name="billing-invoices",
                        icon_name="doc-full", order=100),
        FinanceMenuItem(gettext_lazy("New invoice"), reverse_lazy("billing_invoices:create"),
                        name="billing-invoice-new", icon_name="plus", order=110),
        FinanceMenuItem(gettext_lazy("Fee prices"), reverse_lazy("billing_invoices:prices"),
                        name="billing-fee-prices", icon_name="list-ul", order=120),
    ])
    return FinanceSubmenuMenuItem(gettext_lazy("Invoicing"), menu, name="billing-invoices-menu",
                                  icon_name="doc-full", order=720)


class FinanceSubmenuMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return user_has_any_role(request.user, READ_ROLES)
