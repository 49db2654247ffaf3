"""The merchant billing pages (billing/urls.py); each area keeps its views in its own module of billing/views/."""
