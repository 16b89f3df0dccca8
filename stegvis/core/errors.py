"""Errors shared by every app's services, views and API, mapped to responses once (in
stegvis/api.py for the API): a stale write answers the same status everywhere."""

from typing import Annotated

from django.core.exceptions import SuspiciousOperation
from ninja.errors import HttpError
from pydantic import StringConstraints


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


class KeyReused(SuspiciousOperation):
    """An idempotency key (a form's submission id, a client token) sent again by its author
    for another target or with another body: 422 in the API (IETF Idempotency-Key draft)
    and 400 on a page. A key belongs to its author, as the API's keys do: the same key from
    someone else is theirs, makes their own record and never reaches this one."""


def replayed(existing, *, author_id, **same):
    """The record a retried submission made, if `existing` (found among the author's own)
    is that retry: the same author, and the same value for each of `same` (the target, the
    body). None when the key is new; KeyReused when it was used for something else."""
    if existing is None:
        return None
    if getattr(existing, _author_field(existing)) != author_id or any(
        getattr(existing, name) != value for name, value in same.items()
    ):
        raise KeyReused("This submission id was already used for something else.")
    return existing


def _author_field(record) -> str:
    for name in ("author_id", "created_by_id", "patient_id"):
        if hasattr(record, name):
            return name
    raise AttributeError(f"{type(record).__name__} names no author")


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


def Text(max_length: int, min_length: int = 0):
    """An API text field with the same limit as its form and model. (A NUL byte is refused
    for every field at once, in stegvis/api.py.)"""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]
