from django.core.management.base import BaseCommand

from cms.demo import demo_login_todos, demo_logins


class Command(BaseCommand):
    help = "List the demo logins that exist (email, password, role); `load_demo` creates them."

    def handle(self, *args, **options):
        logins = demo_logins()
        if not logins:
            self.stdout.write(self.style.WARNING("no demo logins yet: run `python manage.py load_demo`"))
            return
        self.stdout.write("demo logins (email / password / role):")
        for login in logins:
            todos = demo_login_todos(email=login.email) if login.role == "merchant" else []
            note = f"  (to do: {'; '.join(todos)})" if todos else ""
            self.stdout.write(f"  {login.email:28} {login.password}  {login.role}{note}")
