"""billing's Wagtail admin views, one module per area."""
