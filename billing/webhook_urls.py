"""Stripe's webhook, without a language prefix: /billing/stripe/webhook/ (namespace "billing_webhooks")."""

from django.urls import path  # noqa: F401

from . import webhooks  # noqa: F401

app_name = "billing_webhooks"

urlpatterns: list = [
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe"),
]
