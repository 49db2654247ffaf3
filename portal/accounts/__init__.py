"""Merchant accounts: sign-up, email verification, login, password reset, organisations and their teams."""
