"""Stripe's webhook at /billing/stripe/webhook/ (billing/webhook_urls.py; operator guide §15).

    missing, bad or stale signature (STRIPE_WEBHOOK_SECRET, STRIPE_WEBHOOK_TOLERANCE) → 400, nothing changes
    an event already processed                                                       → 200, nothing changes
    the re-read cannot reach Stripe, or a row stays locked past the lock timeout     → 503 (Stripe retries)
    anything else, known or not                                                      → 200
"""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .providers.base import ProviderUnavailable
from .services.stripe_events import StripeLockTimeout, stripe_event_process

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    payload = request.body
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return JsonResponse({"error": "missing signature"}, status=400)
    try:
        stripe.Webhook.construct_event(payload.decode("utf-8"), signature, settings.STRIPE_WEBHOOK_SECRET,
                                       tolerance=settings.STRIPE_WEBHOOK_TOLERANCE)
        event = json.loads(payload)
        event["id"], event["type"], event["data"]["object"]  # noqa: B018 - the fields we rely on
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return JsonResponse({"error": "invalid signature or payload"}, status=400)
    try:
        result = stripe_event_process(event)
    except ProviderUnavailable:
        logger.warning("stripe event %s: Stripe unreachable for the re-read; answered 503", event["id"])
        return JsonResponse({"error": "stripe unreachable, retry"}, status=503)
    except StripeLockTimeout:
        logger.warning("stripe event %s: lock timeout; answered 503", event["id"])
        return JsonResponse({"error": "busy, retry"}, status=503)
    return JsonResponse({"ok": True, "outcome": result.outcome}, status=result.status)
