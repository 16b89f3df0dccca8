"""The current request's id and client address, for audit events written deep in services."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str | None = None


# The default is a frozen dataclass, so sharing it between contexts is safe.
current: ContextVar[RequestContext] = ContextVar(
    "stegvis_request",
    default=RequestContext(),  # noqa: B039
)
