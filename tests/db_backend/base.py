"""PostgreSQL for the test suite: Django's backend with a faster flush between transactional tests.

Django empties every table after a test that commits (browser journeys, concurrency tests) with one TRUNCATE of
all ~150 tables, and on a disk that syncs TRUNCATE costs seconds each time (it makes new files for every table
and index). Deleting the rows is a fraction of a second. Our append-only tables refuse DELETE by trigger and the
foreign keys are checked by triggers, so the delete runs with `session_replication_role = replica`, which skips
both for that transaction only. The content types and permissions stay: the flush's post-migrate step would
create the same rows again, and finding them there is cheaper.

Skipping triggers needs a superuser (CI's and a developer's local PostgreSQL); without one, and when sequences
must be reset, the flush is Django's own.
"""

from django.db.backends.postgresql import base, operations

# rows every flush's post-migrate step puts back as they were
KEPT = frozenset({"django_content_type", "auth_permission"})


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or not self.connection.is_superuser:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL session_replication_role = replica"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))}"
            for table in tables
            if table not in KEPT
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    @property
    def is_superuser(self) -> bool:
        if not hasattr(self, "_is_superuser"):
            with self.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self._is_superuser = bool(cursor.fetchone()[0])
        return self._is_superuser
