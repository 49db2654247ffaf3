"""Reads of billing, one module per side: `merchant` (the merchant's own billing pages and workspace, always
scoped to the merchant the request works in) and `finance` (the admin lists, annotated so that a page costs a
fixed number of queries)."""
