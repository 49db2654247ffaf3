import logging
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from billing.demo_month import TOTALS, demo_month_load
from portal.money import format_money


class Command(BaseCommand):
    help = (
        "Generate a demo month after load_demo: active merchants with countersigned contracts and held deposits, "
        "order lines, complaints and buyer ratings sent through the REST API in batches of 10,000, the nightly "
        "rating recompute and one settlement run for the last full week, built and issued. "
        "Safe to run again: a second run in the same week creates nothing. Prints a short summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchants", type=int, default=200, help="active demo merchants (default 200)")
        parser.add_argument("--lines", type=int, default=100_000, help="order lines in all (default 100,000)")

    def handle(self, *args, merchants: int, lines: int, **options) -> None:
        if merchants < 1 or lines < 0:
            raise CommandError("--merchants must be at least 1 and --lines not negative")
        verbose = options["verbosity"] >= 2
        started = time.monotonic()

        def progress(step: str) -> None:
            if verbose:
                self.stdout.write(f"{time.monotonic() - started:6.1f} s  {step}")

        celery = logging.getLogger("celery")
        level = celery.level
        celery.setLevel(logging.WARNING if not verbose else level)
        try:
            # the statements' emails and PDFs go as in production; the emails to the in-memory backend here
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                result = demo_month_load(merchants=merchants, lines=lines, progress=progress)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        finally:
            celery.setLevel(level)
        self.stdout.write(f"merchants: {result.merchants} active ({result.merchants_created} created)")
        for kind, counts in result.sent.items():
            self.stdout.write(f"{kind.replace('_', ' ')}s through the API: " + ", ".join(
                f"{n} {key}" for key, n in counts.items()))
        self.stdout.write(f"order lines held: {result.lines}")
        run = result.rating_run
        self.stdout.write(f"ratings as of {run.as_of} ({'computed' if result.rating_created else 'unchanged'}): "
                          + ", ".join(f"{grade} {n}" for grade, n in result.grades.items()))
        totals = result.totals
        money = ", ".join(f"{name.replace('_', ' ')} {format_money(totals[name] or 0, 'CNY')}"
                          for name in TOTALS if name != "order_count")
        self.stdout.write(self.style.SUCCESS(
            f"settlement run {result.run.period_start} – {result.run.period_end} "
            f"({'created' if result.run_created else 'unchanged'}, {result.run.status}): "
            f"{result.statements} statements, {totals['order_count'] or 0} order lines, {money}"))
        self.stdout.write(f"in {time.monotonic() - started:.1f} s")
