"""Shared set-up for the account tests: organisations made through the real sign-up service."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.utils import timezone

from portal.accounts.services import merchant_signup
from portal.models import Merchant, User

PASSWORD = "Correct-Horse-42"


def owner_with_merchant(*, email: str = "owner@example.com", organisation: str = "Acme Trading",
                        verified: bool = True, language: str = "en") -> tuple[User, Merchant]:
    user = merchant_signup(email=email, password=PASSWORD, organisation_name=organisation,
                           kind=Merchant.Kind.MERCHANT, language=language)
    if verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user, user.merchants.get()


def link_path(message) -> str:
    """The path (with language prefix) of the one link in an email."""
    urls = re.findall(r"https?://\S+", message.body)
    assert len(urls) == 1, message.body
    return urlsplit(urls[0]).path
