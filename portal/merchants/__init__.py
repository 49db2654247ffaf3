"""The merchant (partner record) of the shared domain: its lifecycle, grade and deposit."""
