"""Every domain error derives from ApplicationError, so interfaces can turn them into a clear message."""


class ApplicationError(Exception):
    def __init__(self, message: str, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class InvalidTransition(ApplicationError):
    """A state change that the lifecycle's transition map does not allow."""


class PermissionDenied(ApplicationError):
    """The acting user may not do this to this object."""


class CurrencyMismatch(ApplicationError):
    """Two amounts in different currencies were combined."""


def error_messages(error: Exception) -> list[str]:
    """The messages of a refused action, for a page to show: a ValidationError's messages, or an
    ApplicationError's message followed by the items it lists (`extra["blockers"]` or `extra["missing"]`)."""
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return [m for messages_ in error.message_dict.values() for m in messages_]
        return list(error.messages)
    if isinstance(error, ApplicationError):
        details = error.extra.get("blockers") or error.extra.get("missing") or []
        return [error.message, *[str(d) for d in details]]
    return [str(error)]


def errors_onto_form(form, error: Exception) -> None:
    """Put a refused action's messages on the form: a ValidationError's on the fields it names (the others above
    the form), an ApplicationError's beside `extra["field"]` when the form has that field, else above it."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, messages_)
        return
    field = error.extra.get("field") if isinstance(error, ApplicationError) else None
    form.add_error(field if field in form.fields else None, error_messages(error))
