"""The invoice and credit note PDF: one Django template, Chinese first with English under each label, laid out by
WeasyPrint on A4 with Noto Sans CJK SC (the contracts' renderer and font configuration), nothing fetched from
outside. Rendered once, in a Celery task after the issuing transaction commits; stored on the invoice with its
SHA-256. PostgreSQL lets the PDF be set once on an issued invoice and never changed after (migration 0003)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.documents.render import FONT_FAMILY, bilingual, html_to_pdf, page_counter_css
from portal.money import format_money

from .models import BillingSettings, FeeType, Invoice

PDF_TEMPLATE = "billing/pdf/invoice.html"

LABELS = {
    "invoice": _("Invoice"),
    "credit_note": _("Credit note"),
    "number": pgettext_lazy("invoice", "Number"),
    "issued_on": _("Issued on"),
    "due_on": _("Due on"),
    "corrects": _("Corrects invoice"),
    "seller": _("Seller"),
    "buyer": _("Buyer"),
    "invoice_title": _("Invoice title"),
    "tax_id": _("Taxpayer ID"),
    "description": _("Description"),
    "quantity": _("Quantity"),
    "unit_price": _("Unit price"),
    "amount": _("Amount"),
    "total": _("Total"),
    "credited_total": _("Amount credited"),
    "waived": _("Waived"),
    "contract": _("Contract"),
    "pay_to": _("Pay by bank transfer to"),
    "bank": _("Bank"),
    "account_number": _("Account number"),
    "reason": _("Reason"),
    "notes": _("Notes"),
    "not_fapiao": _("This invoice is not a fapiao [发票]; the fapiao is issued separately."),
}


def _money(amount, currency: str) -> dict[str, str]:
    return {"zh": format_money(amount, currency, "zh-hans"), "en": format_money(amount, currency, "en")}


def invoice_html(invoice: Invoice) -> str:
    payee = BillingSettings.load()
    currency = invoice.currency
    lines = [{"description": line.description, "fee": bilingual(FeeType(line.fee_type).label),
              "quantity": line.quantity.normalize(), "unit_price": _money(line.unit_price, currency),
              "amount": _money(line.amount, currency), "waived": line.waived}
             for line in invoice.lines.all()]
    credit = invoice.kind == Invoice.Kind.CREDIT_NOTE
    context = {
        "font_family": FONT_FAMILY,
        "page_counter": page_counter_css(),
        "invoice": invoice,
        "credit": credit,
        "title": bilingual(LABELS["credit_note" if credit else "invoice"]),
        "issued_on": timezone.localdate(invoice.issued_at).isoformat() if invoice.issued_at else "",
        "lines": lines,
        "total": _money(invoice.total, currency),
        "payee": payee,
        "contract_number": invoice.contract.number if invoice.contract_id else "",
        "corrects": invoice.corrects.number if invoice.corrects_id else "",
        "labels": {key: bilingual(text) for key, text in LABELS.items()},
        "keywords": f"portal-invoice:{invoice.number}",
    }
    return render_to_string(PDF_TEMPLATE, context)


def invoice_pdf_render(invoice: Invoice) -> bytes:
    return html_to_pdf(invoice_html(invoice)).data


def invoice_pdf_build(invoice: Invoice) -> Invoice:
    """Render and store the PDF of an issued invoice once; a second call (a retried task) writes nothing."""
    if invoice.pdf or invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        return invoice
    data = invoice_pdf_render(invoice)
    sha256 = hashlib.sha256(data).hexdigest()
    field = invoice.pdf
    name = field.storage.save(field.field.generate_filename(invoice, f"{invoice.number}.pdf"), ContentFile(data))
    updated = Invoice.objects.filter(pk=invoice.pk, pdf="").update(pdf=name, pdf_sha256=sha256)
    if not updated:  # another worker stored it first: theirs stays
        field.storage.delete(name)
    invoice.refresh_from_db(fields=["pdf", "pdf_sha256"])
    return invoice
