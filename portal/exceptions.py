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
