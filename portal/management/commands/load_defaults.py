from django.core.management.base import BaseCommand

from portal.bootstrap import reference_data_load


class Command(BaseCommand):
    help = (
        "Load the reference data every installation needs: default policy package and categories, the PRC "
        "working-day calendar, document types and matrix, squads. Safe to run again."
    )

    def handle(self, *args, **options):
        result = reference_data_load()
        self.stdout.write(self.style.SUCCESS(result.summary()))
