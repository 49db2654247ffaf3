"""The contract screens of the Wagtail admin: the contract list with its filters and exports, one contract
with its terms, documents, amendments, renewal review and timeline and one POST view per lifecycle action,
and the bulk PDF download (a zip built by a Celery task, with its progress page)."""
