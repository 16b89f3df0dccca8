"""Errors shared by every app's services, views and API, mapped to responses once (in
stegvis/api.py for the API): a stale write answers the same status everywhere."""

from ninja.errors import HttpError


class StaleEdit(Exception):
    """Someone saved a newer version since this one was read; nothing was saved (412)."""


class NotAllowed(Exception):
    """The data's own rules refuse the request: someone the patient has not let in, a
    note only its owner shares (422). `names` lists the people refused, if any."""

    def __init__(self, message: str, *, names: list[str] = ()):
        super().__init__(message)
        self.names = list(names)


class Incomplete(Exception):
    """The record lacks what the law or the process requires (422). `errors` names each
    missing field when the service knows them."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


class ApiError(HttpError):
    """An API error with a stable machine-readable code."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


class FieldErrors(Exception):
    """Input that passed the schema but breaks a domain rule: a 422 naming each field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("The request is not valid.")
        self.errors = errors
