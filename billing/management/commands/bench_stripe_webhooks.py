"""Data for the webhook benchmark (`make bench`, scenario "webhooks"), on the bench database and a localstripe.

    --prepare --count N --events FILE   N merchants, each with a deposit due and a card payment whose
                                        PaymentIntent has succeeded at Stripe (STRIPE_API_BASE) but not yet here;
                                        the N payment_intent.succeeded events (unsigned) go to FILE
    --verify --events FILE              how many of those payments are recorded as paid, with their ledger entry

Prints one JSON line. The rows stay in the bench database (numbered by run, so runs never collide).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing.models import DepositAccount, LedgerEntry, Payment, StripeEvent
from billing.providers.stripe import stripe_client
from portal.models import Merchant
from portal.money import to_minor_units


class Command(BaseCommand):
    help = "Prepare or verify the Stripe webhook benchmark (prints one JSON line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prepare", action="store_true")
        parser.add_argument("--verify", action="store_true")
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--events", required=True, help="the JSON file of events")
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, prepare: bool, verify: bool, count: int, events: str, confirmed: bool,
               **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to run outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if prepare == verify:
            raise CommandError("give --prepare or --verify")
        path = Path(events)
        result = self._prepare(count, path) if prepare else self._verify(path)
        self.stdout.write(json.dumps(result))

    def _prepare(self, count: int, path: Path) -> dict:
        client = stripe_client()
        run = timezone.now().strftime("%m%d%H%M%S")
        amount = Decimal("20000.00")
        out = []
        for n in range(count):
            merchant = Merchant.objects.create(name=f"压测卡付商贸{run}-{n}", grade="A")
            account = DepositAccount.objects.create(merchant=merchant, currency="CNY", required_amount=amount)
            payment = Payment.objects.create(merchant=merchant, purpose=Payment.Purpose.DEPOSIT, provider="stripe",
                                             account=account, amount=amount, currency="CNY", status="pending")
            intent = client.v1.payment_intents.create(params={
                "amount": to_minor_units(amount, "CNY"), "currency": "cny", "payment_method": "pm_card_visa",
                "confirm": True, "metadata": {"payment": str(payment.pk), "reference": payment.reference}})
            Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=intent.id)
            out.append({"id": f"evt_bench_{run}_{n}", "object": "event", "type": "payment_intent.succeeded",
                        "livemode": False, "data": {"object": {"id": intent.id, "object": "payment_intent",
                                                               "status": intent.status,
                                                               "metadata": {"payment": str(payment.pk)}}}})
        path.write_text(json.dumps(out))
        return {"prepared": count, "run": run}

    def _verify(self, path: Path) -> dict:
        events = json.loads(path.read_text())
        intents = [e["data"]["object"]["id"] for e in events]
        payments = Payment.objects.filter(stripe_payment_intent_id__in=intents)
        return {
            "events": len(events),
            "payments_succeeded": payments.filter(status="succeeded").count(),
            "ledger_entries": LedgerEntry.objects.filter(payment__in=payments).count(),
            "events_recorded": StripeEvent.objects.filter(event_id__in=[e["id"] for e in events],
                                                          processed_at__isnull=False).count(),
        }
