"""The statement PDF [结算单]: one Django template, Chinese first with English under each label, laid out by
WeasyPrint on A4 with Noto Sans CJK SC (the contracts' renderer and font configuration, as the invoice PDF), nothing
fetched from outside. The totals, the order lines summed per category (a statement may have many thousands; each
one is on the statement's page and in its CSV) and every other line. Rendered once, in a Celery task after the
issuing transaction commits; stored with its SHA-256. PostgreSQL lets the PDF be set once and never changed after."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db.models import Count, Max, Min, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.documents.render import FONT_FAMILY, bilingual, html_to_pdf, page_counter_css
from portal.models import Category
from portal.money import format_money

from .models import BillingSettings, Statement, StatementLine

PDF_TEMPLATE = "billing/pdf/statement.html"

LABELS = {
    "title": _("Settlement statement"),
    "number": _("Statement number"),
    "merchant": _("Merchant"),
    "contract": _("Contract"),
    "period": _("Period"),
    "issued_on": _("Issued on"),
    "respond_by": _("Confirm or dispute by"),
    "payout_due": _("Payout due on"),
    "summary": _("Summary"),
    "orders": _("Orders"),
    "gmv": _("GMV"),
    "refunds": _("Refunds"),
    "commission": _("Commission"),
    "subsidies": _("Subsidies"),
    "fees": _("Fees"),
    "deductions": pgettext_lazy("statement", "Deductions"),
    "released": _("Released from disputes"),
    "carried_in": _("Carried in from the last statement"),
    "net_payable": _("Net payable"),
    "carried_forward": _("Carried forward to the next statement"),
    "frozen": _("Frozen in disputes (shown, not included)"),
    "by_category": _("Orders by category"),
    "category": _("Category"),
    "rate": _("Commission rate"),
    "other_lines": _("Other lines"),
    "kind": _("Line"),
    "date": _("Date"),
    "description": _("Description"),
    "reference": _("Reference"),
    "amount": _("Amount"),
    "none": _("None"),
    "respond_note": _("Confirm or dispute this statement in the merchant portal by the date above; a statement not "
                      "answered by then counts as confirmed. A disputed amount is frozen until it is decided; what is "
                      "released is paid with a later statement, due on this statement's payout date plus the days it "
                      "was frozen."),
    "lines_note": _("Every order line, with the commission explanation, is on the statement's page in the portal."),
}


def _money(amount, currency: str) -> dict[str, str]:
    return {"zh": format_money(amount, currency, "zh-hans"), "en": format_money(amount, currency, "en")}


def _percent(value) -> str:
    return f"{value.normalize():f}%" if value is not None else "—"


def statement_categories(statement: Statement) -> list[dict]:
    """The order lines summed per category (one query, plus the categories' names)."""
    rows = list(StatementLine.objects.filter(statement=statement, kind__in=[StatementLine.Kind.ORDER,
                                                                            StatementLine.Kind.ORDER_CHANGE])
                .values("category_id").order_by("category_id")
                .annotate(orders=Count("id"), gmv=Sum("gmv"), refund=Sum("refund"), commission=Sum("commission"),
                          rate_min=Min("commission_rate"), rate_max=Max("commission_rate")))
    names = {c.pk: c for c in Category.objects.filter(pk__in=[r["category_id"] for r in rows if r["category_id"]])}
    out = []
    for row in rows:
        category = names.get(row["category_id"])
        rate = _percent(row["rate_min"]) if row["rate_min"] == row["rate_max"] else \
            f"{_percent(row['rate_min'])} – {_percent(row['rate_max'])}"
        out.append({
            "name": {"zh": category.name_zh, "en": category.name_en} if category else {"zh": "—", "en": ""},
            "orders": row["orders"], "rate": rate,
            "gmv": _money(row["gmv"] or 0, statement.currency),
            "refund": _money(row["refund"] or 0, statement.currency),
            "commission": _money(row["commission"] or 0, statement.currency),
        })
    return out


def statement_html(statement: Statement) -> str:
    currency = statement.currency
    others = [{"kind": bilingual(StatementLine.Kind(line.kind).label), "day": line.day.isoformat() if line.day else "",
               "description": line.description, "reference": line.reference,
               "amount": _money(line.amount, currency), "frozen": line.kind == StatementLine.Kind.FROZEN}
              for line in statement.lines.exclude(kind__in=[StatementLine.Kind.ORDER, StatementLine.Kind.ORDER_CHANGE])
              .order_by("kind", "day", "id")]
    totals = [(key, _money(getattr(statement, key), currency)) for key in
              ("gmv", "refunds", "commission", "subsidies", "fees", "deductions", "released", "carried_in")]
    context = {
        "font_family": FONT_FAMILY,
        "page_counter": page_counter_css(),
        "statement": statement,
        "payee": BillingSettings.load(),
        "merchant_name": statement.merchant.name,
        "contract_number": statement.contract.number if statement.contract_id else "",
        "issued_on": timezone.localdate(statement.issued_at).isoformat() if statement.issued_at else "",
        "respond_by": timezone.localtime(statement.respond_by).strftime("%Y-%m-%d %H:%M") if statement.respond_by
        else "",
        "totals": [{"label": bilingual(LABELS[key]), "amount": amount} for key, amount in totals],
        "net_payable": _money(statement.net_payable, currency),
        "carried_forward": _money(statement.carried_forward, currency),
        "frozen": _money(statement.frozen, currency),
        "categories": statement_categories(statement),
        "others": others,
        "labels": {key: bilingual(text) for key, text in LABELS.items()},
        "keywords": f"portal-statement:{statement.number}",
    }
    return render_to_string(PDF_TEMPLATE, context)


def statement_pdf_render(statement: Statement) -> bytes:
    return html_to_pdf(statement_html(statement)).data


def statement_pdf_build(statement: Statement) -> Statement:
    """Render and store the PDF of an issued statement once; a second call (a retried task) writes nothing."""
    if statement.pdf or statement.status == Statement.Status.DRAFT:
        return statement
    data = statement_pdf_render(statement)
    sha256 = hashlib.sha256(data).hexdigest()
    field = statement.pdf
    name = field.storage.save(field.field.generate_filename(statement, f"{statement.number}.pdf"), ContentFile(data))
    updated = Statement.objects.filter(pk=statement.pk, pdf="").update(pdf=name, pdf_sha256=sha256)
    if not updated:  # another worker stored it first: theirs stays
        field.storage.delete(name)
    statement.refresh_from_db(fields=["pdf", "pdf_sha256"])
    return statement
