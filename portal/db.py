"""Queries compiled once per process, for the few hot read paths (the public pages) where building and
compiling a queryset costs several times more than running it.

`CompiledQuery(build)` calls `build(**markers)` once per database, with a stand-in string for each of
its parameters, and compiles the `values_list` queryset it returns. `rows(**values)` runs that SQL with
the real values and returns tuples in the order of the `values_list` names, converted to Python values
exactly as the ORM converts them. The database still answers every call; only the SQL text is kept.

Parameters are strings compared with text columns (`url_path=marker`) or cast where the column is
another type (`Cast(Value(marker), DateField())` with an ISO date); everything else is fixed when the
query is compiled.

On PostgreSQL these queries also run as server-side prepared statements (`DATABASE_PREPARED_QUERIES`,
on by default): the server parses and plans each of them once per connection instead of on every
request. Only these queries are prepared: Django's own cursors bind on the client and never prepare.
Turn it off behind a connection pooler in transaction mode that does not support prepared statements.

`DATABASE_COMPILED_QUERIES=false` makes the callers read the same rows with the plain ORM instead; the
benchmark `compiled_vs_orm` compares the two (README, Benchmarks): the ORM path costs about twice the CPU.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet

# psycopg prepares nothing on a connection whose threshold is None (Django's setting); the cursor below
# asks for every statement to be prepared, so the number only matters to other server-binding cursors
# (psycopg's default; Django makes none)
_PREPARE_THRESHOLD = 5


def _marker(name: str) -> str:
    return f"\x00{name}\x00"


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._parameters = tuple(inspect.signature(build).parameters)
        self._compiled: dict[str, tuple] = {}
        self.names: tuple[str, ...] = ()

    def _compile(self, using: str) -> tuple:
        markers = {_marker(name): name for name in self._parameters}
        queryset = self._build(**{name: _marker(name) for name in self._parameters}).using(using)
        if queryset.query.selected is None:
            raise ImproperlyConfigured("a compiled query must be a values_list() queryset")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = {
            index: markers[param] for index, param in enumerate(params) if isinstance(param, str) and param in markers
        }
        missing = set(self._parameters) - set(positions.values())
        if missing:
            raise ImproperlyConfigured(f"parameters {sorted(missing)} do not reach the SQL unchanged")
        converters = list(compiler.get_converters([expression for expression, _sql, _alias in compiler.select]).items())
        self.names = tuple(queryset.query.selected)
        compiled = (sql, tuple(params), positions, converters)
        self._compiled[using] = compiled
        return compiled

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: str) -> list[tuple]:
        """Run the query with `values` for its parameters; tuples in the order of `names`."""
        sql, params, positions, converters = self._compiled.get(using) or self._compile(using)
        params = list(params)
        for index, name in positions.items():
            params[index] = values[name]
        connection = connections[using]
        with _cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted


def _cursor(connection):
    """A cursor of `connection` (with Django's query logging); on PostgreSQL one that prepares its statements."""
    if connection.vendor != "postgresql" or not getattr(settings, "DATABASE_PREPARED_QUERIES", False):
        return connection.cursor()
    connection.ensure_connection()
    driver = connection.connection
    if not hasattr(driver, "prepare_threshold"):  # psycopg 2
        return connection.cursor()
    if driver.prepare_threshold is None:
        # Django turns preparing off for the whole connection; its client-binding cursors never prepare,
        # so allowing it affects only the cursors made here
        driver.prepare_threshold = _PREPARE_THRESHOLD
    cursor = _preparing_cursor_class()(driver)
    return _DebugCursorWrapper(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


class _DebugCursorWrapper(CursorDebugWrapper):
    """Django's query log for the preparing cursor: Django reads the SQL back from client-binding cursors
    only, so the statement is logged with its parameters spelled out here."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


@functools.cache
def _preparing_cursor_class():
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """A server-binding cursor whose statements are prepared from their first run."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def server_binding_cursor(connection):
    """A cursor of a PostgreSQL `connection` that sends its parameters apart from the SQL (server-side binding),
    for set-based writes whose parameters are whole columns as arrays: Django's cursors would spell a 10,000
    element array out into the statement text. Errors are translated and execute wrappers run as on Django's
    cursors; the statement is not prepared (its plan depends on the arrays' sizes)."""
    import psycopg

    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    return _DebugCursorWrapper(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


def instance_from_values(model: type[Model], names: Iterable[str], values: Iterable, *, using: str = DEFAULT_DB_ALIAS):
    """A model instance loaded from already converted column values (`names` are field attnames)."""
    return model.from_db(using, list(names), list(values))
