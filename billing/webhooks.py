"""Stripe webhooks (billing/webhook_urls.py)."""
