def private_storage():
    """Evidence, receipts, invoice PDFs and fapiao: served only through permission-checked views."""
    from django.core.files.storage import storages

    return storages["private"]
