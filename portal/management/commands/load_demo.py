import contextlib
import logging

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from portal.bootstrap import demo_load


@contextlib.contextmanager
def _quiet(quiet: bool):
    """Wagtail logs every page it creates, edits and publishes at INFO (about 250 lines for the demo site),
    Celery every task it runs, and the demo applications' notification emails would fill the console
    backend's output (about 350 lines): keep them out of the summary. The emails go to the in-memory backend,
    so nobody is mailed for a demo application."""
    if not quiet:
        yield
        return
    loggers = [logging.getLogger(name) for name in ("wagtail", "celery")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load the demo: locales (zh-hans, en), the reference data (policy package, calendar, document matrix), "
        "the policy site in both languages, demo logins, demo applications and demo contracts. "
        "Safe to run again: what exists is left unchanged. "
        "Prints a short summary; -v 2 lists every page, Wagtail's page log, the tasks and the emails they send."
    )

    def handle(self, *args, **options):
        verbose = options["verbosity"] >= 2
        with _quiet(not verbose):
            result, reference = demo_load()
        if verbose:
            for path in result.pages_created:
                self.stdout.write(self.style.SUCCESS(f"page created    {path}"))
        self.stdout.write(
            f"pages: {len(result.pages_created)} created, {len(result.pages_unchanged)} unchanged"
        )
        created = sum(login.created for login in result.logins)
        self.stdout.write(self.style.SUCCESS(
            f"logins: {created} created, {len(result.logins) - created} unchanged "
            "(python manage.py demo_logins lists them)"
        ))
        self.stdout.write(f"demo applications: {result.applications_created} created")
        self.stdout.write(f"demo contracts: {result.contracts_created} created")
        self.stdout.write(reference.summary())
