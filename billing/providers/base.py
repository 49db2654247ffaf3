from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from portal.exceptions import ApplicationError


class ProviderUnavailable(ApplicationError):
    """The provider's service did not answer (Stripe down, a timeout). Nothing changed on our side."""

    def __init__(self, message: str | None = None, extra: dict | None = None):
        super().__init__(message or str(_("The payment service cannot be reached just now. Nothing was charged; "
                                          "please try again in a few minutes.")), extra)


class PaymentProvider:
    """The interface. `identifier` is the value in Payment.provider / Refund.provider."""

    identifier: ClassVar[str]
    verbose_name: ClassVar[Any]

    def start(self, payment) -> dict[str, Any]:
        """Prepare `payment` (status created) and return what the payment page needs to show."""
        raise NotImplementedError

    def confirm(self, payment, data: dict[str, Any]) -> str:
        """Act on the merchant's confirmation; return the payment's status afterwards."""
        raise NotImplementedError

    def refresh(self, payment) -> str:
        """Read the payment back from the provider and apply its state; return the status."""
        return payment.status

    def refund(self, refund) -> str:
        """Send `refund` (status created or failed); return its status."""
        raise NotImplementedError

    def refresh_refund(self, refund) -> str:
        return refund.status


_providers: dict[str, PaymentProvider] = {}


def provider_register(provider: PaymentProvider) -> PaymentProvider:
    _providers[provider.identifier] = provider
    return provider


def provider_for(identifier: str) -> PaymentProvider:
    try:
        return _providers[identifier]
    except KeyError:
        raise ApplicationError(f"no payment provider {identifier!r}") from None
