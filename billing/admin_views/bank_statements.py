"""Bank statement imports in the admin (namespace "billing_bank"): upload a CSV or XLSX file, see what each row
becomes (the preview writes nothing), save it; the imports and one import's lines with their outcomes, each
unmatched or differing line with a link to record it by hand.

The uploaded file waits in private storage under a random name known only to the uploader's session until it
is saved or abandoned (a new upload of the session replaces it; the daily run removes one left for a day). A
file that cannot be read comes back as a message on the form, never a 500.
"""

from __future__ import annotations

import hashlib

from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages

from portal.exceptions import ApplicationError, error_messages
from portal.uploads import pending_upload, pending_upload_content, pending_upload_forget, pending_upload_keep

from ..models import BankStatementImport
from ..selectors.bank import statement_imports, statement_lines
from ..services.bank_statements import (
    PENDING_UPLOADS,
    StatementFileError,
    field_labels,
    statement_import,
    statement_preview,
    statement_read,
)
from .bank import BankPageMixin, url
from .bank_forms import StatementUploadForm

SESSION_KEY = "billing.bank.statements"
OUTCOME_ORDER = ("matched", "amount_mismatch", "unmatched", "ignored", "duplicate", "invalid")


def outcome_labels() -> dict[str, str]:
    return {"matched": _("Matched"), "amount_mismatch": _("Amount differs"), "unmatched": _("Unmatched"),
            "ignored": _("Ignored (not a credit)"), "duplicate": _("Duplicate"), "invalid": _("Cannot be read")}


class StatementUploadView(BankPageMixin, TemplateView):
    template_name = "billing/admin/bank/statement_new.html"
    page_title = gettext_lazy("Import a bank statement")

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=StatementUploadForm()))

    def post(self, request, *args, **kwargs):
        form = StatementUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                statement_read(content=content, filename=upload.name, columns=form.columns())
            except StatementFileError as error:
                form.add_error("file", error.message)
            else:
                token = pending_upload_keep(request, SESSION_KEY, folder=PENDING_UPLOADS, content=content,
                                            filename=upload.name[:200], columns=form.columns())
                return redirect(url("statement_preview", token))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(labels=field_labels())
        return context


def _summary(rows) -> list[dict]:
    labels = outcome_labels()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return [{"outcome": key, "label": labels[key], "count": counts[key]} for key in OUTCOME_ORDER if counts.get(key)]


class StatementPreviewView(BankPageMixin, TemplateView):
    """GET: what each row would become; POST: save it."""

    template_name = "billing/admin/bank/statement_preview.html"
    page_title = gettext_lazy("Check the statement before saving")

    @cached_property
    def entry(self) -> dict:
        entry = pending_upload(self.request, SESSION_KEY, self.kwargs["token"])
        if entry is None:
            raise Http404
        return entry

    def _content(self) -> bytes | None:
        """The uploaded file, or None when it is gone (left for more than a day: the daily run removed it)."""
        return pending_upload_content(self.entry)

    def _gone(self, request):
        pending_upload_forget(request, SESSION_KEY, self.kwargs["token"])
        messages.error(request, _("This upload waited too long and was removed: upload the statement again."))
        return redirect(url("statement_new"))

    def get(self, request, *args, **kwargs):
        content = self._content()
        if content is None:
            return self._gone(request)
        try:
            parsed = statement_read(content=content, filename=self.entry["filename"], columns=self.entry["columns"])
        except StatementFileError as error:
            pending_upload_forget(request, SESSION_KEY, self.kwargs["token"])
            messages.error(request, error.message)
            return redirect(url("statement_new"))
        rows = statement_preview(rows=parsed.rows)
        earlier = statement_imports().filter(file_sha256=hashlib.sha256(content).hexdigest()).first()
        return self.render_to_response(self.get_context_data(
            rows=rows, summary=_summary(rows), columns=[(field_labels()[k], v) for k, v in parsed.columns.items()],
            filename=self.entry["filename"], earlier=earlier, labels=outcome_labels(),
            will_save=any(row.saved for row in rows)))

    def post(self, request, *args, **kwargs):
        content = self._content()
        if content is None:
            return self._gone(request)
        try:
            statement, rows = statement_import(content=content, filename=self.entry["filename"],
                                               actor=request.user, columns=self.entry["columns"])
        except (StatementFileError, ApplicationError) as error:
            for message in error_messages(error):
                messages.error(request, message)
            return redirect(url("statement_preview", self.kwargs["token"]))
        pending_upload_forget(request, SESSION_KEY, self.kwargs["token"])
        if statement is None:
            messages.warning(request, _("Every row of this file was imported before: nothing changed."))
            return redirect(url("statements"))
        messages.success(request, _("Statement saved: %(matched)s matched and recorded, %(unmatched)s to look "
                                    "at, %(duplicate)s duplicates skipped.")
                         % {"matched": statement.rows_matched, "unmatched": statement.rows_unmatched,
                            "duplicate": statement.rows_duplicate})
        return redirect(url("statement", statement.pk))


class StatementListView(BankPageMixin, TemplateView):
    template_name = "billing/admin/bank/statements.html"
    page_title = gettext_lazy("Bank statement imports")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(imports=list(statement_imports()[:200]))
        return context


class StatementDetailView(BankPageMixin, TemplateView):
    template_name = "billing/admin/bank/statement.html"

    @cached_property
    def statement(self) -> BankStatementImport:
        statement = statement_imports().filter(pk=self.kwargs["pk"]).first()
        if statement is None:
            raise Http404
        return statement

    def get_page_title(self):
        return _("Statement imported on %(date)s") % {"date": self.statement.uploaded_at.strftime("%Y-%m-%d %H:%M")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = list(statement_lines(statement=self.statement))
        for line in lines:
            if line.outcome in ("unmatched", "amount_mismatch"):
                query = {"amount": line.amount, "received_on": line.booked_on.isoformat(),
                         "bank_reference": line.bank_reference, "payer_name": line.payer_name, "line": line.pk}
                if line.payment_id:
                    query["reference"] = line.payment.reference
                line.record_url = f"{url('record')}?{urlencode(query)}"
        context.update(statement=self.statement, lines=lines, labels=outcome_labels())
        return context
