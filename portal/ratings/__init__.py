"""The credit rating [信用评级] (BUSINESS_RULES §8): the rating model's versions under change control
(`versions`), the nightly set-based recompute (`services`, `tasks`) and the reads (`selectors`)."""
