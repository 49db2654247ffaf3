from django.core.management.base import BaseCommand

from portal.roles import roles_sync


class Command(BaseCommand):
    help = "Create the staff role groups and set their permissions (also runs after every migrate)."

    def handle(self, *args, **options):
        groups = roles_sync()
        for group in groups:
            self.stdout.write(self.style.SUCCESS(f"role {group.name}: {group.permissions.count()} permissions"))
