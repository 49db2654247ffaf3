"""Bank statement import: finance uploads our account's statement (CSV or XLSX, as the bank exports it), sees what
each row would become, then saves it.

    statement_read(content=, filename=, columns=)  → StatementFile (the columns found, the parsed rows) or
                                                     StatementFileError with a message for finance
    statement_preview(rows=)                       → each row with its outcome, nothing written
    statement_import(content=, filename=, actor=, columns=) → BankStatementImport: the lines saved, each matched row
                                                     recorded as a receipt through bank_transfer_record

What holds:
- a row is matched by the payment reference (ZS-XXXX-XXXX) found in its remark [附言], however the merchant spaced
  or hyphenated it, in full-width characters too; a matched row whose amount is what the payment asks for becomes
  a recorded receipt under the usual four-eyes rule (the importer is the maker: above the threshold a second
  finance user confirms it; at or below it, importing confirms it);
- each line has a unique fingerprint (its bank transaction reference, or its date, amount, currency, payer and
  remark with its position among identical rows of the file): the same file again, or a statement overlapping an
  earlier one, finds its rows as duplicates and changes nothing; a row whose bank reference was already recorded
  by hand is a duplicate too;
- rows that are not credits (payments out, zero) are kept as ignored; rows that cannot be read are shown with the
  reason and not saved; a file that cannot be read at all raises StatementFileError and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.money import round_money

from ..models import BankStatementImport, BankStatementLine, BillingSettings, Payment
from .bank_transfers import AWAITING, BANK, _finance_only, bank_transfer_record, bank_transfers_due

Outcome = BankStatementLine.Outcome
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 20
REFERENCE_PATTERN = re.compile(r"ZS[\s\-_—–.]*([A-Z0-9]{4})[\s\-_—–.]*([A-Z0-9]{4})")

# the headers Chinese and foreign banks use for each column we read (compared without case, spaces or brackets)
FIELDS = ("booked_on", "amount", "currency", "payer_name", "remark", "bank_reference")
HEADERS: dict[str, tuple[str, ...]] = {
    "booked_on": ("date", "booked on", "booking date", "transaction date", "value date", "日期", "交易日期",
                  "记账日期", "入账日期", "交易时间", "记账时间"),
    "amount": ("amount", "credit", "credit amount", "amount received", "金额", "贷方金额", "收入金额", "收入",
               "贷方发生额", "交易金额", "入账金额"),
    "currency": ("currency", "币种", "货币", "币别"),
    "payer_name": ("payer", "payer name", "counterparty", "counterparty name", "付款人", "付款人名称", "付款方",
                   "对方户名", "对方账户名称", "对方名称", "付款人户名"),
    "remark": ("remark", "remarks", "memo", "purpose", "description", "附言", "摘要", "备注", "用途", "交易附言",
               "附言/用途"),
    "bank_reference": ("bank reference", "transaction id", "transaction reference", "reference number",
                       "流水号", "交易流水号", "银行流水号", "凭证号", "交易序号"),
}
REQUIRED = ("booked_on", "amount", "remark")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%d/%m/%Y", "%d.%m.%Y")


class StatementFileError(ApplicationError):
    """The file cannot be read as a bank statement; the message says why and what to do."""


def field_labels() -> dict[str, str]:
    return {"booked_on": _("Date"), "amount": _("Amount"), "currency": _("Currency"), "payer_name": _("Payer"),
            "remark": _("Remark [附言]"), "bank_reference": _("Bank transaction reference")}


@dataclass
class StatementRow:
    """One row of the file and what it becomes."""

    row_number: int
    booked_on: dt.date | None = None
    amount: Decimal | None = None
    currency: str = ""
    payer_name: str = ""
    remark: str = ""
    bank_reference: str = ""
    fingerprint: str = ""
    error: str = ""
    outcome: str = ""  # matched | amount_mismatch | unmatched | ignored | duplicate | invalid
    message: str = ""
    payment: Payment | None = None
    reference: str = ""  # the ZS reference read from the remark

    @property
    def saved(self) -> bool:
        return self.outcome not in ("duplicate", "invalid")


@dataclass
class StatementFile:
    columns: dict[str, str]  # our field -> the header it was read from
    rows: list[StatementRow] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(row.outcome for row in self.rows)


# ---- reading the file

def _norm(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    return re.sub(r"[\s()（）\[\]【】:：*]", "", text)


def _cells_csv(content: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise StatementFileError(_("The file is neither a readable CSV (UTF-8 or GBK text) nor an XLSX workbook."))
    if "\x00" in text:
        raise StatementFileError(_("The file is neither a readable CSV (UTF-8 or GBK text) nor an XLSX workbook."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise StatementFileError(_("The CSV file cannot be read (%(error)s). Export the statement again.")
                                 % {"error": error}) from error


def _cells_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise StatementFileError(_("The XLSX workbook cannot be opened: it is damaged or not an Excel file. "
                                   "Export the statement again, as XLSX or CSV.")) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise StatementFileError(_("The workbook has no sheet."))
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                break
        return rows
    finally:
        workbook.close()


def _cells(content: bytes, filename: str) -> list[list[Any]]:
    if not content:
        raise StatementFileError(_("The file is empty."))
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise StatementFileError(_("This is an old Excel file (.xls). Save it as XLSX or CSV and upload it again."))
    if content.startswith(b"PK\x03\x04"):
        return _cells_xlsx(content)
    if content.startswith(b"%PDF"):
        raise StatementFileError(_("This is a PDF. Upload the statement as the bank exports it for spreadsheets: "
                                   "CSV or XLSX."))
    return _cells_csv(content)


def _header(cells: list[list[Any]], columns: dict[str, str]) -> tuple[int, dict[str, int], dict[str, str]]:
    """The header row's index, our field -> column index, our field -> header text."""
    wanted = {name: {_norm(h) for h in HEADERS[name]} for name in FIELDS}
    for name, header in columns.items():
        if header:
            wanted[name] = {_norm(header)}
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        texts: dict[str, str] = {}
        for position, cell in enumerate(row):
            key = _norm(cell)
            for name in FIELDS:
                if name not in found and key and key in wanted[name]:
                    found[name], texts[name] = position, str(cell).strip()
                    break
        if "booked_on" in found and "amount" in found:
            missing = [field_labels()[name] for name in REQUIRED if name not in found]
            if missing:
                raise StatementFileError(_("The header row has no column for: %(missing)s. Name the column in the "
                                           "form (the header as it is in the file).")
                                         % {"missing": ", ".join(missing)})
            return index, found, texts
    raise StatementFileError(_("No header row with a date and an amount column was found in the first %(n)s "
                               "rows. Name the columns in the form (the headers as they are in the file).")
                             % {"n": HEADER_SEARCH_ROWS})


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:  # an Excel day number without a date format
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = text.split(" ")[0].split("T")[0]
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007  (a calendar day, no time)
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date.") % {"value": value})


def _amount(value: Any, currency: str) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # a spreadsheet cell holds a binary number: its shortest decimal form is what the bank exported
        number = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        negative = text.startswith("(") and text.endswith(")")
        text = re.sub(r"[,\s¥￥$()]|CNY|RMB|元", "", text, flags=re.I)
        if not text:
            return Decimal(0)
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(_("“%(value)s” is not an amount.") % {"value": value}) from error
        if negative:
            number = -number
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": value})
    return round_money(number, currency)


def reference_in(remark: str) -> list[str]:
    """The ZS references a remark holds, normalised to ZS-XXXX-XXXX."""
    text = unicodedata.normalize("NFKC", remark or "").upper()
    return [f"ZS-{a}-{b}" for a, b in REFERENCE_PATTERN.findall(text)]


def _fingerprint(row: StatementRow, occurrence: int) -> str:
    if row.bank_reference:
        key = f"ref|{unicodedata.normalize('NFKC', row.bank_reference).strip().upper()}"
    else:
        key = "|".join(["row", row.booked_on.isoformat() if row.booked_on else "", str(row.amount), row.currency,
                        row.payer_name, row.remark, str(occurrence)])
    return hashlib.sha256(key.encode()).hexdigest()


def statement_read(*, content: bytes, filename: str = "", columns: dict[str, str] | None = None) -> StatementFile:
    """Parse a statement file. Raises StatementFileError for a file that cannot be read; a row that cannot be
    read keeps its reason in `error`."""
    cells = _cells(content, filename)
    header_index, positions, texts = _header(cells, columns or {})
    default_currency = BillingSettings.load().currency
    body = [row for row in cells[header_index + 1:] if any(str(c or "").strip() for c in row)]
    if not body:
        raise StatementFileError(_("The statement has a header row but no transactions."))
    if len(body) > MAX_ROWS:
        raise StatementFileError(_("The statement has more than %(max)s rows. Split it into several files.")
                                 % {"max": MAX_ROWS})
    result = StatementFile(columns=texts)
    seen: Counter = Counter()
    for offset, cells_row in enumerate(cells[header_index + 1:], start=header_index + 2):
        if not any(str(c or "").strip() for c in cells_row):
            continue

        def cell(name: str, row=cells_row) -> Any:
            position = positions.get(name)
            return row[position] if position is not None and position < len(row) else None

        row = StatementRow(row_number=offset)
        row.currency = (str(cell("currency") or "").strip().upper() or default_currency)[:3]
        if row.currency in ("人民币", "RMB"):
            row.currency = "CNY"
        row.payer_name = str(cell("payer_name") or "").strip()[:200]
        row.remark = str(cell("remark") or "").strip()[:300]
        row.bank_reference = str(cell("bank_reference") or "").strip()[:100]
        try:
            row.booked_on = _date(cell("booked_on"))
            row.amount = _amount(cell("amount"), row.currency if len(row.currency) == 3 else default_currency)
        except (ValueError, ApplicationError) as error:
            row.error = str(error.message if isinstance(error, ApplicationError) else error)
        if not row.error:
            identity = (row.booked_on, row.amount, row.currency, row.payer_name, row.remark)
            seen[identity] += 1
            row.fingerprint = _fingerprint(row, seen[identity])
        result.rows.append(row)
    return result


# ---- uploads waiting for their preview to be saved

# where an upload waits (private storage, a random name known only to the uploader's session) until it is saved or
# abandoned; the daily run removes those left longer than PENDING_UPLOAD_MAX_AGE
PENDING_UPLOADS = "billing/statements/pending"
PENDING_UPLOAD_MAX_AGE = dt.timedelta(days=1)


def statement_uploads_abandoned_remove(*, now: dt.datetime | None = None) -> int:
    """Remove the uploaded statements whose preview was neither saved nor replaced within a day (the finance user
    left the page); returns how many. A preview opened after that asks for the file again. Idempotent."""
    from ..models._storage import private_storage

    storage = private_storage()
    now = now or timezone.now()
    try:
        _folders, names = storage.listdir(PENDING_UPLOADS)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"{PENDING_UPLOADS}/{name}"
        try:
            if now - storage.get_modified_time(path) > PENDING_UPLOAD_MAX_AGE:
                storage.delete(path)
                removed += 1
        except FileNotFoundError:  # saved or replaced meanwhile
            continue
    return removed


# ---- what each row becomes

def statement_preview(*, rows: list[StatementRow]) -> list[StatementRow]:
    """Decide each row's outcome (nothing is written). A fixed number of queries whatever the number of rows: the
    known lines, the bank references recorded, the payments named, and what each asks for (`bank_transfers_due`)."""
    fingerprints = {row.fingerprint for row in rows if row.fingerprint}
    known = set(BankStatementLine.objects.filter(fingerprint__in=fingerprints).values_list("fingerprint", flat=True))
    bank_refs = {row.bank_reference for row in rows if row.bank_reference}
    recorded = dict(Payment.objects.filter(provider=BANK, bank_reference__in=bank_refs)
                    .values_list("bank_reference", "reference"))
    candidates = {ref for row in rows for ref in reference_in(row.remark)}
    payments = {p.reference: p for p in Payment.objects.select_related("merchant", "account", "invoice")
                .filter(reference__in=candidates)}
    dues = bank_transfers_due(payments=[p for p in payments.values() if p.provider == BANK and p.status in AWAITING])
    in_file: set[str] = set()
    for row in rows:
        if row.error:
            row.outcome, row.message = "invalid", row.error
            continue
        if row.fingerprint in known or row.fingerprint in in_file:
            row.outcome, row.message = "duplicate", _("Already imported.")
            continue
        in_file.add(row.fingerprint)
        if row.bank_reference and row.bank_reference in recorded:
            row.outcome = "duplicate"
            row.message = _("Already recorded on payment %(ref)s.") % {"ref": recorded[row.bank_reference]}
            continue
        if row.amount is None or row.amount <= 0:
            row.outcome, row.message = Outcome.IGNORED, _("Not a credit to our account.")
            continue
        found = [payments[ref] for ref in reference_in(row.remark) if ref in payments]
        row.reference = found[0].reference if found else (reference_in(row.remark) or [""])[0]
        payment = found[0] if found else None
        row.payment = payment
        if payment is None:
            row.outcome = Outcome.UNMATCHED
            row.message = (_("No payment has the reference %(ref)s.") % {"ref": row.reference} if row.reference
                           else _("No payment reference in the remark."))
        elif payment.provider != BANK or payment.status not in AWAITING:
            row.outcome = Outcome.UNMATCHED
            row.message = _("Payment %(ref)s is “%(status)s”: record this transfer by hand if it is new money.") \
                % {"ref": payment.reference, "status": payment.get_status_display()}
        elif row.currency != payment.currency:
            row.outcome = Outcome.AMOUNT_MISMATCH
            row.message = _("In %(currency)s; the payment is in %(expected)s.") % {
                "currency": row.currency, "expected": payment.currency}
        else:
            due = dues[payment.pk]
            if row.amount == due:
                row.outcome = Outcome.MATCHED
                row.message = _("To be recorded for %(merchant)s.") % {"merchant": payment.merchant.name}
            else:
                from portal.money import format_money

                row.outcome = Outcome.AMOUNT_MISMATCH
                row.message = _("%(ref)s asks for %(due)s. Record it by hand (a partial payment, or the amount "
                                "due).") % {"ref": payment.reference, "due": format_money(due, payment.currency)}
    return rows


@transaction.atomic
def statement_import(*, content: bytes, filename: str, actor: Any, columns: dict[str, str] | None = None,
                     now: dt.datetime | None = None) -> tuple[BankStatementImport | None, list[StatementRow]]:
    """Save a statement: its new lines, and a recorded receipt for each matched row. Returns (the import, the
    rows with their outcomes); the import is None when every row was known already (nothing changed)."""
    _finance_only(actor)
    now = now or timezone.now()
    parsed = statement_read(content=content, filename=filename, columns=columns)
    rows = statement_preview(rows=parsed.rows)
    if not any(row.saved for row in rows):
        return None, rows
    digest = hashlib.sha256(content).hexdigest()
    statement = BankStatementImport(file_sha256=digest, uploaded_by=actor, rows_total=len(rows))
    extension = ".xlsx" if content.startswith(b"PK\x03\x04") else ".csv"
    statement.file.save(f"statement-{now:%Y%m%d-%H%M%S}{extension}", ContentFile(content), save=False)
    statement.save()
    for row in rows:
        if not row.saved:
            continue
        try:
            with transaction.atomic():
                line = BankStatementLine.objects.create(
                    statement=statement, fingerprint=row.fingerprint, row_number=row.row_number,
                    booked_on=row.booked_on, amount=row.amount, currency=row.currency, payer_name=row.payer_name,
                    remark=row.remark, bank_reference=row.bank_reference, outcome=row.outcome,
                    payment=row.payment if row.outcome in (Outcome.MATCHED, Outcome.AMOUNT_MISMATCH) else None)
        except IntegrityError:  # another import saved the same line a moment ago
            row.outcome, row.message = "duplicate", _("Already imported.")
            continue
        if row.outcome == Outcome.MATCHED:
            try:
                with transaction.atomic():
                    payment = bank_transfer_record(
                        actor=actor, payment=row.payment, amount=row.amount, received_on=row.booked_on,
                        bank_reference=row.bank_reference, payer_name=row.payer_name, statement_line=line, now=now)
            except ApplicationError as error:
                row.outcome, row.message = Outcome.UNMATCHED, error.message
                line.outcome, line.payment = Outcome.UNMATCHED, None
                line.save(update_fields=["outcome", "payment"])
            else:
                row.payment = payment
                if payment.pk != line.payment_id:
                    line.payment = payment
                    line.save(update_fields=["payment"])
                row.message = (_("Recorded and confirmed.") if payment.status == "succeeded"
                               else _("Recorded; another finance user confirms it."))
    counts = Counter(row.outcome for row in rows)
    statement.rows_matched = counts[Outcome.MATCHED]
    statement.rows_duplicate = counts["duplicate"]
    statement.rows_unmatched = counts[Outcome.UNMATCHED] + counts[Outcome.AMOUNT_MISMATCH]
    statement.save(update_fields=["rows_matched", "rows_duplicate", "rows_unmatched"])
    audit_entry_create(actor=actor, action="billing.bank_statement.imported", target=statement,
                       data={"sha256": digest, "rows": len(rows), "matched": statement.rows_matched,
                             "duplicate": statement.rows_duplicate, "unmatched": statement.rows_unmatched,
                             "ignored": counts[Outcome.IGNORED], "invalid": counts["invalid"]})
    return statement, rows


@transaction.atomic
def statement_line_recorded(*, line: BankStatementLine, payment: Payment) -> BankStatementLine:
    """A line finance then recorded by hand (a partial payment, an unmatched transfer): it points to its payment."""
    line = BankStatementLine.objects.select_for_update().get(pk=line.pk)
    line.payment, line.outcome = payment, Outcome.MATCHED
    line.save(update_fields=["payment", "outcome"])
    return line
