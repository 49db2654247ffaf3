"""CSV and XLSX downloads of admin listings, the same way on every screen (Wagtail's `SpreadsheetExportMixin`
underneath): columns declared once as key → (heading, value of a row), cells that a spreadsheet program will
not run as formulas, local wall-clock times, a byte-order mark so Chinese reads right, rows streamed from the
database in chunks (CSV row by row, XLSX in openpyxl's write-only mode).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from django.db import models
from django.utils import timezone, translation
from django.utils.functional import cached_property

# characters that make a spreadsheet cell a formula; text typed by someone outside starting with one is defused
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ExportColumns = dict[str, tuple[Any, Callable[[Any, dt.datetime], Any]]]


def export_value(value: Any) -> Any:
    """A cell value: local wall-clock time for datetimes (to the second), and text that a spreadsheet
    program will not run as a formula."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(microsecond=0, tzinfo=None)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class ExportColumnsMixin:
    """Put before `SpreadsheetExportMixin` (or a Wagtail `IndexView`). Subclasses set `export_columns`
    (key → (heading, function of the row and the export's moment)) and `export_filename`."""

    export_columns: ExportColumns = {}
    export_filename = "export"
    EXPORT_CHUNK = 2000

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "export_columns" in cls.__dict__:
            cls.list_export = list(cls.export_columns)
            cls.export_headings = {key: heading for key, (heading, _value) in cls.export_columns.items()}

    @cached_property
    def now(self) -> dt.datetime:
        return timezone.now()

    def to_row_dict(self, item) -> OrderedDict:
        return OrderedDict((key, export_value(self.export_columns[key][1](item, self.now)))
                           for key in self.list_export)

    def get_filename(self) -> str:
        return f"{self.export_filename}-{timezone.localtime(self.now):%Y%m%d-%H%M}"

    def export_rows(self, queryset: models.QuerySet) -> Iterator:
        return queryset.iterator(chunk_size=self.EXPORT_CHUNK)

    def stream_csv(self, queryset):
        # The rows are produced after the view has returned, outside the admin's language and time zone
        # activation: read both now and carry them into the generator.
        language, zone = translation.get_language(), timezone.get_current_timezone()
        rows = super().stream_csv(self.export_rows(queryset))

        def generate():
            with translation.override(language), timezone.override(zone):
                yield "\ufeff"  # byte-order mark: spreadsheet programs then read it as UTF-8 (Chinese names)
                yield from rows

        return generate()

    def write_xlsx(self, queryset, output):
        super().write_xlsx(self.export_rows(queryset), output)

    def get_heading(self, queryset, field):
        return str(self.export_headings[field])
