import contextlib
import logging

from django.core.management.base import BaseCommand

from portal.bootstrap import demo_load


@contextlib.contextmanager
def _wagtail_quiet(quiet: bool):
    """Wagtail logs every page it creates, edits and publishes at INFO: about 250 lines for the demo site."""
    logger = logging.getLogger("wagtail")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load the demo: locales (zh-hans, en), the reference data (policy package, calendar, document matrix), "
        "the policy site in both languages, demo logins and demo applications. "
        "Safe to run again: what exists is left unchanged. "
        "Prints a short summary; -v 2 lists every page and Wagtail's page log."
    )

    def handle(self, *args, **options):
        verbose = options["verbosity"] >= 2
        with _wagtail_quiet(not verbose):
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
        self.stdout.write(reference.summary())
