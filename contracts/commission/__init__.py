"""The commission engine: effective-dated commission tables, overrides, and the one function that says which
rate applies (BUSINESS_RULES §7). Billing reads `commission_rate` / `commission_rates` from here."""

from .engine import (
    CommissionError,
    CommissionLine,
    RateResult,
    RateStep,
    Source,
    Step,
    commission_rate,
    commission_rates,
    rate_round,
)

__all__ = [
    "CommissionError",
    "CommissionLine",
    "RateResult",
    "RateStep",
    "Source",
    "Step",
    "commission_rate",
    "commission_rates",
    "rate_round",
]
