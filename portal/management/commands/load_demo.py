from django.core.management.base import BaseCommand

from portal.bootstrap import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo: locales (zh-hans, en), the reference data (policy package, calendar, document matrix), "
        "the policy site in both languages and demo logins. Safe to run again: what exists is left unchanged."
    )

    def handle(self, *args, **options):
        result, reference = demo_load()
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
        self.stdout.write(
            f"reference data: {reference.calendar_days_added} calendar days, "
            + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in reference.onboarding_added.items())
            + " added"
        )
