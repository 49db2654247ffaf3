from django.core.management.base import BaseCommand

from cms.demo import demo_content_load


class Command(BaseCommand):
    help = (
        "Load the demo: locales (zh-hans, en), the default policy package, the policy site in both languages "
        "and demo logins. Safe to run again: what exists is left unchanged."
    )

    def handle(self, *args, **options):
        result = demo_content_load()
        for path in result.pages_created:
            self.stdout.write(self.style.SUCCESS(f"page created    {path}"))
        self.stdout.write(
            f"pages: {len(result.pages_created)} created, {len(result.pages_unchanged)} unchanged"
        )
        self.stdout.write("demo logins (email / password / role):")
        for login in result.logins:
            state = "created" if login.created else "unchanged"
            self.stdout.write(f"  {login.email:28} {login.password}  {login.role} ({state})")
        created = sum(login.created for login in result.logins)
        self.stdout.write(self.style.SUCCESS(
            f"logins: {created} created, {len(result.logins) - created} unchanged"
        ))
