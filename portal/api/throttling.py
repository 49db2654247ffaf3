"""Rate limits of the API per token, on django-ninja's throttling (`ninja.throttling.SimpleRateThrottle`).

Each token has its own budget per kind of endpoint: `write` (the trading platform's ingest endpoints) and `read`.
The rates come from `settings.API_THROTTLE_RATES` ("<requests>/<period>", period s, min, hour or day) and are read
on each request, so a changed setting applies without a restart. The history lives in the default cache: Redis in
production (shared by every worker); the per-process local-memory cache of development gives each process its own
budget. A request over the budget answers 429 with a JSON `detail` and `Retry-After` (portal.api.urls). The check
runs after authentication, so an unknown token gets 401 and never spends a budget."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """At most `settings.API_THROTTLE_RATES[scope]` requests per token; None as the rate means no limit."""

    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def __init__(self, scope: str):
        self.scope = scope
        self.rate = self._configured_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)  # a malformed rate fails at start-up

    def _configured_rate(self) -> str | None:
        return settings.API_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if token is None:
            return None
        # the token's public prefix is unique and never reused, unlike a primary key after a reset
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = self._configured_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def wait(self) -> float | None:
        """Seconds until the oldest request in the window leaves it (so the next one is allowed)."""
        if not self.history:
            return float(self.duration or 1)
        return max(1.0, self.duration - (self.now - self.history[-1]))


WRITE_THROTTLE = TokenRateThrottle("write")
READ_THROTTLE = TokenRateThrottle("read")
