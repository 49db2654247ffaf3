"""Reading a performance data file finance uploads (CSV or XLSX) into the rows `performance_rows_upsert` takes.

    performance_file_read(content=, filename=, kind=) → PerformanceFile: the columns found (field → the header
                                                        it was read from), the headers not read, the rows
                                                        (each with its row number, its cells as they were and
                                                        the values for the service), or PerformanceFileError

tablib reads both formats into one Dataset (openpyxl underneath for XLSX, the csv module for CSV): this module
only finds the columns by their headers and turns spreadsheet cells into the values the row models accept.

What holds:
- the header is the first row; a column is found by its header in English or Chinese (compared without case,
  spaces, underscores or brackets, full-width characters as half-width), so the platform's export, our template
  in either language and a re-uploaded file of rejected rows are all read; other columns are listed and ignored;
- a file without a column that every row needs (the external id, the merchant, …) is refused as a whole with
  the columns missing named: no row of it is shown as saved;
- cells are only made readable here, never judged: a date cell of a workbook or "2026/11/3", "2026年11月3日"
  become 2026-11-03, 是/否 become yes/no, "¥1,280.00" becomes 1280.00, a number typed as text keeps its
  digits; whatever is still wrong is reported by the row models of `portal.performance.rows`, per row and field;
- empty rows are skipped (their numbers still count, so row numbers are those a spreadsheet program shows);
- at most MAX_ROWS rows per file; a file that cannot be read at all raises PerformanceFileError with a message
  for finance and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from portal.admin_export import FORMULA_PREFIXES
from portal.exceptions import ApplicationError
from portal.models import PerformanceRowVersion

Kind = PerformanceRowVersion.Kind
# a file is read, checked and saved within a web request: an XLSX this long takes tens of seconds on two busy cores
# (tests/bench/bench_imports.py), a CSV a third of that; more data comes through the API, or in several files
MAX_ROWS = 20_000

# the fields of each kind of row, in the order of our template; `REQUIRED` are those without a default
FIELDS: dict[str, tuple[str, ...]] = {
    Kind.ORDER_LINE: ("external_id", "merchant", "category", "amount", "currency", "completed_on", "settleable_on",
                      "refund_amount", "refunded_on", "fulfilled", "on_time"),
    Kind.COMPLAINT: ("external_id", "merchant", "received_on", "order_external_id", "reason"),
    Kind.SATISFACTION: ("external_id", "merchant", "rated_on", "score", "order_external_id"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    Kind.ORDER_LINE: ("external_id", "merchant", "category", "amount", "completed_on", "settleable_on"),
    Kind.COMPLAINT: ("external_id", "merchant", "received_on"),
    Kind.SATISFACTION: ("external_id", "merchant", "rated_on", "score"),
}
DATE_FIELDS = frozenset({"completed_on", "settleable_on", "refunded_on", "received_on", "rated_on"})
BOOL_FIELDS = frozenset({"fulfilled", "on_time"})
NUMBER_FIELDS = frozenset({"amount", "refund_amount", "score"})

# the headers each field is found by, besides the field's own name and its labels (compared after `_norm`)
HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("external id", "id", "line id", "order line id", "complaint id", "rating id", "外部编号",
                    "编号", "订单行号", "订单明细号", "明细编号", "投诉编号", "投诉单号", "评价编号", "评价id"),
    "merchant": ("merchant", "merchant id", "商家", "商家id", "商家编号", "商户", "商户id", "商户编号"),
    "category": ("category", "category code", "类目", "类目编码", "类目代码", "品类", "品类编码"),
    "amount": ("amount", "order amount", "line amount", "gmv", "金额", "订单金额", "成交金额", "商品金额"),
    "currency": ("currency", "币种", "货币"),
    "completed_on": ("completed on", "completed", "completion date", "完成日期", "完成时间", "订单完成日期",
                     "订单完成时间"),
    "settleable_on": ("settleable on", "settleable date", "t", "t date", "t日", "可结算日期", "可结算日",
                      "结算日期"),
    "refund_amount": ("refund amount", "refund", "refunded amount", "退款金额", "退款"),
    "refunded_on": ("refunded on", "refund date", "退款日期", "退款时间"),
    "fulfilled": ("fulfilled", "履约", "已履约", "是否履约"),
    "on_time": ("on time", "delivered on time", "准时", "准时送达", "是否准时", "准时发货", "是否准时送达"),
    "order_external_id": ("order", "order id", "order external id", "订单", "订单号", "订单编号"),
    "received_on": ("received on", "complaint date", "date", "投诉日期", "收到日期", "日期"),
    "reason": ("reason", "投诉原因", "原因"),
    "rated_on": ("rated on", "rating date", "date", "评价日期", "日期"),
    "score": ("score", "rating", "satisfaction", "评分", "满意度", "分数"),
}

TRUE_WORDS = frozenset({"是", "有", "对", "y", "yes", "true", "1", "√", "✓", "✔"})
FALSE_WORDS = frozenset({"否", "无", "不", "n", "no", "false", "0", "×", "✗", "✘"})
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT].*)?$")
_NUMBER_NOISE = re.compile(r"[\s,，¥￥]")


def field_labels() -> dict[str, str]:
    """Each field's heading in the current language (our template's headers, the preview's columns)."""
    return {
        "external_id": _("External id"), "merchant": _("Merchant id"), "category": _("Category code"),
        "amount": _("Amount"), "currency": _("Currency"), "completed_on": _("Completed on"),
        "settleable_on": _("Settleable on (T)"), "refund_amount": _("Refund amount"), "refunded_on": _("Refunded on"),
        "fulfilled": _("Fulfilled"), "on_time": _("Delivered on time"), "order_external_id": _("Order id"),
        "received_on": _("Complaint date"), "reason": _("Reason"), "rated_on": _("Rated on"), "score": _("Score"),
    }


def kind_labels() -> dict[str, Any]:
    return {Kind.ORDER_LINE: pgettext_lazy("performance data", "Order lines"),
            Kind.COMPLAINT: pgettext_lazy("performance data", "Complaints"),
            Kind.SATISFACTION: pgettext_lazy("performance data", "Satisfaction ratings")}


class PerformanceFileError(ApplicationError):
    """The file cannot be read as performance data of its kind; the message says why and what to do."""


@dataclass
class FileRow:
    """One row of the file: its number as a spreadsheet shows it (the header is row 1), its cells as text
    (header → text, for the rejected rows' download) and the values for the row models (field → value)."""

    number: int
    cells: dict[str, str]
    values: dict[str, Any]


@dataclass
class PerformanceFile:
    kind: str
    headers: list[str]
    columns: dict[str, str]  # field → the header it was read from
    ignored: list[str] = field(default_factory=list)
    rows: list[FileRow] = field(default_factory=list)


def _norm(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    return re.sub(r"[\s_\-()（）\[\]【】:：*]", "", text)


def _header_keys(kind: str) -> dict[str, str]:
    """normalised header → field, for the fields of this kind (our own labels in both languages included)."""
    from django.utils import translation

    keys: dict[str, str] = {}
    for name in FIELDS[kind]:
        spellings = [name, *HEADERS.get(name, ())]
        for language in ("en", "zh-hans"):
            with translation.override(language):
                spellings.append(field_labels()[name])
        for spelling in spellings:
            keys.setdefault(_norm(spelling), name)
    return keys


def performance_file_format(*, content: bytes) -> str:
    """"xlsx" or "csv" by the file's first bytes (never its name), or PerformanceFileError for a file that is
    neither: the cheap check made at upload, before the rows are read."""
    if not content:
        raise PerformanceFileError(_("The file is empty."))
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise PerformanceFileError(_("This is an old Excel file (.xls). Save it as XLSX or CSV and upload it "
                                     "again."))
    if content.startswith(b"%PDF"):
        raise PerformanceFileError(_("This is a PDF. Upload the data as a spreadsheet: CSV or XLSX."))
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if b"\x00" in content[:4096]:
        raise PerformanceFileError(_("The file is neither a readable CSV (UTF-8 or GBK text) nor an XLSX "
                                     "workbook."))
    return "csv"


def _dataset(content: bytes) -> tablib.Dataset:
    if performance_file_format(content=content) == "xlsx":
        try:
            return tablib.Dataset().load(content, format="xlsx")
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as error:
            raise PerformanceFileError(_("The XLSX workbook cannot be opened: it is damaged or not an Excel file. "
                                         "Save it again as XLSX or CSV.")) from error
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = ""
    if not text.strip() or "\x00" in text:
        raise PerformanceFileError(_("The file is neither a readable CSV (UTF-8 or GBK text) nor an XLSX "
                                     "workbook."))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except tablib.InvalidDimensions as error:
        raise PerformanceFileError(_("Some rows of the CSV file have more cells than the header row. Check for "
                                     "commas inside values (quote them) and save the file again.")) from error
    except (csv.Error, ValueError) as error:  # the csv module's own errors for a broken file
        raise PerformanceFileError(_("The CSV file cannot be read (%(error)s). Save it again as CSV or XLSX.")
                                   % {"error": error}) from error


def _text(value: Any) -> str:
    """A cell as the text a person sees (for the kept rejected rows and the preview)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]  # our own downloads defuse cells that would run as formulas; read them back as typed
    return text


def _value(name: str, raw: Any) -> Any:
    """The value for the row model: only spreadsheet spellings are translated; nothing is judged here."""
    if name in DATE_FIELDS:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = _text(raw)
        match = _DATE.match(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return text
        return text
    if name in BOOL_FIELDS:
        if isinstance(raw, bool):
            return raw
        text = _text(raw)
        key = _norm(text)
        if key in TRUE_WORDS:
            return True
        if key in FALSE_WORDS:
            return False
        return text
    if name in NUMBER_FIELDS:
        if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            return str(raw)
        text = _NUMBER_NOISE.sub("", _text(raw))
        try:
            return str(Decimal(text)) if text else ""
        except InvalidOperation:
            return _text(raw)
    return _text(raw)


def performance_file_read(*, content: bytes, filename: str, kind: str) -> PerformanceFile:
    """The rows of an uploaded file of `kind` (see the module's docstring); nothing is written."""
    if kind not in FIELDS:
        raise PerformanceFileError(_("Choose what the file holds: order lines, complaints or satisfaction "
                                     "ratings."))
    data = _dataset(content)
    headers = [_text(header) for header in (data.headers or [])]
    if not any(headers):
        raise PerformanceFileError(_("The first row of the file must be its header row (the column names)."))
    keys = _header_keys(kind)
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        name = keys.get(_norm(header))
        if name is None or not header:
            if header:
                ignored.append(header)
            continue
        if name in positions:
            raise PerformanceFileError(_("The columns “%(first)s” and “%(second)s” both give %(field)s. Remove one "
                                         "of them.") % {"first": columns[name], "second": header,
                                                        "field": field_labels()[name]})
        positions[name], columns[name] = position, header
    missing = [field_labels()[name] for name in REQUIRED[kind] if name not in positions]
    if missing:
        raise PerformanceFileError(_("The header row has no column for: %(missing)s. Name the columns as in the "
                                     "template (English or Chinese headers).") % {"missing": ", ".join(missing)})
    if data.height > MAX_ROWS:
        raise PerformanceFileError(_("The file has %(count)s rows; at most %(max)s can be imported at once. Split "
                                     "it into smaller files.") % {"count": data.height, "max": MAX_ROWS})
    result = PerformanceFile(kind=kind, headers=headers, columns=columns, ignored=ignored)
    for index, row in enumerate(data, start=2):
        if all(cell is None or _text(cell) == "" for cell in row):
            continue
        cells = {header or f"#{position + 1}": _text(row[position]) for position, header in enumerate(headers)}
        values = {name: _value(name, row[position]) for name, position in positions.items()}
        result.rows.append(FileRow(number=index, cells=cells, values=values))
    if not result.rows:
        raise PerformanceFileError(_("The file has a header row but no data rows."))
    return result


def performance_template(*, kind: str) -> tablib.Dataset:
    """An empty file of `kind` with our headers in the current language, and one example row."""
    examples = {
        Kind.ORDER_LINE: ["OL-20261102-0001", "1", "apparel", "128.00", "CNY", "2026-11-02", "2026-11-09", "0", "",
                          "true", "true"],
        Kind.COMPLAINT: ["CP-20261103-0001", "1", "2026-11-03", "OL-20261102-0001", ""],
        Kind.SATISFACTION: ["SR-20261103-0001", "1", "2026-11-03", "4.5", "OL-20261102-0001"],
    }
    labels = field_labels()
    return tablib.Dataset(examples[kind], headers=[labels[name] for name in FIELDS[kind]])
